"""SymPy symbols of the model, one per physical quantity, with SI units in the docstring table.

===========  ==========  =========================================================
symbol       unit        meaning
===========  ==========  =========================================================
``L``        m           loop length between the contacts (parameter ``len``)
``A``        J m         exchange stiffness, quasi-1D (``stiff``)
``chi``      J s^2/m     spin susceptibility, quasi-1D (``chi``), eq. (5)
``alpha_s``  J s/m       Gilbert damping times spin density (``damp``)
``g``        J s         spin-pumping coefficient (``gsp``), eq. (6)
``vartheta`` V s = J/A   spin-Hall torque per ampere (``theta``), eq. (6)
``R``        ohm         resistance of the charging circuit (``rw``)
``I``        A           charging current
``s``        1/s         Laplace variable
``x``, ``t`` m, s        position along the loop, time
===========  ==========  =========================================================
"""

from __future__ import annotations

import sympy as sp

x, t = sp.symbols("x t", real=True)
s = sp.symbols("s")
L = sp.Symbol("L", positive=True)
A = sp.Symbol("A", positive=True)
chi = sp.Symbol("chi", positive=True)
alpha_s = sp.Symbol("alpha_s", nonnegative=True)
g = sp.Symbol("g", positive=True)
vartheta = sp.Symbol("vartheta", positive=True)
R = sp.Symbol("R", positive=True)
I = sp.Symbol("I", real=True)

#: Instance-parameter name -> physics symbol (the rest of the parameters are model-only).
PARAMETER_SYMBOLS: dict[str, sp.Symbol] = {
    "len": L,
    "stiff": A,
    "chi": chi,
    "damp": alpha_s,
    "gsp": g,
    "theta": vartheta,
    "rw": R,
}
