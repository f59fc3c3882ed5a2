"""The numeric twins (generated Python) evaluate exactly the SymPy model they were printed from."""

from __future__ import annotations

import re

import numpy as np
import pytest

from compactmodel.core.parameters import LOOP_PARAMETERS, PARAMETERS
from compactmodel.library import SUBCKTS, numeric_model
from compactmodel.symbolic.codegen import energy_expression
from compactmodel.symbolic.emit import shipped_models
from compactmodel.symbolic.numeric import NumericModel


@pytest.fixture(scope="module")
def models():
    return shipped_models()


def test_the_index_lists_every_shipped_subcircuit(models):
    assert dict(SUBCKTS) == {name: m.nseg if m.kind == "sectioned" else "modal" for name, m in models.items()}


@pytest.mark.parametrize("name", ["spin_battery", "spin_battery_n48", "spin_loop", "spin_loop_n48"])
def test_twin_equals_lambdified_sympy_model(models, name):
    """Derived parameters, intermediates, state equations and energies at random points: 1e-12."""
    model = models[name]
    twin, num = numeric_model(name), NumericModel(model)
    rng = np.random.default_rng(5)
    table = LOOP_PARAMETERS if model.four_terminal else PARAMETERS
    for _ in range(4):
        p = {q.name: q.default * rng.uniform(0.7, 1.3) if q.default else rng.uniform(-0.5, 0.5) for q in table}
        consts = num.constants(p)
        c = twin.constants(p)
        for sym, value in zip(num.consts, consts):
            assert c[sym.name] == pytest.approx(value, rel=1e-12, abs=0)
        inputs = {key: float(rng.uniform(-0.3, 0.3)) for key in model.inputs}
        inputs["temp"] = float(rng.uniform(250, 400))
        inputs["vg"] = float(rng.uniform(-0.2, 1.2)) * p["vgon"]
        z = list(rng.uniform(-0.3, 0.3, len(model.states)))
        env = num.environment(consts, inputs, z)
        v = twin.intermediates(c, inputs, z)
        for sym, _ in model.intermediates:
            want = float(env[num.args.index(sym)])
            assert float(v[sym.name]) == pytest.approx(want, rel=1e-12, abs=1e-300)
        rows = twin.rhs(c, v, z)
        for st, got in zip(model.states, rows):
            want = float(num.function(model.rhs[st.symbol])(*env))
            assert float(got) == pytest.approx(want, rel=1e-11, abs=1e-14 * max(1.0, abs(want)))
        phys = twin.physical(c, v, z)
        for key, expr in model.physical.items():
            assert float(phys[key]) == pytest.approx(float(num.function(expr)(*env)), rel=1e-11, abs=1e-300)
        assert twin.initial(c) == pytest.approx([float(num.function(st.initial)(*env)) for st in model.states])
        if not model.four_terminal:
            energy, args = energy_expression(model)
            f = num.function(energy)
            ws, gk = float(v["wsum"]), float(v["sg2"])
            assert twin.stored_energy_nodes(c, z, ws, gk) == pytest.approx(float(f(*env)), rel=1e-11)


def test_loss_terms_rebuild_the_loss_powers(models):
    """The B-source templates of the energy integrators add up to the model's loss powers."""
    name = "spin_battery"
    model, twin = models[name], numeric_model(name)
    num = NumericModel(model)
    rng = np.random.default_rng(9)
    p = {q.name: q.default for q in PARAMETERS}
    c = twin.constants(p)
    consts = num.constants(p)
    z = list(rng.uniform(-0.3, 0.3, len(model.states)))
    inputs = {"vpn": 0.01, "vg": 0.3 * p["vgon"], "temp": 320.0}
    v = twin.intermediates(c, inputs, z)
    env = num.environment(consts, inputs, z)
    nodes = {f"V(x1.{s})": zi for s, zi in zip(twin.STATES, z)}
    nodes.update({"V(x1.ws)": v["wsum"], "V(x1.gk)": v["sg2"], "V(x1.sb)": v["sb"], "V(x1.sg)": v["sg"], "ipncell": v["ipn"]})
    for key, power in (("e_joule", "joule_power"), ("e_pumping", "pumping_power"), ("e_gilbert", "gilbert_power"),
                       ("e_slips", "slip_power")):
        total = 0.0
        for coeff, mono in twin.LOSS_TERMS[key]:
            # the monomial in ngspice syntax: products of node voltages (and powers in parentheses)
            names = {f"n{i}": value for i, value in enumerate(nodes.values())}
            text = mono
            for i, node in enumerate(nodes):
                text = text.replace(node, f"n{i}")
            assert set(re.findall(r"[A-Za-z_]\w*", text)) <= set(names), mono
            total += coeff(c) * eval(text, {}, names)  # noqa: S307 - our own generated monomial
        want = float(num.function(model.physical[power])(*env))
        assert total == pytest.approx(want, rel=1e-10, abs=1e-30), key
