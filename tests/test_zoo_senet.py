"""SE-ResNet-50 (specs/resnet.yaml, se: true) against Hu et al. 2018's 28.09 million parameters."""

import archcost

RESNET50 = 25_557_032               # torchvision.models.resnet50
# ResNet-50's bottlenecks: (blocks N_s, output channels C_s) per stage, He et al. 2016 Table 1
STAGES = [(3, 256), (4, 512), (6, 1024), (3, 2048)]
R = 16                              # Hu et al. 2018: reduction ratio r = 16


def se_overhead(biases: bool) -> int:
    """Two FCs per block, C -> C/r -> C: 2 x C^2 / r weights (+ C/r + C biases), summed over blocks."""
    total = 0
    for n, c in STAGES:
        per_block = 2 * c * c // R + ((c // R + c) if biases else 0)
        total += n * per_block
    return total


def test_se_overhead_arithmetic():
    # Hu et al. 2018, Section 4 ("Model and Computational Complexity"): the SE blocks add
    # 2/r x sum_s N_s x C_s^2 weights, "~2.5 million" for ResNet-50:
    # 3 x 8,192 + 4 x 32,768 + 6 x 131,072 + 3 x 524,288 = 2,514,944
    assert se_overhead(biases=False) == 3 * 8_192 + 4 * 32_768 + 6 * 131_072 + 3 * 524_288 == 2_514_944
    # the FCs' biases: 3 x (16 + 256) + 4 x (32 + 512) + 6 x (64 + 1,024) + 3 x (128 + 2,048) = 16,048
    assert se_overhead(biases=True) - se_overhead(biases=False) == 16_048


def test_se_resnet50_matches_the_papers_28_09_million():
    # Hu et al. 2018, "SE-ResNet-50 ... 28.09M" parameters: only the FCs WITH biases give it;
    # without them it would be 28,071,976 = 28.07M.
    total = archcost.analyze("se_resnet50").totals.params
    assert total == RESNET50 + se_overhead(biases=True) == 28_088_024
    assert round(total / 1e6, 2) == 28.09
    assert round((RESNET50 + se_overhead(biases=False)) / 1e6, 2) == 28.07


def test_every_bottleneck_rescales_its_residual_branch_before_the_add():
    r = archcost.analyze("se_resnet50")
    scales = [x for x in r.layers if x.op == "mul"]
    assert len(scales) == 16                              # 3 + 4 + 6 + 3 bottlenecks
    first = "layer1.0.se"
    assert r.layer(f"{first}.squeeze").output_shape == (256, 1, 1)
    assert r.layer(f"{first}.fc1").output_shape == (16,)  # 256 / 16
    assert r.layer(f"{first}.fc1").params == 256 * 16 + 16
    assert r.layer(f"{first}.fc2").params == 16 * 256 + 256
    assert r.layer(f"{first}.scale").inputs == ("layer1.0.bn3", f"{first}.sigmoid")
    assert r.layer("layer1.0.add").inputs == (f"{first}.scale", "layer1.0.downsample.1")
    assert r.layer("layer4.2.se.fc1").params == 2048 * 128 + 128


def test_se_follows_the_caffe_models_stride_and_any_input():
    # the authors' models stride the first 1x1 conv of a stage (Cadene's port says so)
    r = archcost.analyze("se_resnet50", input="3x160x160")
    assert r.layer("layer2.0.conv1").output_shape == (128, 20, 20)
    assert r.layer("layer4.2.se.scale").output_shape == (2048, 5, 5)
    assert r.totals.params == 28_088_024


def test_reduction_is_a_parameter():
    # r = 8 doubles the weights of the excitation: 2 x 2,514,944 more, biases C/8 + C
    r8 = archcost.analyze("se_resnet50", settings={"reduction": 8}).totals.params
    biases8 = sum(n * (c // 8 + c) for n, c in STAGES)
    assert r8 == RESNET50 + 2 * 2_514_944 + biases8
