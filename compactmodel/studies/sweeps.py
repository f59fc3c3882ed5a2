"""Parameter sweeps (grids and Monte Carlo) run in parallel processes on Dask, resumable.

A :class:`Sweep` is a list of independent *cases*. Each case is a dict of scalar inputs
(bool, int, finite float, str) with a stable id: the first 16 hex digits of the SHA-256
of the inputs as canonical JSON (sorted keys, floats written exactly by ``repr``). The id
depends on nothing but the inputs, so the same case has the same id in any sweep, in any
order, on any machine: a grid or a Monte Carlo run can be extended and the cases already
computed are reused.

* :func:`grid` -- the Cartesian product of axes (the last axis varies fastest).
* :func:`monte_carlo` -- ``n`` seeded draws. Case ``k`` draws from its own stream
  ``numpy.random.SeedSequence(seed).spawn(n)[k]`` (built directly as
  ``SeedSequence(seed, spawn_key=(k,))``), so case ``k`` does not depend on ``n``, on the
  order of evaluation or on the number of workers. The draws happen here, in the calling
  process; the drawn values are the case's inputs (together with ``seed`` and ``sample``).

:func:`run_sweep` evaluates a *task* -- a picklable function ``task(inputs) -> outputs``,
``outputs`` a flat dict of numbers (bool/int/float, returned as float64) and strings -- on
every case not yet stored, in worker processes of a ``dask.distributed`` cluster: a
``LocalCluster`` with one single-threaded process per worker by default (ngspice allows
one simulator per process), or any scheduler address to scale out. A case whose task
raises is stored as an *error row* (its ``error`` column holds ``"Type: message"``, its
outputs are empty); the sweep goes on. A worker that dies is replaced by its nanny and its
case is recomputed by Dask (up to ``distributed.scheduler.allowed-failures`` times; a case
that keeps killing workers becomes an error row ``KilledWorker: ...``).

Storage and resume
------------------
``out_path`` (``.csv`` or ``.parquet``) is the finished table. Next to it the directory
``<out_path>.parts/`` holds the store that makes the run resumable:

* ``part-<time_ns>-<pid>-<seq>.parquet``: completed rows, written by the *calling*
  process only (workers return results, they never write). Rows are buffered and written
  every ``batch_size`` rows or ``flush_seconds`` seconds. Each part is written under a
  temporary name, fsync'ed and renamed with ``os.replace`` (atomic on POSIX), then the
  directory is fsync'ed: a part is on disk complete or not at all, so a crash (SIGKILL,
  power loss) can never leave a torn row. Parquet keeps the types (float64 exact, strings).
* ``manifest.json``: the task's name; a rerun with another task into the same store is
  refused. ``.lock``: an exclusive ``flock`` held for the run, so two runs can never write
  into one store at the same time (the kernel releases it when a process dies).

A rerun reads every part, keeps one row per case id (the most recently written one), and
submits only the cases whose id is missing: a crash loses at most the buffered rows,
which are simply recomputed -- nothing stored is lost, nothing is computed twice into the
table. Dedupe-on-read by case id also makes the one window where identical rows can
coexist harmless: the compaction at the end writes all rows into one new part, *then*
deletes the older parts. After compaction ``out_path`` is rewritten atomically from the
store. The store is the source of truth: ``out_path`` is an export of it.

Parquet part files (not one appended CSV) because a rename is atomic where an append is
not: a killed appender can leave half a line, which a reader must detect and repair, and
CSV loses the types (an all-numeric string column reads back as numbers).
"""

from __future__ import annotations

import contextlib
import errno
import dataclasses
import hashlib
import importlib.util
import itertools
import json
import logging
import math
import os
import time
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, Union

import numpy as np

from ..core.parameters import ParameterError

#: How to install the sweep stack (Dask distributed, pandas, pyarrow): an optional extra.
SWEEPS_EXTRA = "pip install 'spin-battery-compact-model[sweeps]'"


def require_sweep_stack(*modules: str) -> None:
    """Raise one ImportError naming the ``sweeps`` extra if a module of the sweep stack is missing.

    ``modules``: the ones needed here (default: pandas, pyarrow, distributed). Checked without
    importing them (``importlib.util.find_spec``), so ``import compactmodel`` stays lean.
    """
    missing = [m for m in (modules or ("pandas", "pyarrow", "distributed")) if importlib.util.find_spec(m) is None]
    if missing:
        raise ImportError(f"sweeps need {', '.join(missing)}, which the core install leaves out: {SWEEPS_EXTRA} "
                          "(or pip install dask[distributed] pandas pyarrow)")

