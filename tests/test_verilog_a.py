"""The generated Verilog-A: compiles with OpenVAF's front end, equals the SymPy model, same contract."""

import re
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

from compactmodel.emit import LIB_PATH, REPO_ROOT, VA_LOOP_PATH, VA_PATH
from compactmodel.lumped import DEFAULT_NSEG, derive
from compactmodel.parameters import LOOP_PARAMETERS, PARAMETERS, defaults

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
    model = derive(DEFAULT_NSEG, four)
    # pins + internal unknowns + the branch current of the V(wn) source
    assert int(nodes) == len(model.pins) + len(model.states) + 1


@pytest.fixture(scope="module", params=list(MODELS))
def compiled(request):
    import openvaf_py

    path, four, table = MODELS[request.param]
    return openvaf_py.compile_va(str(path))[0], derive(DEFAULT_NSEG, four), table


def _sympy_model(model, table):
    """Residuals and Jacobian of the SymPy model as numpy functions of (node potentials, params).

    Node order: pins, then internal unknowns; rows: port pins, internal nodes, the V(wn) branch.
    Resistive part of an internal node: -f; reactive part: tau_s V (tau_s dV/dt = f).
    """
    nodes = model.pins + [st.name for st in model.states]
    V = {name: sp.Symbol(f"V_{name}", real=True) for name in nodes}
    pars = [model.params[p.name] for p in table]
    subs = {port.voltage: V[port.pos] - V[port.neg] for port in model.ports}
    subs[model.inputs["vg"]] = V["gate"]
    subs.update({st.symbol: V[st.name] for st in model.states})
    rows, react = {}, {}
    for port in model.ports:
        current = model.substitute_all(port.current).subs(subs)
        rows[port.pos], rows[port.neg] = current, -current
    tau = model.substitute_all(model.tau)
    for st in model.states:
        rows[st.name] = -model.substitute_all(model.rhs[st.symbol]).subs(subs)
        react[st.name] = tau * V[st.name]
    rows["flow(wn)"] = model.winding.subs(subs) - V["wn"]  # branch equation of V(wn) <+ sum(tw)
    names = list(rows)
    vec = sp.Matrix([rows[k] for k in names])
    jac = vec.jacobian([V[k] for k in nodes])
    args = [V[k] for k in nodes] + pars
    f_res = sp.lambdify(args, vec, "numpy")
    f_jac = sp.lambdify(args, jac, "numpy")
    f_q = sp.lambdify(args, sp.Matrix([react.get(k, 0) for k in names]), "numpy")
    return nodes, names, f_res, f_jac, f_q


def test_residuals_and_jacobian_equal_sympy_model(compiled):
    """>= 20 random operating points: every residual and Jacobian entry to 1e-9 relative."""
    compiled, model, table = compiled
    nodes, rows, f_res, f_jac, f_q = _sympy_model(model, table)
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
            if key not in ("wn0", "vgon"):
                params[key] *= float(np.exp(rng.uniform(-1, 1)))
        params["vgon"] = float(rng.uniform(0.3, 2.0))
        params["wn0"] = float(rng.uniform(-5, 5))
        pot = {k: float(rng.uniform(-2, 2)) for k in nodes}
        pot["gate"] = float(rng.uniform(-0.3, 1.3) * params["vgon"])  # closed, in between, open
        args = [pot[k] for k in nodes] + [params[p.name] for p in table]
        r_sym = np.asarray(f_res(*args), dtype=float).ravel()
        q_sym = np.asarray(f_q(*args), dtype=float).ravel()
        j_sym = np.asarray(f_jac(*args), dtype=float)
        v_now = np.array([pot[k] for k in nodes])
        tau = params["len"] * np.sqrt(params["chi"] / params["stiff"])
        inputs = dict(params, mfactor=1.0)
        for name, kind in kinds.items():
            if kind == "voltage":
                a, *b = name[2:-1].split(",")
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
            assert dr == pytest.approx(j_sym[i, j], rel=1e-9, abs=1e-12 * scale), (trial, row, col)
            dq_sym = tau if (row == col and row in nodes[n_pins:]) else 0.0  # d(tau_s V)/dV
            assert dq == pytest.approx(dq_sym, rel=1e-12, abs=0), (trial, row, col)
            worst = max(worst, abs(dr - j_sym[i, j]) / scale)
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
    required = ["len", "stiff", "chi", "damp", "gsp", "theta", "wn0", "vgon", "tret"] + (["rw1", "rw2"] if four else ["rw"])
    assert set(required) <= {p[0] for p in va}
    for a, b in zip(va, sp_):
        assert a[1] == b[1], a[0]  # default
        assert _canon(a[2]) == _canon(b[2]), a[0]  # range
        assert a[3] == b[3], a[0]  # units
    assert [p[0] for p in va] == [p.name for p in table]
    pins = ", ".join(derive(DEFAULT_NSEG, four).pins)
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
    assert code.count("ddt(") == len(derive(DEFAULT_NSEG).states)
