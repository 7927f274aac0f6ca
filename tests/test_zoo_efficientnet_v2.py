"""EfficientNetV2-S, -M and -L (specs/efficientnet_v2.yaml) against torchvision 0.28's own models:
parameters, multiply-adds in torchvision's convention (conv + linear, no bias adds) and every
layer's output shape, at the native size (384 / 480 / 480) and at 225 (torchvision028_layers.py,
measured from torchvision 0.28 with tests/measure_torchvision.py)."""

import pytest

from archcost import analyze
from torchvision028_layers import check_published, keys, measured

# torchvision 0.28 model pages: num_params and GFLOPS (exact multiply-adds at the eval crop);
# Tan & Le 2021, Table 7: 22M / 8.8B, 54M / 24B, 120M / 53B
PUBLISHED = {
    "efficientnet_v2_s": (21_458_488, 8_365_617_152),
    "efficientnet_v2_m": (54_139_356, 24_582_460_384),
    "efficientnet_v2_l": (118_515_272, 56_079_699_008),
}
NATIVE = {"efficientnet_v2_s": 384, "efficientnet_v2_m": 480, "efficientnet_v2_l": 480}


@pytest.mark.parametrize("name", PUBLISHED)
def test_parameters_and_multiply_adds(name):
    check_published(name, *PUBLISHED[name], side=NATIVE[name])


@pytest.mark.parametrize("key", keys("efficientnet_v2"))
def test_every_layer_as_torchvision_runs_it(key):
    ours, torchvision = measured(key)
    assert ours == torchvision


def test_measured_at_two_sizes():
    assert set(keys("efficientnet_v2")) == \
        {f"{n}@{s}" for n in PUBLISHED for s in (NATIVE[n], 225)}


def test_fused_and_plain_mbconv():
    # efficientnet_v2_s (Tan & Le 2021, Table 4; torchvision 0.28): stage 1 Fused-MBConv1 k3x3 24 -> 24 is one
    # 3x3 conv and no project conv; stage 2 Fused-MBConv4: 3x3 conv 24 -> 96 with stride 2, project 96 -> 48;
    # MBConv stages squeeze to max(1, C_in // 4) of the block's input channels
    r = analyze("efficientnet_v2_s")
    names = {x.name for x in r.layers}
    assert r.layer("stage.1.0.fused_conv").params == 24 * 24 * 9 and "stage.1.0.project_conv" not in names
    assert r.layer("stage.2.0.fused_conv").output_shape == (96, 96, 96)
    assert r.layer("stage.2.0.project_conv").output_shape == (48, 96, 96)
    assert r.layer("stage.4.0.se.fc1").output_shape == (64 // 4, 1, 1)
    assert r.layer("stage.4.1.se.fc1").output_shape == (128 // 4, 1, 1)
    assert r.layer("stage.6.14.add").output_shape == (256, 12, 12)
    assert r.layer("head_conv").output_shape == (1280, 12, 12)
    # L's stem has its first stage's 32 channels
    assert analyze("efficientnet_v2_l").layer("stem_conv").output_shape == (32, 240, 240)
