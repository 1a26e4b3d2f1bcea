"""Sweeps: many runs from one file, each a Dask task.

A sweep file lists its members, or gives one base config with parameter lists, or both::

    name: seed                  # the sweep's name; stores go to out/<name>/ by default
    out: out/seed               # folder of the member stores (relative to this file)
    members:                    # explicit members
      - config: sc8.yaml        # a run config (relative to this file)
        name: sc8_723K          # optional; default: the config's name
        set: {model.temperature: 723.0, time.end: 3600}   # dotted keys replaced in the config
    base: ng50.yaml             # and/or: one config ...
    parameters:                 # ... run for every combination of these values
      model.temperature: [483.0, 523.0]
      time.end: [3600, 21600]

A member's store is ``<out>/<member name>.zarr``. Running a sweep again skips the members whose
store is complete and resumes those a stopped sweep left unfinished (from their checkpoints).
A member that fails is reported and the others go on.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import time as wallclock
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator

from .config import (
    ConfigError,
    RunConfig,
    load_config,
    read_config_mapping,
    read_mapping,
    set_dotted,
)
from .distribution import DISTRIBUTION
from .schema import Strict, format_validation_error

__all__ = [
    "DASHBOARD",
    "Member",
    "Outcome",
    "Sweep",
    "cluster_options",
    "dashboard_address",
    "load_sweep",
    "member_status",
    "run_sweep",
    "sweep_schema",
]

#: The dashboard's address when ``--dashboard`` names none: this machine only, Dask's usual port
#: (Dask takes another free port when it is taken).
DASHBOARD = "localhost:8787"


class MemberEntry(Strict):
    """One explicit member: a config file and the keys it changes."""

    config: str = Field(description="a run config, relative to the sweep file")
    name: str | None = Field(None, description="the member's name (default: the config's)")
    set: dict[str, Any] = Field(
        default_factory=dict, description="dotted config keys and their values for this member"
    )


class SweepFile(Strict):
    """The sweep file's keys (see the module's docstring)."""

    name: str = Field(description="the sweep's name")
    out: str | None = Field(None, description="folder of the member stores (default out/<name>)")
    members: list[MemberEntry] = Field(default_factory=list)
    base: str | None = Field(None, description="a config run for every combination of parameters")
    parameters: dict[str, list[Any]] = Field(
        default_factory=dict, description="dotted config keys and the values each takes"
    )

    @field_validator("parameters")
    @classmethod
    def _non_empty(cls, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key, values in value.items():
            if not values:
                raise ValueError(f"{key}: give at least one value")
        return value


def sweep_schema() -> dict[str, Any]:
    """JSON Schema of a sweep file, for editors (``phasefield schema --sweep``)."""
    schema = SweepFile.model_json_schema()
    schema["title"] = "phasefield sweep file"
    return schema


@dataclass(frozen=True)
class Member:
    """A validated member: its name, config and store."""

    name: str
    config: RunConfig
    store: Path


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: every member's config has been checked."""

    name: str
    path: Path
    out: Path
    members: tuple[Member, ...]


@dataclass
class Outcome:
    """What became of one member."""

    name: str
    status: str  # "complete", "skipped", "failed"
    seconds: float = 0.0
    message: str = ""
    store: str = ""
    warnings: list[str] = field(default_factory=list)


def _value_label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(" ", "")


def _entries(sweep: SweepFile) -> list[tuple[str, MemberEntry, str]]:
    """(key path in the sweep file, entry, name suffix) for every member, explicit ones first.

    A combination of parameters is named after the base config and its values
    (``ng50_523_3600``); an explicit member by its ``name`` or its config's.
    """
    entries = [(f"members[{i}]", entry, "") for i, entry in enumerate(sweep.members)]
    if sweep.base is not None:
        keys = list(sweep.parameters)
        for i, values in enumerate(itertools.product(*(sweep.parameters[k] for k in keys))):
            entry = MemberEntry(config=sweep.base, set=dict(zip(keys, values, strict=True)))
            suffix = "".join(f"_{_value_label(v)}" for v in values)
            entries.append((f"parameters (combination {i})", entry, suffix))
    elif sweep.parameters:
        raise ConfigError(["parameters: give base, the config the parameters vary"])
    return entries


