"""EfficientNet-B0 .. B7 (specs/efficientnet.yaml) against torchvision's published figures."""

import json

import pytest

from archcost import analyze

# torchvision.models.EfficientNet_B{0..7}_Weights.IMAGENET1K_V1.meta["num_params"]
PARAMS = {
    "efficientnet_b0": 5_288_548,
    "efficientnet_b1": 7_794_184,
    "efficientnet_b2": 9_109_994,
    "efficientnet_b3": 12_233_232,
    "efficientnet_b4": 19_341_616,
    "efficientnet_b5": 30_389_784,
    "efficientnet_b6": 43_040_704,
    "efficientnet_b7": 66_347_960,
}
# Tan & Le 2019, Table 2 / Section 4: each model's native input side
RESOLUTION = {"efficientnet_b0": 224, "efficientnet_b1": 240, "efficientnet_b2": 260, "efficientnet_b3": 300,
              "efficientnet_b4": 380, "efficientnet_b5": 456, "efficientnet_b6": 528, "efficientnet_b7": 600}
# torchvision's weights meta "_ops" (GFLOPS: conv and linear multiply-adds, no bias adds), at each
# weight's crop size: B2's is 288, the others are the native sizes above
GFLOPS = {"efficientnet_b0": 0.386, "efficientnet_b1": 0.687, "efficientnet_b2": 1.088, "efficientnet_b3": 1.827,
          "efficientnet_b4": 4.394, "efficientnet_b5": 10.266, "efficientnet_b6": 19.068, "efficientnet_b7": 37.746}


@pytest.mark.parametrize("name", PARAMS)
def test_parameters_and_native_input(name):
    r = analyze(name)
    assert r.totals.params == PARAMS[name]
    assert r.input == (3, RESOLUTION[name], RESOLUTION[name])
    assert r.layer("fc").output_shape == (1000,)
    assert not r.warnings


@pytest.mark.parametrize("name", PARAMS)
def test_multiply_adds_match_torchvision(name):
    settings = {"resolution": 288} if name == "efficientnet_b2" else None
    r = analyze(name, settings=settings, bias_flops=False)
    gflops = sum(x.flops for x in r.layers if x.kind in ("conv", "fc")) / 1e9
    assert round(gflops, 3) == GFLOPS[name]
    if name == "efficientnet_b0":
        assert round(gflops, 2) == 0.39   # torchvision's model table, efficientnet_b0: 0.39 GFLOPS


def _same_pad_out(h, k=3, s=2):
    """torchvision pads (k - 1) // 2: a stride-2 conv gives floor((h + 2p - k) / 2) + 1."""
    return (h + 2 * ((k - 1) // 2) - k) // s + 1


def _final_map(h, k_per_stride2=(3, 3, 5, 3, 5)):
    # stride-2 layers: the stem (3x3) and the first blocks of stages 3, 4, 5, 7 (Table 1 kernels)
    for k in k_per_stride2:
        h = _same_pad_out(h, k)
    return h


@pytest.mark.parametrize("side", [300, 160, 225])
def test_off_native_input_sizes(side):
    r = analyze("efficientnet_b0", input=f"3x{side}x{side}")
    final = _final_map(side)                        # 300 -> 150, 75, 38, 19, 10
    assert r.layer("stage9_conv").output_shape == (1280, final, final)
    assert r.totals.params == PARAMS["efficientnet_b0"]   # adaptive pooling: counts do not move


def test_resolution_is_a_parameter_from_the_command_line(run):
    result = run("table", "efficientnet_b0", "--set", "resolution=300", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["input"] == [3, 300, 300]
    assert doc["totals"]["params"] == PARAMS["efficientnet_b0"]
    assert analyze("efficientnet_b0", settings={"resolution": 300}).input == (3, 300, 300)


def test_compound_scaling_rounds_as_torchvision():
    # B4: width 1.4, depth 1.8 -> stem make_divisible(32 x 1.4, 8) = 48; stage 7 ceil(4 x 1.8) = 8 blocks;
    # head 4 x make_divisible(320 x 1.4, 8) = 4 x 448 = 1792 channels
    r = analyze("efficientnet_b4")
    assert r.layer("stage1_conv").output_shape[0] == 48
    assert {x.name.split(".")[1] for x in r.layers if x.name.startswith("stage7.")} == {str(i) for i in range(8)}
    assert r.layer("stage9_conv").output_shape == (1792, 12, 12)


def test_mbconv_block_structure_b0():
    r = analyze("efficientnet_b0")
    # stage 2 (expand ratio 1): no expand conv; SE squeezes 32 -> max(1, 32 // 4) = 8 with bias
    assert "stage2.0.expand_conv" not in {x.name for x in r.layers}
    assert r.layer("stage2.0.se.fc1").params == 32 * 8 + 8
    # stage 3, block 1: 24 -> 144 -> 24, stride 1, so a residual add; block 0 (stride 2) has none
    assert r.layer("stage3.1.add").output_shape == (24, 56, 56)
    assert "stage3.0.add" not in {x.name for x in r.layers}
    # depthwise 5x5 on 144 channels: 144 x 25 weights, no bias
    assert r.layer("stage4.0.dwconv").params == 144 * 25
