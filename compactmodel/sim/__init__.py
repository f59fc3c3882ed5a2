"""Simulation: running the model in ngspice from Python, protocols, co-simulation and results.

What lives here: :mod:`.ngspice` (the in-process ngspice session, :func:`run_netlist`, deck
checks), :mod:`.deck` (the one deck builder and ready-made decks), :mod:`.energy` (energies,
powers and state equations from the model's numeric twin), :mod:`.loads`, :mod:`.protocol`
(the protocol language), :mod:`.simulation` (the protocol engine and co-simulation,
:class:`Simulation`), :mod:`.results`, :mod:`.stepping` (time-step convergence) and :mod:`.pyspice`
(validated instances in a PySpice ``Circuit``).

What it may import: :mod:`compactmodel.library`, :mod:`compactmodel.devices`,
:mod:`compactmodel.physics`, :mod:`compactmodel.core`, numpy, scipy, PySpice, tqdm. Never
SymPy: the simulation path reads the generated library, not the symbolic model.
"""
