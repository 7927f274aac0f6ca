"""SqueezeNet 1.0 with simple and complex bypass (Iandola et al. 2016, Section 6, Figure 2, Table 6;
specs/squeezenet.yaml, bypass: simple | complex).

Parameters: torchvision 0.28's squeezenet1_0 (1,248,424, its model page) plus the complex bypass's
1x1 convs with bias, as the reference implementation GoogleCloudPlatform/keras-idiomatic-programmer
(zoo/squeezenet squeezenet_bypass.py, squeezenet_complex.py) builds them: in x out + out around the
Fire modules whose channels change. Multiply-adds: torchvision's squeezenet1_0 plus those convs at
its map sizes (54 x 54 before maxpool4, 27 x 27 before maxpool8).
"""

from archcost import analyze
from torchvision028_layers import counts

SQUEEZENET1_0 = counts("squeezenet1_0")
# (input channels, output channels, map side) of the complex bypass convs around fire2, fire4, fire6, fire8
COMPLEX = [(96, 128, 54), (128, 256, 54), (256, 384, 27), (384, 512, 27)]


def test_vanilla_is_torchvisions():
    assert SQUEEZENET1_0[0] == 1_248_424      # torchvision 0.28 squeezenet1_0 num_params


def test_simple_bypass_adds_no_parameters_or_multiply_adds():
    assert counts("squeezenet1_0_simple_bypass") == SQUEEZENET1_0
    r = analyze("squeezenet1_0_simple_bypass")
    adds = {x.name: x.output_shape for x in r.layers if x.op == "add"}
    # Figure 2 (middle): bypass around fire3, fire5, fire7, fire9
    assert adds == {"fire3_bypass": (128, 54, 54), "fire5_bypass": (256, 27, 27), "fire7_bypass": (384, 27, 27),
                    "fire9_bypass": (512, 13, 13)}


def test_complex_bypass_adds_1x1_convs_around_the_other_fire_modules():
    params = SQUEEZENET1_0[0] + sum(i * o + o for i, o, _ in COMPLEX)
    macs = SQUEEZENET1_0[1] + sum(o * s * s * i for i, o, s in COMPLEX)
    assert params == 1_589_672
    assert counts("squeezenet1_0_complex_bypass") == (params, macs)
    r = analyze("squeezenet1_0_complex_bypass")
    assert r.layer("fire8_bypass_conv").inputs == ("fire7_bypass",)
    assert sum(1 for x in r.layers if x.op == "add") == 8            # a bypass around each of the eight Fire modules
    assert r.layer("fire9_bypass").output_shape == (512, 13, 13)
