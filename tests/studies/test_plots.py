"""Figures of a protocol run (compactmodel.studies.plots): shapes, saved files, and that the plotted
numbers are the results' numbers."""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from compactmodel.studies import plots  # noqa: E402

PROTOCOL = ["Charge at 0.15 mA for 5 ns", "Close gate", "Hold for 1 us", "Release into load for 3 ns"]
_PREFIX = {"y": 1e-24, "z": 1e-21, "a": 1e-18, "f": 1e-15, "p": 1e-12, "n": 1e-9, "µ": 1e-6, "m": 1e-3, "": 1.0,
           "k": 1e3, "M": 1e6, "G": 1e9}


@pytest.fixture(scope="module")
def res():
    from compactmodel.sim.simulation import Simulation
    from compactmodel.sim.loads import LogicLoad

    return Simulation(PROTOCOL, load=LogicLoad(), n_series=64000, n_parallel=102400).solve()


@pytest.fixture
def close():
    figs = []
    yield figs.append
    import matplotlib.pyplot as plt

    for f in figs:
        plt.close(f)


def _label_scale(label: str) -> float:
    """Divisor of the plotted data from an axis label like 'port current\\n[µA]' or '[$10^{-5}$ turns]'."""
    unit = re.search(r"\[([^\]]*)\]", label).group(1)
    m = re.search(r"10\^\{(-?\d+)\}", unit)
    if m:
        return 10.0 ** int(m.group(1))
    m = re.fullmatch(r"(.?)(A|V|J|W|s|Ω)", unit)
    return _PREFIX[m.group(1)] if m else 1.0


def _boundaries(ax) -> list[Line2D]:
    return [ln for ln in ax.get_lines() if ln.get_gid() == plots.BOUNDARY_GID]


def _png_ok(path) -> None:
    data = path.read_bytes()
    assert len(data) > 1000 and data[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------ waveforms
def test_waveforms_panels_data_and_boundaries(res, tmp_path, close):
    path = tmp_path / "w.png"
    fig = plots.plot_waveforms(res, path=path, yscale="shared")
    close(fig)
    assert isinstance(fig, Figure)
    _png_ok(path)
    n_steps = len(res.records)
    panels = [ax for ax in fig.axes if ax.get_ylabel()]
    assert len(panels) == len(plots.DEFAULT_WAVEFORMS)
    for ax, name in zip(panels, plots.DEFAULT_WAVEFORMS):
        assert "[" in ax.get_ylabel() and "]" in ax.get_ylabel()  # unit in the label
        (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == name]
        y = np.asarray(line.get_ydata()) * _label_scale(ax.get_ylabel())
        np.testing.assert_allclose(y, res[name], rtol=1e-12, atol=0)
        # segmented axis: one boundary line per step transition, at the integers 1..n-1
        b = _boundaries(ax)
        assert len(b) == n_steps - 1
        assert sorted(float(ln.get_xdata()[0]) for ln in b) == list(range(1, n_steps))
        assert ax.get_xlim() == (0.0, float(n_steps))
        # each step's points lie in its own segment [i, i + 1], monotonic in time
        x = np.asarray(line.get_xdata())
        k = res["step"].astype(int)
        assert np.all((x >= k) & (x <= k + 1)) and np.all(np.diff(x) >= 0)
    # step texts label the top; time units label each segment
    texts = [t.get_text() for t in fig.texts] + [t.get_text() for ax in fig.axes for t in ax.texts]
    (top,) = fig.axes[0].child_axes  # the secondary x axis on top of the first panel
    tops = [lab.get_text().replace("\n", " ") for lab in top.get_xticklabels()]
    assert tops == [r.step.text for r in res.records]
    assert {"t [ns]", "t [ps]", "t [µs]"} <= set(texts)


def test_waveforms_time_axis_and_variable_choice(res, close):
    fig = plots.plot_waveforms(res, variables=("stored_energy", "mtj_resistance"), x="time")
    close(fig)
    panels = [ax for ax in fig.axes if ax.get_ylabel()]
    assert len(panels) == 2
    assert panels[0].get_ylabel().endswith("[zJ]") and panels[1].get_ylabel().endswith("[kΩ]")  # 684 zJ, 3 kΩ
    for ax, name in zip(panels, ("stored_energy", "mtj_resistance")):
        (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == name]
        np.testing.assert_allclose(np.asarray(line.get_ydata()) * _label_scale(ax.get_ylabel()), res[name], rtol=1e-12)
    b = _boundaries(panels[0])
    assert len(b) == len(res.records) - 1
    # x = "time": boundaries at the step start times, in the axis unit (µs here)
    assert "[µs]" in panels[-1].get_xlabel()
    starts = [r.t_offset / 1e-6 for r in res.records[1:]]
    np.testing.assert_allclose(sorted(float(ln.get_xdata()[0]) for ln in b), starts, rtol=1e-9)


def test_segmented_axis_resolves_ns_after_a_10_year_hold(res, close):
    """After a 10-year hold the absolute time is quantised to ~60 ns (float64 at 3e8 s); the
    segmented axis uses the step-local time and still resolves the nanosecond steps."""
    import copy

    from compactmodel.sim.results import Results

    year = 365.25 * 86400
    recs = copy.deepcopy(res.records)
    for r in recs[3:]:
        r.t_offset += 10 * year
    shifted = Results(recs, res.simulation)
    assert len(np.unique(shifted["time"][shifted["step"] == 3])) < 10  # the absolute time collapsed
    fig = plots.plot_waveforms(shifted, variables=("winding",), yscale="shared")
    close(fig)
    (line,) = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "winding"]
    x = np.asarray(line.get_xdata())
    m = shifted["step"] == 3
    np.testing.assert_allclose(x[m], 3 + res["step_time"][m] / res["step_time"][m][-1], rtol=0, atol=1e-12)
    assert x[m][-1] == 4.0 and np.all(np.diff(x[m]) > 0)


