"""ResNet, ResNeXt and Wide ResNet (specs/resnet.yaml) against torchvision's published figures."""

import pytest

import archcost


@pytest.mark.parametrize("name, params", [
    # torchvision.models, the "Params" of each model's weights (IMAGENET1K_V1)
    ("resnet18", 11_689_512),
    ("resnet34", 21_797_672),
    ("resnet50", 25_557_032),
    ("resnet101", 44_549_160),
    ("resnet152", 60_192_808),
    ("resnext50_32x4d", 25_028_904),
    ("resnext101_32x8d", 88_791_336),
    ("wide_resnet50_2", 68_883_240),
    ("wide_resnet101_2", 126_886_696),
])
def test_parameters_match_torchvision(name, params):
    assert archcost.analyze(name).totals.params == params


def conv_and_fc_macs(report):
    """torchvision's GFLOPS rule: multiply-adds of conv and fc layers only, no bias adds."""
    return sum(x.flops for x in report.layers if x.kind in ("conv", "fc"))


def test_resnet50_multiply_adds_are_torchvisions_4_09_gflops():
    # torchvision.models.resnet50: "GFLOPS 4.09" = conv + fc multiply-adds without biases.
    r = archcost.analyze("resnet50", bias_flops=False)
    assert conv_and_fc_macs(r) == 4_089_184_256
    assert round(conv_and_fc_macs(r) / 1e9, 2) == 4.09
    # by hand: the stem conv is 64 x 112 x 112 outputs x 3 x 7 x 7 weights each,
    # the classifier 1000 x 2048
    assert r.layer("conv1").flops == 64 * 112 * 112 * 3 * 7 * 7 == 118_013_952
    assert r.layer("fc").flops == 1000 * 2048


@pytest.mark.parametrize("name, gflops", [
    # torchvision.models docs, "GFLOPS" column (conv + fc multiply-adds, rounded to 0.01)
    ("resnet18", 1.81), ("resnet34", 3.66), ("resnet101", 7.80), ("resnet152", 11.51),
    ("resnext50_32x4d", 4.23), ("resnext101_32x8d", 16.41),
    ("wide_resnet50_2", 11.40), ("wide_resnet101_2", 22.75),
])
def test_multiply_adds_round_to_torchvisions_gflops(name, gflops):
    r = archcost.analyze(name, bias_flops=False)
    assert round(conv_and_fc_macs(r) / 1e9, 2) == gflops


STAGE_OUTPUTS = {"resnet50": ("layer1.2.relu", "layer2.3.relu", "layer3.5.relu", "layer4.2.relu"),
                 "resnet18": ("layer1.1.relu", "layer2.1.relu", "layer3.1.relu", "layer4.1.relu")}


def stage_shapes(name, input=None):
    r = archcost.analyze(name, input=input)
    return [r.layer(n).output_shape for n in STAGE_OUTPUTS[name]]


def test_resnet50_stage_outputs_at_224():
    # He et al. 2016, Table 1 (output sizes 56, 28, 14, 7) with the bottleneck's 4x widths:
    # torchvision's resnet50 feature maps 256x56x56, 512x28x28, 1024x14x14, 2048x7x7
    assert stage_shapes("resnet50") == [(256, 56, 56), (512, 28, 28), (1024, 14, 14), (2048, 7, 7)]
    assert stage_shapes("resnet18") == [(64, 56, 56), (128, 28, 28), (256, 14, 14), (512, 7, 7)]


def torch_out(size, kernel, stride, pad):
    """torch.nn.Conv2d / MaxPool2d output size: floor((size + 2 pad - kernel) / stride) + 1."""
    return (size + 2 * pad - kernel) // stride + 1


def expected_stage_sides(size):
    """Stem conv 7/2 pad 3, max pool 3/2 pad 1, then three stages that open with a 3x3/2 pad 1
    conv (its 1x1/2 shortcut gives the same size: floor((s - 1) / 2) + 1)."""
    s = torch_out(torch_out(size, 7, 2, 3), 3, 2, 1)
    sides = [s]
    for _ in range(3):
        s = torch_out(s, 3, 2, 1)
        assert s == torch_out(sides[-1], 1, 2, 0)
        sides.append(s)
    return sides


@pytest.mark.parametrize("size, sides", [(160, [40, 20, 10, 5]), (225, [57, 29, 15, 8])])
@pytest.mark.parametrize("name", ["resnet50", "resnet18"])
def test_stage_outputs_off_native_follow_torchs_floor_rule(name, size, sides):
    assert expected_stage_sides(size) == sides
    widths = [256, 512, 1024, 2048] if name == "resnet50" else [64, 128, 256, 512]
    got = stage_shapes(name, input=f"3x{size}x{size}")
    assert got == [(c, s, s) for c, s in zip(widths, sides)]


def test_off_native_input_keeps_parameters_and_pools_globally():
    # global average pooling makes the FC independent of the input size
    r = archcost.analyze("resnet50", input="3x225x225")
    assert r.totals.params == 25_557_032
    assert r.layer("avgpool").output_shape == (2048, 1, 1)
    assert r.warnings == ()   # the odd sizes only cut off padding, never real rows


def test_stride_on_the_1x1_moves_flops_not_parameters():
    # the original ResNet (Caffe, "v1") strides the first 1x1 conv; torchvision ("v1.5") the 3x3
    v1 = archcost.analyze("resnet50", settings={"stride_1x1": True}, bias_flops=False)
    assert v1.totals.params == 25_557_032
    assert v1.layer("layer2.0.conv1").output_shape == (128, 28, 28)
    assert v1.layer("layer2.0.conv2").attrs["stride"] == (1, 1)
    assert conv_and_fc_macs(v1) < 4_089_184_256
