"""MaxViT-T against torchvision 0.28 (PyTorch 2.13, weights=None).

Parameters: sum(p.numel() for p in model.parameters()); multiply-adds under torchvision's
convention (convs, linear layers and the attention einsums Q K^T and A V, no bias adds):
FlopCounterMode's total / 2, equal to the 5.56 GFLOPS of torchvision's model page. Shapes: forward
hooks on every module at 224 and at 448 (torchvision's input_size=(448, 448); 256 is refused because
its maps do not divide by 7).
"""

import pytest

import archcost
from archcost.errors import ArchcostError

from torchvision_counts import assert_shapes_equal_torchvision, torchvision_macs

# torchvision modules that are not layers of ours: the attention's own linear layers (inside our
# attention), and nn.Identity leaves: block attention's swaps (only grid attention swaps) and the
# shortcut of an MBConv that keeps its stride and width (its input itself)
INSIDE = [r"attn_layer\.1\.(to_qkv|merge)$", r"window_attention\.(partition|departition)_swap$",
          r"MBconv\.proj$"]


@pytest.mark.parametrize("side, macs", [(224, 5_558_046_720), (448, 22_224_506_880)])
def test_parameters_multiply_adds_and_shapes_equal_torchvision(side, macs):
    r = archcost.analyze("maxvit_t", settings={"resolution": side})
    assert (r.totals.params, torchvision_macs(r)) == (30_919_624, macs)
    assert_shapes_equal_torchvision(r, f"maxvit_t@{side}", inside=INSIDE)


def test_block_and_grid_attention_see_49_tokens_per_group():
    r = archcost.analyze("maxvit_t")
    # torchvision: window partition_op [64, 49, 64]; grid partition_op [49, 64, 64] swapped to [64, 49, 64]
    w = r.layer("blocks.0.layers.0.layers.window_attention.attn_layer.1")
    g = r.layer("blocks.0.layers.0.layers.grid_attention.partition_op")
    assert (w.output_shape, w.layout, g.output_shape, g.layout) == ((64, 49, 64), "GLD", (49, 64, 64), "LGD")
    # torchvision RelativePositionalMultiHeadAttention(64, 32, 49): to_qkv 64 x 192 + 192, merge 64 x 64 + 64,
    # the 13 x 13 x 2 relative position bias table
    assert w.params == 64 * 192 + 192 + 64 * 64 + 64 + 13 * 13 * 2


def test_a_map_that_does_not_divide_by_the_window_is_refused_as_torchvision_refuses_it():
    # torchvision 0.28 maxvit_t(input_size=(256, 256)) raises: block input sizes 64, 32, 16, 8 are not multiples of 7
    with pytest.raises(ArchcostError, match="cannot be cut into 7 x 7 windows"):
        archcost.analyze("maxvit_t", settings={"resolution": 256})
