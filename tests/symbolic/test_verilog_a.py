"""The generated Verilog-A: compiles with OpenVAF's front end, equals the SymPy model, same contract."""

import re
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

from compactmodel.symbolic.emit import LIB_PATH, REPO_ROOT, VA_LOOP_PATH, VA_PATH
from compactmodel.symbolic.modal import derive  # the shipped modules are the modal models
from compactmodel.core.parameters import LOOP_PARAMETERS, PARAMETERS, defaults

VA = REPO_ROOT / VA_PATH
LIB = REPO_ROOT / LIB_PATH
#: module name -> (file, four-terminal?, parameter table)
MODELS = {
    "spin_battery": (REPO_ROOT / VA_PATH, False, PARAMETERS),
    "spin_loop": (REPO_ROOT / VA_LOOP_PATH, True, LOOP_PARAMETERS),
}


@pytest.mark.parametrize("module", list(MODELS))
def test_compiles_with_openvaf_front_end(module):
    """Compile in a subprocess so OpenVAF's diagnostics (stderr) are shown if it fails."""
    path, four, _ = MODELS[module]
    code = "import openvaf_py, sys; m = openvaf_py.compile_va(sys.argv[1])[0]; print(m.name, len(m.nodes))"
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    name, nodes = proc.stdout.split()
    assert name == module
    model = derive(four)
    # pins + internal unknowns + the branch current of the V(wn) source + each probe node (the flag node
    # too) and its branch
    assert int(nodes) == len(model.pins) + len(model.states) + 1 + 2 * (len(model.probes) + bool(model.flags))


@pytest.fixture(scope="module", params=list(MODELS))
def compiled(request):
    import openvaf_py

    path, four, table = MODELS[request.param]
    return openvaf_py.compile_va(str(path))[0], derive(four), table


def _sympy_model(model, table):
    """Residuals, Jacobians and charges of the SymPy model at a point, via the intermediates.

    Node order: pins, then internal unknowns; rows: port pins, internal nodes, the V(wn) branch.
    Resistive part of an internal node: -f; reactive part: tau_s V (tau_s dV/dt = f).
    The Jacobian is the exact chain rule through the model's intermediates
    (:meth:`compactmodel.symbolic.numeric.NumericModel.jacobian`).
    """
    from compactmodel.symbolic.numeric import NumericModel

    num = NumericModel(model)
    nodes = model.pins + [st.name for st in model.states]
    exprs, names = [], []
    for port in model.ports:
        exprs += [port.current, -port.current]
        names += [port.pos, port.neg]
    for st in model.states:
        exprs.append(-model.rhs[st.symbol])
        names.append(st.name)
    funcs = [num.function(e) for e in exprs]
    wn_f = num.function(model.winding)
    partials = [num._partial_functions(e) for e in exprs] + [num._partial_functions(model.winding)]
    base_index = {sym: i for i, sym in enumerate(num.base)}

    def evaluate(pot, params, temperature):
        consts = num.constants(params)
        inputs = {port.voltage.name: pot[port.pos] - pot[port.neg] for port in model.ports}
        inputs.update(vg=pot["gate"], temp=temperature)
        env = num.environment(consts, inputs, [pot[st.name] for st in model.states])
        res = [float(f(*env)) for f in funcs] + [float(wn_f(*env)) - pot["wn"]]
        jb, mb = num.jacobian(None, env, partials, magnitudes=True)  # d/d(inputs, states)
        jac, mag = np.zeros((len(res), len(nodes))), np.zeros((len(res), len(nodes)))
        for j, node in enumerate(nodes):
            for port in model.ports:  # V(pos,neg) inputs
                col = base_index[port.voltage]
                if node == port.pos:
                    jac[:, j] += jb[:, col]
                    mag[:, j] += mb[:, col]
                elif node == port.neg:
                    jac[:, j] -= jb[:, col]
                    mag[:, j] += mb[:, col]
            if node == "gate":
                jac[:, j] += jb[:, base_index[model.inputs["vg"]]]
                mag[:, j] += mb[:, base_index[model.inputs["vg"]]]
            st = next((x for x in model.states if x.name == node), None)
            if st is not None:
                jac[:, j] += jb[:, base_index[st.symbol]]
                mag[:, j] += mb[:, base_index[st.symbol]]
        jac[-1, nodes.index("wn")] = mag[-1, nodes.index("wn")] = -1.0
        tau = consts[num.consts.index(model.tau)]
        mass = [float(num.function(st.mass)(*env)) for st in model.states]  # m tau_s dV/dt = f
        q = [0.0] * (2 * len(model.ports)) + [m * tau * pot[st.name] for m, st in zip(mass, model.states)] + [0.0]
        return np.array(res), jac, np.array(q), np.abs(mag), dict(zip(nodes[len(model.pins):], mass))

    return nodes, names + ["flow(wn)"], evaluate


