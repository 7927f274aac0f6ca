"""MobileNetV2 and MobileNetV3 (specs/mobilenet_v2.yaml, specs/mobilenet_v3.yaml) against torchvision."""

import pytest

from archcost import analyze

# torchvision.models.MobileNet_V2_Weights / MobileNet_V3_{Large,Small}_Weights .meta["num_params"]
PARAMS = {"mobilenet_v2": 3_504_872, "mobilenet_v3_large": 5_483_032, "mobilenet_v3_small": 2_542_856}
# the same weights' meta "_ops" (GFLOPS: conv and linear multiply-adds without bias adds, 224x224)
GFLOPS = {"mobilenet_v2": 0.301, "mobilenet_v3_large": 0.217, "mobilenet_v3_small": 0.057}
# torchvision's model table (GFLOPS column, two decimals)
GFLOPS_TABLE = {"mobilenet_v2": 0.30, "mobilenet_v3_large": 0.22}


@pytest.mark.parametrize("name", PARAMS)
def test_parameters(name):
    r = analyze(name)
    assert r.totals.params == PARAMS[name]
    assert r.input == (3, 224, 224)
    assert not r.warnings


@pytest.mark.parametrize("name", PARAMS)
def test_multiply_adds_match_torchvision(name):
    r = analyze(name, bias_flops=False)
    gflops = sum(x.flops for x in r.layers if x.kind in ("conv", "fc")) / 1e9
    assert round(gflops, 3) == GFLOPS[name]
    if name in GFLOPS_TABLE:
        assert round(gflops, 2) == GFLOPS_TABLE[name]


def _halvings(side, n=5):
    """Five stride-2 layers, each k x k with torchvision's pad (k - 1) // 2: floor((h - 1) / 2) + 1."""
    for _ in range(n):
        side = (side + 2 * 1 - 3) // 2 + 1
    return side


@pytest.mark.parametrize("name, side, last", [("mobilenet_v2", 160, "conv2"), ("mobilenet_v2", 97, "conv2"),
                                              ("mobilenet_v3_large", 320, "conv2"),
                                              ("mobilenet_v3_small", 160, "conv2")])
def test_off_native_input_sizes(name, side, last):
    r = analyze(name, input=f"3x{side}x{side}")
    h = _halvings(side)                      # 160 -> 80, 40, 20, 10, 5
    assert r.layer(last).output_shape[1:] == (h, h)
    assert r.totals.params == PARAMS[name]   # adaptive pooling: the counts do not depend on the input


def test_v2_width_multiplier_rounds_as_torchvision():
    # width 0.5: stem make_divisible(16, 8) = 16; bottleneck1 make_divisible(8, 8) = 8;
    # bottleneck7 make_divisible(160, 8) = 160; last conv keeps 1280 (x max(1, 0.5))
    r = analyze("mobilenet_v2", settings={"width_mult": 0.5})
    assert r.layer("conv1").output_shape[0] == 16
    assert r.layer("bottleneck1.0.project").output_shape[0] == 8
    assert r.layer("bottleneck7.0.project").output_shape[0] == 160
    assert r.layer("conv2").output_shape[0] == 1280
    # width 1.4: the last conv grows to make_divisible(1280 x 1.4, 8) = 1792
    assert analyze("mobilenet_v2", settings={"width_mult": 1.4}).layer("conv2").output_shape[0] == 1792


def test_v2_inverted_residual():
    r = analyze("mobilenet_v2")
    names = {x.name for x in r.layers}
    # Sandler et al. 2018, Table 2: t = 1 on the first row (no expansion), then 6 x C_in
    assert "bottleneck1.0.expand" not in names
    assert r.layer("bottleneck2.0.expand").output_shape == (96, 112, 112)
    assert r.layer("bottleneck2.0.dwconv").params == 96 * 9          # depthwise 3x3, no bias
    assert "bottleneck2.0.add" not in names and "bottleneck2.1.add" in names


def test_v3_blocks():
    large = analyze("mobilenet_v3_large")
    # Table 1, bneck 4: 5x5, exp 72, SE: squeeze make_divisible(72 // 4, 8) = 24, 1x1 convs with bias
    assert large.layer("bneck.4.se.fc1").params == 72 * 24 + 24
    assert large.layer("bneck.4.se.fc2").params == 24 * 72 + 72
    assert large.layer("bneck.4.se.gate").op == "hardsigmoid"
    assert large.layer("bneck.7.dwconv_act").op == "hardswish"
    # classifier: Linear(960, 1280) - Hardswish - Dropout - Linear(1280, 1000)
    assert large.layer("fc1").params == 960 * 1280 + 1280
    assert large.layer("fc2").params == 1280 * 1000 + 1000
    small = analyze("mobilenet_v3_small")
    # Table 2, bneck 1: exp 16 = C_in, so no expand conv; stride 2 and SE
    assert "bneck.1.expand" not in {x.name for x in small.layers}
    assert small.layer("bneck.1.se.fc1").output_shape == (8, 1, 1)    # make_divisible(16 // 4, 8) = 8
    assert small.layer("fc1").output_shape == (1024,)
