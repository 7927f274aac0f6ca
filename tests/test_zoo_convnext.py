"""ConvNeXt-T, S, B and L against torchvision 0.28 (PyTorch 2.13, weights=None).

Parameters: sum(p.numel() for p in model.parameters()); multiply-adds under torchvision's
convention (conv and linear, no bias adds): FlopCounterMode's total / 2, equal to the GFLOPS
of torchvision's model pages (convnext_tiny 4.46). Shapes: forward hooks on every module, at 224
and at 200 (measured; tests/data/torchvision_shapes.json).
"""

import pytest

import archcost
from archcost.errors import ArchcostError

from torchvision_counts import assert_shapes_equal_torchvision, torchvision_macs

TORCHVISION = {   # parameters, multiply-adds at 3x224x224
    "convnext_tiny": (28_589_128, 4_455_531_264),
    "convnext_small": (50_223_688, 8_683_712_256),
    "convnext_base": (88_591_464, 15_354_729_472),
    "convnext_large": (197_767_336, 34_361_433_600),
}


@pytest.mark.parametrize("name", TORCHVISION)
def test_parameters_and_multiply_adds_equal_torchvision(name):
    r = archcost.analyze(name)
    assert (r.totals.params, torchvision_macs(r)) == TORCHVISION[name]
    assert_shapes_equal_torchvision(r, f"{name}@224")


def test_at_200_every_shape_and_count_follows_torchvision():
    # torchvision 0.28 convnext_tiny on 3x200x200: FlopCounterMode 6,738,048,384 / 2
    r = archcost.analyze("convnext_tiny", settings={"resolution": 200})
    assert (r.totals.params, torchvision_macs(r)) == (28_589_128, 3_369_024_192)
    assert_shapes_equal_torchvision(r, "convnext_tiny@200")


def test_block_goes_channels_last_and_back():
    r = archcost.analyze("convnext_tiny")
    # torchvision's CNBlock: Permute([0, 2, 3, 1]) before the LayerNorm and Linear layers, back after
    assert [r.layer(f"features.1.0.{n}").layout for n in ("block.0", "block.1", "block.3", "block.6")] == \
        ["CHW", "HWC", "HWC", "CHW"]
    # layer scale: one parameter per channel (torch.ones(dim, 1, 1)), folded into the permute's row
    row = next(x for x in r.rows() if x.name == "features.1.0.block.6")
    assert row.folded == ("features.1.0.layer_scale", "features.1.0.stochastic_depth") and row.params == 96


def test_a_conv_on_channels_last_says_which_permute_fixes_it(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: bad\ninput: [3, 32, 32]\nlayers:\n"
                    "  - {name: last, op: permute, dims: [1, 2, 0]}\n"
                    "  - {name: conv, op: conv, out: 8, kernel: 3}\n")
    with pytest.raises(ArchcostError, match=r"layer 'conv': op 'conv' reads C x H x W, got H x W x C "
                                            r"\(channels last\) \(32x32x3\); add a permute layer with dims \[2, 0, 1\]"):
        archcost.analyze(str(spec))