def test_residuals_and_jacobian_equal_sympy_model(compiled):
    """24 random operating points and temperatures: every residual and Jacobian entry to 1e-9.

    Relative to the size of the terms each value is summed from: the slip rates are
    differences of exponentials, so an entry can be much smaller than its parts.
    """
    compiled, model, table = compiled
    nodes, rows, evaluate = _sympy_model(model, table)
    n_pins = len(model.pins)
    dae = compiled.get_dae_system()
    va_names = [nd["name"] for nd in dae["nodes"]]
    kinds = dict(zip(compiled.param_names, compiled.param_kinds))
    rng = np.random.default_rng(2026)
    checked = 0
    worst = 0.0
    for trial in range(24):
        params = defaults(table)
        for key in params:
            if key not in ("wn0", "vgon", "tnom", "tcani", "dtemp"):
                params[key] *= float(np.exp(rng.uniform(-1, 1)))
        params["vgon"] = float(rng.uniform(0.3, 2.0))
        params["wn0"] = float(rng.uniform(-5, 5))
        params["tcani"] = float(rng.uniform(-2e-3, 0.0))
        params["dtemp"] = float(rng.uniform(-10, 10))
        temperature = float(rng.uniform(233.15, 398.15))
        pot = {k: float(rng.uniform(-2, 2)) for k in nodes}
        pot["gate"] = float(rng.uniform(-0.3, 1.3) * params["vgon"])  # closed, in between, open
        r_sym, j_sym, q_sym, j_mag, mass = evaluate(pot, params, temperature)
        v_now = np.array([pot[k] for k in nodes])
        tau = params["len"] * np.sqrt(params["chi"] / params["stiff"])
        inputs = dict(params, mfactor=1.0)
        inputs["$temperature"] = temperature
        for name, kind in kinds.items():
            if kind == "voltage":
                a, *b = name[2:-1].split(",")
                if a in pot:
                    inputs[name] = pot[a] - (pot[b[0]] if b else 0.0)
        res, jac = compiled.run_init_eval(inputs)
        for va_row, (r_va, q_va) in zip(va_names, res):
            if va_row not in rows:
                continue
            i = rows.index(va_row)
            # cancellation scale: the sum of the magnitudes of the terms making up this residual
            terms = float(np.abs(j_sym[i]) @ np.abs(v_now)) + abs(r_sym[i])
            assert abs(r_va - r_sym[i]) <= 1e-9 * terms, (trial, va_row, r_va, r_sym[i])
            worst = max(worst, abs(r_va - r_sym[i]) / terms)
            assert q_va == pytest.approx(q_sym[i], rel=1e-9, abs=0), (trial, va_row)
            checked += 1
        stamped = {(va_names[r], va_names[c]) for r, c, _, _ in jac}
        for i, row in enumerate(rows):  # every nonzero derivative of the SymPy model is stamped
            for j in np.flatnonzero(j_sym[i]):
                assert (row, nodes[j]) in stamped, (trial, row, nodes[j])
        for row_i, col_i, dr, dq in jac:
            row, col = va_names[row_i], va_names[col_i]
            if row not in rows or col not in nodes:
                continue
            i, j = rows.index(row), nodes.index(col)
            scale = np.max(np.abs(j_sym[i]))
            # tolerance: 1e-9 of the terms the derivative is summed from (chain rule on magnitudes),
            # plus 1e-12 of the row's size (a derivative 1e10 below its residual is at round-off)
            floor = 1e-12 * (scale + abs(r_sym[i]))
            assert abs(dr - j_sym[i, j]) <= 1e-9 * j_mag[i, j] + floor, (trial, row, col, dr, j_sym[i, j])
            dq_sym = mass[row] * tau if (row == col and row in nodes[n_pins:]) else 0.0  # d(m tau_s V)/dV
            assert dq == pytest.approx(dq_sym, rel=1e-12, abs=0), (trial, row, col)
            worst = max(worst, abs(dr - j_sym[i, j]) / (j_mag[i, j] + floor / 1e-9))
            checked += 1
    print(f"{checked} residual/Jacobian entries compared; worst relative difference {worst:.1e}")
    assert checked > 24 * 3 * len(rows)


