"""Physical constants (SI), one home each.

=============  ===========  ==================================================
name           unit         value / source
=============  ===========  ==================================================
``K_B``        J/K          Boltzmann constant (exact, SI 2019)
``HBAR``       J s          reduced Planck constant (scipy.constants, CODATA)
``E_CHARGE``   C            elementary charge (exact, SI 2019)
``MU_0``       T m/A        vacuum permeability (scipy.constants, CODATA)
``GAMMA_E``    1/(s T)      electron gyromagnetic ratio |gamma_e| (CODATA)
``YEAR``       s            Julian year, 365.25 days
=============  ===========  ==================================================
"""

from __future__ import annotations

from scipy import constants as _sc

__all__ = ["K_B", "HBAR", "E_CHARGE", "MU_0", "GAMMA_E", "YEAR"]

#: Boltzmann constant [J/K] (exact, SI 2019).
K_B: float = 1.380649e-23
#: Reduced Planck constant [J s].
HBAR: float = _sc.hbar
#: Elementary charge [C].
E_CHARGE: float = _sc.e
#: Vacuum permeability [T m/A].
MU_0: float = _sc.mu_0
#: Electron gyromagnetic ratio |gamma_e| [1/(s T)].
GAMMA_E: float = abs(_sc.physical_constants["electron gyromag. ratio"][0])
#: Julian year [s].
YEAR: float = 365.25 * 86400.0