__all__ = [
    "Scalar",
    "SWEEPS_EXTRA",
    "require_sweep_stack",
    "Case",
    "Sweep",
    "SweepStats",
    "grid",
    "monte_carlo",
    "case_id",
    "run_sweep",
    "collect",
    "load_results",
    "store_path",
    "RESERVED_COLUMNS",
]

#: A case input or output value.
Scalar = Union[bool, int, float, str]

#: Column names the sweep machinery uses itself (inputs and outputs may not use them).
RESERVED_COLUMNS: tuple[str, ...] = ("case_id", "index", "error", "inputs")

_STORE_FORMAT = "compactmodel-sweep/1"
_ID_DIGITS = 16

log = logging.getLogger(__name__)


class StoreWarning(UserWarning):
    """A sweep store part could not be read (quarantined, its cases recomputed) or a compaction was undone."""


# --------------------------------------------------------------------------------------
# Cases and sweeps
# --------------------------------------------------------------------------------------


def _check_name(name: object, what: str) -> str:
    if not isinstance(name, str) or not name:
        raise ParameterError(f"{what} names must be non-empty strings, got {name!r}")
    if name in RESERVED_COLUMNS:
        raise ParameterError(f"{what} name {name!r} is reserved (reserved: {', '.join(RESERVED_COLUMNS)})")
    return name


def _input_value(key: str, value: object) -> Scalar:
    """One input as a plain Python scalar (numpy scalars converted), or ParameterError."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            raise ParameterError(f"input {key!r} = {v!r}: inputs must be finite")
        return v
    if isinstance(value, str):
        return value
    raise ParameterError(
        f"input {key!r} = {value!r} of type {type(value).__name__}: an input must be a bool, int, finite float or str"
    )


def _canonical(inputs: Mapping[str, Scalar]) -> str:
    return json.dumps(dict(inputs), sort_keys=True, separators=(",", ":"), allow_nan=False)


def case_id(inputs: Mapping[str, object]) -> str:
    """Stable id of a case: the first 16 hex digits of SHA-256 of its canonical JSON inputs.

    Keys are sorted; floats are written by ``repr`` (exact), so ``0.1`` and ``np.float64(0.1)``
    give the same id, while ``1`` (int) and ``1.0`` (float) are different inputs.
    """
    clean = {_check_name(k, "input"): _input_value(k, v) for k, v in inputs.items()}
    return hashlib.sha256(_canonical(clean).encode()).hexdigest()[:_ID_DIGITS]


@dataclass(frozen=True)
class Case:
    """One case: its position in the sweep, its id and its inputs (plain scalars)."""

    index: int
    case_id: str
    inputs: Mapping[str, Scalar]


class Sweep:
    """An ordered list of independent cases with unique, content-derived ids.

    Args:
        cases: one mapping of inputs per case (values bool, int, finite float or str).
        name: label (progress bar, Dask task keys).

    Raises :class:`ParameterError` for a bad input or for two cases with equal inputs
    (they would have the same id; add a distinguishing input such as a sample number).
    """

    def __init__(self, cases: Iterable[Mapping[str, object]], name: str = "sweep"):
        if not isinstance(name, str) or not name:
            raise ParameterError(f"sweep name must be a non-empty string, got {name!r}")
        self.name = name
        out: list[Case] = []
        seen: dict[str, int] = {}
        for k, raw in enumerate(cases):
            if not isinstance(raw, Mapping):
                raise ParameterError(f"case {k} of sweep {name!r} must be a mapping of inputs, got {type(raw).__name__}")
            inputs = {_check_name(key, "input"): _input_value(key, v) for key, v in raw.items()}
            cid = hashlib.sha256(_canonical(inputs).encode()).hexdigest()[:_ID_DIGITS]
            if cid in seen:
                raise ParameterError(
                    f"cases {seen[cid]} and {k} of sweep {name!r} have the same inputs {inputs}; "
                    "every case needs distinct inputs (e.g. add a sample number)"
                )
            seen[cid] = k
            out.append(Case(k, cid, inputs))
        if not out:
            raise ParameterError(f"sweep {name!r} has no cases")
        self.cases: tuple[Case, ...] = tuple(out)
        names: dict[str, None] = {}
        for c in out:
            names.update(dict.fromkeys(c.inputs))
        self.input_names: tuple[str, ...] = tuple(names)

    def __len__(self) -> int:
        return len(self.cases)

    def __iter__(self) -> Iterator[Case]:
        return iter(self.cases)

    def __getitem__(self, k: int) -> Case:
        return self.cases[k]

    @property
    def ids(self) -> tuple[str, ...]:
        """Case ids in sweep order."""
        return tuple(c.case_id for c in self.cases)

    def table(self):
        """The cases as a pandas DataFrame: ``case_id``, ``index`` and one column per input."""
        require_sweep_stack("pandas")
        import pandas as pd

        rows = [{"case_id": c.case_id, "index": c.index, **c.inputs} for c in self.cases]
        return pd.DataFrame(rows, columns=["case_id", "index", *self.input_names])

    def __repr__(self) -> str:
        return f"Sweep({self.name!r}, {len(self)} cases, inputs {list(self.input_names)})"


def grid(name: str = "grid", **axes: Sequence[object]) -> Sweep:
    """The Cartesian product of ``axes`` (keyword -> sequence of values), last axis fastest.

    >>> s = grid(len=[1e-6, 2e-6], preset=["reference_device"])
    >>> [c.inputs for c in s]
    [{'len': 1e-06, 'preset': 'reference_device'}, {'len': 2e-06, 'preset': 'reference_device'}]
    """
    if not axes:
        raise ParameterError("grid needs at least one axis (keyword=list of values)")
    values: list[list[object]] = []
    for key, axis in axes.items():
        if isinstance(axis, (str, bytes)) or not isinstance(axis, Iterable):
            raise ParameterError(f"grid axis {key!r} must be a sequence of values, got {axis!r}")
        axis = list(axis)
        if not axis:
            raise ParameterError(f"grid axis {key!r} is empty")
        values.append(axis)
    keys = list(axes)
    return Sweep((dict(zip(keys, combo)) for combo in itertools.product(*values)), name=name)


def _check_int(name: str, value: object, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo or (hi is not None and value > hi):
        rng = f"[{lo}, {hi}]" if hi is not None else f"[{lo}, inf)"
        raise ParameterError(f"{name} = {value!r}: must be an integer in {rng}")
    return int(value)


def sample_rng(seed: int, k: int) -> np.random.Generator:
    """The random generator of Monte Carlo case ``k``: ``SeedSequence(seed).spawn(n)[k]`` for any n > k."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k,)))