def _parse_va_parameters(text):
    pat = re.compile(r'\(\* units="([^"]*)", desc="([^"]*)" \*\)\s*parameter real (\w+) = (\S+) from ([\[\(])(\S+):(\S+)([\]\)]);')
    return [(m[3], float(m[4]), m[5] + m[6] + ":" + m[7] + m[8], m[1]) for m in pat.finditer(text)]


def _parse_spice_parameters(text, name="spin_battery"):
    start = text.index(f".subckt {name} ")
    header = text[: start]
    header = header[header.rfind(".ends") + 1 :] if ".ends" in header else header
    block = text[start:]
    block = block[: block.index(".ends")]
    head = block.split("\n")
    values = [tok.split("=") for tok in head[1].lstrip("+ ").split()]
    ranges = dict((m[1], (m[3], m[2])) for m in re.finditer(r'\* @param (\w+) default=\S+ unit="([^"]*)" range="([^"]*)"', header))
    return [(k, float(v), ranges[k][0], ranges[k][1]) for k, v in values]


def _canon(range_text):
    lo, hi = range_text[1:-1].split(":")
    return range_text[0] + repr(float(lo)) + ":" + repr(float(hi)) + range_text[-1]


@pytest.mark.parametrize("module", list(MODELS))
def test_parameter_contract_is_identical_in_both_files(module):
    path, four, table = MODELS[module]
    va = _parse_va_parameters(path.read_text())
    sp_ = _parse_spice_parameters(LIB.read_text(), module)
    assert [p[0] for p in va] == [p[0] for p in sp_]
    required = ["len", "stiff", "chi", "damp", "gsp", "theta", "wn0", "vgon", "lgate", "kani", "fatt", "tnom"] + (["rw1", "rw2"] if four else ["rw"])
    assert set(required) <= {p[0] for p in va}
    for a, b in zip(va, sp_):
        assert a[1] == b[1], a[0]  # default
        assert _canon(a[2]) == _canon(b[2]), a[0]  # range
        assert a[3] == b[3], a[0]  # units
    assert [p[0] for p in va] == [p.name for p in table]
    pins = ", ".join(derive(four).pins)
    assert f"module {module}({pins});" in path.read_text()
    assert f".subckt {module} {pins.replace(', ', ' ')}\n" in LIB.read_text()


@pytest.mark.parametrize("module", list(MODELS))
def test_defaults_lie_inside_their_ranges(module):
    for name, default, rng, _ in _parse_va_parameters(MODELS[module][0].read_text()):
        lo, hi = (float(x) for x in rng[1:-1].split(":"))
        assert (lo < default if rng[0] == "(" else lo <= default), name
        assert (default < hi if rng[-1] == ")" else default <= hi), name


@pytest.mark.parametrize("module", list(MODELS))
def test_no_integer_division_and_no_idt(module):
    """OpenVAF accepts integer 1/2 (= 0) silently: the printer must never emit one."""
    body = MODELS[module][0].read_text()
    code = "\n".join(ln.split("//")[0] for ln in body.splitlines())
    assert not re.search(r"(?<![\w.])\d+\s*/\s*\d+(?![\w.])", code)
    assert "idt(" not in code
    assert code.count("ddt(") == len(derive(MODELS[module][1]).states)