@pytest.mark.parametrize("kw, word", [
    ({"variables": ("port_current", "no_such_variable")}, "no_such_variable"),
    ({"variables": ()}, "variables"),
    ({"x": "log"}, "x"),
    ({"yscale": "log"}, "yscale"),
    ({"x": "time", "yscale": "step"}, "yscale"),
])
def test_waveforms_bad_arguments(res, kw, word):
    with pytest.raises(ValueError, match=word):
        plots.plot_waveforms(res, **kw)


# ------------------------------------------------------------------ energy flow
def _bars(fig) -> dict[str, Rectangle]:
    (ax,) = fig.axes
    return {p.get_gid(): p for p in ax.patches if isinstance(p, Rectangle) and p.get_gid()}


def test_energy_flow_bars_equal_cycle_summary(res, tmp_path, close):
    path = tmp_path / "e.png"
    fig = plots.plot_energy_flow(res, cycle=0, path=path)
    close(fig)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    _png_ok(path)
    s = res.cycle_summaries()[0]
    bars = _bars(fig)
    keys = ["energy_in", "stored_peak", "stored_at_release", "joule", "pumping", "gilbert", "slips",
            "gate_work", "delivered", "stored_end"]
    assert sorted(bars) == sorted(keys)
    (ax,) = fig.axes
    assert ax.get_xscale() == "log" and "[J]" in ax.get_xlabel()
    for k in keys:
        bar = bars[k]
        sign = -1.0 if bar.get_hatch() else 1.0  # log scale: |value|, negative ones hatched
        assert sign * bar.get_width() == pytest.approx(s[k], rel=1e-12), k
        # the printed value on the bar's row is the summary value
        y = bar.get_y() + bar.get_height() / 2
        (txt,) = [t.get_text() for t in ax.texts if abs(t.get_position()[1] - y) < 1e-9]
        assert float(txt.removesuffix(" J")) == pytest.approx(s[k], rel=5e-3), k  # 3 significant digits
    # the Joule loss dwarfs the stored energy: the log scale must span it
    lo, hi = ax.get_xlim()
    assert lo < min(abs(s[k]) for k in keys if s[k] != 0) and hi > s["energy_in"]
    title = ax.get_title()
    assert "round-trip efficiency" in title and f"{s['writes']:g} writes completed" in title


def test_energy_flow_linear_signed(res, close):
    fig = plots.plot_energy_flow(res, log=False)
    close(fig)
    s = res.cycle_summaries()[0]
    for k, bar in _bars(fig).items():
        assert bar.get_width() == pytest.approx(s[k], rel=1e-12), k
    assert fig.axes[0].get_xscale() == "linear"


@pytest.mark.parametrize("cycle", [1, -1, 0.5, True])
def test_energy_flow_bad_cycle(res, cycle):
    with pytest.raises(ValueError, match="cycle"):
        plots.plot_energy_flow(res, cycle=cycle)


