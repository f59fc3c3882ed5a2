"""Parameter contract: bad input gets one clear error naming the parameter, value and range."""

import math

import pytest

from compactmodel.symbolic.emit import main as emit_main
from compactmodel.sim.deck import instance_line, param_block
from compactmodel.core.parameters import PARAMETERS, ParameterError, check_nseg, defaults, validate


@pytest.mark.parametrize(
    "name, value",
    [
        ("len", -1e-6),
        ("len", 0.0),
        ("stiff", math.nan),
        ("chi", math.inf),
        ("damp", -1e-25),
        ("gsp", 0.0),
        ("theta", 1.0),
        ("rw", -5.0),
        ("vgon", 0.0),
        ("kani", 0.0),
        ("fatt", -1.0),
        ("tnom", 0.0),
        ("tcani", 1.0),
        ("dtemp", math.nan),
        ("lgate", 1.0),
        ("wn0", 1e12),
    ],
)
def test_out_of_range_values_are_rejected_with_name_value_and_range(name, value):
    with pytest.raises(ParameterError) as err:
        validate({name: value})
    msg = str(err.value)
    assert f"'{name}'" in msg and repr(float(value)) in msg
    p = next(p for p in PARAMETERS if p.name == name)
    assert p.range_text() in msg


@pytest.mark.parametrize("value", ["1e-6", None, [1e-6], True, 1j])
def test_wrong_types_are_rejected(value):
    with pytest.raises(ParameterError, match="'len' must be a real number"):
        validate(len=value)


def test_unknown_parameter_names_are_listed():
    with pytest.raises(ParameterError, match="unknown parameter.*'length'.*known parameters are: len, stiff"):
        validate(length=1e-6)


def test_validate_fills_defaults_and_keeps_given_values():
    out = validate(len=2e-6)
    assert out["len"] == 2e-6
    assert {k: v for k, v in out.items() if k != "len"} == {k: v for k, v in defaults().items() if k != "len"}


@pytest.mark.parametrize("bad", [0, -3, 2.5, "8", 1000])
def test_nseg_must_be_a_positive_integer_in_range(bad):
    with pytest.raises(ParameterError, match="nseg"):
        check_nseg(bad)


def test_emit_cli_rejects_bad_nseg_without_traceback(capsys):
    assert emit_main(["--nseg", "0", "--check"]) == 2
    assert "nseg = 0" in capsys.readouterr().err


def test_instance_line_checks_pins_and_parameters():
    line = instance_line("X7", ("a", "b", "g", "w"), {"len": 3e-6})
    assert line.startswith("X7 a b g w spin_battery len=3e-06 ")
    assert len(line.split()) == 6 + len(PARAMETERS)  # name, 4 pins, subckt, every parameter
    with pytest.raises(ParameterError, match="4 pins"):
        instance_line("X1", ("a", "b", "g"))
    with pytest.raises(ParameterError, match="must start with 'X'"):
        instance_line("R1", ("a", "b", "g", "w"))
    with pytest.raises(ParameterError, match="'rw'"):
        instance_line("X1", ("a", "b", "g", "w"), {"rw": 0})
    assert param_block({"len": 2e-6}).startswith(".param sb_len=2e-06\n")
