"""Wide ResNets on CIFAR-10 (Zagoruyko & Komodakis 2016; specs/resnet.yaml, block: preact).

Parameters and conv + fc multiply-adds (no bias adds) at 32 x 32 measured from the structure of
xternalz/WideResNet-pytorch (wideresnet.py) under torch 2.13; the paper's Table 4 lists the
parameters rounded, Table 1 the groups' sizes.
"""

import pytest

from archcost import analyze
from torchvision028_layers import check_counts

REFERENCE = {   # name: (parameters, multiply-adds, the paper's "# params")
    "wrn_28_10": (36_479_194, 5_243_328_768, "36.5M"),
    "wrn_40_4": (8_949_210, 1_298_582_016, "8.9M"),
    "wrn_16_8": (10_961_370, 1_548_145_664, "11.0M"),
}


@pytest.mark.parametrize("name", REFERENCE)
def test_counts_match_the_reference_and_the_paper(name):
    check_counts(name, *REFERENCE[name])


def test_groups_of_table_1():
    # WRN-28-10: conv1 16 x 32 x 32; conv2 (16k = 160) at 32x32, conv3 (320) at 16x16, conv4 (640) at 8x8,
    # N = (28 - 4) / 6 = 4 blocks each
    r = analyze("wrn_28_10")
    assert r.layer("conv1").output_shape == (16, 32, 32)
    assert [r.layer(f"layer{g}.3.add").output_shape for g in (1, 2, 3)] == [(160, 32, 32), (320, 16, 16), (640, 8, 8)]
    # pre-activation: the first block's 1x1 shortcut reads relu(bn(x)); later blocks add x itself
    assert r.layer("layer1.0.shortcut").inputs == ("layer1.0.relu1",)
    assert r.layer("layer1.0.add_shortcut").output_shape == (160, 32, 32)
    assert r.layer("layer1.1.add").inputs == ("layer1.1.conv2", "layer1.0.add_shortcut")
    assert r.layer("relu_final").output_shape == (640, 8, 8)
