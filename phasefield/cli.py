"""The ``phasefield`` command: run, validate, summary, grains, sweep, report, export, plot,
schema.

Exit codes: 0 done; 2 bad input (one line per problem on stderr, naming the key or file, no
traceback, nothing written); 1 a run that failed while running (its store still opens);
130 interrupted (Ctrl-C or SIGTERM: the step under way finishes, a checkpoint is written,
``--resume`` continues).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .summaries import print_grains, print_summary

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit with 2 and a one-line message (as bad input does)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"phasefield: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="phasefield", description="Fourier-spectral phase-field solver.")
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("--debug", action="store_true", help="show tracebacks of failures")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="run one simulation")
    validate = commands.add_parser(
        "validate",
        help="check a config (and the run it would start) and print the resolved settings",
    )
    for command in (run, validate):  # validate checks exactly what run checks
        command.add_argument("config", type=Path, help="YAML config")
        command.add_argument(
            "--out", type=Path, help="zarr store (default: output.path of the config)"
        )
        command.add_argument("--backend", choices=["auto", "numpy", "cupy"])
        command.add_argument("--precision", choices=["float32", "float64"])
        command.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY.PATH=VALUE",
            dest="settings",
            help="change a key of the config, the value read as YAML (repeatable): "
            "--set time.end=100 --set grid.shape=[64,64] --set model.temperature='450 degC'",
        )
        mode = command.add_mutually_exclusive_group()
        mode.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
        mode.add_argument("--overwrite", action="store_true", help="replace an existing store")
    run.add_argument("--quiet", action="store_true", help="no progress bar, no summary")

    summary = commands.add_parser("summary", help="the scalar series of a run")
    summary.add_argument("store", type=Path)
    summary.add_argument("--json", action="store_true", help="machine-readable output")

    grains = commands.add_parser(
        "grains", help="grain statistics per save (count, sizes, neighbours)"
    )
    grains.add_argument("store", type=Path)
    grains.add_argument("--json", action="store_true", help="machine-readable output")

    sweep = commands.add_parser("sweep", help="many runs as Dask tasks")
    sweep.add_argument("sweep", type=Path, help="sweep file (YAML)")
    sweep.add_argument(
        "--scheduler",
        help="address of a running Dask scheduler (default: an embedded LocalCluster)",
    )
    sweep.add_argument(
        "--workers",
        type=int,
        help="workers of the embedded cluster (default: one per GPU, else one per core)",
    )
    sweep.add_argument(
        "--overwrite",
        action="store_true",
        help="run every member again from the start, replacing its store",
    )
    sweep.add_argument(
        "--dashboard",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="serve the embedded cluster's Dask dashboard at [HOST]:PORT (default "
        "localhost:8787) and print its URL; off unless given",
    )

    report = commands.add_parser(
        "report", help="a table (printed and CSV) and PNG figures across runs"
    )
    report.add_argument("paths", type=Path, nargs="+", help="sweep files or stores")
    report.add_argument(
        "--out",
        type=Path,
        help="folder for report.csv and the figures (default: report/ beside the first store)",
    )

    export = commands.add_parser("export", help="fields as VTK image data for ParaView")
    export.add_argument("store", type=Path)
    export.add_argument("--vtk", type=Path, required=True, help="folder for the .vti files")
    export.add_argument(
        "--times", type=float, nargs="+", help="model times (nearest saves; default: every save)"
    )

    plot = commands.add_parser("plot", help="figures (and movies) of any model's store")
    plot.add_argument("store", type=Path)
    plot.add_argument("--field", help="one variable (default: every field and the series)")
    plot.add_argument(
        "--times", type=float, nargs="+", help="model times (nearest saves; default: the last)"
    )
    plot.add_argument(
        "--out", type=Path, help="a .png file or a folder (default: beside the store)"
    )
    plot.add_argument("--movie", type=Path, help="a .gif or .mp4 movie of the field instead")

    schema = commands.add_parser("schema", help="the config's JSON Schema, for editors")
    schema.add_argument("--sweep", action="store_true", help="the sweep file's schema instead")
    return parser


def _version() -> str:
    from . import __version__

    return f"phasefield {__version__}"


def _bad_input(problems: Sequence[str]) -> int:
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _validate(args: argparse.Namespace) -> int:
    from .config import to_yaml
    from .models.registry import spec_of
    from .simulation.prepare import prepare

    config = prepare(args.config, **_run_options(args)).config
    print(to_yaml(config), end="")
    grid = config.grid
    cells = math.prod(grid.shape)
    cadence = config.save_cadence.describe()
    steps = config.model.step_description(config.time.dt)
    if steps is None and config.time.adaptive is not None:
        steps = f"adaptive steps from {config.time.dt:g} ({config.time.scheme})"
    elif steps is None:
        steps = f"about {config.total_steps} steps ({config.time.scheme})"
        if grid.regrid is not None:
            steps = (
                f"at most {config.total_steps} steps ({config.time.scheme}; each regrid makes "
                "the step four times longer)"
            )
    print(
        f"# ok: {config.model.kind} on {'x'.join(map(str, grid.shape))} = {cells} cells, "
        f"{steps}, saves {cadence} to {config.store_path}"
    )
    spec = spec_of(config.model.kind)
    for line in spec.describe(config.model, config.time.dt, config.grid.spacings):
        print(f"# {line}")
    for warning in config.warnings():
        print(f"warning: {warning}", file=sys.stderr)
    return EXIT_OK


def _run_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options ``run`` and ``validate`` share, as keywords of ``prepare`` and ``run``."""
    from .config import parse_settings

    return {
        "settings": parse_settings(args.settings),
        "out": args.out,
        "backend": args.backend,
        "precision": args.precision,
        "resume": args.resume,
        "overwrite": args.overwrite,
    }


