"""Independent references the compact model is checked against.

What lives here: :mod:`.reference` (the distributed continuum solution: finite volumes with
exact matrix exponentials), :mod:`.monolithic` (battery + logic cell in one scipy solve, the
reference of the co-simulation), :mod:`.saddle` (the phase-slip barrier by constrained
minimisation on the discretised wire) and :mod:`.vajax_runner` (the Verilog-A module run in vajax).

What it may import: :mod:`compactmodel.sim` and everything below it, numpy, scipy; optional
simulators (vajax) lazily.
"""
