"""The symbolic model: the one source of truth, in SymPy, and the generator that prints it.

What lives here: :mod:`.symbols` and :mod:`.continuum` (the paper's equations 1-6 and the
closed forms derived from them), :mod:`.barrier` (the phase-slip barrier from the free
energy), :mod:`.closed_forms` (the closed forms collected and rendered), :mod:`.laws` (the gate
and slip laws in circuit form), :mod:`.lumped` (the reduced, scaled state equations),
:mod:`.printers` (ngspice and Verilog-A spellings), :mod:`.codegen` (the numeric twins),
:mod:`.emit` (writes :mod:`compactmodel.library`) and :mod:`.numeric` (lambdified models with
exact Jacobians, numeric twins of any section count).

What it may import: :mod:`compactmodel.library` (paths only), :mod:`compactmodel.physics`,
:mod:`compactmodel.core`, SymPy, numpy, scipy. Nothing on the simulation path imports it.
"""