def _run(args: argparse.Namespace) -> int:
    from .simulation.runner import run

    options = _run_options(args)
    run(args.config, progress=False if args.quiet else None, **options)
    if not args.quiet:
        print_summary(_store_of(args, options["settings"]))
    return EXIT_OK


def _store_of(args: argparse.Namespace, settings: dict[str, Any]) -> Path:
    """The store ``run`` writes: ``--out``, or the config's (with ``--set`` applied)."""
    from .config import load_config

    return args.out.resolve() if args.out else load_config(args.config, settings).store_path


def _sweep(args: argparse.Namespace) -> int:
    from .sweep import DASHBOARD, dashboard_address, load_sweep, run_sweep

    sweep = load_sweep(args.sweep)
    if args.workers is not None and args.workers < 1:
        return _bad_input(["--workers: give at least 1"])
    dashboard = None
    if args.dashboard is not None:
        if args.scheduler:
            return _bad_input(
                ["--dashboard: only for the embedded cluster; a --scheduler serves its own"]
            )
        dashboard = dashboard_address(args.dashboard or DASHBOARD)
    width = len(str(len(sweep.members)))

    def show(outcome: Any, done: int, total: int) -> None:
        what = {
            "complete": f"done in {outcome.seconds:.1f} s",
            "skipped": "skipped (complete)",
            "failed": f"FAILED: {outcome.message}",
        }[outcome.status]
        print(f"[{done:>{width}}/{total}] {outcome.name}: {what}", flush=True)
        for line in outcome.warnings:
            print(f"warning: {outcome.name}: {line}", file=sys.stderr)

    print(f"sweep {sweep.name}: {len(sweep.members)} members, stores in {sweep.out}", flush=True)
    outcomes = run_sweep(
        sweep,
        scheduler=args.scheduler,
        workers=args.workers,
        report=show,
        progress=sys.stderr.isatty(),
        overwrite=args.overwrite,
        dashboard=dashboard,
        on_dashboard=lambda url: print(f"Dask dashboard: {url}", flush=True),
    )
    failed = [o for o in outcomes if o.status == "failed"]
    ran = sum(o.status == "complete" for o in outcomes)
    print(
        f"sweep {sweep.name}: {ran} run, {len(outcomes) - ran - len(failed)} skipped, "
        f"{len(failed)} failed; report: phasefield report {args.sweep}"
    )
    return EXIT_FAILED if failed else EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from .report import format_table, report, table_notes

    rows, files, notes = report(args.paths, args.out)
    print(format_table(rows))
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    for line in table_notes(rows):
        print(line)
    print("wrote " + ", ".join(str(f) for f in files))
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from .simulation.export import export_vtk

    files = export_vtk(args.store, args.vtk, args.times)
    print(f"wrote {len(files) - 1} VTK image files and {files[-1]} (open it in ParaView)")
    return EXIT_OK


