"""Numerical physics of the spin-texture battery (no SymPy).

What lives here: :mod:`.scales` (one home for every characteristic quantity: spin-wave speed,
transit time, line impedance, Landau limit, healing length, slip-barrier scale, port
inductance, first moment of a charge, eq. (9)), :mod:`.gate` (the VCMA gate: gated
anisotropy, open voltage), :mod:`.phase_slips` (the thermally activated slip-rate law,
retention, Landau-limit warnings), :mod:`.capacity` (rated full charge, state of charge) and
:mod:`.stochastic` (slips as a seeded jump process).

The symbolic derivations these formulas come from live in :mod:`compactmodel.symbolic`; the
tests hold the two against each other.

What it may import: :mod:`compactmodel.core`, numpy, scipy.
"""
