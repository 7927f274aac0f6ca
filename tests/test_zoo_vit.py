"""ViT-B/16, B/32, L/16, L/32 and H/14 against torchvision 0.28 (PyTorch 2.13, weights=None).

Parameters: sum(p.numel() for p in model.parameters()). Multiply-adds, torchvision's convention
(conv, linear and the attention matmuls, no bias adds): PyTorch's FlopCounterMode total / 2 plus
the fused attention FlopCounterMode does not see (2 x heads x L x L x D/heads per encoder layer);
they equal the GFLOPS on torchvision's model pages (vit_b_16: 17.56; conv + linear alone 16.85).
Shapes: forward hooks on every module of torchvision's model, measured at 224 and at image_size 384.
"""

import re

import pytest

import archcost
from archcost.render.explain import explain_layer
from archcost.render.findings import derive

from torchvision_counts import shapes_of, torchvision_macs

# torchvision 0.28: parameters, multiply-adds (torchvision's convention) at 3x224x224
TORCHVISION = {
    "vit_b_16": (86_567_656, 17_563_828_224),
    "vit_b_32": (88_224_232, 4_409_186_304),
    "vit_l_16": (304_326_632, 61_554_712_576),
    "vit_l_32": (306_535_400, 15_377_539_072),
    "vit_h_14": (632_045_800, 167_295_109_120),
}


@pytest.mark.parametrize("name", TORCHVISION)
def test_parameters_and_multiply_adds_equal_torchvision(name):
    r = archcost.analyze(name)
    assert (r.totals.params, torchvision_macs(r)) == TORCHVISION[name]


def test_conv_and_linear_alone_are_16_85_g_and_the_attention_matmuls_the_rest():
    # torchvision 0.28 vit_b_16 under FlopCounterMode with autograd on: conv + linear 16,848,500,736;
    # the fused attention 12 x 2 x 197 x 197 x 768 = 715,327,488
    r = archcost.analyze("vit_b_16", bias_flops=False)
    dense = sum(x.flops for x in r.layers if x.kind in ("conv", "fc"))
    attention = [x for x in r.layers if x.kind == "attention"]
    projections = sum(x.flops for x in attention)
    from archcost.ops import get_op
    matmuls = sum(get_op(x.op).activation_flops(x.attrs, list(x.input_shapes), x.output_shape) for x in attention)
    assert matmuls == 715_327_488
    assert dense + projections - matmuls == 16_848_500_736


@pytest.mark.parametrize("name, image_size, params, macs", [
    # torchvision 0.28 vit_b_16(image_size=384): 86,859,496 parameters (577 x 768 position embedding);
    # FlopCounterMode 49,347,803,136 + fused attention 12 x 2 x 577^2 x 768 = 6,136,547,328
    ("vit_b_16", 384, 86_859_496, 55_484_350_464),
    # torchvision 0.28 vit_b_32(image_size=384): FlopCounterMode 12,656,031,744 + 12 x 2 x 145^2 x 768
    ("vit_b_32", 384, 88_297_192, 13_043_564_544),
])
def test_image_size_moves_the_position_embedding_and_every_count(name, image_size, params, macs):
    r = archcost.analyze(name, settings={"image_size": image_size})
    assert r.input == (3, image_size, image_size)
    assert (r.totals.params, torchvision_macs(r)) == (params, macs)


def _torchvision_name(name):
    """Our layer name -> torchvision's module name (the encoder block's last add is the block)."""
    m = re.fullmatch(r"(encoder_layer_\d+)\.(ln_1|self_attention|ln_2|mlp\.0|mlp\.3|add_2)", name)
    if m:
        return f"encoder.layers.{m[1]}" + ("" if m[2] == "add_2" else f".{m[2]}")
    return {"conv_proj": "conv_proj", "pos_embedding": "encoder.dropout", "encoder.ln": "encoder.ln",
            "heads.head": "heads.head"}.get(name)


def _expected(layers, tokens, side, dim, mlp):
    """torchvision 0.28's hooks: every encoder layer gave the same shapes (checked on all of them)."""
    out = {"conv_proj": (dim, side, side), "encoder.dropout": (tokens, dim), "encoder.ln": (tokens, dim),
           "heads.head": (1000,)}
    for i in range(layers):
        p = f"encoder.layers.encoder_layer_{i}"
        out.update({p: (tokens, dim), f"{p}.ln_1": (tokens, dim), f"{p}.self_attention": (tokens, dim),
                    f"{p}.ln_2": (tokens, dim), f"{p}.mlp.0": (tokens, mlp), f"{p}.mlp.3": (tokens, dim)})
    return out


@pytest.mark.parametrize("name, settings, expected", [
    ("vit_b_16", {}, _expected(12, 197, 14, 768, 3072)),                       # measured at 224
    ("vit_b_16", {"image_size": 384}, _expected(12, 577, 24, 768, 3072)),      # measured, image_size=384
    ("vit_b_32", {"image_size": 384}, _expected(12, 145, 12, 768, 3072)),      # measured, image_size=384
])
def test_every_layer_shape_equals_torchvision(name, settings, expected):
    assert shapes_of(archcost.analyze(name, settings=settings), _torchvision_name) == expected


def test_explain_spells_out_q_k_and_a_v_like_the_lecture_conv():
    text = explain_layer(archcost.analyze("vit_b_16"), "encoder_layer_0.self_attention")
    # L = 197 tokens, D = 768, 12 heads of 64: the 12 x 197 x 197 score matrix, 64 multiply-adds per score
    assert "scores (heads x L x L)         12 x 197 x 197 = 465,708" in text
    assert "Q K^T                          465,708 x 64 = 29,805,312" in text
    assert "A V                            465,708 x 64 = 29,805,312" in text
    assert "197 x 3 x 768 x (768 + 1) = 453,888 x 769 = 349,039,872" in text
    assert "parameters                     1,771,776 + 590,592 = 2,362,368" in text   # torchvision: in_proj + out_proj
    assert "memory (KB)                    151,296 x 4 / 1,024 = 591" in text           # the output, not the scores


def test_findings_say_which_lecture_findings_hold_for_a_transformer_and_why():
    f = derive(archcost.analyze("vit_b_16"))
    memory, params, flops = f.findings
    assert (memory.holds, params.holds, flops.holds) == (False, True, False)
    assert "keep 197 tokens x 768 from the first encoder layer to the last: none downsamples" in memory.statement
    # attention projections 12 x 2,362,368 = 28,348,416 of 86,567,656 parameters
    assert "are fully connected too (32.7%)" in params.statement
    assert "Q K^T and A V, are 715,327,488 multiply-adds" in flops.statement


def test_table_shows_tokens_and_dim():
    from archcost.render.table import render_table
    lines = render_table(archcost.analyze("vit_b_16")).splitlines()
    assert "C/dim in" in lines[3] and "H/W/tok out" in lines[3]
    mlp = next(line.split() for line in lines if line.startswith("encoder_layer_0.mlp.0 "))
    # 197 x 3072 float32 = 2,363.9 KB; 3072 x 768 + 3072 parameters; 197 x 3072 x 769 FLOPs
    assert mlp == ["encoder_layer_0.mlp.0", "768", "197", "tok", "3072", "3072", "197", "tok", "2,364", "2,362", "465"]
