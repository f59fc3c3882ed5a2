"""QA matrix, part 1: the random physical parameter sets and the (nseg, temperature) grid.

See the package docstring (:mod:`compactmodel.studies.qa`) for the sampling box and its rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Sequence

import numpy as np

from ...core.parameters import PARAMETERS, validate
from ...devices.presets import PRESETS
from ...library import SHIPPED_NSEGS as _LIBRARY_NSEGS
from ...physics import scales
from ...physics.phase_slips import attempt_frequency

__all__ = ["NSEGS", "SHIPPED_NSEGS", "TEMPERATURES_C", "LGATE_FRACTION", "FATT_FACTOR", "TCANI_RANGE", "DRIVE_RANGE",
           "SPEED_RANGE", "HEALING_RANGE", "MIN_LENGTH_OVER_HEALING", "preset_span", "physical_box", "QASet",
           "sample_parameter_sets", "full_grid", "rotate"]

#: Section counts of the matrix: 1 and 2 are generated (:func:`write_library`), the rest shipped.
NSEGS = (1, 2, 4, 8, 16, 32, 48, 64)
#: Section counts the shipped library defines (48 is ``spin_battery``).
SHIPPED_NSEGS = _LIBRARY_NSEGS
#: Circuit temperatures [C].
TEMPERATURES_C = (-40.0, 27.0, 125.0)
#: ngspice's defaults are reltol=1e-3 abstol=1e-12 vntol=1e-6: these are 1000x tighter.
TIGHT_OPTIONS = "reltol=1e-6 abstol=1e-15 vntol=1e-9"
#: Tolerance-sensitivity limit of the issue: relative change of any output under 0.5 %.
TOLERANCE_LIMIT = 5e-3
#: Derivative-continuity limit: a jump left after refinement, relative to the entry's scale.
JUMP_LIMIT = 1e-3


# ------------------------------------------------------------------------------ sampler

#: Parameters sampled log-uniformly in a box of +-1 decade around the presets' span.
_WIDENED = ("len", "stiff", "chi", "damp", "gsp", "theta", "rw", "kani")
#: lgate / len [-]; fatt / attempt_frequency [-]; tcani [1/K] (uniform); drive / Landau current [-].
LGATE_FRACTION = (0.005, 0.1)
FATT_FACTOR = (0.1, 10.0)
TCANI_RANGE = (-2e-3, 0.0)
DRIVE_RANGE = (0.1, 0.6)
#: Acceptance of derived quantities: u [m/s], healing length [m], len / healing length [-].
SPEED_RANGE = (1e2, 1e5)
HEALING_RANGE = (3e-9, 1e-7)
MIN_LENGTH_OVER_HEALING = 10.0


@lru_cache(maxsize=1)
def preset_span() -> dict[str, tuple[float, float]]:
    """(min, max) of every instance parameter over the four material presets."""
    values = [f().instance_parameters() for f in PRESETS.values()]
    return {p.name: (min(v[p.name] for v in values), max(v[p.name] for v in values)) for p in PARAMETERS}


@lru_cache(maxsize=1)
def physical_box() -> dict[str, tuple[float, float]]:
    """The sampling box [lo, hi] of each independently drawn parameter (see module docstring).

    +-1 decade around the presets' span for :data:`_WIDENED`, the span itself for ``vgon``;
    always clipped to the documented range.
    """
    span = preset_span()
    by_name = {p.name: p for p in PARAMETERS}
    box = {}
    for name in _WIDENED + ("vgon",):
        lo, hi = span[name]
        if name != "vgon":
            lo, hi = lo / 10.0, hi * 10.0
        par = by_name[name]
        lo = max(lo, par.lower if par.lower > 0 else lo)
        hi = min(hi, par.upper)
        box[name] = (lo, hi)
    return box


@dataclass(frozen=True)
class QASet:
    """One random device: validated instance parameters and its charging current."""

    index: int
    params: dict
    drive: float  #: charging current / Landau current at 27 C [-]

    @property
    def tau(self) -> float:
        """Transit time tau_s = len sqrt(chi/stiff) [s]."""
        p = self.params
        return p["len"] * math.sqrt(p["chi"] / p["stiff"])

    @property
    def current(self) -> float:
        """DC and charging current [A]."""
        return self.drive * scales.device_scales(self.params, 300.15).landau_current


def _accept(p: Mapping[str, float]) -> bool:
    u = math.sqrt(p["stiff"] / p["chi"])
    heal = math.sqrt(p["stiff"] / p["kani"])
    return (SPEED_RANGE[0] <= u <= SPEED_RANGE[1] and HEALING_RANGE[0] <= heal <= HEALING_RANGE[1]
            and p["len"] >= MIN_LENGTH_OVER_HEALING * heal)


def sample_parameter_sets(n: int, seed: int = 2026) -> list[QASet]:
    """``n`` random physical parameter sets (reproducible: one ``numpy`` generator per ``seed``).

    Set ``k`` depends only on (``seed``, ``k``), so the first 20 sets of a 1000-set matrix are
    the 20 sets of a 20-set run.
    """
    box = physical_box()
    out = []
    for k in range(n):
        rng = np.random.default_rng([seed, k])
        while True:
            p = {name: float(math.exp(rng.uniform(math.log(lo), math.log(hi)))) for name, (lo, hi) in box.items()}
            p["lgate"] = p["len"] * float(math.exp(rng.uniform(*np.log(LGATE_FRACTION))))
            p["fatt"] = attempt_frequency(p["stiff"], p["chi"], p["kani"]) * float(math.exp(rng.uniform(*np.log(FATT_FACTOR))))
            p["tcani"] = float(rng.uniform(*TCANI_RANGE))
            p.update(wn0=0.0, dtemp=0.0, tnom=300.15)
            drive = float(rng.uniform(*DRIVE_RANGE))
            if _accept(p):
                break
        out.append(QASet(k, validate(p), drive))
    return out


def full_grid(nsegs: Sequence[int] = NSEGS, temperatures: Sequence[float] = TEMPERATURES_C) -> tuple:
    """Every (nseg, temperature [C]) pair."""
    return tuple((k, float(t)) for k in nsegs for t in temperatures)


def rotate(seq: Sequence, index: int, count: int, salt: int = 0) -> list:
    """``count`` consecutive entries of ``seq`` for set ``index``: over len(seq)/count sets
    every entry is used once (``salt`` shifts the pattern, so different checks land on
    different entries for the same set)."""
    if count <= 0 or not seq:
        return []
    if count >= len(seq):
        return list(seq)
    start = (index * count + salt) % len(seq)
    return [seq[(start + j) % len(seq)] for j in range(count)]