def load_sweep(path: str | os.PathLike[str]) -> Sweep:
    """Read a sweep file and validate every member's config; nothing is written.

    Raises
    ------
    ConfigError
        Unknown keys, missing configs, invalid member configs or repeated member names, one line
        per problem naming the sweep file, the member and the key.
    """
    path = Path(path)
    data = read_mapping(path)
    try:
        spec = SweepFile.model_validate(data)
    except ValidationError as err:
        raise ConfigError(
            [f"{path}: {line}" for line in format_validation_error(err, data, SweepFile)]
        ) from None
    folder = path.resolve().parent
    out = Path(spec.out) if spec.out else Path("out") / spec.name
    out = (out if out.is_absolute() else (folder / out if spec.out else Path.cwd() / out)).resolve()
    problems: list[str] = []
    members: list[Member] = []
    try:
        entries = _entries(spec)
    except ConfigError as err:
        raise ConfigError([f"{path}: {line}" for line in err.problems]) from None
    if not entries:
        raise ConfigError(
            [f"{path}: members: the sweep has no members; list members or give base and parameters"]
        )
    for where, entry, suffix in entries:
        source = folder / entry.config
        try:
            raw = read_config_mapping(source)
        except ConfigError as err:
            problems += [f"{path}: {where}.config: {line}" for line in err.problems]
            continue
        try:
            for key, value in entry.set.items():
                set_dotted(raw, key, value)
        except ConfigError as err:
            problems += [f"{path}: {where}.set: {line}" for line in err.problems]
            continue
        name = entry.name or f"{raw.get('name', source.stem)}{suffix}"
        raw["name"] = name
        store = out / f"{name}.zarr"
        raw.setdefault("output", {})
        if isinstance(raw["output"], dict):
            raw["output"]["path"] = str(store)
        try:
            config = load_config(raw, base_dir=source.parent)
        except ConfigError as err:
            problems += [f"{path}: {where} ({entry.config}): {line}" for line in err.problems]
            continue
        members.append(Member(name, config, store))
    seen = Counter(member.name for member in members)
    problems += [
        f"{path}: members: the name {name!r} is used {count} times; give members distinct names"
        for name, count in seen.items()
        if count > 1
    ]
    if problems:
        raise ConfigError(problems)
    return Sweep(spec.name, path, out, tuple(members))


def member_status(store: Path) -> str:
    """``missing``, ``complete``, or the status a stopped run left (``running``, ...)."""
    from .simulation.store import is_store, open_run

    if not store.exists():
        return "missing"
    if not is_store(store):
        return "foreign"
    return str(open_run(store).attrs.get("status", "unknown"))


def run_member(config: dict[str, Any], store: str, overwrite: bool = False) -> Outcome:
    """Run (or resume, or with ``overwrite`` run again) one member; the Dask task. Never raises:
    a failure is an outcome, and the run's warnings travel back with it (a worker has no
    terminal)."""
    from .simulation.runner import run

    config_model = load_config(config)
    started = wallclock.monotonic()
    resume = not overwrite and member_status(Path(store)) != "missing"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = _run_one(run, config_model, store, resume, overwrite)
    outcome.seconds = wallclock.monotonic() - started
    outcome.warnings = list(dict.fromkeys(str(w.message) for w in caught))
    return outcome


def _run_one(
    run: Callable[..., Any], config: RunConfig, store: str, resume: bool, overwrite: bool
) -> Outcome:
    try:
        dataset = run(config, out=store, resume=resume, overwrite=overwrite, progress=False)
    except ConfigError as err:
        problems = [
            p.replace("use --overwrite", "use phasefield sweep --overwrite") for p in err.problems
        ]
        return Outcome(config.name, "failed", message="; ".join(problems), store=store)
    except Exception as err:  # the member failed while running; its store still opens
        return Outcome(config.name, "failed", message=f"{type(err).__name__}: {err}", store=store)
    status = str(dataset.attrs.get("status"))
    if status != "complete":
        message = f"the run ended with status {status}"
        return Outcome(config.name, "failed", message=message, store=store)
    return Outcome(config.name, "complete", store=store)


def dashboard_address(text: str) -> str:
    """A dashboard address ``[HOST]:PORT`` (or a bare ``PORT``), checked, as Dask takes it.

    Raises
    ------
    ConfigError
        When the port is not a number from 0 to 65535 (0: any free port), or the dashboard's
        package (bokeh) is not installed.
    """
    host, _, port = text.rpartition(":")
    if not port.isdigit() or int(port) > 65535:
        raise ConfigError(
            [f"--dashboard {text}: give [HOST]:PORT with a port from 0 to 65535, e.g. {DASHBOARD}"]
        )
    if importlib.util.find_spec("bokeh") is None:
        raise ConfigError(
            [
                "--dashboard: the Dask dashboard needs bokeh, which is not installed; install "
                f'the dashboard extra (pip install ".[dashboard]" in a clone, or '
                f"pip install '{DISTRIBUTION}[dashboard]') or bokeh>=3.1"
            ]
        )
    return f"{host}:{port}"


