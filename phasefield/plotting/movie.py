"""Movies of a field over saves: GIF through Pillow (which comes with matplotlib), MP4 through
FFmpeg as the ``imageio-ffmpeg`` package ships it (an optional extra: ``[movie]``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .maps import MapFigure
from .select import PlotError

__all__ = ["MOVIE_SUFFIXES", "movie_writer", "write_movie"]

MOVIE_SUFFIXES = (".gif", ".mp4")


def movie_writer(path: Path, fps: int) -> Any:
    """The matplotlib writer for ``path`` (by its suffix), checked before any frame is drawn.

    Raises
    ------
    PlotError
        An unknown suffix, or an MP4 without the ``imageio-ffmpeg`` package.
    """
    from matplotlib import animation

    suffix = path.suffix.lower()
    if suffix == ".gif":
        return animation.PillowWriter(fps=fps)
    if suffix == ".mp4":
        try:
            import imageio_ffmpeg
        except ImportError:
            raise PlotError(
                f"--movie {path}: writing MP4 needs the imageio-ffmpeg package: "
                "pip install imageio-ffmpeg (or the [movie] extra), or write a .gif"
            ) from None
        import matplotlib

        matplotlib.rcParams["animation.ffmpeg_path"] = imageio_ffmpeg.get_ffmpeg_exe()
        return animation.FFMpegWriter(fps=fps, codec="h264")
    raise PlotError(
        f"--movie {path}: unknown movie format '{path.suffix}'; "
        f"name a {' or '.join(MOVIE_SUFFIXES)} file"
    )


def write_movie(saves: Sequence[Any], name: str, path: Path, title: str, fps: int = 5) -> Path:
    """A movie of field ``name`` over ``saves`` (one save each, as :class:`~phasefield.
    plotting.maps.MapFigure` takes them; one frame each, one colour scale and one colour per
    grain throughout), written to ``path``. Saves on different grids (a run that regrids) are
    each drawn with their own extent (a tiled box is drawn twice as long)."""
    writer = movie_writer(path, fps)
    if not path.parent.is_dir():
        raise PlotError(f"--movie {path}: no folder {path.parent}")
    frames = MapFigure(saves, name, title)
    try:
        with writer.saving(frames.figure, str(path), dpi=100):
            for frame in range(len(saves)):
                frames.show(frame)
                writer.grab_frame()
    finally:
        frames.close()
    return path
