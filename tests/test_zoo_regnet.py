"""RegNetX and RegNetY, 400MF to 32GF (specs/regnet.yaml), against torchvision 0.28's own models:
parameters, multiply-adds in torchvision's convention (conv + linear, no bias adds) and every
layer's output shape, at 224 and at 193 (torchvision028_layers.py, measured from torchvision 0.28
with tests/measure_torchvision.py)."""

import pytest

from archcost import analyze
from archcost.expr import make_divisible
from torchvision028_layers import check_published, keys, measured

# torchvision 0.28 model pages: num_params and GFLOPS (exact multiply-adds at 224 x 224)
PUBLISHED = {
    "regnet_x_400mf": (5_495_976, 413_812_608),
    "regnet_x_800mf": (7_259_656, 799_699_712),
    "regnet_x_1_6gf": (9_190_136, 1_602_849_792),
    "regnet_x_3_2gf": (15_296_552, 3_176_621_952),
    "regnet_x_8gf": (39_572_648, 7_995_132_416),
    "regnet_x_16gf": (54_278_536, 15_940_755_456),
    "regnet_x_32gf": (107_811_560, 31_735_929_792),
    "regnet_y_400mf": (4_344_144, 401_842_848),
    "regnet_y_800mf": (6_432_512, 833_856_256),
    "regnet_y_1_6gf": (11_202_430, 1_612_076_160),
    "regnet_y_3_2gf": (19_436_338, 3_176_482_752),
    "regnet_y_8gf": (39_381_472, 8_473_070_592),
    "regnet_y_16gf": (83_590_140, 15_911_510_272),
    "regnet_y_32gf": (145_046_770, 32_279_552_832),
}


@pytest.mark.parametrize("name", PUBLISHED)
def test_parameters_and_multiply_adds(name):
    check_published(name, *PUBLISHED[name])


@pytest.mark.parametrize("key", keys("regnet"))
def test_every_layer_as_torchvision_runs_it(key):
    ours, torchvision = measured(key)
    assert ours == torchvision


def test_measured_at_two_sizes():
    assert set(keys("regnet")) == {f"{n}@{s}" for n in PUBLISHED for s in (224, 193)}


def test_block_structure():
    # regnet_y_400mf (torchvision 0.28: BlockParams depths [1, 3, 6, 6], widths [48, 104, 208, 440],
    # group width 8): block1-0 goes 32 -> 48 with stride 2, so it has a projection; its 3x3 conv has
    # 48 / 8 = 6 groups; its SE squeezes to round(0.25 x 32) = 8, a quarter of the block's INPUT width
    r = analyze("regnet_y_400mf")
    assert r.layer("block1.0.proj").output_shape == (48, 56, 56)
    assert r.layer("block1.0.b").params == 48 * (48 // 6) * 9
    assert r.layer("block1.0.se.fc1").params == 48 * 8 + 8
    assert r.layer("block2.1.se.fc1").output_shape == (26, 1, 1)       # round(0.25 x 104)
    assert "block2.1.proj" not in {x.name for x in r.layers}
    assert r.layer("block4.5.relu").output_shape == (440, 7, 7)
    # regnet_x_8gf: stage 1 is 80 wide, narrower than the group width 120, so one group of 80
    assert analyze("regnet_x_8gf").layer("block1.0.b").params == 80 * 80 * 9


# torchvision 0.28's regnet_* builders: BlockParams.from_init_params(depth, w_0, w_a, w_m, group_width)
INIT = {
    "regnet_x_400mf": (22, 24, 24.48, 2.54, 16), "regnet_x_800mf": (16, 56, 35.73, 2.28, 16),
    "regnet_x_1_6gf": (18, 80, 34.01, 2.25, 24), "regnet_x_3_2gf": (25, 88, 26.31, 2.25, 48),
    "regnet_x_8gf": (23, 80, 49.56, 2.88, 120), "regnet_x_16gf": (22, 216, 55.59, 2.1, 128),
    "regnet_x_32gf": (23, 320, 69.86, 2.0, 168),
    "regnet_y_400mf": (16, 48, 27.89, 2.09, 8), "regnet_y_800mf": (14, 56, 38.84, 2.4, 16),
    "regnet_y_1_6gf": (27, 48, 20.71, 2.65, 24), "regnet_y_3_2gf": (21, 80, 42.63, 2.66, 24),
    "regnet_y_8gf": (17, 192, 76.82, 2.19, 56), "regnet_y_16gf": (18, 200, 106.23, 2.48, 112),
    "regnet_y_32gf": (20, 232, 115.89, 2.53, 232),
}


def generate(depth, w_0, w_a, w_m, group_width):
    """Radosavovic et al. 2020, eq. 2-4, in torchvision's from_init_params: per-block widths
    quantised in log space to multiples of 8, grouped into stages of equal width; then each stage's
    group width is min(g, width) and its width made divisible by it (_adjust_widths_groups_compatibilty,
    torchvision's _make_divisible, the MobileNet rule)."""
    import math
    widths = []
    for j in range(depth):
        s = round(math.log((j * w_a + w_0) / w_0) / math.log(w_m))
        widths.append(round(w_0 * w_m ** s / 8) * 8)
    stages = []
    for w in widths:
        if stages and stages[-1][0] == w:
            stages[-1][1] += 1
        else:
            stages.append([w, 1])
    groups = [min(group_width, w) for w, _ in stages]
    return [d for _, d in stages], [make_divisible(w, g) for (w, _), g in zip(stages, groups)], groups


@pytest.mark.parametrize("name", INIT)
def test_stage_lists_are_the_generators_output(name):
    depths, widths, groups = generate(*INIT[name])
    r = analyze(name)
    for stage, (d, w, g) in enumerate(zip(depths, widths, groups), start=1):
        assert r.layer(f"block{stage}.{d - 1}.relu").output_shape[0] == w
        assert f"block{stage}.{d}.relu" not in {x.name for x in r.layers}
        assert r.layer(f"block{stage}.0.b").attrs["groups"] == w // g