def monte_carlo(sampler: Callable[[np.random.Generator], Mapping[str, object]], n: int, seed: int,
                name: str = "monte_carlo", fixed: Mapping[str, object] | None = None) -> Sweep:
    """``n`` seeded random cases.

    Case ``k`` has the inputs ``{"seed": seed, "sample": k, **fixed, **sampler(rng_k)}`` with
    ``rng_k = sample_rng(seed, k)``, a generator of its own (see the module docstring), so the
    first m cases of a run with n > m are exactly the cases of a run with n = m.

    Args:
        sampler: draws one case's random inputs from the generator it is given.
        n: number of cases (>= 1).
        seed: non-negative integer seed.
        fixed: inputs common to every case (e.g. a preset name, a flag).
    """
    n = _check_int("n", n, 1)
    seed = _check_int("seed", seed, 0)
    fixed = dict(fixed or {})
    for key in ("seed", "sample"):
        if key in fixed:
            raise ParameterError(f"monte_carlo sets the input {key!r} itself; remove it from 'fixed'")

    def cases() -> Iterator[dict[str, object]]:
        for k in range(n):
            drawn = sampler(sample_rng(seed, k))
            if not isinstance(drawn, Mapping):
                raise ParameterError(f"the sampler must return a mapping of inputs, got {type(drawn).__name__}")
            clash = sorted(set(drawn) & ({"seed", "sample"} | set(fixed)))
            if clash:
                raise ParameterError(f"the sampler returned input(s) {clash} that are also set by monte_carlo or 'fixed'")
            yield {"seed": seed, "sample": k, **fixed, **drawn}

    return Sweep(cases(), name=name)


# --------------------------------------------------------------------------------------
# Worker side
# --------------------------------------------------------------------------------------


