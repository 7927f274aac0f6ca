"""SE-ResNet-101/152, SE-ResNeXt-50/101 and ResNeXt-101 64x4d (specs/resnet.yaml variants).

SE networks: parameters and multiply-adds (conv and fc, no bias adds) measured from Cadene's
pretrainedmodels senet.py (its se_resnet*/se_resnext* models, ported from the SENet authors' Caffe
networks; torch 2.13, 224 x 224). ResNeXt-101 64x4d: torchvision 0.28's resnext101_64x4d
(83,455,272 parameters, 15.46 GFLOPS on its model page), measured the same way.
"""

import pytest

from archcost import analyze
from torchvision028_layers import counts

REFERENCE = {
    # Cadene pretrainedmodels senet.py, measured
    "se_resnet50": (28_088_024, 3_860_488_192),
    "se_resnet101": (49_326_872, 7_574_937_600),
    "se_resnet152": (66_821_848, 11_288_993_792),
    "se_resnext50_32x4d": (27_559_896, 4_232_994_816),
    "se_resnext101_32x4d": (48_955_416, 7_974_739_968),
    # torchvision 0.28 resnext101_64x4d, measured
    "resnext101_64x4d": (83_455_272, 15_460_270_080),
}


@pytest.mark.parametrize("name", REFERENCE)
def test_parameters_and_multiply_adds(name):
    assert counts(name) == REFERENCE[name]


def test_resnext101_64x4d_published_figures():
    # torchvision 0.28 model page: 83,455,272 parameters, 15.46 GFLOPS
    r = analyze("resnext101_64x4d", bias_flops=False)
    assert round(sum(x.flops for x in r.layers if x.kind in ("conv", "fc")) / 1e9, 2) == 15.46
    # Xie et al. 2017, Table 1's stages at 56, 28, 14, 7; 64 groups of 4 channels in conv2: 256 wide
    assert r.layer("layer1.0.conv2").output_shape == (256, 56, 56)
    assert r.layer("layer1.0.conv2").params == 256 * 4 * 9


@pytest.mark.parametrize("name, strided", [("se_resnet101", "conv1"), ("se_resnext50_32x4d", "conv2")])
def test_stride_placement_of_the_authors_networks(name, strided):
    # SE-ResNet: stride 2 on the first 1x1 (Caffe); SE-ResNeXt: on the grouped 3x3 (Cadene's SEResNeXtBottleneck)
    r = analyze(name)
    assert r.layer(f"layer2.0.{strided}").output_shape[1:] == (28, 28)
    assert [r.layer(f"layer{i}.0.relu").output_shape[1:] for i in range(1, 5)] == [(56, 56), (28, 28), (14, 14), (7, 7)]
    assert r.layer("layer4.0.se.fc1").output_shape == (2048 // 16,)
