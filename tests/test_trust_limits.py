"""No hidden quadratic, no unbounded wait: each documented limit is reached, and refused, quickly.

Tests never assert times: they check the mechanism (a bound that refuses, a count of the work)
or run at a size that used to take minutes and assert its result.
"""

from __future__ import annotations

import os

import pytest

import archcost
from archcost.worksheet import variants

DEEP = os.path.join(os.path.dirname(__file__), "..", "benchmarks", "deep.yaml")


def test_a_list_is_sized_once_not_per_copy_of_a_repeated_layer(tmp_path):
    # 5,000 copies of an fc each evaluating '[L]' with L a 9,000-item list: sized per copy, that was
    # 45 million items counted (minutes); now L is sized once. fc params = out x in + out (README).
    path = tmp_path / "net.yaml"
    path.write_text("name: t\ninput: [4]\nparams: {L: [" + ", ".join(["1"] * 9000) + "]}\nlayers:\n"
                    '  - {name: fc, op: fc, out: "len([L][0]) - 8996 + i % 2", repeat: 5000}\n')
    outs = [4 + i % 2 for i in range(5000)]
    ins = [4] + outs[:-1]
    assert archcost.analyze(str(path)).totals.params == sum(o * i + o for o, i in zip(outs, ins))


def test_a_plot_of_more_rows_than_it_can_draw_is_refused_before_drawing(run, tmp_path):
    # n = 2,400 layers: 600 units of 2 table rows (conv with its batch norm and ReLU folded, add) + pool + fc
    res = run("plot", DEEP, "--set", "n=2400", "-o", str(tmp_path / "p.png"))
    assert res.exit_code == 2 and "has 1,202 table rows; a plot draws at most 1,000" in res.stderr, res.output
    assert not (tmp_path / "p.png").exists()


def test_a_wide_plot_is_capped_in_width():
    pytest.importorskip("matplotlib")
    from archcost.render.plot import MAX_WIDTH_INCHES, layers_figure

    report = archcost.analyze(DEEP, settings={"n": 400})       # 100 units x 2 rows + pool + fc = 202 rows
    assert len(report.rows()) == 202
    fig = layers_figure(report)
    assert fig.get_size_inches()[0] == MAX_WIDTH_INCHES == 40  # 0.25 in per row would be 53.5 in
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_the_variant_search_is_bounded(monkeypatch):
    # with every knob fixed there is one AlexNet variant (227: the lecture's input); a second one is
    # searched for SEARCH_STEPS steps without a new variant, then refused
    monkeypatch.setattr(variants, "SEARCH_STEPS", 400)
    fixed = ["input=227:227", "filters=1:1", "kernel=off", "stride=off"]
    with pytest.raises(archcost.ArchcostError, match=r"could only draw 1 of 2 .*; 4\d\d search steps found no new one"):
        variants.draw_variants("alexnet", 2, seed=1, vary=fixed, allow_floor=True)


def test_a_cut_of_a_20000_layer_network_is_linear():
    # 'layer in the part' on a tuple made --reach/--until quadratic (20,000 layers: 6 s of CPU).
    # benchmarks/deep.yaml, 5,000 units before the pool: each a 3x3 conv 16 -> 16 on 8x8 (16 x 16 x 9 + 16
    # = 2,320 parameters) + batch norm (2 x 16 = 32), and two 16x8x8 outputs of 4 KB (conv, add)
    from archcost.render.compare import load_networks

    (net,) = load_networks([DEEP], settings=["n=20000"], reach="1", part_name="features")
    assert (net.budget.layers, net.budget.depth) == (10_000, 5_000)
    assert (net.budget.params, net.budget.memory_kb) == (5_000 * (2_320 + 32), 5_000 * 8)