def _plot(args: argparse.Namespace) -> int:
    from .plotting import plot

    for path in plot(args.store, args.field, args.times, args.out, args.movie):
        print(f"wrote {path}")
    return EXIT_OK


def _show_plainly(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Warnings of a run (e.g. a temperature above the solidus) print as one plain line."""
    print(f"warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``phasefield`` console script."""
    import warnings

    previous = warnings.showwarning
    warnings.showwarning = _show_plainly
    try:
        return _main(argv)
    finally:
        warnings.showwarning = previous


def _failure_log(args: argparse.Namespace) -> Path:
    """Where the traceback of an unexpected error goes: beside the run's store (``run``), else
    in the cache folder's ``logs``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    if args.command == "run":
        try:
            from .config import parse_settings

            store = _store_of(args, parse_settings(args.settings))
            store.parent.mkdir(parents=True, exist_ok=True)
            return store.with_name(f"{store.name}.{stamp}.error.log")
        except Exception:  # the error may lie here too: use the cache folder
            pass
    from .runtime import cache_folder

    folder = cache_folder() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"phasefield-{args.command}-{stamp}-{os.getpid()}.error.log"


def _unexpected(args: argparse.Namespace, err: BaseException) -> int:
    """An error that is neither bad input nor a run's own failure: exit 1, the traceback in a
    log file the message names."""
    text = "".join(traceback.format_exception(err))
    try:
        log = _failure_log(args)
        log.write_text(f"phasefield {' '.join(sys.argv[1:])}\n{text}")
        where = f"the traceback is in {log}"
    except Exception:  # nowhere to write it: show it
        where = f"traceback:\n{text}"
    if args.debug:
        traceback.print_exception(err)
    what = "the run failed" if args.command in ("run", "sweep") else "internal error"
    print(f"error: {what}: {type(err).__name__}: {err}; {where}", file=sys.stderr)
    return EXIT_FAILED


def _main(argv: Sequence[str] | None) -> int:
    from .config import ConfigError
    from .plotting import PlotError
    from .runtime import SettingError
    from .simulation.loop import BlowUpError
    from .simulation.store import StoreError

    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "summary":
            print_summary(args.store, as_json=args.json)
            return EXIT_OK
        if args.command == "grains":
            print_grains(args.store, as_json=args.json)
            return EXIT_OK
        if args.command == "sweep":
            return _sweep(args)
        if args.command == "report":
            return _report(args)
        if args.command == "export":
            return _export(args)
        if args.command == "plot":
            return _plot(args)
        if args.command == "schema":
            from .config import config_schema
            from .sweep import sweep_schema

            print(json.dumps(sweep_schema() if args.sweep else config_schema(), indent=1))
            return EXIT_OK
    except ConfigError as err:
        return _bad_input(err.problems)
    except (StoreError, SettingError, PlotError) as err:
        return _bad_input([str(err)])
    except BlowUpError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        again = (
            "run the sweep again: complete members are skipped, stopped ones resume"
            if args.command == "sweep"
            else "continue from the last checkpoint with --resume"
        )
        print(f"interrupted: {again}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`phasefield summary ... | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except MemoryError:
        print(
            f"error: {'the run' if args.command in ('run', 'sweep') else args.command} ran out "
            "of memory; use a smaller grid or float32",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except Exception as err:  # a failure while running (the store still opens), or a bug
        return _unexpected(args, err)
    return EXIT_BAD_INPUT  # pragma: no cover - argparse requires a command


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
