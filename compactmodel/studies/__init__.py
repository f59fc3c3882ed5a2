"""Studies built on the model: the QA matrix, sweeps, process variability, retention tables, logic
writes per charge, figures and the README demo.

What lives here: :mod:`.qa` (convergence, tolerance sensitivity, derivative continuity over
random physical parameter sets), :mod:`.sweeps` (grids and seeded Monte Carlo on Dask,
resumable), :mod:`.variability`, :mod:`.retention`, :mod:`.writes`, :mod:`.plots` and
:mod:`.demo`.

What it may import: every layer below (:mod:`compactmodel.verify`, :mod:`compactmodel.sim`,
:mod:`compactmodel.symbolic`, ...); optional heavy dependencies (Dask, pandas, pyarrow,
openvaf-py) lazily.
"""
