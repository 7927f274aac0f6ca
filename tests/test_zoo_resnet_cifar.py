"""The CIFAR-10 ResNets and plain nets of He et al. 2016 (Section 4.2) in specs/resnet.yaml.

Parameters and multiply-adds (conv and fc multiply-adds, no bias adds) measured from the reference
implementation akamaster/pytorch_resnet_cifar10 (resnet.py: option A by default, option='B'; the
plain nets are its blocks without the shortcut add) under torch 2.13, 32 x 32 input; the paper's
Table 6 gives the parameters rounded (0.27M ... 19.4M) and Section 4.2's table the stage sizes.
"""

import pytest

from archcost import analyze

# name: (parameters, multiply-adds), akamaster/pytorch_resnet_cifar10, measured
REFERENCE = {
    "resnet20": (269_722, 40_551_040),
    "resnet32": (464_154, 68_862_592),
    "resnet44": (658_586, 97_174_144),
    "resnet56": (853_018, 125_485_696),
    "resnet110": (1_727_962, 252_887_680),
    "resnet1202": (19_421_274, 2_829_238_912),
    "resnet20_b": (272_474, 40_813_184),
    "resnet32_b": (466_906, 69_124_736),
    "resnet44_b": (661_338, 97_436_288),
    "resnet56_b": (855_770, 125_747_840),
    "resnet110_b": (1_730_714, 253_149_824),
    "resnet1202_b": (19_424_026, 2_829_501_056),
    "plain20": (269_722, 40_551_040),
    "plain32": (464_154, 68_862_592),
    "plain44": (658_586, 97_174_144),
    "plain56": (853_018, 125_485_696),
}
# He et al. 2016, Table 6 ("# params") for ResNet-20 ... 1202
TABLE6 = {"resnet20": "0.27M", "resnet32": "0.46M", "resnet44": "0.66M", "resnet56": "0.85M",
          "resnet110": "1.7M", "resnet1202": "19.4M"}


def macs(report):
    return sum(x.flops for x in report.layers if x.kind in ("conv", "fc"))


@pytest.mark.parametrize("name", REFERENCE)
def test_parameters_and_multiply_adds_match_the_reference_implementation(name):
    r = analyze(name, bias_flops=False)
    assert r.input == (3, 32, 32)
    assert (r.totals.params, macs(r)) == REFERENCE[name]
    assert not r.warnings


@pytest.mark.parametrize("name", TABLE6)
def test_table6_parameters(name):
    p = analyze(name).totals.params / 1e6
    digits = 1 if p >= 1 else 2
    assert f"{round(p, digits)}M" == TABLE6[name]


@pytest.mark.parametrize("name, n", [("resnet20", 3), ("resnet56_b", 9), ("plain32", 5)])
def test_stage_sizes_of_section_4_2(name, n):
    # He et al. 2016, Section 4.2: output map size 32x32, 16x16, 8x8 with 16, 32, 64 filters; 6n + 2 layers
    r = analyze(name)
    assert r.layer("conv1").output_shape == (16, 32, 32)
    assert r.layer(f"layer1.{n - 1}.relu").output_shape == (16, 32, 32)
    assert r.layer(f"layer2.{n - 1}.relu").output_shape == (32, 16, 16)
    assert r.layer(f"layer3.{n - 1}.relu").output_shape == (64, 8, 8)
    assert r.layer("fc").output_shape == (10,)
    assert sum(1 for x in r.layers if x.kind in ("conv", "fc") and "downsample" not in x.name) == 6 * n + 2


def test_option_a_shortcut_is_parameter_free_and_option_b_projects():
    a, b, plain = analyze("resnet20"), analyze("resnet20_b"), analyze("plain20")
    # option A: x[:, :, ::2, ::2] padded from 16 to 32 channels (akamaster: planes // 4 = 8 zeros per side)
    assert a.layer("layer2.0.shortcut").output_shape == (32, 16, 16)
    assert a.layer("layer2.0.shortcut").params == 0 and a.layer("layer2.0.shortcut").flops == 0
    # option B: 1x1 conv 16 -> 32 (512) + BN (64), 32 -> 64 (2,048) + BN (128) = 2,752 more parameters
    assert b.totals.params - a.totals.params == 16 * 32 + 64 + 32 * 64 + 128
    assert b.layer("layer3.0.downsample.0").output_shape == (64, 8, 8)
    # plain: no shortcut and no add anywhere
    assert not [x for x in plain.layers if x.op in ("add", "zeropad_shortcut")]


def test_imagenet_resnets_keep_their_stem():
    # torchvision resnet18: 7x7/2 conv and 3x3/2 max pool before layer1 (56 x 56)
    r = analyze("resnet18")
    assert r.layer("maxpool").output_shape == (64, 56, 56)
    assert r.layer("layer4.1.relu").output_shape == (512, 7, 7)