def _output_value(key: str, value: object) -> float | str:
    if isinstance(value, (bool, np.bool_, int, np.integer, float, np.floating)):
        return float(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"output {key!r} = {value!r} of type {type(value).__name__}: outputs must be numbers or strings")


def execute_case(task: Callable[[dict[str, Scalar]], Mapping[str, object]], cid: str,
                 inputs: Mapping[str, Scalar]) -> dict[str, float | str]:
    """Run ``task`` on one case (in a worker) and return its row; an exception becomes an error row.

    The row holds ``case_id``, ``inputs`` (canonical JSON), the outputs (float or str) and
    ``error`` (``""`` on success, ``"Type: message"`` on failure, then without outputs).
    """
    row: dict[str, float | str] = {"case_id": cid, "inputs": _canonical(inputs)}
    try:
        out = task(dict(inputs))
        if not isinstance(out, Mapping):
            raise TypeError(f"the task must return a mapping of outputs, got {type(out).__name__}")
        values = {}
        for key, value in out.items():
            _check_name(key, "output")
            if key in inputs:
                raise ParameterError(f"output {key!r} has the name of an input")
            values[key] = _output_value(key, value)
        row.update(values)
        row["error"] = ""
    except Exception as exc:  # noqa: BLE001 - one failing case must not stop the sweep
        row = {"case_id": cid, "inputs": row["inputs"], "error": f"{type(exc).__name__}: {exc}"}
    return row


# --------------------------------------------------------------------------------------
# Store
# --------------------------------------------------------------------------------------


def store_path(out_path: str | os.PathLike) -> Path:
    """The store directory of ``out_path``: ``<out_path>.parts``."""
    p = Path(out_path)
    return p.with_name(p.name + ".parts")


