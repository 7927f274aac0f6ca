"""ShuffleNet V2 as its authors' code builds it (specs/shufflenet.yaml, authors: true).

Reference: megvii-model/ShuffleNet-Series, ShuffleNetV2/network.py and blocks.py, measured under
torch 2.13 at 224 x 224 (parameters; conv and fc multiply-adds, the fc without bias). Published:
Ma et al. 2018, Table 5 (FLOPs = multiply-adds) and the repository's README (parameters).
"""

import math

import pytest

from archcost import analyze

# name: (parameters, multiply-adds) measured from the authors' code; Table 5's FLOPs (M); README's #Params (M)
REFERENCE = {
    "shufflenet_v2_x0_5_authors": (1_365_792, 40_476_448, 41, 1.4),
    "shufflenet_v2_x1_0_authors": (2_278_760, 145_814_296, 146, 2.3),
    "shufflenet_v2_x1_5_authors": (3_506_720, 298_970_656, 299, 3.5),
    "shufflenet_v2_x2_0_authors": (7_402_600, 590_783_000, 591, 7.4),
}


@pytest.mark.parametrize("name", REFERENCE)
def test_counts_match_the_authors_code_and_table_5(name):
    params, macs, table5, readme = REFERENCE[name]
    r = analyze(name, bias_flops=False)
    got = sum(x.flops for x in r.layers if x.kind in ("conv", "fc"))
    assert (r.totals.params, got) == (params, macs)
    assert round(r.totals.params / 1e6, 1) == readme
    # Table 5's whole millions are the counts rounded up (x0.5: 40.48M is listed as 41M)
    assert math.ceil(got / 1e6) == table5


def test_stage2_first_unit_as_the_authors_build_it():
    # x1.0: left branch depthwise 3x3/2 on the 24-channel stem and 1x1 24 -> 24; right branch
    # 1x1 24 -> 58, depthwise 3x3/2, 1x1 58 -> 116 - 24 = 92; together 116 at 28 x 28 (Table 5's stage 2)
    r = analyze("shufflenet_v2_x1_0_authors")
    assert r.layer("stage2.0.branch1.conv").output_shape == (24, 28, 28)
    assert r.layer("stage2.0.branch2.conv1").output_shape == (58, 56, 56)
    assert r.layer("stage2.0.branch2.conv2").output_shape == (92, 28, 28)
    assert r.layer("stage2.0.shuffle").output_shape == (116, 28, 28)
    # stages 3 and 4 open with C_in = C_out / 2: the same unit as torchvision's
    tv = analyze("shufflenet_v2_x1_0")
    assert r.layer("stage3.0.branch2.conv2").params == tv.layer("stage3.0.branch2.conv2").params == 116 * 116
    assert [r.layer(f"stage{i}.0.shuffle").output_shape for i in (2, 3, 4)] == [(116, 28, 28), (232, 14, 14), (464, 7, 7)]
    assert r.layer("fc").params == 1024 * 1000                       # no bias