# ------------------------------------------------------------------ magnetization
def test_magnetization_release_step(res, tmp_path, close):
    path = tmp_path / "m.png"
    fig = plots.plot_magnetization(res, path=path)
    close(fig)
    assert isinstance(fig, Figure)
    _png_ok(path)
    assert len(fig.axes) == 3  # magnetization, strip current (twin), MTJ resistance
    ax_m, ax_r, ax_i = fig.axes[0], fig.axes[1], fig.axes[2]
    # no writes in this run: the default is the first release step
    k = next(r.index for r in res.records if r.step.kind == "release")
    m = res["step"].astype(int) == k
    lines = {ln.get_gid(): ln for ax in fig.axes for ln in ax.get_lines() if ln.get_gid()}
    for name in ("mx", "my", "mz"):
        np.testing.assert_array_equal(lines[name].get_ydata(), res[name][m])
    t_ns = (res["step_time"][m] - res["step_time"][m][0]) / 1e-9
    np.testing.assert_allclose(lines["my"].get_xdata(), t_ns)
    assert "[ns]" in ax_r.get_xlabel()
    assert "[1]" in ax_m.get_ylabel() and "[nA]" in ax_i.get_ylabel() and "[kΩ]" in ax_r.get_ylabel()
    r = np.asarray(lines["mtj_resistance"].get_ydata()) * _label_scale(ax_r.get_ylabel())
    np.testing.assert_allclose(r, res["mtj_resistance"][m], rtol=1e-12)
    i = np.asarray(lines["strip_current"].get_ydata()) * _label_scale(ax_i.get_ylabel())
    np.testing.assert_allclose(np.abs(i), np.abs(res["load_current"][m]), rtol=1e-12, atol=0)
    assert not [ln for ln in lines.values() if ln.get_gid() == "write"]
    assert res.step_summaries()[k]["writes"] == 0


def test_magnetization_explicit_step(res, close):
    fig = plots.plot_magnetization(res, step=0)  # charging: the cell is idle (constant)
    close(fig)
    m = res["step"].astype(int) == 0
    (my,) = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_gid() == "my"]
    np.testing.assert_array_equal(my.get_ydata(), res["my"][m])


@pytest.mark.parametrize("step", [4, -1, 1.0, "3"])
def test_magnetization_bad_step(res, step):
    with pytest.raises(ValueError, match="step"):
        plots.plot_magnetization(res, step=step)


def test_not_results():
    for f in (plots.plot_waveforms, plots.plot_energy_flow, plots.plot_magnetization):
        with pytest.raises(ValueError, match="Results"):
            f({"time": np.zeros(3)})


def test_no_pyplot_registration(res):
    """The figures are built without pyplot: nothing left open in pyplot's registry."""
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = plots.plot_energy_flow(res)
    assert plt.get_fignums() == before
    assert fig.canvas is not None


def test_step_labels_never_split_a_number_from_its_unit():
    for text in ("Charge at 0.166 mA for 3 ns", "Charge at 15967.5 mA for 3 ns", "Hold for 10 years"):
        for width in (8, 12, 20, 27):
            lines = plots._wrap_keep_units(text, width)
            assert " ".join(lines) == text
            assert not any(ln.split(" ")[-1][:1].isdigit() for ln in lines[:-1]), lines


def test_energy_flow_numbers_cycles_from_one(res, close):
    fig = plots.plot_energy_flow(res, cycle=0)
    close(fig)
    assert fig.axes[0].get_title().startswith("Energy flow of cycle 1 (of 1)")


# ------------------------------------------------------------------ per-step scales
def _cell(fig, name, step):
    (ax,) = [a for a in fig.axes if a.get_gid() == plots.cell_gid(name, step)]
    return ax


def test_waveforms_per_step_scales_make_the_release_readable(res, tmp_path, close):
    path = tmp_path / "w.png"
    fig = plots.plot_waveforms(res, path=path)  # default: one column per step
    close(fig)
    _png_ok(path)
    n_steps = len(res.records)
    assert len(fig.axes) == n_steps * len(plots.DEFAULT_WAVEFORMS)
    k = res["step"].astype(int)
    rel = next(r.index for r in res.records if r.step.kind == "release")
    for name in ("port_current", "port_voltage", "load_current", "load_power"):
        y = res[name][k == rel]
        ax = _cell(fig, name, rel)
        div = _label_scale(ax.get_ylabel())
        (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == name]
        np.testing.assert_allclose(np.asarray(line.get_ydata()) * div, y, rtol=1e-12)
        lo, hi = ax.get_ylim()
        span = (hi - lo) * div
        # the release's axis is scaled to the release data, not to the charging current
        assert np.ptp(y) <= span <= 10 * np.ptp(y), (name, span, np.ptp(y))
    # and the charging column of the port current keeps the charging scale
    y0 = res["port_current"][k == 0]
    ax0 = _cell(fig, "port_current", 0)
    lo, hi = ax0.get_ylim()
    assert (hi - lo) * _label_scale(ax0.get_ylabel()) >= np.ptp(y0)
    # each column's time axis is the step's own time since its start
    for j in range(n_steps):
        ax = _cell(fig, "winding", j)
        (line,) = ax.get_lines()
        t = res["step_time"][k == j]
        unit = re.search(r"\[(.*)\]", ax.get_xlabel() or _cell(fig, plots.DEFAULT_WAVEFORMS[-1], j).get_xlabel()).group(1)
        scale = dict(plots._TIME_UNITS)[unit]
        np.testing.assert_allclose(np.asarray(line.get_xdata()) * scale, t - t[0], rtol=1e-9, atol=1e-30)


