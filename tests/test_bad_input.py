"""Bad input (issue 6, part 2): every bad input gives one clear message, never a crash from inside
ngspice, SymPy or numpy.

One test per bad input, grouped by where the input enters: instance parameters, section counts,
the Landau limit, a missing ngspice, protocols, hand-written netlists, deck helpers, the logic
load, Simulation arguments, materials and the command line. Every error is checked by
:func:`assert_clear`: the project's own exception type, a single line naming the parameter or
step, and no traceback text or internal exception type of SymPy/ngspice/PySpice/cffi/numpy.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
import warnings
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from compactmodel.devices import materials as mt
from compactmodel.devices import presets
from compactmodel.physics.capacity import rating
from compactmodel.cli import main as cli_main
from compactmodel.sim.simulation import Simulation
from compactmodel.sim.loads import CapacitorLoad, LogicLoad, ResistorLoad
from compactmodel.devices.sot_mtj import SotMtjParameters
from compactmodel.symbolic.lumped import derive
from compactmodel.sim.deck import ChargeStoreRelease, ac_deck, current_drive_deck, instance_line
from compactmodel.library import library_path, subckt_name
from compactmodel.sim.ngspice import InstanceError, NgspiceNotFound, SimulationError, run_netlist
from compactmodel.core.parameters import PARAMETERS, ParameterError, check_nseg, validate
from compactmodel.physics.phase_slips import LandauLimitWarning
from compactmodel.physics.scales import device_scales
from compactmodel.sim.protocol import Experiment, ProtocolError

ROOT = Path(__file__).resolve().parent.parent
OWN = (ParameterError, ProtocolError, SimulationError, NgspiceNotFound)
#: Text that must never reach the user: tracebacks and internal exception types.
INTERNAL = ("Traceback", 'File "', "sympy", "Sympify", "NgSpiceCommandError", "NgSpiceCircuitError", "NameError",
            "CDefError", "cffi", "OverflowError", "AttributeError", "TypeError", "KeyError", "unhashable",
            "ngSpice_Circ returned", "cannot recover", "there aren't any circuits loaded")
RANGE = {p.name: p for p in PARAMETERS}
#: The reference charging current is ~0.54 mA at the Landau limit: 3 mA is 5.6 times past it.
PAST_LANDAU = 3e-3
GOOD_PROTOCOL = "Charge at 0.1 mA for 0.2 ns"


def assert_clear(err: BaseException, *fragments: str) -> str:
    """``err`` is the project's own exception with a one-line message holding every fragment."""
    assert isinstance(err, OWN), f"{type(err).__module__}.{type(err).__name__}: {err}"
    assert type(err).__module__.startswith("compactmodel."), type(err)
    msg = str(err)
    assert msg and "\n" not in msg, f"not one line: {msg!r}"
    for bad in INTERNAL:
        assert bad not in msg, f"internal text {bad!r} in {msg!r}"
    for frag in fragments:
        assert frag in msg, f"{frag!r} not in {msg!r}"
    return msg


def _raises(exc_type, fn, *fragments):
    with pytest.raises(exc_type) as info:
        fn()
    return assert_clear(info.value, *fragments)


# ----------------------------------------------------------------------------- instance parameters
#: (parameter, bad value): negative, zero, NaN, +inf, -inf and above/below the range, for ten parameters.
_BAD_VALUES = [
    (name, value)
    for name in ("len", "stiff", "theta", "rw", "kani", "fatt", "vgon", "lgate", "tnom")
    for value in (-RANGE[name].default, 0.0, math.nan, math.inf, -math.inf, RANGE[name].upper * 10)
] + [("dtemp", v) for v in (math.nan, math.inf, -math.inf, 5000.0, -5000.0)] + [("wn0", 1e12), ("tcani", -1.0)]


@pytest.mark.parametrize("name, value", _BAD_VALUES, ids=[f"{n}={v!r}" for n, v in _BAD_VALUES])
def test_bad_parameter_value_names_parameter_value_and_range(name, value):
    p = RANGE[name]
    _raises(ParameterError, lambda: validate({name: value}), f"'{name}'", repr(float(value)), p.range_text(), p.unit)


