"""``upsample`` (archcost/ops/upsample.py) and ``sub`` (archcost/ops/merge.py), without torch.

Shapes are torch 2.13.0's F.interpolate / nn.Upsample output shapes; the per-tool counts were measured
with tests/measure_upsample.py (torch 2.13.0 CPU, fvcore 0.1.5, thop 0.1.1, ptflops 0.7.5, torchinfo
1.8.0, calflops 0.3.2) on a 1 x 64 x 28 x 28 input."""

import re
from pathlib import Path

import pytest

import archcost
from archcost.counting import CONVENTIONS, layer_flops
from archcost.ops import get_op

UP = get_op("upsample")
SUB = get_op("sub")


@pytest.mark.parametrize("attrs, x, out", [
    # F.interpolate(x, **kw).shape[1:] with torch 2.13.0
    ({"scale": 2}, (64, 28, 28), (64, 56, 56)),
    ({"scale": 1.5}, (64, 7, 7), (64, 10, 10)),              # floor(7 x 1.5 = 10.5)
    ({"scale": 1.5, "mode": "bilinear"}, (64, 28, 28), (64, 42, 42)),
    ({"scale": [2, 3]}, (64, 28, 28), (64, 56, 84)),
    ({"scale": 0.5}, (8, 10, 10), (8, 5, 5)),
    ({"size": [20, 30], "mode": "bilinear", "align_corners": True}, (64, 7, 7), (64, 20, 30)),
    ({}, (64, 7, 7), (64, 14, 14)),                          # scale 2 unless a size is given
])
def test_upsample_shapes_are_torchs(attrs, x, out):
    assert UP.shape(UP.coerce(attrs), [x]) == out


# measured on 1 x 64 x 28 x 28 -> 64 x 56 x 56 (200,704 output elements), tests/measure_upsample.py:
# nn.Upsample is called as a module, F.interpolate as a function (the spec's call: functional)
MEASURED = {
    ("nearest", "module"): {"torchvision": 0, "fvcore": 200_704, "thop": 200_704, "ptflops": 401_408,
                            "torchinfo": 0, "calflops": 0},
    ("bilinear", "module"): {"torchvision": 0, "fvcore": 802_816, "thop": 2_207_744, "ptflops": 401_408,
                             "torchinfo": 0, "calflops": 0},
    ("nearest", "functional"): {"torchvision": 0, "fvcore": 200_704, "thop": 0, "ptflops": 200_704,
                                "torchinfo": 0, "calflops": 0},
    ("bilinear", "functional"): {"torchvision": 0, "fvcore": 802_816, "thop": 0, "ptflops": 200_704,
                                 "torchinfo": 0, "calflops": 0},
}


@pytest.mark.parametrize("mode, call", sorted(MEASURED))
@pytest.mark.parametrize("by", [{"scale": 2}, {"size": 56}])
def test_each_tool_counts_an_upsample_as_measured(mode, call, by):
    # torchvision = FlopCounterMode / 2: 0; the same figures for size=(56, 56) as for scale_factor=2
    a = UP.coerce({**by, "mode": mode, "call": call})
    got = {name: layer_flops(c, UP, a, [(64, 28, 28)], (64, 56, 56)) for name, c in CONVENTIONS.items()}
    # the lecture's own rule: a copy for nearest, 4 multiply-adds per output element for bilinear
    assert got == {"lecture": 0 if mode == "nearest" else 4 * 200_704, **MEASURED[mode, call]}


def test_an_odd_factor_counts_per_output_element():
    # nn.Upsample(scale_factor=3) on 1 x 64 x 7 x 7 -> 64 x 21 x 21: fvcore and thop 28,224, ptflops 56,448
    a = UP.coerce({"scale": 3})
    out = UP.shape(a, [(64, 7, 7)])
    got = {name: layer_flops(CONVENTIONS[name], UP, a, [(64, 7, 7)], out) for name in ("fvcore", "thop", "ptflops")}
    assert out == (64, 21, 21) and got == {"fvcore": 28_224, "thop": 28_224, "ptflops": 56_448}