def _check_out_path(out_path: str | os.PathLike) -> Path:
    p = Path(out_path)
    if p.suffix.lower() not in (".csv", ".parquet"):
        raise ParameterError(f"out_path = {str(out_path)!r}: the table must end in .csv or .parquet")
    return p


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` via a temporary file in the same directory, fsync, ``os.replace``."""
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    _fsync_dir(path.parent)


def _part_frame(rows: Sequence[Mapping[str, float | str]]):
    """Rows -> DataFrame: float columns stay float64 (missing = NaN), str columns get ``""``."""
    import pandas as pd

    cols: dict[str, None] = {}
    for r in rows:
        cols.update(dict.fromkeys(r))
    data = {}
    for c in cols:
        vals = [r.get(c) for r in rows]
        if any(isinstance(v, str) for v in vals):
            data[c] = pd.Series(["" if v is None else v for v in vals], dtype=object).astype("str")
        else:
            data[c] = np.array([np.nan if v is None else v for v in vals], dtype=float)
    return pd.DataFrame(data)


class _Store:
    """The part-file store of one output table (see the module docstring)."""

    def __init__(self, out_path: str | os.PathLike):
        self.out_path = _check_out_path(out_path)
        self.dir = store_path(self.out_path)
        self._seq = 0
        self._last_stamp: int | None = None
        self._lock_fd: int | None = None
        self.read_only = False  # opened without write permission: reading and resuming a finished sweep only
        self._warned: set[str] = set()

    # -- files ---------------------------------------------------------------------
    def parts(self) -> list[Path]:
        return sorted(self.dir.glob("part-*.parquet")) if self.dir.is_dir() else []

    def _new_part_path(self) -> Path:
        """A name that sorts after every part written before (write order = name order)."""
        self._seq += 1
        if self._last_stamp is None:
            newest = self.parts()
            self._last_stamp = int(newest[-1].name.split("-")[1]) if newest else 0
        stamp = self._last_stamp = max(time.time_ns(), self._last_stamp + 1)
        return self.dir / f"part-{stamp:020d}-{os.getpid():07d}-{self._seq:06d}.parquet"

    def write_part(self, rows: Sequence[Mapping[str, float | str]]) -> Path:
        frame = _part_frame(rows)
        path = self._new_part_path()
        _atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))
        return path

    def _read_part(self, path: Path):
        """One part as a DataFrame, or None if it is unreadable (empty, truncated, garbage, no case_id)."""
        import pandas as pd

        try:
            frame = pd.read_parquet(path)
        except FileNotFoundError:
            raise
        except Exception as err:  # noqa: BLE001 - pyarrow's ArrowInvalid, OSError, ...: the part is damaged
            reason = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
        else:
            if "case_id" in frame.columns:
                return frame
            reason = "no case_id column"
        self._quarantine(path, reason)
        return None

    def _quarantine(self, path: Path, reason: str) -> None:
        """Move an unreadable part aside (``quarantine-<name>``) if this process owns the store; warn once."""
        moved = None
        if self._lock_fd is not None and not self.read_only:
            target = path.with_name(f"quarantine-{path.name}")
            try:
                os.replace(path, target)
                _fsync_dir(self.dir)
                moved = target
            except OSError:
                pass
        if str(path) in self._warned and moved is None:
            return
        self._warned.add(str(path))
        what = (f"moved aside to {moved.name}; its cases are recomputed on this run" if moved is not None else
                "skipped; its cases count as missing (a writable run_sweep moves it aside and recomputes them)")
        msg = f"sweep store part {path} is unreadable ({reason}): {what}"
        log.warning(msg)
        warnings.warn(msg, StoreWarning, stacklevel=3)

    def read(self):
        """All stored rows, one per case id (the most recently written), in write order.

        An unreadable part (empty, truncated, garbage) is skipped with a :class:`StoreWarning`
        and, in a run that owns the store, moved aside so that only its own cases are recomputed.
        """
        require_sweep_stack("pandas", "pyarrow")
        import pandas as pd

        for attempt in range(5):
            parts = self.parts()
            try:
                frames = [f for f in (self._read_part(p) for p in parts) if f is not None]
                break
            except FileNotFoundError:  # a concurrent compaction replaced parts: list them again
                if attempt == 4:
                    raise
        if not frames:
            empty = pd.Series([], dtype=object).astype("str")
            return pd.DataFrame({"case_id": empty, "inputs": empty, "error": empty})
        df = pd.concat(frames, ignore_index=True)
        for c in df.columns:
            if not pd.api.types.is_float_dtype(df[c]):
                df[c] = df[c].fillna("").astype("str")
        return df.drop_duplicates("case_id", keep="last").reset_index(drop=True)

    # -- lifecycle -------------------------------------------------------------------
    def open(self, task_name: str) -> None:
        """Create/lock the store, check the manifest, remove temporary files of a crashed run."""
        if self.out_path.exists() and not self.dir.is_dir():
            raise ParameterError(
                f"out_path {str(self.out_path)!r} exists but has no sweep store {str(self.dir)!r} next to it, so it "
                "was not written by run_sweep; remove it or choose another out_path"
            )
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ParameterError(f"cannot create the sweep store {str(self.dir)!r} ({err.strerror or err}); "
                                 "choose another out_path") from None
        self._lock()
        try:
            self._check_manifest(task_name)
        except BaseException:
            self.close()
            raise
        if self.read_only:
            return
        # only a crashed writer leaves temporary files (parts, or the exported table); we hold the lock
        for tmp in [*self.dir.glob(".tmp-*"), *self.out_path.parent.glob(f".tmp-*-{self.out_path.name}")]:
            tmp.unlink()

    def _check_manifest(self, task_name: str) -> None:
        manifest = self.dir / "manifest.json"
        if manifest.exists():
            try:
                info = json.loads(manifest.read_text())
                if not isinstance(info, dict):
                    raise ValueError("not a JSON object")
            except (OSError, ValueError) as err:
                raise ParameterError(f"the sweep store manifest {str(manifest)!r} is unreadable ({err}); "
                                     "remove the store or choose another out_path") from None
            if info.get("format") != _STORE_FORMAT:
                raise ParameterError(f"{str(manifest)!r} has format {info.get('format')!r}, expected {_STORE_FORMAT!r}")
            if info.get("task") != task_name:
                raise ParameterError(
                    f"the store {str(self.dir)!r} holds results of task {info.get('task')!r}, not {task_name!r}; "
                    "choose another out_path"
                )
        elif self.read_only:
            raise ParameterError(f"the sweep store {str(self.dir)!r} is read-only and has no manifest.json; "
                                 "make it writable or choose another out_path")
        else:
            text = json.dumps({"format": _STORE_FORMAT, "task": task_name}, indent=1)
            _atomic_write(manifest, lambda tmp: tmp.write_text(text))

    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # not POSIX: no protection against two concurrent runs
            return
        try:
            fd = os.open(self.dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        except (PermissionError, OSError) as err:
            if not isinstance(err, PermissionError) and err.errno != errno.EROFS:
                raise
            self.read_only = True  # read and resume a finished sweep; writing is refused later with a message
            try:
                fd = os.open(self.dir / ".lock", os.O_RDONLY)
            except OSError:
                return  # no lock file to share: nobody can be writing into a store nobody may write
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise ParameterError(
                f"another run_sweep is writing to {str(self.dir)!r}; wait for it to finish or choose another out_path"
            ) from None
        self._lock_fd = fd

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def compact(self) -> None:
        """Merge all parts into one new part, then delete the older parts (see module docstring)."""
        old = self.parts()
        if len(old) <= 1 or self.read_only:
            return
        df = self.read()
        old = [p for p in old if p.exists()]  # read() may have quarantined some
        path = self._new_part_path()
        _atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))
        try:  # keep the old parts until the new one reads back with every row
            import pandas as pd

            back = pd.read_parquet(path)
            ok = len(back) == len(df) and back["case_id"].astype(str).tolist() == df["case_id"].tolist()
        except Exception:  # noqa: BLE001 - any failure to read it back: keep the old parts
            ok = False
        if not ok:
            path.unlink(missing_ok=True)
            _fsync_dir(self.dir)
            msg = f"sweep store compaction of {str(self.dir)!r} did not read back; the old parts are kept"
            log.warning(msg)
            warnings.warn(msg, StoreWarning, stacklevel=2)
            return
        for p in old:
            p.unlink()
        _fsync_dir(self.dir)


def load_results(out_path: str | os.PathLike):
    """The raw rows stored for ``out_path`` so far (one per case id), also while a sweep runs.

    Columns: ``case_id``, ``inputs`` (canonical JSON), outputs, ``error``. Parts appear
    atomically, so this never sees a partial row.
    """
    return _Store(out_path).read()


def _table(sweep: Sweep, stored):
    """Merge stored rows with the sweep's typed inputs; only this sweep's cases, in sweep order."""
    import pandas as pd

    base = sweep.table()
    out_cols = [c for c in stored.columns if c not in ("case_id", "inputs", "error")]
    mine = stored[stored["case_id"].isin(set(sweep.ids))]
    merged = base.merge(mine.drop(columns=["inputs"]), on="case_id", how="inner", validate="one_to_one")
    merged = merged.sort_values("index", kind="stable").reset_index(drop=True)

    # deterministic output-column order: by the first case (sweep order) that has the output
    def first(col: str) -> int:
        s = merged[col]
        present = s.notna() if pd.api.types.is_float_dtype(s) else s.ne("")
        return int(np.argmax(present.to_numpy())) if present.any() else len(merged)

    out_cols = sorted((c for c in out_cols if c in merged.columns), key=lambda c: (first(c), c))
    cols = ["case_id", "index", *sweep.input_names, *out_cols, "error"]
    return merged[cols]


def collect(sweep: Sweep, out_path: str | os.PathLike):
    """The table of the cases of ``sweep`` stored so far for ``out_path`` (missing cases left out).

    Columns ``case_id``, ``index``, the inputs (typed, from the sweep), the outputs (float64 or
    str; empty for error rows) and ``error``; rows in sweep order, one per case.
    """
    return _table(sweep, load_results(out_path))


def _export(table, out_path: Path) -> None:
    if out_path.suffix.lower() == ".parquet":
        _atomic_write(out_path, lambda tmp: table.to_parquet(tmp, index=False))
    else:
        _atomic_write(out_path, lambda tmp: table.to_csv(tmp, index=False))


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------


@dataclass
class SweepStats:
    """What one :func:`run_sweep` call did (counts of cases; ``seconds`` wall time)."""

    total: int = 0  #: cases in the sweep
    cached: int = 0  #: already stored when the run started (not resubmitted)
    computed: int = 0  #: stored by this run
    errors: int = 0  #: error rows in the final table
    lost: int = 0  #: submitted but not stored (cancelled, scheduler lost): left for a rerun
    seconds: float = 0.0  #: wall time of the run [s]


def task_name(task: Callable) -> str:
    """``module:qualname`` of a task (recorded in the store's manifest)."""
    return f"{getattr(task, '__module__', '?')}:{getattr(task, '__qualname__', repr(task))}"


@contextlib.contextmanager
def _client(scheduler: object, n_workers: int):
    from distributed import Client, LocalCluster

    if scheduler is None:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.ERROR)
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()
    elif isinstance(scheduler, str):
        client = Client(scheduler)
        try:
            yield client
        finally:
            client.close()
    elif isinstance(scheduler, Client):
        yield scheduler
    else:
        raise ParameterError(
            f"scheduler = {scheduler!r}: pass None (a LocalCluster), a scheduler address such as "
            "'tcp://host:8786', or a distributed.Client"
        )


def run_sweep(sweep: Sweep, task: Callable[[dict[str, Scalar]], Mapping[str, object]], out_path: str | os.PathLike,
              scheduler: object = None, n_workers: int = 2, progress: bool = True, batch_size: int = 64,
              flush_seconds: float = 2.0, retry_errors: bool = False):
    """Evaluate ``task`` on every case of ``sweep`` not yet stored for ``out_path``; resumable.

    Args:
        sweep: the cases.
        task: ``task(inputs) -> {name: number or str}``; must be picklable (a module-level function).
        out_path: final table, ``.csv`` or ``.parquet``; the store is ``<out_path>.parts/``.
        scheduler: None -> a ``LocalCluster`` of ``n_workers`` single-threaded processes;
            a scheduler address (``"tcp://host:8786"``); or a ``distributed.Client`` (not closed).
        n_workers: workers of the local cluster (ignored otherwise).
        progress: show a tqdm progress bar (stderr).
        batch_size: write a part (at most this many rows) after this many completed cases ...
        flush_seconds: ... or once the oldest unwritten result is this old [s] (0: every result).
        retry_errors: recompute cases stored as error rows.

    Returns the table of :func:`collect` (every case, in sweep order) with ``attrs["stats"]``
    a :class:`SweepStats` as a dict. Stored rows of other sweeps in the same store are an
    error (ParameterError), unless this sweep extends that one (all stored ids are cases here).
    """
    if not isinstance(sweep, Sweep):
        raise ParameterError(f"sweep must be a Sweep (use grid or monte_carlo), got {type(sweep).__name__}")
    if not callable(task):
        raise ParameterError(f"task must be callable, got {task!r}")
    n_workers = _check_int("n_workers", n_workers, 1, 4096)
    batch_size = _check_int("batch_size", batch_size, 1)
    if isinstance(flush_seconds, bool) or not isinstance(flush_seconds, (int, float)) or not (
            math.isfinite(flush_seconds) and flush_seconds >= 0):
        raise ParameterError(f"flush_seconds = {flush_seconds!r} s: allowed range [0, inf)")
    require_sweep_stack()
    from distributed import Client

    if not (scheduler is None or isinstance(scheduler, (str, Client))):
        raise ParameterError(
            f"scheduler = {scheduler!r}: pass None (a LocalCluster), a scheduler address such as "
            "'tcp://host:8786', or a distributed.Client"
        )
    t0 = time.perf_counter()
    store = _Store(out_path)
    store.open(task_name(task))
    stats = SweepStats(total=len(sweep))
    try:
        stored = store.read()
        ids = set(sweep.ids)
        foreign = sorted(set(stored["case_id"]) - ids)
        if foreign:
            raise ParameterError(
                f"the store {str(store.dir)!r} holds {len(foreign)} result(s) whose case ids are not in this sweep "
                f"(e.g. {foreign[0]}): it belongs to another sweep; choose another out_path"
            )
        done = stored if not retry_errors else stored[stored["error"] == ""]
        done_ids = set(done["case_id"])
        pending = [c for c in sweep if c.case_id not in done_ids]
        stats.cached = len(sweep) - len(pending)
        if store.read_only:
            if pending:
                raise ParameterError(
                    f"the sweep store {str(store.dir)!r} is read-only and {len(pending)} of {len(sweep)} case(s) are "
                    "not stored; make it writable to finish the sweep, or read what is stored with collect()")
            table = _table(sweep, stored)  # finished: nothing to write (the exported table stays as it is)
            log.info("read-only sweep store %s: returned the stored table without rewriting %s", store.dir,
                     store.out_path)
            pending = None
        if pending:
            _run_pending(sweep, task, pending, store, stats, scheduler, n_workers, progress, batch_size,
                         float(flush_seconds))
        if pending is not None:
            store.compact()
            table = _table(sweep, store.read())
            _export(table, store.out_path)
    finally:
        store.close()
    stats.errors = int((table["error"] != "").sum())
    stats.seconds = time.perf_counter() - t0
    if stats.lost:
        log.warning("%d case(s) were not completed (worker or scheduler lost); rerun run_sweep to finish them",
                    stats.lost)
    table.attrs["stats"] = dataclasses.asdict(stats)
    return table


def _run_pending(sweep: Sweep, task: Callable, pending: list[Case], store: _Store, stats: SweepStats,
                 scheduler: object, n_workers: int, progress: bool, batch_size: int, flush_seconds: float) -> None:
    import pandas as pd
    from distributed import wait
    from tqdm.auto import tqdm

    token = uuid.uuid4().hex[:8]
    buffer: list[dict[str, Any]] = []
    oldest = 0.0
    schema: dict[str, str] = {}  # output column -> "float" | "str" (a column keeps its type)
    existing = store.read()
    for c in existing.columns:
        if c not in ("case_id", "inputs", "error"):
            schema[c] = "float" if pd.api.types.is_float_dtype(existing[c]) else "str"

    def flush() -> None:
        """Write the buffer as parts of at most ``batch_size`` rows (results that arrive together
        still land in parts of the stated size, so a corrupt part costs at most batch_size cases)."""
        nonlocal buffer
        while buffer:
            chunk, buffer = buffer[:batch_size], buffer[batch_size:]
            store.write_part(chunk)
            stats.computed += len(chunk)

    def typed(row: dict[str, Any]) -> dict[str, Any]:
        for key, value in row.items():
            if key in ("case_id", "inputs", "error"):
                continue
            kind = "str" if isinstance(value, str) else "float"
            if schema.setdefault(key, kind) != kind:
                return {"case_id": row["case_id"], "inputs": row["inputs"],
                        "error": f"TypeError: output {key!r} is {kind} here but {schema[key]} in other cases"}
        return row

    bar = tqdm(total=len(sweep), initial=len(sweep) - len(pending), desc=sweep.name, unit="case",
               disable=not progress, dynamic_ncols=True)
    queue = list(reversed(pending))
    in_flight: dict[Any, Case] = {}
    try:
        with _client(scheduler, n_workers) as client:
            window, checked = 32, 0.0
            while queue or in_flight:
                now = time.monotonic()
                if now - checked > 5.0:
                    window = max(32, 4 * sum(client.nthreads().values()))
                    checked = now
                while queue and len(in_flight) < window:
                    case = queue.pop()
                    fut = client.submit(execute_case, task, case.case_id, dict(case.inputs),
                                        key=f"{sweep.name}-{case.case_id}-{token}", pure=False)
                    in_flight[fut] = case
                try:
                    wait(list(in_flight), timeout=min(max(flush_seconds, 0.05), 1.0), return_when="FIRST_COMPLETED")
                except Exception:  # noqa: BLE001 - timeout, or cancelled futures: statuses are read below
                    pass
                finished = [f for f in in_flight if f.status != "pending"]
                for fut in finished:
                    case = in_flight.pop(fut)
                    row = _future_row(fut, case)
                    if row is None:
                        stats.lost += 1
                        continue
                    if not buffer:
                        oldest = time.monotonic()
                    buffer.append(typed(row))
                    bar.update(1)
                if buffer and (len(buffer) >= batch_size or time.monotonic() - oldest >= flush_seconds):
                    flush()
    finally:
        flush()  # completed results survive an exception or Ctrl-C in the driver
        bar.close()


def _future_row(fut: Any, case: Case) -> dict[str, Any] | None:
    """A finished future's row; an error row if the case killed its workers; None if lost."""
    from distributed import KilledWorker

    if fut.status == "finished":
        return fut.result()
    if fut.status == "error":
        exc = fut.exception()
        if isinstance(exc, KilledWorker):
            return {"case_id": case.case_id, "inputs": _canonical(case.inputs),
                    "error": f"KilledWorker: the case's worker process died repeatedly ({exc})"}
        return {"case_id": case.case_id, "inputs": _canonical(case.inputs), "error": f"{type(exc).__name__}: {exc}"}
    return None  # cancelled / lost: the case stays pending for a rerun