@pytest.mark.parametrize(
    "value",
    ["1e-6", None, [1e-6], 1j, True, np.complex128(1e-6), np.bool_(True), Decimal("1e-6"), {"v": 1e-6},
     np.array([1e-6])],
    ids=["str", "None", "list", "complex", "bool", "np.complex128", "np.bool_", "Decimal", "dict", "ndarray"],
)
def test_wrong_type_names_parameter_type_and_range(value):
    _raises(ParameterError, lambda: validate(len=value), "'len' must be a real number in m", type(value).__name__,
            RANGE["len"].range_text())


def test_integer_too_large_for_a_float_is_out_of_range_not_an_overflow():
    _raises(ParameterError, lambda: validate(len=10**400), "'len' = inf", "[1e-09:0.1]")


def test_numpy_real_scalars_are_accepted():
    assert validate(len=np.float32(2e-6), tnom=np.int64(300))["tnom"] == 300.0


@pytest.mark.parametrize(
    "given, hint",
    [("length", "did you mean 'len'"), ("Len", "did you mean 'len'"), ("rw1", "did you mean 'rw'"),
     ("kanni", "did you mean 'kani'"), ("zzz", "known parameters are: len, stiff")],
)
def test_unknown_parameter_name_is_listed_with_a_close_match(given, hint):
    _raises(ParameterError, lambda: validate({given: 1.0}), repr(given), hint, "known parameters are:")


def test_parameters_that_are_not_a_mapping():
    _raises(ParameterError, lambda: validate("len=2e-6"), "must be a mapping", "str")


# ----------------------------------------------------------------------------- section counts
_BAD_NSEG = [0, -3, 2.5, "8", True, None, math.nan, 257, [8]]


@pytest.mark.parametrize("nseg", _BAD_NSEG, ids=[repr(n) for n in _BAD_NSEG])
def test_check_nseg(nseg):
    _raises(ParameterError, lambda: check_nseg(nseg), "nseg")


@pytest.mark.parametrize("nseg", [0, -3, 2.5, "8", True], ids=repr)
def test_derive_nseg(nseg):
    _raises(ParameterError, lambda: derive(nseg), "nseg", repr(nseg) if not isinstance(nseg, int) or isinstance(nseg, bool) else f"nseg = {nseg}")


def test_derive_unhashable_nseg():
    _raises(ParameterError, lambda: derive([8]), "nseg")


@pytest.mark.parametrize("nseg", [0, -3, 2.5, "8", True, 1, 7], ids=repr)
def test_simulation_nseg(nseg):
    _raises(ParameterError, lambda: Simulation(GOOD_PROTOCOL, nseg=nseg), "nseg = ", repr(nseg), "allowed values")


def test_integral_float_nseg_names_the_shipped_subcircuit():
    """Was 'spin_battery_n8.0' (an unknown subckt at run time); now the same subcircuit as nseg=8."""
    assert subckt_name(8.0) == subckt_name(np.int64(8)) == "spin_battery_n8"
    _raises(ParameterError, lambda: subckt_name(2.5), "nseg", "2.5")


# ----------------------------------------------------------------------------- the Landau limit
def _landau_message(record) -> str:
    msgs = [str(w.message) for w in record if issubclass(w.category, LandauLimitWarning)]
    assert len(msgs) == 1, msgs
    i_l = device_scales().landau_current
    assert f"{PAST_LANDAU:.4g} A" in msgs[0] and f"Landau current {i_l:.4g} A" in msgs[0], msgs[0]
    assert "\n" not in msgs[0]
    return msgs[0]


def test_simulation_warns_past_the_landau_limit():
    with pytest.warns(LandauLimitWarning) as record:
        Simulation(f"Charge at {PAST_LANDAU * 1e3:g} mA for 1 ns", load=ResistorLoad(1e3))
    _landau_message(record)


