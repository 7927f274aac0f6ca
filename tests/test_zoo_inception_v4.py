"""Inception-v4 and Inception-ResNet-v2 (Szegedy et al. 2016; specs/inception_v4.yaml,
specs/inception_resnet_v2.yaml) against the reference implementations.

Parameters and multiply-adds (conv and fc multiply-adds, no bias adds) at 299 x 299, measured from
Cadene's pretrainedmodels (inceptionv4.py, inceptionresnetv2.py) and timm 1.0.31
(inception_v4, inception_resnet_v2), 1000 classes, under torch 2.13: both give the same figures.
Stage sizes: the paper's Figure 9 (Inception-v4) and Figure 15 with the released network's widths.
"""

import pytest

from archcost import analyze
from torchvision028_layers import counts

REFERENCE = {   # Cadene pretrainedmodels = timm 1.0.31, measured
    "inception_v4": (42_679_816, 12_253_974_624),
    "inception_resnet_v2": (55_843_464, 13_155_794_016),
}


@pytest.mark.parametrize("name", REFERENCE)
def test_parameters_and_multiply_adds_match_the_reference_implementations(name):
    assert counts(name) == REFERENCE[name]
    assert analyze(name).input == (3, 299, 299)


def test_inception_v4_stages_of_figure_9():
    # Szegedy et al. 2016, Figure 9: stem -> 35x35x384, 4 x Inception-A, Reduction-A -> 17x17x1024,
    # 7 x Inception-B, Reduction-B -> 8x8x1536, 3 x Inception-C, average pool 1536, softmax 1000
    r = analyze("inception_v4")
    assert r.layer("conv1.relu").output_shape == (32, 149, 149)       # Figure 3: 149x149x32
    assert r.layer("Mixed_3a.output").output_shape == (160, 73, 73)  # Figure 3: 73x73x160
    assert r.layer("Mixed_4a.output").output_shape == (192, 71, 71)  # Figure 3: 71x71x192
    assert r.layer("Mixed_5a.output").output_shape == (384, 35, 35)
    assert r.layer("inception_a4.output").output_shape == (384, 35, 35)
    assert r.layer("reduction_a.output").output_shape == (1024, 17, 17)
    assert r.layer("inception_b7.output").output_shape == (1024, 17, 17)
    assert r.layer("reduction_b.output").output_shape == (1536, 8, 8)
    assert r.layer("inception_c3.output").output_shape == (1536, 8, 8)
    assert r.layer("fc").output_shape == (1000,)


def test_inception_resnet_v2_stages():
    # the released network (Cadene / timm): 35x35x320 after Mixed_5b, 10 x block35, Reduction-A to
    # 17x17x1088, 20 x block17, Reduction-B to 8x8x2080, 10 x block8, 1x1 conv to 1536
    r = analyze("inception_resnet_v2")
    assert r.layer("mixed_5b.output").output_shape == (320, 35, 35)
    assert r.layer("repeat.9.relu").output_shape == (320, 35, 35)
    assert r.layer("mixed_6a.output").output_shape == (1088, 17, 17)
    assert r.layer("repeat_1.19.relu").output_shape == (1088, 17, 17)
    assert r.layer("mixed_7a.output").output_shape == (2080, 8, 8)
    assert r.layer("conv2d_7b.relu").output_shape == (1536, 8, 8)
    # the residual projection is a 1x1 conv with bias: 128 x 320 + 320
    assert r.layer("repeat.0.conv2d").params == 128 * 320 + 320
    assert "block8.relu" not in {x.name for x in r.layers}       # the last block has no ReLU