def cluster_options(
    workers: int | None, members: int, backend: str, dashboard: str | None = None
) -> tuple[str, dict[str, Any]]:
    """How the embedded cluster is made: ``("gpu", options)`` for a ``SpecCluster`` of one
    worker per GPU (each seeing only its own device) when the members may run on GPUs, else
    ``("cpu", options)`` for a ``LocalCluster`` of single-threaded workers, one per core
    (independent runs share cores better than one run's threads do). The dashboard is off
    unless ``dashboard`` gives its address."""
    from distributed import Nanny, Scheduler

    from .backend import gpu_count
    from .runtime import threads

    gpus = gpu_count() if backend in ("auto", "cupy") else 0
    count = max(1, min(workers or gpus or threads(), members))
    if gpus:
        specs = {
            f"gpu-{i}": {
                "cls": Nanny,
                "options": {"nthreads": 1, "env": {"CUDA_VISIBLE_DEVICES": str(i % gpus)}},
            }
            for i in range(count)
        }
        scheduler = {"cls": Scheduler, "options": {"dashboard_address": dashboard}}
        return "gpu", {"workers": specs, "scheduler": scheduler}
    # PHASEFIELD_THREADS sizes pyFFTW's and Numba's pools inside each run; NUMBA_NUM_THREADS
    # itself must not change once Numba has started its threads, so it is left alone
    per_run = str(max(1, threads() // count))
    env = {"PHASEFIELD_THREADS": per_run, "OMP_NUM_THREADS": per_run}
    return "cpu", {
        "n_workers": count,
        "threads_per_worker": 1,
        "processes": True,
        "dashboard_address": dashboard,
        "env": env,
    }


def _local_cluster(
    workers: int | None, members: int, backend: str, dashboard: str | None = None
) -> Any:
    """The embedded cluster of :func:`cluster_options`."""
    from distributed import LocalCluster, SpecCluster

    kind, options = cluster_options(workers, members, backend, dashboard)
    return SpecCluster(**options) if kind == "gpu" else LocalCluster(**options)


def connect(address: str, timeout: float = 5.0) -> Any:
    """A Dask client on the scheduler at ``address``; bad input if nothing answers there."""
    from distributed import Client

    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as err:
        raise ConfigError(
            [
                f"--scheduler {address}: no Dask scheduler answers there ({err}); start one "
                "(dask scheduler) or leave --scheduler out to use a local cluster"
            ]
        ) from None


def run_sweep(
    sweep: Sweep,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    report: Callable[[Outcome, int, int], None] | None = None,
    progress: bool = False,
    overwrite: bool = False,
    dashboard: str | None = None,
    on_dashboard: Callable[[str], None] | None = None,
) -> list[Outcome]:
    """Run every member of ``sweep`` that is not complete, as Dask tasks.

    Parameters
    ----------
    sweep : Sweep
        From :func:`load_sweep`.
    scheduler : str, optional
        Address of a running Dask scheduler; by default an embedded ``LocalCluster``.
    workers : int, optional
        Workers of the embedded cluster (default: one per GPU, else one per core).
    report : callable, optional
        Called with each outcome as it arrives, its number and the member count.
    progress : bool
        A tqdm bar over the members.
    overwrite : bool
        Run every member from the start, replacing its store (complete or not).
    dashboard : str, optional
        Address (``[HOST]:PORT``) of the embedded cluster's Dask dashboard; none by default.
    on_dashboard : callable, optional
        Called with the dashboard's URL once the embedded cluster serves it.

    Returns
    -------
    list of Outcome
        In the sweep's member order.
    """
    from distributed import Client, as_completed

    client = connect(scheduler) if scheduler else None
    outcomes: dict[str, Outcome] = {}
    pending = []
    for member in sweep.members:
        if not overwrite and member_status(member.store) == "complete":
            outcomes[member.name] = Outcome(
                member.name, "skipped", 0.0, "already complete", str(member.store)
            )
        else:
            pending.append(member)
    total = len(sweep.members)
    done = 0
    for outcome in outcomes.values():
        done += 1
        if report:
            report(outcome, done, total)
    cluster = None
    if pending:
        sweep.out.mkdir(parents=True, exist_ok=True)
        if client is None:
            backend = pending[0].config.backend
            cluster = _local_cluster(workers, len(pending), backend, dashboard)
            client = Client(cluster)
            if dashboard is not None and on_dashboard is not None:
                on_dashboard(cluster.dashboard_link)
        bar = _bar(len(pending), progress)
        try:
            futures = [
                client.submit(
                    run_member,
                    member.config.model_dump(mode="json"),
                    str(member.store),
                    overwrite,
                    key=f"phasefield-{sweep.name}-{member.name}",
                    pure=False,
                )
                for member in pending
            ]
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except Exception as err:  # the worker died (memory, a crash)
                    name = str(future.key).removeprefix(f"phasefield-{sweep.name}-")
                    outcome = Outcome(name, "failed", 0.0, f"the task was lost: {err}")
                outcomes[outcome.name] = outcome
                done += 1
                if bar is not None:
                    bar.update(1)
                if report:
                    report(outcome, done, total)
        finally:
            if bar is not None:
                bar.close()
            client.close()
            if cluster is not None:
                cluster.close()
    elif client is not None:
        client.close()
    return [outcomes[m.name] for m in sweep.members]


def _bar(total: int, show: bool) -> Any:
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="run", desc="sweep")
