"""The ground floor: the parameter contract, physical constants and number formatting.

What lives here: :mod:`.parameters` (the instance-parameter table shared by the ngspice
subcircuit, the Verilog-A module and the Python API; :class:`InstanceParameters`, the frozen
validated set the rest of the package passes around; :class:`ParameterError`),
:mod:`.constants` (SI constants, one home each) and :mod:`.formatting` (how numbers are
written into netlists).

What it may import: the standard library, numpy and scipy.constants. Nothing else of the
package (every other layer imports this one).
"""
