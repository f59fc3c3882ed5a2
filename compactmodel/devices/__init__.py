"""Devices: materials, geometries and presets of the battery, their figures of merit, and the
spin-orbit-torque MTJ logic cell it powers.

What lives here: :mod:`.materials` (bulk material + geometry -> quasi-1D instance parameters),
:mod:`.presets` (the reference device and three literature-based presets, with sources),
:mod:`.figures_of_merit` (capacity, energy density, efficiency, speed, retention of a device)
and :mod:`.sot_mtj` (the SOT-MTJ cell: macrospin LLG, the load of a co-simulation).

What it may import: :mod:`compactmodel.physics`, :mod:`compactmodel.core`, numpy, scipy.
"""
