"""The deform_conv op (archcost/ops/deform.py) and resnet50_dcn (specs/resnet.yaml)."""

import pytest

import archcost
from archcost.arith import Term, fmt
from archcost.errors import ArchcostError
from archcost.ops import get_op

OP = get_op("deform_conv")


def rules(attrs, shape, bias_flops=True):
    a = OP.coerce(attrs)
    out = OP.shape(a, [shape])
    return out, OP.params(a, [shape], out), OP.flops(a, [shape], out, bias_flops)


def test_small_case_by_hand():
    # Dai et al. 2017, Sec. 2.1: the offset conv has the main conv's window and 2N filters,
    # N = K x K = 9 taps. Input 4x5x5, 8 filters 3x3 pad 1:
    out, params, flops = rules({"out": 8, "kernel": 3, "pad": 1}, (4, 5, 5))
    assert out == (8, 5, 5)
    main = 8 * 4 * 3 * 3 + 8            # 296, the plain conv's count
    offsets = 18 * 4 * 3 * 3 + 18       # 666: 2 x 9 = 18 filters over all 4 channels, with bias
    assert params == main + offsets == 962
    # multiply-adds: offset conv 18x5x5 outputs x (36 + 1), main conv 8x5x5 x (36 + 1),
    # bilinear sampling 5x5 positions x 4 channels x 9 taps x 4 neighbours
    assert flops == 18 * 25 * 37 + 8 * 25 * 37 + 25 * 4 * 9 * 4 == 27_650
    assert rules({"out": 8, "kernel": 3, "pad": 1}, (4, 5, 5), bias_flops=False)[2] == \
        18 * 25 * 36 + 8 * 25 * 36 + 25 * 4 * 9 * 4


def test_stride_groups_and_deformable_groups():
    # 7x7 input, stride 2 pad 1 -> floor((7 + 2 - 3) / 2) + 1 = 4, the same window rule as conv;
    # groups 2 halve the main weights; 2 deformable groups double the offset filters (36)
    out, params, flops = rules({"out": 8, "kernel": 3, "stride": 2, "pad": 1, "groups": 2,
                                "deform_groups": 2, "bias": False}, (4, 7, 7))
    assert out == (8, 4, 4)
    assert params == 8 * 2 * 9 + (36 * 4 * 9 + 36)
    # sampling does not depend on groups: every input channel is sampled once per tap
    assert flops == 36 * 16 * 37 + 8 * 16 * 18 + 16 * 4 * 9 * 4


def test_same_shape_as_conv_and_offset_bias_off():
    conv = get_op("conv")
    attrs = {"out": 16, "kernel": 3, "stride": 2, "pad": 2, "dilation": 2}
    assert OP.shape(OP.coerce(attrs), [(8, 33, 33)]) == conv.shape(conv.coerce(attrs), [(8, 33, 33)])
    _, params, _ = rules({**attrs, "offset_bias": False, "bias": False}, (8, 33, 33))
    assert params == 16 * 8 * 9 + 18 * 8 * 9


def test_deform_groups_must_divide_the_channels():
    a = OP.coerce({"out": 8, "kernel": 3, "deform_groups": 3})
    with pytest.raises(ArchcostError, match="deform_groups 3 must divide the input channels 4"):
        OP.shape(a, [(4, 5, 5)])


def test_rules_explain_themselves_on_terms():
    a = OP.coerce({"out": 8, "kernel": 3, "pad": 1})
    ins = [(Term(4), Term(5), Term(5))]
    out = OP.shape(a, ins)
    params, flops = OP.params(a, ins, out), OP.flops(a, ins, out)
    assert params.value == 962 and flops.value == 27_650
    steps = dict(params.steps + flops.steps)
    assert steps["offset conv parameters"] == f"18 x 4 x 3 x 3 + 18 = {fmt(666)}"
    assert steps["bilinear sampling"] == f"25 x 4 x 3 x 3 x 4 = {fmt(3600)}"


def test_usable_from_a_spec(spec_file):
    path = spec_file("""
        name: tiny_dcn
        input: [4, 5, 5]
        layers:
          - {name: dconv, op: deform_conv, out: 8, kernel: 3, pad: 1}
    """)
    assert archcost.analyze(path).layer("dconv").params == 962


RESNET50 = 25_557_032                       # torchvision.models.resnet50
RESNET50_MACS = 4_089_184_256               # torchvision's "4.09 GFLOPS", test_zoo_resnet.py
# the deformable 3x3 convs of resnet50_dcn: stage -> (blocks, width C_in = C_out, output side)
DCN_STAGES = {"layer2": (4, 128, 28), "layer3": (6, 256, 14), "layer4": (3, 512, 7)}


def test_resnet50_dcn_is_resnet50_plus_the_offset_convs():
    # every 3x3 conv of conv3_x-conv5_x gets an offset conv of 18 filters 3x3 over its C_in, with bias
    offsets = sum(n * (18 * c * 3 * 3 + 18) for n, c, _ in DCN_STAGES.values())
    assert offsets == 4 * 20_754 + 6 * 41_490 + 3 * 82_962 == 580_842
    r = archcost.analyze("resnet50_dcn", bias_flops=False)
    assert r.totals.params == RESNET50 + offsets == 26_137_874
    # multiply-adds: + per position, C_in x 9 x (18 offset filters + 4 sampling neighbours)
    extra = sum(n * s * s * c * 9 * (18 + 4) for n, c, s in DCN_STAGES.values())
    assert sum(x.flops for x in r.layers if x.kind in ("conv", "fc")) == RESNET50_MACS + extra
    deformable = [x.name for x in r.layers if x.op == "deform_conv"]
    assert len(deformable) == 4 + 6 + 3 and all(n.endswith(".conv2") for n in deformable)
    assert not any(n.startswith("layer1.") for n in deformable)


def test_resnet50_dcn_shapes_match_resnet50_at_any_input():
    for size in (224, 225):
        plain = archcost.analyze("resnet50", input=f"3x{size}x{size}")
        dcn = archcost.analyze("resnet50_dcn", input=f"3x{size}x{size}")
        assert [x.output_shape for x in dcn.layers] == [x.output_shape for x in plain.layers]
