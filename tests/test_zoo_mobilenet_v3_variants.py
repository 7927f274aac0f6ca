"""MobileNetV3 at width 0.75 and the minimalistic networks (Howard et al. 2019, Section 6.1.1 and
Table 3; specs/mobilenet_v3.yaml) against timm 1.0.31's ports of the authors' TF releases
(mobilenetv3_large_075, mobilenetv3_small_075, tf_mobilenetv3_large_minimal_100,
tf_mobilenetv3_small_minimal_100): parameters and conv + fc multiply-adds (no bias adds) at 224,
measured under torch 2.13. timm's mobilenetv3_large_100 / _small_100 give torchvision's counts
(5,483,032 / 2,542,856), which the existing specs already match.
"""

import pytest

from archcost import analyze
from torchvision028_layers import counts

REFERENCE = {
    "mobilenet_v3_large_075": (3_993_528, 154_560_624),
    "mobilenet_v3_small_075": (2_041_872, 43_399_344),
    "mobilenet_v3_large_minimal": (3_924_288, 209_136_704),
    "mobilenet_v3_small_minimal": (2_044_736, 52_288_448),
    "mobilenet_v3_large": (5_483_032, 216_589_760),
    "mobilenet_v3_small": (2_542_856, 56_510_400),
}


@pytest.mark.parametrize("name", REFERENCE)
def test_counts_match_timm(name):
    assert counts(name) == REFERENCE[name]


def test_width_075_scales_expansions_from_the_scaled_input():
    # Large 0.75: stem make_divisible(12, 8) = 16; bneck 2 expands its 16 scaled input channels by
    # Table 1's 64 / 16 = 4 (64), projects to make_divisible(24 x 0.75, 8) = 24 (18 -> 24);
    # the last conv 960 x 0.75 = 720; the classifier's 1280 is not scaled
    r = analyze("mobilenet_v3_large_075")
    assert r.layer("conv1").output_shape == (16, 112, 112)
    assert r.layer("bneck.2.expand").output_shape == (64, 112, 112)
    assert r.layer("bneck.2.project").output_shape == (24, 56, 56)
    assert r.layer("conv2").output_shape == (720, 7, 7)
    assert r.layer("fc1").output_shape == (1280,)
    # Table 1's stage sizes: 112, 56, 28, 14, 7
    assert [r.layer(f"bneck.{i}.project").output_shape[1] for i in (1, 3, 6, 12, 15)] == [112, 56, 28, 14, 7]


def test_minimalistic_has_no_se_no_hardswish_and_3x3_kernels():
    r = analyze("mobilenet_v3_large_minimal")
    ops = {x.op for x in r.layers}
    assert "hardswish" not in ops and "hardsigmoid" not in ops and "mul" not in ops
    assert {x.attrs["kernel"] for x in r.layers if x.name.endswith("dwconv")} == {(3, 3)}
    assert r.layer("bneck.13.dwconv").output_shape == (672, 7, 7)
