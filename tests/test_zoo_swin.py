"""Swin-T, S, B (v1) and Swin-V2-T, S, B against torchvision 0.28 (PyTorch 2.13, weights=None).

Parameters: sum(p.numel() for p in model.parameters()); multiply-adds under torchvision's
convention (conv, linear, the attention matmuls Q K^T and A V, and v2's position-bias MLP, no bias
adds): FlopCounterMode's total / 2, equal to the GFLOPS of torchvision's model pages (swin_t 4.49).
Shapes: forward hooks on every module, at the native size and at 200, which is not a multiple of
the window: torchvision pads 50 -> 56, 25 -> 28 (v2: 32), 13 -> 14 (16) inside the attention.
"""

import pytest

import archcost
from archcost.ops import get_op

from torchvision_counts import assert_shapes_equal_torchvision, torchvision_macs

TORCHVISION = {   # parameters, multiply-adds, native side
    "swin_t": (28_288_354, 4_490_566_656, 224),
    "swin_s": (49_606_258, 8_740_875_264, 224),
    "swin_b": (87_768_224, 15_430_946_816, 224),
    "swin_v2_t": (28_351_570, 5_939_690_496, 256),
    "swin_v2_s": (49_737_442, 11_545_857_024, 256),
    "swin_v2_b": (87_930_848, 20_325_134_336, 256),
}
CPB_MLP = [r"\.attn\.cpb_mlp\."]   # v2's position-bias MLP runs inside our window_attention op


@pytest.mark.parametrize("name", TORCHVISION)
def test_parameters_multiply_adds_and_shapes_equal_torchvision(name):
    params, macs, side = TORCHVISION[name]
    r = archcost.analyze(name)
    assert r.input == (3, side, side)
    assert (r.totals.params, torchvision_macs(r)) == (params, macs)
    assert_shapes_equal_torchvision(r, f"{name}@{side}", inside=CPB_MLP)


@pytest.mark.parametrize("name, macs", [
    ("swin_t", 4_089_283_584),      # torchvision 0.28 swin_t on 3x200x200: FlopCounterMode / 2
    ("swin_v2_t", 4_537_181_184),   # torchvision 0.28 swin_v2_t on 3x200x200
])
def test_a_side_that_is_not_a_window_multiple_is_padded_as_torchvision_pads_it(name, macs):
    r = archcost.analyze(name, settings={"resolution": 200})
    assert (r.totals.params, torchvision_macs(r)) == (TORCHVISION[name][0], macs)
    assert_shapes_equal_torchvision(r, f"{name}@200", inside=CPB_MLP)


def test_window_attention_params_follow_torchvision_modules():
    # torchvision 0.28: sum of the parameters of ShiftedWindowAttention(96, [7, 7], [0, 0], 3) (qkv, proj,
    # the 13 x 13 x 3 relative position bias table) and of ShiftedWindowAttentionV2(96, [8, 8], [0, 0], 3)
    # (qkv, proj, cpb_mlp, logit_scale)
    att = get_op("window_attention")
    v1 = att.coerce({"heads": 3, "window": 7})
    v2 = att.coerce({"heads": 3, "window": 8, "v2": True})
    assert att.params(v1, [(56, 56, 96)], (56, 56, 96)) == 37_755
    assert att.params(v2, [(64, 64, 96)], (64, 64, 96)) == 40_323


def test_explain_shows_the_padding_and_the_windows():
    from archcost.render.explain import explain_layer
    text = " ".join(explain_layer(archcost.analyze("swin_t", settings={"resolution": 200}), "features.1.0.attn").split())
    # 200 / 4 = 50 per side, padded to 56 = 8 x 7: 64 windows of 49 tokens, 3 heads of 32
    assert "padded H 50 + (7 - 50 mod 7) mod 7 = 50 + 6 = 56" in text
    assert "windows 56 / 7 x 56 / 7 = 8 x 8 = 64" in text
    assert "scores (windows x heads x L x L) 64 x 3 x 7 x 7 x 7 x 7 = 9,408 x 49 = 460,992" in text
    assert "Q K^T 460,992 x 32 = 14,751,744" in text