def test_simulation_landau_limit_is_per_cell():
    """The same 3 mA into 10 cells in parallel is 0.3 mA per cell: below the limit, no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", LandauLimitWarning)
        Simulation(f"Charge at {PAST_LANDAU * 1e3:g} mA for 1 ns", load=ResistorLoad(1e3), n_parallel=10)


def test_charge_store_release_warns_past_the_landau_limit():
    with pytest.warns(LandauLimitWarning) as record:
        ChargeStoreRelease(current=PAST_LANDAU).netlist()
    _landau_message(record)


def test_landau_current_bad_temperature():
    _raises(ParameterError, lambda: device_scales(None, math.nan), "temperature")


# ----------------------------------------------------------------------------- a missing ngspice
_MISSING_SCRIPTS = {
    # PySpice reads NGSPICE_LIBRARY_PATH: point it at a library that does not exist
    "library-path": ("", {"NGSPICE_LIBRARY_PATH": "/nonexistent/libngspice{}.so"}),
    # or make the loader itself fail as on a machine without libngspice
    "dlopen-oserror": (
        "from PySpice.Spice.NgSpice.Shared import ffi\n"
        "def _fail(*a, **k):\n"
        "    raise OSError('libngspice.so: cannot open shared object file: No such file or directory')\n"
        "ffi.dlopen = _fail\n",
        {},
    ),
}


@pytest.mark.parametrize("how", list(_MISSING_SCRIPTS))
def test_missing_ngspice(how):
    """In a fresh process (the session is cached per process): NgspiceNotFound with an install hint,
    also on a second attempt (PySpice cannot retry: a second load used to fail with cffi's CDefError)."""
    prelude, env = _MISSING_SCRIPTS[how]
    code = prelude + textwrap.dedent(
        """
        from compactmodel.sim.ngspice import run_netlist
        for attempt in range(2):
            try:
                run_netlist("t\\nR1 a 0 1\\n.op\\n.end\\n")
            except Exception as exc:
                print(f"{type(exc).__module__}.{type(exc).__name__}|{exc}")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={**os.environ, **env})
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 2, out.stdout + out.stderr
    for line in lines:
        kind, msg = line.split("|", 1)
        assert kind == "compactmodel.sim.ngspice.NgspiceNotFound", line
        assert_clear(NgspiceNotFound(msg), "cannot load libngspice", "'libngspice0-dev'", "NGSPICE_LIBRARY_PATH",
                     "No such file")


def test_missing_ngspice_from_the_cli(tmp_path):
    env = {**os.environ, "NGSPICE_LIBRARY_PATH": "/nonexistent/libngspice{}.so"}
    out = subprocess.run([sys.executable, "-m", "compactmodel.cli", "simulate", GOOD_PROTOCOL,
                          "--load", "resistor:1000", "--quiet", "--no-plots", "--out", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)
    assert out.returncode == 2, out.stderr
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("error: cannot load libngspice"), out.stderr


# ----------------------------------------------------------------------------- malformed protocols
_BAD_PROTOCOLS = [
    ("unknown verb", ["Jump for 2 ns"], "'Jump for 2 ns' is not understood"),
    ("missing duration (hold)", ["Hold"], "'Hold': a hold needs a duration"),
    ("missing duration (charge)", ["Charge at 1 mA"], "say how long to charge"),
    ("missing duration (release)", ["Release into load"], "say how long to release"),
    ("bad current unit", ["Charge at 2 mV for 5 ns"], "bad charging current: '2 mV'"),
    ("bad time unit", ["Hold for 3 parsecs"], "bad duration: '3 parsecs'"),
    ("bad condition", ["Release until SOC ~ 10 %"], "cannot read the condition 'SOC ~ 10 %'"),
    ("unknown variable", ["Release until foo < 3"], "unknown variable 'foo'"),
    ("bad condition unit", ["Release until SOC < 10 kg"], "bad value for soc: '10 kg'"),
    ("negative duration", ["Hold for -1 ns"], "the duration must be positive"),
    ("zero current", ["Charge at 0 mA for 1 ns"], "the charging current must be non-zero"),
    ("infinite current", ["Charge at 1e999 mA for 1 ns"], "'1e999 mA' is not finite"),
    ("bad resistance", ["Release into -5 ohm for 1 ns"], "the load resistance must be positive"),
    ("bad ramp", ["Close gate over 0 ns"], "the ramp time must be positive"),
    ("dangling or", ["Release for 1 ns or banana"], "'or' must join"),
    ("empty list", [], "no steps"),
    ("empty step", [""], "empty protocol step"),
    ("non-string step", [42], "a protocol step must be a string, got int 42"),
    ("None step", ["Hold for 1 ns", None], "a protocol step must be a string, got NoneType"),
    ("one string", "Hold for 1 ns", "not one string"),
]


@pytest.mark.parametrize("steps, fragment", [(s, f) for _, s, f in _BAD_PROTOCOLS], ids=[n for n, _, _ in _BAD_PROTOCOLS])
def test_malformed_protocol_names_the_step(steps, fragment):
    msg = _raises(ProtocolError, lambda: Experiment(steps), fragment)
    if steps and not isinstance(steps, str) and isinstance(steps[-1], str) and steps[-1]:
        assert repr(steps[-1]) in msg and "cycle 1" in msg


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: Experiment.from_text("  ;  # only a comment"), "no steps"),
        (lambda: Experiment.from_text("Hold for 1 ns", cycles=0), "cycles = 0"),
        (lambda: Experiment(["Hold for 1 ns"], edge=math.nan), "edge = nan"),
        (lambda: Experiment.from_file("/nonexistent/protocol.txt"), "does not exist"),
        (lambda: Simulation("Jump"), "'Jump' is not understood"),
    ],
    ids=["text without steps", "cycles 0", "edge nan", "missing file", "via Simulation"],
)
def test_malformed_protocol_other_entry_points(call, fragment):
    _raises(ProtocolError, call, fragment)


@pytest.mark.parametrize("call", [lambda: Experiment(None), lambda: Experiment.from_text(None)], ids=["init", "from_text"])
def test_protocol_that_is_not_text_or_a_list(call):
    _raises(ProtocolError, call, "protocol")


# ----------------------------------------------------------------------------- hand-written netlists
def _deck(*body: str, analysis: str = ".tran 1p 50p") -> str:
    return "\n".join(["hand-written deck", f".include {library_path()}", "Ich 0 p 1u", "Vg gate 0 0", *body,
                      analysis, ".end", ""])


_BAD_INSTANCES = [
    ("3 pins", "X1 p 0 gate spin_battery", ("deck line 5", "X1", "spin_battery has 4 pins (p n gate wn)",
                                             "got 3 node(s): p 0 gate")),
    ("5 pins", "X1 p 0 gate wn extra spin_battery len=2u", ("got 5 node(s)",)),
    ("len=-1", "X1 p 0 gate wn spin_battery len=-1", ("deck line 5", "'len' = -1.0 m", "[1e-09:0.1]")),
    ("len=0 (continuation line)", "X1 p 0 gate wn spin_battery\n+ len = 0", ("'len' = 0.0 m",)),
    ("rw=0 (SPICE suffix)", "X1 p 0 gate wn spin_battery_n8 rw=0m", ("spin_battery_n8", "'rw' = 0.0 ohm")),
    ("stiff<0", "X1 p 0 gate wn spin_battery params: stiff=-2.5e-27", ("'stiff' = -2.5e-27",)),
    ("kani huge", "X1 p 0 gate wn spin_battery kani=1meg", ("'kani' = 1000000.0",)),
    ("unknown name", "X1 p 0 gate wn spin_battery length=2u", ("'length' (did you mean 'len'?)",)),
    ("loop: rw", "X1 p1 n1 p2 n2 gate wn spin_loop rw=3k", ("spin_loop", "'rw' (did you mean 'rw2'?)")),
]


@pytest.mark.parametrize("line, fragments", [(l, f) for _, l, f in _BAD_INSTANCES], ids=[n for n, _, _ in _BAD_INSTANCES])
def test_bad_model_instance_in_a_netlist(line, fragments):
    """ngspice runs len=-1 (and ignores length=2u) silently, and says only "there aren't any circuits
    loaded" for a wrong pin count: run_netlist checks the model's instance lines first."""
    with pytest.raises(InstanceError) as info:
        run_netlist(_deck(line))
    assert isinstance(info.value, SimulationError) and isinstance(info.value, ParameterError)
    assert_clear(info.value, *fragments)


_NGSPICE_COMPLAINTS = [
    ("unknown subckt", ("X1 p 0 gate wn spin_batery",), {}, "unknown subckt: x1 p 0 gate wn spin_batery"),
    ("user subckt, missing pin", ("X1 p 0 gate wn spin_battery", ".subckt two a b", "R1 a b 1", ".ends", "X2 p two"), {},
     'Too few parameters for subcircuit type "two"'),
    ("undefined parameter", ("X1 p 0 gate wn spin_battery len={undefined_length}",), {},
     "Netlist line no. 5: Undefined parameter [undefined_length]"),
    ("unknown model", ("Q1 p 0 0 nomodel",), {}, "could not find a valid modelname"),
    ("bad analysis", ("X1 p 0 gate wn spin_battery",), {"analysis": ".tran -1p 50p"}, "TSTEP is invalid"),
    ("missing include", (".include /nonexistent/other.lib", "X1 p 0 gate wn spin_battery"), {},
     "Could not find include file /nonexistent/other.lib"),
]


@pytest.mark.parametrize("body, kw, fragment", [(b, k, f) for _, b, k, f in _NGSPICE_COMPLAINTS],
                         ids=[n for n, *_ in _NGSPICE_COMPLAINTS])
def test_ngspice_complaint_is_quoted_in_one_line(body, kw, fragment):
    msg = _raises(SimulationError, lambda: run_netlist(_deck(*body, **kw)), "ngspice failed: ", fragment)
    assert len(msg) < 700


def test_session_survives_a_deck_that_kills_ngspice():
    """An undefined .param sends libngspice into its controlled exit ('cannot recover and awaits to
    be detached'): every later run in the process used to fail. run_netlist reloads the library."""
    with pytest.raises(SimulationError):
        run_netlist(_deck("X1 p 0 gate wn spin_battery len=undefined_len"))
    vec = run_netlist(_deck("X1 p 0 gate wn spin_battery"))
    assert vec["wn"][-1] > 0


def test_deck_that_fails_to_load_does_not_rerun_the_previous_circuit():
    """A deck ngspice refuses to load (wrong pin count of a user subcircuit) used to 'run' the
    previous deck's circuit, still loaded, and return its results as if nothing were wrong."""
    assert run_netlist(_deck("X1 p 0 gate wn spin_battery"))["wn"][-1] > 0
    bad = _deck(".subckt two a b", "R1 a b 1", ".ends", "X2 p two")
    _raises(SimulationError, lambda: run_netlist(bad), 'Too few parameters for subcircuit type "two" (instance: xx2)')


def test_netlist_that_is_not_text():
    _raises(SimulationError, lambda: run_netlist(["X1 p 0 gate wn spin_battery"]), "must be a string", "list")


# ----------------------------------------------------------------------------- deck helpers
@pytest.mark.parametrize(
    "call, fragments",
    [
        (lambda: instance_line("X1", ("p", "0", "gate")), ("4 pins", "got 3 node names")),
        (lambda: instance_line("X1", "pngw"), ("4 pins",)),
        (lambda: instance_line("R1", ("p", "0", "gate", "wn")), ("must start with 'X'",)),
        (lambda: instance_line(None, ("p", "0", "gate", "wn")), ("must start with 'X'",)),
        (lambda: instance_line("X1", ("p", "0", "gate", "wn"), {"len": -1}), ("'len' = -1.0",)),
        (lambda: ChargeStoreRelease(current=math.nan), ("'current' = nan A", "[-1:1]")),
        (lambda: ChargeStoreRelease(current="0.3 mA"), ("'current' must be a real number", "str")),
        (lambda: ChargeStoreRelease(t_charge=-1e-9), ("'t_charge' = -1e-09 s",)),
        (lambda: ChargeStoreRelease(r_load=0.0), ("'r_load' = 0.0 ohm",)),
        (lambda: ChargeStoreRelease(t_release=1e-9), ("t_release = 1e-09 s", "phases must follow each other")),
        (lambda: ChargeStoreRelease(t_stop=10e-9), ("t_stop = 1e-08 s",)),
        (lambda: ChargeStoreRelease(options=5), ("options must be a string",)),
        (lambda: ac_deck(None, -1.0, 1e9), ("'f_start' = -1.0 Hz",)),
        (lambda: ac_deck(None, 1e9, 1e6), ("'f_stop' = 1000000.0 Hz",)),
        (lambda: ac_deck(None, 1e6, 1e9, 0), ("points_per_decade = 0",)),
        (lambda: current_drive_deck(None, [(0, 0), (1e-9, 1e-4)], 0.0, 1e-12), ("'t_stop' = 0.0 s",)),
        (lambda: current_drive_deck(None, [(0, 0), (1e-9, math.inf)], 2e-9, 1e-12), ("'points[1] current' = inf A",)),
        (lambda: current_drive_deck(None, [(0, 0), 5], 2e-9, 1e-12), ("points[1] = 5",)),
    ],
    ids=["3 nodes", "nodes as one string", "R name", "None name", "len -1", "CSR current nan", "CSR current str",
         "CSR t_charge<0", "CSR r_load 0", "CSR release before hold", "CSR stop before release", "CSR options int",
         "ac f_start<0", "ac f_stop<f_start", "ac 0 points", "drive t_stop 0", "drive current inf", "drive point 5"],
)
def test_bad_deck_helper_argument(call, fragments):
    _raises(ParameterError, call, *fragments)


# ----------------------------------------------------------------------------- the logic load
@pytest.mark.parametrize(
    "call, fragments",
    [
        (lambda: SotMtjParameters(ms=-1), ("'ms' = -1.0 A/m", "(0:3e+06]")),
        (lambda: SotMtjParameters(alpha=math.nan), ("'alpha' = nan", "[0:1]")),
        (lambda: SotMtjParameters(alpha="0.01"), ("'alpha' must be a real number", "str")),
        (lambda: SotMtjParameters(msat=1e6), ("unknown SotMtjParameters field(s) 'msat'",)),
        (lambda: ResistorLoad(-1.0), ("resistance = -1.0 ohm",)),
        (lambda: CapacitorLoad(0.0), ("capacitance = 0.0 F",)),
        (lambda: LogicLoad(cell=1), ("cell must be a SotMtjParameters",)),
    ],
    ids=["ms -1", "alpha nan", "alpha str", "misspelt field", "resistor -1", "capacitor 0", "cell int"],
)
def test_bad_logic_load(call, fragments):
    _raises(ParameterError, call, *fragments)


# ----------------------------------------------------------------------------- Simulation arguments
@pytest.mark.parametrize(
    "kwargs, fragments",
    [
        ({"n_series": 0}, ("n_series = 0",)),
        ({"n_parallel": 1.5}, ("n_parallel = 1.5",)),
        ({"temperature": 1e4}, ("temperature = 10000.0 K", "[200:500]")),
        ({"temperature": math.nan}, ("temperature = nan K",)),
        ({"tmax": -1.0}, ("tmax = -1.0 s",)),
        ({"t_retention": -1.0}, ("t_retention = -1.0 s",)),
        ({"load": "resistor"}, ("load must be",)),
        ({"params": {"len": -1e-6}}, ("'len' = -1e-06 m",)),
        ({"params": {"lenght": 1e-6}}, ("'lenght' (did you mean 'len'?)",)),
    ],
    ids=["n_series 0", "n_parallel 1.5", "temperature 1e4", "temperature nan", "tmax<0", "t_retention<0", "load str",
         "len<0", "misspelt"],
)
def test_bad_simulation_argument(kwargs, fragments):
    _raises(ParameterError, lambda: Simulation(GOOD_PROTOCOL, **kwargs), *fragments)


def test_simulation_retention_of_wrong_type():
    _raises(ParameterError, lambda: rating(None, t_retention="10 years"), "t_retention")


# ----------------------------------------------------------------------------- materials
def _geometry(**kw):
    base = dict(magnet_width=50e-9, magnet_thickness=10e-9, loop_length=1e-6, contact_area=50e-9 * 50e-9,
                wire_cross_section=50e-9 * 5e-9, wire_length=1e-6, g_mix=1e18, theta_sh=0.1, wire_resistivity=2e-7,
                gate_length=20e-9)
    return mt.Geometry(**{**base, **kw})


@pytest.mark.parametrize(
    "call, fragments",
    [
        (lambda: mt.Material("m", A_ex=-1.0, s=1e-6, alpha=0.1, chi=1e-12, K=1e4, density=5e3), ("'A_ex' = -1.0",)),
        (lambda: _geometry(magnet_width="50n"), ("'magnet_width' must be a real number", "str")),
        (lambda: _geometry(gate_length=2e-6), ("'gate_length' = 2e-06 m must be shorter",)),
        (lambda: mt.Device("d", "material", _geometry()), ("argument 'material' must be a Material", "str")),
        (lambda: mt.quasi_1d(_geometry(), presets.reference_device().material), ("argument 'material'",)),
    ],
    ids=["A_ex<0", "width str", "gate longer than loop", "Device material str", "quasi_1d swapped"],
)
def test_bad_material_or_geometry(call, fragments):
    with pytest.raises(ParameterError) as info:
        call()
    assert_clear(info.value, *fragments)
    if "argument" in fragments[0]:
        assert isinstance(info.value, TypeError)  # still a TypeError for callers that catch that


# ----------------------------------------------------------------------------- the command line
_BAD_CLI = [
    (["info", "--param", "len=-1"], "'len' = -1.0 m"),
    (["info", "--param", "leng=1e-6"], "did you mean 'len'"),
    (["info", "--param", "len=abc"], "'abc' is not a number"),
    (["info", "--param", "len"], "must have the form NAME=VALUE"),
    (["info", "--temperature", "nan"], "temperature = nan K"),
    (["info", "--preset", "nope"], "unknown preset 'nope'"),
    (["simulate", "Jump for 1 ns", "--quiet", "--no-plots"], "'Jump for 1 ns' is not understood"),
    (["simulate", GOOD_PROTOCOL, "--nseg", "0"], "nseg = 0"),
    (["simulate", GOOD_PROTOCOL, "--nseg", "2.5"], "argument --nseg: invalid int value: '2.5'"),
    (["simulate", GOOD_PROTOCOL, "--array", "0x1"], "--array '0x1'"),
    (["simulate", GOOD_PROTOCOL, "--temperature", "1e4"], "temperature = 10000.0 K"),
    (["simulate", GOOD_PROTOCOL, "--load", "resistor:-1"], "resistance = -1.0 ohm"),
    (["simulate", GOOD_PROTOCOL, "--cycles", "0"], "cycles = 0"),
    (["emit", "--nseg", "0", "--check"], "nseg = 0"),
    (["bogus"], "invalid choice: 'bogus'"),
]


@pytest.mark.parametrize("argv, fragment", _BAD_CLI, ids=[" ".join(a) for a, _ in _BAD_CLI])
def test_cli_bad_argument_exits_2_with_one_line(argv, fragment, capsys, tmp_path):
    if argv[0] == "simulate":
        argv = [*argv, "--out", str(tmp_path / "out")]
    assert cli_main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert_clear(ParameterError(err.strip()), fragment)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("params, temperature, match", [
    ({"dtemp": -400.0}, 300.15, r"device temperature = .*-99\.85 K: allowed range \[1, 2000\] K"),
    ({"dtemp": 900.0}, 1500.0, r"device temperature .*= 2400 K: allowed range"),
    ({"tcani": -0.01, "dtemp": 150.0}, 300.15, r"K\(T\)/K\(tnom\) = .*-0\.5: allowed range"),
])
def test_device_temperature_and_anisotropy_at_temperature_are_checked(params, temperature, match):
    """A device colder than 1 K or an easy plane that vanishes at the device temperature is refused with the
    parameters named (was: an empty battery or an infinite retention with no message)."""
    from compactmodel.core.parameters import ParameterError, defaults
    from compactmodel.physics.capacity import rating
    from compactmodel.physics.scales import device_scales

    p = dict(defaults(), **params)
    with pytest.raises(ParameterError, match=match):
        device_scales(p, temperature)
    with pytest.raises(ParameterError, match=match):
        rating(p, temperature=temperature)
