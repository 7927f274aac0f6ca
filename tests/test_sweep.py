"""`archcost sweep`: a grid of variants, the fast path (many input sides at once) against full analyses."""

import csv
import io
import json

import pytest

import archcost
from archcost.render.sweep import render_sweep
from archcost.sweep import Lanes, grid, parse_vary, sweep


def test_parse_vary_ranges_and_lists():
    assert parse_vary("resolution=128:640:32")[1] == list(range(128, 641, 32))     # 17 sides
    assert parse_vary("width_mult=1.0:2.0:0.1")[1] == [1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2]
    assert parse_vary("block=basic,bottleneck") == ("block", ["basic", "bottleneck"])
    for bad in ("resolution", "resolution=640:128:32", "resolution=1:2:0"):
        with pytest.raises(archcost.ArchcostError, match="--vary"):
            parse_vary(bad)
    assert [tuple(p.values()) for p in grid(["a=1,2", "b=3,4"])] == [(1, 3), (1, 4), (2, 3), (2, 4)]


def test_lanes_are_exact_python_ints():
    # 2**70 overflows any fixed-width int; the lanes keep Python's exact ints
    big = Lanes([2 ** 70, 3 ** 45])
    assert (big * big + 1).v.tolist() == [2 ** 140 + 1, 3 ** 90 + 1]
    assert ((Lanes([227, 224]) + 2 * 2 - 11) // 4 + 1).v.tolist() == [56, 55]   # AlexNet conv1 at 227 and 224


@pytest.mark.parametrize("net, vary", [
    ("resnet50", ["resolution=64:512:8"]),                 # torchvision ResNet-50 at any size: adaptive pooling
    ("vgg16", ["resolution=32:320:1"]),                    # every side: floors that differ from lane to lane
    ("googlenet", ["resolution=224:320:16"]),              # ceil-mode pools
    ("resnet", ["resolution=96:160:32", "layers=[2,2,2,2],[3,4,6,3]"]),
])
def test_the_fast_path_equals_a_full_analysis_of_every_variant(net, vary):
    fast, slow = sweep(net, vary), sweep(net, vary, fast=False)
    assert fast == slow and len(fast) == len(grid(vary))


def test_efficientnet_b0_compound_scaling_grid():
    # EfficientNet-B0 at 224: torchvision's 5,288,548 parameters. The resolution is the spec's own
    # parameter (it sets the input), so each side is its own graph; widths change the channels.
    vary = ["resolution=128:640:32", "width_mult=1.0:1.2:0.1"]
    fast = sweep("efficientnet_b0", vary)
    assert fast == sweep("efficientnet_b0", vary, fast=False)
    at224 = next(v for v in fast if v.values == {"resolution": 224, "width_mult": 1})
    assert at224.params == 5_288_548 and at224.input == (3, 224, 224)
    assert (at224.flops, at224.memory_kb) == (archcost.analyze("efficientnet_b0").totals.flops,
                                              archcost.analyze("efficientnet_b0").totals.memory_kb)


def test_resnet50_flops_grow_with_the_square_of_the_side_params_do_not():
    rows = sweep("resnet50", ["resolution=224,448"])
    # torchvision resnet50: 25,557,032 parameters at any input (global average pooling)
    assert [v.params for v in rows] == [25_557_032, 25_557_032]
    assert rows[0].flops == archcost.analyze("resnet50").totals.flops
    assert 3.9 < rows[1].flops / rows[0].flops < 4.0    # about 4x: the fc does not grow
    assert (rows[0].layers, rows[0].depth) == (72, 50)  # 50 weight layers on the longest path


def test_a_variant_that_cannot_be_built_names_itself():
    with pytest.raises(archcost.ArchcostError, match="at input 3x16x16"):
        sweep("googlenet", ["resolution=16:224:16"])
    with pytest.raises(archcost.ArchcostError, match="no parameter 'widht'"):
        sweep("efficientnet_b0", ["widht=1,2"])


def test_every_format_parses_back():
    rows = sweep("vgg16", ["resolution=160:224:64"])
    table = list(csv.DictReader(io.StringIO(render_sweep("vgg16", rows, "csv"))))
    # torchvision vgg16: 138,357,544 parameters at 160 and 224 (adaptive 7x7 pool before fc6)
    assert [int(r["params"]) for r in table] == [138_357_544] * 2 and table[0]["input"] == "3x160x160"
    doc = json.loads(render_sweep("vgg16", rows, "json"))
    assert doc["variants"][1]["flops"] == archcost.analyze("vgg16").totals.flops
    for fmt in ("markdown", "latex", "html", "text"):
        out = render_sweep("vgg16", rows, fmt, units="MB")
        assert "138.36" in out and "memory (MB)" in out and "3x160x160" in out


def test_sweep_from_the_cli(run):
    res = run("sweep", "resnet50", "--vary", "resolution=128:256:64", "--format", "csv")
    assert res.exit_code == 0
    assert [r["input"] for r in csv.DictReader(io.StringIO(res.output))] == ["3x128x128", "3x192x192", "3x256x256"]
    assert run("sweep", "resnet50", "--vary", "resolution").exit_code == 2
