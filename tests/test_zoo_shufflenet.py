"""ShuffleNet V2 x0.5 .. x2.0 (specs/shufflenet.yaml) against torchvision's published figures."""

import pytest

from archcost import analyze

# torchvision.models.ShuffleNet_V2_X{0_5,1_0,1_5,2_0}_Weights.IMAGENET1K_V1.meta["num_params"]
PARAMS = {"shufflenet_v2_x0_5": 1_366_792, "shufflenet_v2_x1_0": 2_278_604,
          "shufflenet_v2_x1_5": 3_503_624, "shufflenet_v2_x2_0": 7_393_996}
# the same weights' meta "_ops" (GFLOPS: conv and linear multiply-adds without bias adds, 224x224)
GFLOPS = {"shufflenet_v2_x0_5": 0.040, "shufflenet_v2_x1_0": 0.145,
          "shufflenet_v2_x1_5": 0.296, "shufflenet_v2_x2_0": 0.583}


@pytest.mark.parametrize("name", PARAMS)
def test_parameters(name):
    r = analyze(name)
    assert r.totals.params == PARAMS[name]
    assert r.layer("fc").output_shape == (1000,)
    assert not r.warnings


@pytest.mark.parametrize("name", PARAMS)
def test_multiply_adds_match_torchvision(name):
    r = analyze(name, bias_flops=False)
    multiply_adds = sum(x.flops for x in r.layers if x.kind in ("conv", "fc"))
    assert round(multiply_adds / 1e9, 3) == GFLOPS[name]
    if name == "shufflenet_v2_x1_0":
        assert round(multiply_adds / 1e9, 2) == 0.14   # torchvision's model table: 0.14 GFLOPS


def test_stage_shapes_follow_table_5():
    # Ma et al. 2018, Table 5 (1x): Stage2 28x28 x 116, Stage3 14x14 x 232, Stage4 7x7 x 464, Conv5 7x7 x 1024
    r = analyze("shufflenet_v2_x1_0")
    assert r.layer("maxpool").output_shape == (24, 56, 56)
    assert r.layer("stage2.3.shuffle").output_shape == (116, 28, 28)
    assert r.layer("stage3.7.shuffle").output_shape == (232, 14, 14)
    assert r.layer("stage4.3.shuffle").output_shape == (464, 7, 7)
    assert r.layer("conv5").output_shape == (1024, 7, 7)
    # repeats 1 + 3, 1 + 7, 1 + 3 units (Table 5: 4, 8, 4)
    assert not any(x.name.startswith(("stage2.4.", "stage3.8.", "stage4.4.")) for x in r.layers)


def test_basic_unit_splits_and_shuffles():
    r = analyze("shufflenet_v2_x1_0")
    # Figure 3(c): two slices of the same input, 58 channels each; one passes straight to the concat
    assert r.layer("stage3.1.x1").inputs == r.layer("stage3.1.x2").inputs == ("stage3.0.shuffle",)
    assert r.layer("stage3.1.x1").output_shape == r.layer("stage3.1.x2").output_shape == (116, 14, 14)
    assert r.layer("stage3.1.concat").inputs[0] == "stage3.1.x1"
    assert r.layer("stage3.1.shuffle").attrs["groups"] == 2
    # Figure 3(d): the down-sampling unit's left branch, depthwise 3x3 stride 2 on all 116 input channels
    assert r.layer("stage3.0.branch1.dwconv").params == 116 * 9
    assert r.layer("stage3.0.branch1.dwconv").output_shape == (116, 14, 14)


def _down(h):
    """A 3x3 stride-2 window with padding 1 (conv1, the max pool, each stage's first unit)."""
    return (h + 2 - 3) // 2 + 1


@pytest.mark.parametrize("side", [160, 250])
def test_off_native_input_sizes(side):
    r = analyze("shufflenet_v2_x1_0", input=f"3x{side}x{side}")
    h = side
    for _ in range(5):           # conv1, maxpool, stage2, stage3, stage4: 250 -> 125, 63, 32, 16, 8
        h = _down(h)
    assert r.layer("conv5").output_shape == (1024, h, h)
    assert r.totals.params == PARAMS["shufflenet_v2_x1_0"]
