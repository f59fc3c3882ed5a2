"""QA matrix, part 2: the decks of each analysis (built with :class:`compactmodel.sim.deck.Deck`)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ...core.formatting import format_real
from ...library import library_path
from ...physics.gate import open_voltage
from ...sim.deck import ChargeStoreRelease, Deck, ac_deck
from ...symbolic.emit import spice_subckt
from ...symbolic.lumped import derive
from .sampling import NSEGS, SHIPPED_NSEGS, QASet

__all__ = ["write_library", "subckt_for", "dc_deck", "impedance_deck", "transient_protocol", "transient_deck",
           "dc_sweep_deck", "AC_SPAN", "AC_REPORT", "TRAN_TMAX", "STEP_RTOL", "STEP_HALVINGS"]

def write_library(path: str | Path, nsegs: Iterable[int] | None = None) -> Path:
    """Generate ``spin_battery_n<k>`` for the section counts the shipped library lacks (SymPy, ~0.1-1 s each).

    Default: every sectioned count of :data:`NSEGS` that is not shipped.
    """
    if nsegs is None:
        nsegs = [k for k in NSEGS if k != "modal" and k not in SHIPPED_NSEGS]
    path = Path(path)
    path.write_text("\n".join(spice_subckt(derive(k), f"spin_battery_n{k}") for k in nsegs))
    return path


def subckt_for(nseg: int | str, library: str | Path | None = None) -> tuple[str, Path]:
    """(subcircuit name, library file) of a model spec: ``"modal"`` (the shipped default ``spin_battery``),
    a shipped section count, or one generated into ``library`` (:func:`write_library`)."""
    if nseg == "modal":
        return "spin_battery", library_path()
    if nseg in SHIPPED_NSEGS:
        return f"spin_battery_n{nseg}", library_path()
    if library is None:
        raise ValueError(f"nseg {nseg} is not shipped: generate it with write_library() and pass library=")
    return f"spin_battery_n{nseg}", Path(library).resolve()


def _dc_deck(title: str, qs: QASet, nseg: int, temp_c: float, gate: float, analysis: str, options: str,
             library, current: float | None = None) -> str:
    """A DC current into p, the gate at ``gate`` [V], one instance of the set at ``temp_c`` [C]."""
    name, lib = subckt_for(nseg, library)
    i = qs.current if current is None else current
    return (Deck(title, lib).add(f"I1 0 p dc {format_real(i)}", f"Vg gate 0 {format_real(gate)}")
            .instance("X1", ("p", "0", "gate", "wn"), qs.params, name)
            .temperature(temp_c).options(options, placeholder=None).analysis(analysis).text())


def dc_deck(qs: QASet, nseg: int, temp_c: float, gate_open: bool, options: str = "", library=None) -> str:
    """``.op`` with the set's DC current into p, gate open (1.2 vgon) or closed (0 V)."""
    vg = open_voltage(qs.params["vgon"]) if gate_open else 0.0
    return _dc_deck(f"qa {qs.index}: dc, gate {'open' if gate_open else 'closed'}", qs, nseg, temp_c, vg, ".op",
                    options, library)


#: AC sweep: 1e-3 .. 1 of 1/tau_s, 10 points per decade; |Z| is reported at these multiples of 1/tau_s.
AC_SPAN = (1e-3, 1.0)
AC_REPORT = (1e-3, 1e-2, 1e-1, 1.0)


def impedance_deck(qs: QASet, nseg: int, temp_c: float, options: str = "", library=None) -> str:
    """Port impedance Z(f) = V(p) for 1 A ac, gate open, biased by the set's DC current
    (:func:`compactmodel.sim.deck.ac_deck`, 10 points per decade over :data:`AC_SPAN` / tau_s)."""
    name, lib = subckt_for(nseg, library)
    f0, f1 = (x / qs.tau for x in AC_SPAN)
    return ac_deck(qs.params, f0, f1, 10, name, lib, dc_current=qs.current, temperature=temp_c, options=options)


#: Largest transient time step to start from, in transit times tau_s (the package's own
#: ChargeStoreRelease default is tau_s/23 for the reference device). Each transient halves it
#: (:func:`compactmodel.sim.stepping.converge_tmax`) until V(wn) and V(p,n) change by under
#: :data:`STEP_RTOL` of their swing, at most :data:`STEP_HALVINGS` times.
TRAN_TMAX = 0.02
STEP_RTOL = 2e-3
STEP_HALVINGS = 6


def transient_protocol(qs: QASet, options: str = "", tmax_fraction: float = TRAN_TMAX):
    """Charge 10 tau_s, store to 20 tau_s, release into rw until 30 tau_s (ramps tau_s/2, steps <= tmax_fraction tau_s)."""
    tau = qs.tau
    return ChargeStoreRelease(current=qs.current, t_charge=10 * tau, t_ramp=0.5 * tau, t_release=20 * tau,
                              t_stop=30 * tau, r_load=qs.params["rw"], tmax=tmax_fraction * tau, options=options)


def transient_deck(qs: QASet, nseg: int, temp_c: float, options: str = "", library=None,
                   tmax_fraction: float = TRAN_TMAX) -> str:
    name, lib = subckt_for(nseg, library)
    return transient_protocol(qs, options, tmax_fraction).netlist(qs.params, name, lib, temperature=temp_c)


def dc_sweep_deck(qs: QASet, nseg: int, temp_c: float, source: str, start: float, stop: float, step: float,
                  gate: float | None = None, current: float | None = None, options: str = "", library=None) -> str:
    """``.dc`` sweep of ``Vg`` (the gate, with the DC current) or ``I1`` (the current, gate at ``gate``)."""
    vg = open_voltage(qs.params["vgon"]) if gate is None else gate
    return _dc_deck(f"qa {qs.index}: dc sweep {source}", qs, nseg, temp_c, vg,
                    f".dc {source} {start!r} {stop!r} {step!r}", options, library, current)


