"""DenseNet and DenseNet-BC on CIFAR-10 (Huang et al. 2017, Table 2; specs/densenet.yaml, stem: cifar).

Parameters and conv + fc multiply-adds (no bias adds) at 32 x 32 measured from the structure of
andreasveit/densenet-pytorch's DenseNet3 (first conv 16 channels for the plain DenseNet, as the
paper's Section 3 says; 2k for DenseNet-BC) under torch 2.13; Table 2 lists the parameters rounded.
"""

import pytest

from archcost import analyze
from torchvision028_layers import check_counts

REFERENCE = {   # name: (parameters, multiply-adds, Table 2's "Params")
    "densenet40_k12": (1_019_722, 264_812_928, "1.0M"),
    "densenet100_k12": (6_979_642, 1_769_516_448, "7.0M"),
    "densenet_bc100_k12": (769_162, 287_929_692, "0.8M"),
    "densenet_bc250_k24": (15_324_406, 5_418_785_724, "15.3M"),
    "densenet_bc190_k40": (25_624_430, 9_301_945_740, "25.6M"),
}


@pytest.mark.parametrize("name", REFERENCE)
def test_counts_match_the_reference_and_table_2(name):
    check_counts(name, *REFERENCE[name])


@pytest.mark.parametrize("name, k, n, first, bc", [("densenet40_k12", 12, 12, 16, False),
                                                  ("densenet_bc100_k12", 12, 16, 24, True)])
def test_three_dense_blocks_on_32_16_8(name, k, n, first, bc):
    # Section 3: blocks on 32x32, 16x16 and 8x8 maps, n layers each adding k maps; DenseNet-BC's
    # transitions halve the channels (compression 0.5), plain DenseNet's keep them
    r = analyze(name)
    assert r.layer("conv0").output_shape == (first, 32, 32)
    c1 = first + n * k
    assert r.layer(f"denseblock1.denselayer{n}").output_shape == (c1, 32, 32)
    t1 = c1 // 2 if bc else c1
    assert r.layer("transition1.pool").output_shape == (t1, 16, 16)
    c2 = t1 + n * k
    t2 = c2 // 2 if bc else c2
    assert r.layer("transition2.pool").output_shape == (t2, 8, 8)
    assert r.layer(f"denseblock3.denselayer{n}").output_shape == (t2 + n * k, 8, 8)
    assert ("denseblock1.denselayer1.conv1" in {x.name for x in r.layers}) == bc   # the bottleneck 1x1
    assert r.layer("classifier").output_shape == (10,)
