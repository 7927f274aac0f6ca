"""MNASNet 0.5 / 0.75 / 1.0 / 1.3 (specs/mnasnet.yaml) against torchvision 0.28's own models:
parameters, multiply-adds in torchvision's convention (conv + linear, no bias adds) and every
layer's output shape, at 224 and at 193 (torchvision028_layers.py, measured from torchvision 0.28
with tests/measure_torchvision.py)."""

import pytest

from archcost import analyze
from torchvision028_layers import check_published, keys, measured

# torchvision 0.28 model pages: num_params and GFLOPS (exact multiply-adds at 224 x 224);
# Tan et al. 2019 (MnasNet), Table 1: MnasNet-A1 3.9M / 312M, the B1 (no SE) network torchvision builds is larger
PUBLISHED = {
    "mnasnet0_5": (2_218_512, 104_455_968),
    "mnasnet0_75": (3_170_208, 215_493_104),
    "mnasnet1_0": (4_383_312, 314_415_872),
    "mnasnet1_3": (6_282_256, 526_362_432),
}


@pytest.mark.parametrize("name", PUBLISHED)
def test_parameters_and_multiply_adds(name):
    check_published(name, *PUBLISHED[name])


@pytest.mark.parametrize("key", keys("mnasnet"))
def test_every_layer_as_torchvision_runs_it(key):
    ours, torchvision = measured(key)
    assert ours == torchvision


def test_measured_at_two_sizes():
    assert set(keys("mnasnet")) == {f"{n}@{s}" for n in PUBLISHED for s in (224, 193)}


def test_alpha_rounds_channels_as_torchvision():
    # torchvision's _round_to_multiple_of(c x alpha, 8): alpha 0.75: stem 32 x 0.75 = 24, stack3 80 x 0.75 = 60
    # -> 64; alpha 1.3: stack6 320 x 1.3 = 416; the 1280-channel head is never scaled
    r = analyze("mnasnet0_75")
    assert r.layer("conv1").output_shape == (24, 112, 112)
    assert r.layer("stack3.0.project").output_shape == (64, 14, 14)
    r = analyze("mnasnet1_3")
    assert r.layer("stack6.0.project").output_shape == (416, 7, 7)
    assert r.layer("conv2").output_shape == (1280, 7, 7)
    # stack1 of MNASNet 1.0: 16 -> 48 (expansion 3), depthwise 3x3 stride 2, 48 -> 24; no residual in block 0
    r = analyze("mnasnet1_0")
    assert r.layer("stack1.0.dwconv").params == 48 * 9
    assert "stack1.0.add" not in {x.name for x in r.layers} and r.layer("stack1.1.add").output_shape == (24, 56, 56)
