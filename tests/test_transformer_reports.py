"""Every report works on the transformers: compare, sweep, worksheets, the table's layout columns."""

import archcost
from archcost.render.compare import load_networks, render_compare
from archcost.render.parts import budget, stage_label, stages
from archcost.sweep import sweep


def test_depth_counts_attention_as_a_weight_layer():
    # torchvision 0.28 vit_b_16: conv_proj, 12 x (self_attention, mlp.0, mlp.3), heads.head on the longest path
    assert budget(archcost.analyze("vit_b_16").layers).depth == 1 + 12 * 3 + 1
    # swin_t: patch embedding conv, 12 blocks x (attn, mlp.0, mlp.3), 3 patch-merging reductions, head
    assert budget(archcost.analyze("swin_t").layers).depth == 1 + 12 * 3 + 3 + 1


def test_stages_of_a_vit_are_the_patch_map_then_the_token_sequences():
    labels = [stage_label(k) for k in stages(archcost.analyze("vit_b_16").layers)]
    # 224 / 16 = 14 x 14 patches (torchvision's conv_proj), 196 tokens, 197 with the class token
    assert labels == ["14", "197 tok", "196 tok", "vector"]
    # swin_t: its channels-last maps 56, 28, 14, 7 (torchvision features.1 .. features.7), the 1x1 pool
    assert [stage_label(k) for k in stages(archcost.analyze("swin_t").layers)] == ["56", "28", "14", "7", "1", "vector"]


def test_compare_ranks_resnet50_against_the_transformers():
    text = render_compare(load_networks(["resnet50", "vit_b_16", "swin_t", "convnext_tiny"]), show_stages=False)
    # torchvision 0.28 parameters: 25,557,032 / 86,567,656 / 28,288,354 / 28,589,128
    assert "params                     resnet50  swin_t         convnext_tiny  vit_b_16" in text


def test_sweep_over_swin_resolutions_equals_one_analysis_per_side():
    variants = sweep("swin_t", ["resolution=224,232,256"])
    for v in variants:
        r = archcost.analyze("swin_t", settings={"resolution": v.input[1]})
        assert (v.params, v.flops) == (r.totals.params, r.totals.flops)


def test_worksheet_key_reads_tokens(tmp_path):
    from archcost.worksheet.table import _exact
    r = archcost.analyze("vit_b_16")
    x = r.layer("encoder_layer_0.mlp.0")
    assert (_exact(x, "c_out"), _exact(x, "hw_out")) == (3072, "197 tok")
    y = archcost.analyze("swin_t").layer("features.1.0.attn")   # channels last: 56 x 56 x 96
    assert (_exact(y, "c_out"), _exact(y, "hw_out")) == (96, 56)


def test_ops_name_shows_layouts_attributes_and_the_torchvision_part():
    from archcost.render.ops import render_ops
    text = render_ops(["window_attention", "layernorm2d"])
    assert "\ninputs: 1; reads H x W x C (channels last)\n" in text
    assert "  window      required    window size M or [M_h, M_w]\n" in text
    assert "\ninputs: 1; reads C x H x W\n" in text
    assert "torchvision's convention counts: 0 (not counted)" in text   # layer norm: torchvision counts no norm
    assert "torchvision's convention counts: macs + matmuls + cpb_macs" in text   # window attention
    assert render_ops().splitlines()[0].split() == ["adaptiveavgpool", "pool", "average", "pooling", "to", "a",
                                                    "fixed", "output", "size", "(torch's", "AdaptiveAvgPool2d)"]


def test_findings_give_each_family_its_own_reason():
    from archcost.render.findings import derive
    # Swin halves its map per stage (torchvision: features.1 at 56, features.7 at 7): memory is early again
    memory = derive(archcost.analyze("swin_t")).findings[0]
    assert "the map shrinks stage after stage, so the memory concentrates early" in memory.statement
    # ConvNeXt's pointwise convs are torchvision nn.Linear layers over channels-last maps (block.3, block.5)
    flops = derive(archcost.analyze("convnext_tiny")).findings[2]
    assert not flops.holds and "36 of the fully-connected layers are 1x1 convolutions" in flops.statement
    # MaxViT's head reads its global pool (classifier.0: 512x7x7 -> 512): its linear 512 x 512 + 512
    params = derive(archcost.analyze("maxvit_t")).findings[1]
    assert "classifier.0 averages each 512x7x7 map to 512x1x1, so classifier.3 sees 512 inputs and has " \
           "262,656 parameters; on the flattened 512x7x7 map it would have 12,845,568" in params.statement
