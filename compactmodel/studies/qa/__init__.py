"""QA matrix of the compact model: convergence, tolerance sensitivity and derivative continuity.

In the spirit of the QA run on industry compact models, every check here is repeated over
many random *physical* parameter sets (seeded), several section counts and temperatures:

* (a) DC operating point with a DC charging current, gate open (1.2 ``vgon``) and closed (0 V);
* (b) AC port impedance (gate open, biased by the same DC current);
* (c) a short charge -> store -> release transient (:class:`compactmodel.sim.deck.ChargeStoreRelease`)
  with its times scaled to the device's transit time tau_s = len sqrt(chi/stiff) and a current
  below the Landau current (:func:`compactmodel.physics.scales.landau_current`), at a converged
  largest step (:func:`transient_case`, :mod:`compactmodel.sim.stepping`);
* (d) circuit temperatures -40, 27 and 125 C (``.temp``);
* (e) the shipped modal ``spin_battery`` and 48 sections (``spin_battery_n48``), and nseg 1, 2, 4,
  8, 16, 32 and 64 (generated into a temporary library by :func:`write_library`).

Each run goes through :class:`NgspiceProcess` (ngspice in a child process, so a run stuck in
ngspice's convergence aids can be ended after :data:`TIMEOUTS`) and records how it ended
(:func:`classify`: converged directly, through gmin or source stepping, only through ngspice
39's transient-op fallback, which is *not* counted as converged, or failed), whether
:func:`compactmodel.sim.ngspice.run_netlist` would have accepted it, and its key outputs (stored
winding, port voltage, |Z| at a few frequencies). **Tolerance sensitivity** reruns a subset
with :data:`TIGHT_OPTIONS` (reltol, abstol and vntol 1000x tighter than ngspice's defaults)
and compares (:func:`compare_outputs`): every difference is divided by the *scale of the
signal* (the largest |value| of that waveform or spectrum), never pointwise, so zero crossings
of a ringing waveform do not inflate it. **Derivative continuity**:

* (i) Verilog-A, through OpenVAF's front end (``openvaf_py``, :class:`VerilogAModel`): the
  residuals and Jacobian from ``run_init_eval`` along sweeps of V(gate) through the gate
  transition (0.9..1.3 vgon), of the wire twist through zero and through both Landau limits,
  of the gate-section twist likewise, and of V(p,n) through zero port current. The
  Jacobian is compared with central finite differences of the residuals, and
  :func:`derivative_jumps` looks for jumps in every Jacobian entry along the sweep;
* (ii) subcircuit: ngspice ``.dc`` sweeps of V(gate) through the transition and of the port
  current through zero; :func:`sampled_kinks` looks for jumps of the numerical derivative
  of V(wn) and V(p), refining the sweep around the worst point.

A jump is judged by refinement, not by one grid: a discontinuous derivative keeps its jump
however finely it is sampled, a continuous one (even a steep one, such as the 1e-8-wide
soft max of the barrier at the Landau limit) has a difference that shrinks with the step.

Physical parameter box
======================

The documented ranges (:data:`compactmodel.core.parameters.PARAMETERS`) are validation bounds that
span up to 18 decades; most of that volume is not a device. The sampler draws each quantity
log-uniformly in a box of one decade either side of the span of the four presets
(:data:`compactmodel.devices.presets.PRESETS`), intersected with the documented range
(:func:`physical_box`; a test checks this table against the presets):

=========  ====================  =========================================================
name       box                   rule
=========  ====================  =========================================================
len        1e-07 .. 5e-05 m      presets 1e-6 .. 5e-6, +-1 decade
stiff      2.5e-28 .. 7.4e-25    presets 2.5e-27 .. 7.4e-26 J m, +-1 decade
chi        1.29e-36 .. 2.57e-30  presets 1.29e-35 .. 2.57e-31 J s^2/m, +-1 decade
damp       1.95e-26 .. 2.89e-23  presets 1.95e-25 .. 2.89e-24 J s/m, +-1 decade
gsp        1e-32 .. 5.45e-30     presets 1e-31 .. 5.45e-31 J s, +-1 decade
theta      3.29e-17 .. 3.29e-14  presets 3.29e-16 .. 3.29e-15 V s, +-1 decade
rw         80 .. 1.6e+04 ohm     presets 800 .. 1600, +-1 decade
kani       6.25e-13 .. 6.28e-09  presets 6.25e-12 .. 6.28e-10 J/m, +-1 decade
vgon       1.25 .. 62.8 V        the presets' span (VCMA), not widened
lgate      0.005 .. 0.1 x len    presets 0.01 .. 0.02 of len: a short gated section
fatt       0.1 .. 10 x f_Langer  f_Langer = physics.phase_slips.attempt_frequency(stiff, chi, kani)
tcani      -2e-3 .. 0 1/K        uniform (K falls with T); fani stays in 0.8 .. 1.14
wn0, dtemp 0, tnom 300.15 K      fixed (transients start empty; no self-heating)
=========  ====================  =========================================================

Draws whose derived quantities are not those of a magnet are rejected and redrawn:
spin-wave speed u = sqrt(stiff/chi) in 1e2 .. 1e5 m/s (presets 5.4e2 .. 4.6e4), healing length
sqrt(stiff/kani) in 3 .. 100 nm (presets 8.5 .. 24.5 nm) and len at least 10 healing lengths
(the phase-slip rate law assumes a long wire). The charging current of each set is
``drive`` x the Landau current at 27 C, with ``drive`` uniform in 0.1 .. 0.6.

Modules, in the order a run uses them: :mod:`.sampling` (sets and grid), :mod:`.decks`,
:mod:`.runner` (ngspice in a child process with a time limit; how a run ended), :mod:`.cases`
(one analysis, its outputs, tolerance comparison), :mod:`.continuity` (Verilog-A Jacobian and
subcircuit sweeps), :mod:`.matrix` (one set, many sets) and :mod:`.report` (statistics).
This package face re-exports their public names.
"""

from .cases import *  # noqa: F401,F403
from .cases import __all__ as _cases
from .continuity import *  # noqa: F401,F403
from .continuity import __all__ as _continuity
from .decks import *  # noqa: F401,F403
from .decks import __all__ as _decks
from .matrix import *  # noqa: F401,F403
from .matrix import __all__ as _matrix
from .report import *  # noqa: F401,F403
from .report import __all__ as _report
from .runner import *  # noqa: F401,F403
from .runner import __all__ as _runner
from .sampling import *  # noqa: F401,F403
from .sampling import __all__ as _sampling

__all__ = [*_sampling, *_decks, *_runner, *_cases, *_continuity, *_matrix, *_report]
