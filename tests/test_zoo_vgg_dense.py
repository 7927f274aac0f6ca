"""VGG's dense evaluation (Simonyan & Zisserman 2015, Section 3.2; specs/vgg.yaml, dense: true).

Reference: torchvision 0.28's vgg16 / vgg19 with their classifier's Linear weights reshaped into a
7x7 conv and two 1x1 convs (the paper's conversion), run on the uncropped image under torch 2.13;
parameters and multiply-adds (conv multiply-adds, no bias adds) measured with forward hooks.
"""

import pytest

from archcost import analyze

# (network, settings, side): (parameters, multiply-adds, score map), measured as the docstring says
REFERENCE = [
    ("vgg16_dense", None, 384, 138_357_544, 49_551_114_240, (1000, 6, 6)),
    ("vgg16_dense", None, 224, 138_357_544, 15_470_264_320, (1000, 1, 1)),
    ("vgg19", {"dense": True}, 384, 143_667_240, 61_781_704_704, (1000, 6, 6)),
]


@pytest.mark.parametrize("name, settings, side, params, macs, score_map", REFERENCE)
def test_dense_evaluation_matches_the_converted_reference(name, settings, side, params, macs, score_map):
    r = analyze(name, input=f"3x{side}x{side}", settings=settings, bias_flops=False)
    assert r.totals.params == params
    assert sum(x.flops for x in r.layers if x.kind in ("conv", "fc")) == macs
    assert r.layer("fc8").output_shape == score_map
    assert r.layer("scores").output_shape == (1000,)        # the score map, averaged


def test_vgg16_dense_at_384_draws_the_papers_maps():
    # Section 3.2 at Q = 384: pool1..pool5 halve the image to 12 x 12, the 7x7 fc6 conv leaves 6 x 6,
    # the class score map is 6 x 6 x 1000; parameters are VGG-16's 138,357,544 (fc6 = 7 x 7 x 512 x 4096)
    r = analyze("vgg16_dense")
    assert r.input == (3, 384, 384)
    assert [r.layer(f"pool{i}").output_shape for i in range(1, 6)] == \
        [(64, 192, 192), (128, 96, 96), (256, 48, 48), (512, 24, 24), (512, 12, 12)]
    assert r.layer("fc6").output_shape == (4096, 6, 6)
    assert r.layer("fc6").params == 7 * 7 * 512 * 4096 + 4096
    assert r.totals.params == analyze("vgg16").totals.params == 138_357_544


def test_compare_shows_what_dense_evaluation_costs(run):
    result = run("compare", "vgg16", "vgg16_dense", "--input", "384")
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split() for line in result.output.splitlines()[:6] if line.startswith("vgg16")}
    # same 138.36 M parameters; the fc layers run at 6 x 6 = 36 positions instead of once (torchvision
    # pools the 12 x 12 map to 7 x 7): 35 more times fc6 + fc7 + fc8 = 35 x (25088 + 4096 + 1000) x 4096
    assert rows["vgg16"][6] == rows["vgg16_dense"][6] == "138.36"
    extra = 35 * (25088 + 4096 + 1000) * 4096 / 1e9          # 4.33 G
    assert abs(float(rows["vgg16_dense"][8]) - float(rows["vgg16"][8]) - extra) <= 0.01