def test_waveforms_flat_step_is_not_magnified(res, close):
    """The load is disconnected while charging: its current is drawn on the row's common scale."""
    fig = plots.plot_waveforms(res, variables=("load_current",))
    close(fig)
    ax0 = _cell(fig, "load_current", 0)
    rel = next(r.index for r in res.records if r.step.kind == "release")
    axr = _cell(fig, "load_current", rel)
    assert np.ptp(res["load_current"][res["step"] == 0]) <= plots.FLAT * np.max(np.abs(res["load_current"]))
    assert ax0.get_ylim() == pytest.approx(axr.get_ylim(), rel=0.2)


# ------------------------------------------------------------------ battery report
def test_battery_report_energy_bars_are_the_account(res, tmp_path, close):
    path = tmp_path / "r.png"
    fig = plots.plot_battery_report(res, path=path)
    close(fig)
    _png_ok(path)
    s = res.cycle_summaries()[0]
    through = max(s["stored_peak"], s["energy_in"] - s["joule"])  # the balance_error scale
    bars = [p for ax in fig.axes for p in ax.patches if isinstance(p, Rectangle) and "/" in str(p.get_gid())]
    phases = fig.report["phases"]
    assert len(phases) == len(res.records)
    total_in = total_out = 0.0
    for p, ph in enumerate(phases):
        mine = [b for b in bars if b.get_gid().startswith(f"{p}/")]
        e_in = sum(b.energy for b in mine if b.get_gid().split("/")[1] == "in")
        e_out = sum(b.energy for b in mine if b.get_gid().split("/")[1] == "out")
        # bar widths are % of the phase's throughput
        for b in mine:
            assert b.get_width() == pytest.approx(100 * b.energy / ph["through"], rel=1e-9)
        total_in += e_in
        total_out += e_out
        st = res.step_summaries()[p]
        terms = {b.get_gid().split("/")[2]: (1 if "/in/" in b.get_gid() else -1) * b.energy for b in mine}
        assert terms.get("load", 0.0) == pytest.approx(-st["delivered"], rel=1e-12, abs=1e-300)
        assert terms.get("pumping", 0.0) == pytest.approx(-st["pumping"], rel=1e-12, abs=1e-300)
        assert terms.get("storage", 0.0) == pytest.approx(st["stored_start"] - st["stored_end"], rel=1e-12, abs=1e-300)
    # sources - sinks is the account's own residual: the bars close exactly as the account does
    # (this coarse fixture run closes to ~6e-3; the demo to 1.3e-4 of the energy through the magnet)
    assert (total_in - total_out) / through == pytest.approx(s["balance_error"], rel=1e-6)
    assert abs(total_in - total_out - sum(r["balance_residual"] for r in res.step_summaries())) <= 1e-9 * through
    # slip counts printed per step
    texts = {t.get_gid(): t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid()}
    for i, st in enumerate(res.step_summaries()):
        assert float(texts[f"slips@{i}"].split()[1]) == pytest.approx(st["phase_slips"], rel=2e-3, abs=1e-12)
    assert f"{s['round_trip_efficiency']:.3g}" in fig.get_suptitle()


def test_battery_report_text_does_not_overlap(res, close):
    fig = plots.plot_battery_report(res)
    close(fig)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    r = fig.canvas.get_renderer()
    for ax in fig.axes:
        boxes = [t.get_window_extent(r) for t in ax.get_yticklabels() if t.get_text()]
        for a, b in zip(boxes, boxes[1:]):
            assert not a.overlaps(b), "y tick labels overlap"
        txt = [t.get_window_extent(r) for t in ax.texts if t.get_text()]
        for i, a in enumerate(txt):
            for b in txt[i + 1:]:
                assert not a.overlaps(b), "texts overlap"