def test_upsample_and_sub_keep_nothing_for_backward():
    # saved_tensors_hooks saw no tensor for either (torch 2.13.0): derivatives.yaml's upsample_nearest2d,
    # upsample_bilinear2d read sizes and scales, sub reads only grad
    for mode in ("nearest", "bilinear"):
        assert UP.saves(UP.coerce({"mode": mode}), [(64, 28, 28)], (64, 56, 56)) == ()
    assert SUB.saves(SUB.coerce({}), [(32, 28, 28)] * 2, (32, 28, 28)) == ()
    # the backward rules (a convention: FlopCounterMode counts 0 for both): each output's gradient is added
    # into the pixel it copied, or spread over its 4 neighbours; nothing for the first layer's input
    assert UP.backward_flops(UP.coerce({}), [(64, 28, 28)], (64, 56, 56)) == 200_704
    assert UP.backward_flops(UP.coerce({"mode": "bilinear"}), [(64, 28, 28)], (64, 56, 56)) == 802_816
    assert UP.backward_flops(UP.coerce({}), [(64, 28, 28)], (64, 56, 56), input_grad=False) == 0
    assert SUB.backward_flops({}, [(32, 28, 28)] * 2, (32, 28, 28)) == 0
    # y one value per channel: its gradient is -grad summed over H x W, 32 x 28 x 28 additions
    assert SUB.backward_flops({}, [(32, 28, 28), (32, 1, 1)], (32, 28, 28)) == 25_088


def test_sub_is_one_subtraction_per_element_and_no_tool_counts_it():
    # x[:, :32] - x[:, 32:] on 1 x 64 x 28 x 28: every tool above counted 0, FlopCounterMode too
    a, ins, out = SUB.coerce({}), [(32, 28, 28)] * 2, (32, 28, 28)
    assert SUB.shape(a, ins) == out and SUB.params(a, ins, out) == 0
    got = {name: layer_flops(c, SUB, a, ins, out) for name, c in CONVENTIONS.items()}
    assert got == {"lecture": 25_088, "torchvision": 0, "fvcore": 0, "thop": 0, "ptflops": 0, "torchinfo": 0,
                   "calflops": 0}


def test_sub_broadcasts_one_value_per_channel_as_mul_does():
    assert SUB.shape({}, [(32, 28, 28), (32, 1, 1)]) == (32, 28, 28)
    assert SUB.shape({}, [(32, 28, 28), (32,)]) == (32, 28, 28)
    with pytest.raises(archcost.ArchcostError, match=r"sub of 32x28x28 by 16x28x28"):
        SUB.shape({}, [(32, 28, 28), (16, 28, 28)])


@pytest.mark.parametrize("layer, message", [
    ("{op: upsample, scale: 2, size: 56}", "a scale or a size, not both"),
    ("{op: upsample, align_corners: true}", "align_corners applies to bilinear upsampling only"),
    ("{op: upsample, mode: bicubic}", "not one of nearest, bilinear"),
    ("{op: upsample, scale: 0}", "must be a positive factor"),
    ("{op: upsample, scale: 0.01}", "gives 0 pixels"),
    ("{op: sub, input: [input, input, input]}", "takes 2 input"),
])
def test_bad_attributes_are_one_located_error(run, spec_file, layer, message):
    path = spec_file(f"name: bad\ninput: [8, 7, 7]\nlayers:\n  - {layer[:-1]}, name: x}}\n")
    res = run("table", path)
    assert res.exit_code == 2 and message in res.stderr and "Traceback" not in res.stderr
    assert res.stderr.startswith(f"error: {path}:4: layer 'x'")


def test_the_readmes_topdown_example_is_real_output(run, tmp_path):
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    spec, shown = re.search(r"```yaml\n(name: topdown\n.*?)```\n\n```\narchcost explain topdown.yaml up detail\n"
                            r"\.\.\.\n(.*?)```", text, re.S).groups()
    (tmp_path / "topdown.yaml").write_text(spec)
    res = run("explain", str(tmp_path / "topdown.yaml"), "up", "detail")
    assert res.exit_code == 0
    assert shown in res.output
    r = archcost.analyze(str(tmp_path / "topdown.yaml"))
    # the table agrees: upsample 64 x 56 x 56 x 4, the conv 200,704 x (64 x 3 x 3 + 1), sub 200,704
    assert [x.flops for x in r.layers] == [802_816, 115_806_208, 200_704]


def test_upsample_has_worksheet_rules_and_notes():
    a = UP.coerce({"size": [20, 30], "mode": "bilinear", "align_corners": True})
    assert UP.notes(a) == ("to 20x30 bilinear, align_corners",)
    assert UP.notes(UP.coerce({"scale": 2})) == ("x 2 nearest",)
    (key, sentence), = UP.rules(a)
    assert key == "upsample" and "4 multiply-adds per output element" in sentence
    assert "multiply-adds" not in UP.rules(a, flops=False)[0][1]
