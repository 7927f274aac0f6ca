"""VGG configurations A to E from specs/vgg.yaml against torchvision and the paper's Table 2."""

import pytest

import archcost


@pytest.mark.parametrize("name, params", [
    # torchvision.models.vgg*: the weights' meta "num_params"
    ("vgg11", 132_863_336),
    ("vgg13", 133_047_848),
    ("vgg16", 138_357_544),
    ("vgg19", 143_667_240),
    ("vgg11_bn", 132_868_840),
    ("vgg13_bn", 133_053_736),
    ("vgg16_bn", 138_365_992),
    ("vgg19_bn", 143_678_248),
])
def test_torchvision_parameter_counts(name, params):
    assert archcost.analyze(name).totals.params == params


@pytest.mark.parametrize("name, millions", [
    # Simonyan & Zisserman 2015, Table 2 "Number of parameters (in millions)": A, A-LRN, B, C, D, E
    ("vgg11", 133), ("vgg11_lrn", 133), ("vgg13", 133), ("vgg16_c", 134), ("vgg16", 138), ("vgg19", 144),
])
def test_paper_table_2(name, millions):
    assert round(archcost.analyze(name).totals.params / 1e6) == millions


def _conv_fc_macs(name):
    r = archcost.analyze(name, bias_flops=False)
    return sum(x.flops for x in r.layers if x.kind in ("conv", "fc"))


def test_vgg16_multiply_adds_by_hand():
    # every conv 3x3 pad 1: H x W x C_out x C_in x 9 multiply-adds; FC out x in (no bias adds)
    stages = [(224, [(3, 64), (64, 64)]), (112, [(64, 128), (128, 128)]),
              (56, [(128, 256), (256, 256), (256, 256)]), (28, [(256, 512), (512, 512), (512, 512)]),
              (14, [(512, 512), (512, 512), (512, 512)])]
    convs = sum(hw * hw * c_out * c_in * 9 for hw, layers in stages for c_in, c_out in layers)
    fcs = 25_088 * 4096 + 4096 * 4096 + 4096 * 1000
    assert convs + fcs == 15_470_264_320
    assert _conv_fc_macs("vgg16") == 15_470_264_320
    # torchvision's VGG16_Weights meta: "_ops": 15.47 (GFLOPS)
    assert round(15_470_264_320 / 1e9, 2) == 15.47


@pytest.mark.parametrize("name, gflops", [
    # torchvision's weights meta "_ops" (GFLOPS, conv and fc multiply-adds at 224); batch norm does not change them
    ("vgg11", 7.609), ("vgg13", 11.308), ("vgg19", 19.632), ("vgg11_bn", 7.609), ("vgg19_bn", 19.632),
])
def test_torchvision_ops(name, gflops):
    assert round(_conv_fc_macs(name) / 1e9, 3) == gflops


def test_off_native_input_keeps_fc6():
    # 160 / 2^5 = 5: pool5 is 512x5x5; torchvision's AdaptiveAvgPool2d((7, 7)) brings it back to 7x7,
    # so fc6 still has 512 x 7 x 7 = 25,088 inputs and the parameter count does not change
    r = archcost.analyze("vgg16", input="3x160x160")
    assert r.layer("pool5").output_shape == (512, 5, 5)
    assert r.layer("avgpool").output_shape == (512, 7, 7)
    assert r.layer("fc6").input_shape == (25_088,)
    assert r.totals.params == 138_357_544


def test_configuration_c_has_1x1_convs():
    # Table 1, configuration C: conv1-256 and conv1-512 as the third conv of stages 3, 4, 5
    r = archcost.analyze("vgg16_c")
    assert r.layer("conv3_3").params == 256 * 256 * 1 * 1 + 256
    assert r.layer("conv5_3").attrs["kernel"] == (1, 1) and r.layer("conv5_3").output_shape == (512, 14, 14)


def test_cli_table(run):
    res = run("table", "vgg19_bn")
    assert res.exit_code == 0 and "conv5_4" in res.stdout
