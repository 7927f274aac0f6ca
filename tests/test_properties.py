"""Properties that hold for every shipped network (issue 6, section 1), at two input sizes.

- totals are the sums of the rows, folded (the lecture's table) or not (--all);
- the JSON document round-trips: json.loads(report.to_json()) == report.to_dict();
- every layer's input shapes are the output shapes of the layers it names;
- parameters do not depend on the input size when every fc layer reads a
  global or adaptive pool (not a flattened map);
- a conv's multiply-adds are a fixed number per output position:
  flops / (H_out x W_out) is the same at both sizes;
- concat stacks channels (C_out = the sum of C_in, same H x W); add keeps its
  equal input shapes; mul keeps x's shape, its weights C, C x 1 x 1 or x's shape;
- --batch N multiplies memory and FLOPs by N, never parameters (README, Conventions).

The zoo is read afresh each run; each network is analyzed once per input size.
"""

from __future__ import annotations

import json
from functools import lru_cache

import pytest

import archcost
from archcost.spec import zoo

NETWORKS = [name for name, _, _ in zoo.entries()]
GROW = 32   # the second input size: H + 32, W + 32 (224 -> 256, 299 -> 331, LeNet's 32 -> 64)
SIZE_FREE = {"globalavgpool", "adaptiveavgpool"}   # their output size is fixed, whatever the input
PASS_THROUGH = {"act", "norm", "dropout", "reshape"}  # kinds that keep (or flatten) what they read
# MaxViT's maps must divide by its 7 x 7 windows (torchvision 0.28 refuses 256): its next size is 448
GROW_INSTEAD = {"maxvit_t": 224}


@lru_cache(maxsize=None)
def analysis(name: str, grow: int = 0, batch: int = 1):
    report = archcost.analyze(name)
    if grow:
        grow = GROW_INSTEAD.get(name, grow)
        c, h, w = report.input
        report = archcost.analyze(name, input=(c, h + grow, w + grow))
    return archcost.analyze(name, input=report.input, batch=batch) if batch != 1 else report


def assert_report_invariants(report) -> None:
    """What every report satisfies, whatever the network (the fuzz suite checks it too)."""
    t = report.totals
    for rows in (report.rows(), report.rows(all=True)):
        assert sum(x.params for x in rows) == t.params
        assert sum(x.flops for x in rows) == t.flops
        assert sum(x.memory_kb for x in rows) == pytest.approx(t.memory_kb, rel=1e-12, abs=0)
    shapes = {"input": tuple(report.input)}
    for x in report.layers:
        assert type(x.params) is int and type(x.flops) is int and x.params >= 0 and x.flops >= 0, x
        assert 0 <= x.memory_kb < float("inf"), x
        assert x.output_shape and all(type(d) is int and d > 0 for d in x.output_shape), x
        assert tuple(x.input_shapes) == tuple(shapes[i] for i in x.inputs), x.name
        shapes[x.name] = tuple(x.output_shape)
    for all_ in (False, True):
        assert json.loads(report.to_json(all_)) == report.to_dict(all_)


def reads_a_fixed_size(report, name: str) -> bool:
    """Does layer ``name``'s output have a size independent of the input's H x W?
    Walks back through activations, norms, dropout and flatten to a global or
    adaptive pool or an fc layer (yes), or to anything else (no: a map)."""
    while name != "input":
        x = report.layer(name)
        if x.op in SIZE_FREE or x.kind == "fc":
            return True
        if x.kind not in PASS_THROUGH or len(x.inputs) != 1:
            return False
        name = x.inputs[0]
    return False


def fc_on_flattened_maps(report) -> list[str]:
    """The fc layers reading a flattened map (a linear reads only the last axis: its size is fixed)."""
    return [x.name for x in report.layers if x.op == "fc" and not reads_a_fixed_size(report, x.inputs[0])]


def params_follow_the_input(report) -> list[str]:
    """Layers whose parameters grow with the input: an fc on a flattened map, and a ViT's position
    embedding (one row per token: torchvision's vit_b_16 has 86,859,496 parameters at 384)."""
    return fc_on_flattened_maps(report) + [x.name for x in report.layers if x.op == "pos_embedding"]


@pytest.mark.parametrize("name", NETWORKS)
@pytest.mark.parametrize("grow", [0, GROW])
def test_report_invariants(name, grow):
    assert_report_invariants(analysis(name, grow))


@pytest.mark.parametrize("name", NETWORKS)
def test_parameters_do_not_depend_on_the_input_size(name):
    native, larger = analysis(name), analysis(name, GROW)
    if params_follow_the_input(native):
        # AlexNet, VGG, LeNet, Caffe's GoogLeNet (7x7/1 average pool): the first fc sees the map
        assert native.totals.params != larger.totals.params
    else:
        assert [x.params for x in native.layers] == [x.params for x in larger.layers]


def test_the_size_rule_tells_the_families_apart():
    # AlexNet's fc6 reads the flattened 256 x 6 x 6 map (Krizhevsky et al. 2012); ResNet's fc
    # reads a global average pool (He et al. 2016, Table 1: "average pool, 1000-d fc")
    assert fc_on_flattened_maps(analysis("alexnet")) == ["fc6"]
    assert fc_on_flattened_maps(analysis("resnet50")) == []


@pytest.mark.parametrize("name", NETWORKS)
def test_conv_multiply_adds_scale_with_the_output_area(name):
    native, larger = analysis(name), analysis(name, GROW)
    convs = [x for x in native.layers if x.kind == "conv"]
    assert convs
    for x in convs:
        y = larger.layer(x.name)
        area_x, area_y = x.output_shape[1] * x.output_shape[2], y.output_shape[1] * y.output_shape[2]
        assert x.flops * area_y == y.flops * area_x, x.name     # flops / (H' x W') at both sizes


@pytest.mark.parametrize("name", NETWORKS)
@pytest.mark.parametrize("grow", [0, GROW])
def test_merge_shapes_follow_their_rules(name, grow):
    for x in analysis(name, grow).layers:
        out, ins = tuple(x.output_shape), [tuple(s) for s in x.input_shapes]
        if x.op == "concat":
            assert out[0] == sum(s[0] for s in ins) and all(s[1:] == out[1:] for s in ins), x.name
        elif x.op == "add":
            assert all(s == out for s in ins), x.name
        elif x.op == "mul":
            assert out == ins[0] and ins[1] in {ins[0], ins[0][:1], (ins[0][0], 1, 1)}, x.name


@pytest.mark.parametrize("name", NETWORKS)
def test_batch_scales_memory_and_flops_not_parameters(name):
    one, three = analysis(name), analysis(name, batch=3)
    assert three.totals.params == one.totals.params
    assert three.totals.flops == 3 * one.totals.flops
    assert three.totals.memory_kb == pytest.approx(3 * one.totals.memory_kb, rel=1e-12)
