"""Every tool's FLOP convention on the transformers (ViT, Swin v1 and v2) and ConvNeXt, reproduced exactly.

MEASURED holds what each tool printed, measured once on torchvision 0.28.0's model (weights=None, eval
mode, batch 1, grad mode on as in the tools' own examples, the zoo's input) with torch 2.13.0 (CPU),
as tests/test_conventions.py says for the CNNs; calflops 0.3.2 is calculate_flops(model,
input_shape=(1, 3, H, W))'s MACs. Under torch.no_grad() nn.MultiheadAttention takes its fused fast
path (aten::_native_multi_head_attention) and fvcore / calflops see ViT's projections no more
(vit_b_16: calflops 11,271,124,992): these figures are the grad-mode ones.
"""

import pytest

import archcost
from archcost.counting import CONVENTIONS
from archcost.reconcile import reconcile

TOOLS = ("torchvision", "fvcore", "thop", "ptflops", "torchinfo", "calflops")

MEASURED = {   # network: (torchvision, fvcore 0.1.5, thop 0.1.1, ptflops 0.7.5, torchinfo 1.8.0, calflops 0.3.2)
    "vit_b_16": (17_563_828_224, 16_867_412_736, 11_286_254_592, 17_606_030_584, 173_232_616, 16_848_500_736),
    "swin_t": (4_490_566_656, 4_509_232_128, 2_978_099_712, 3_128_183_416, 34_368_232, 4_490_566_656),
    "swin_v2_t": (5_939_690_496, 5_962_349_568, 3_906_813_696, 4_045_391_848, 38_970_472, 5_820_152_832),
    "convnext_tiny": (4_455_531_264, 4_470_437_376, 4_464_149_760, 4_488_347_368, 322_371_592, 4_455_531_264),
}

# torchvision 0.28's model pages (GFLOPS = multiply-adds of conv, linear and attention's matmuls, no
# bias), measured exactly as /work/shared REFERENCES: FlopCounterMode / 2 + the fused attention
TORCHVISION = {
    "vit_b_16": 17_563_828_224, "vit_b_32": 4_409_186_304, "vit_l_16": 61_554_712_576,
    "vit_l_32": 15_377_539_072, "vit_h_14": 167_295_109_120,
    "swin_t": 4_490_566_656, "swin_s": 8_740_875_264, "swin_b": 15_430_946_816,
    "swin_v2_t": 5_939_690_496, "swin_v2_s": 11_545_857_024, "swin_v2_b": 20_325_134_336,
    "convnext_tiny": 4_455_531_264, "convnext_small": 8_683_712_256, "convnext_base": 15_354_729_472,
    "convnext_large": 34_361_433_600,
}


@pytest.mark.parametrize("network", sorted(MEASURED))
def test_each_tool_s_total_on_the_transformers(network):
    got = tuple(archcost.analyze(network, convention=c).totals.flops for c in TOOLS)
    assert got == MEASURED[network]


@pytest.mark.parametrize("network", sorted(TORCHVISION))
def test_torchvision_convention_is_the_model_page(network):
    assert archcost.analyze(network, convention="torchvision").totals.flops == TORCHVISION[network]


def test_calflops_agrees_with_torchvision_on_cnns():
    # calflops 0.3.2 MACs (tests/test_conventions.py's docstring): resnet50 4,089,184,256, mobilenet_v2
    # 300,774,272, efficientnet_b0 385,814,752, shufflenet_v2_x1_0 144,907,992
    for net, macs in (("resnet50", 4_089_184_256), ("mobilenet_v2", 300_774_272),
                      ("efficientnet_b0", 385_814_752), ("shufflenet_v2_x1_0", 144_907_992)):
        assert archcost.analyze(net, convention="calflops").totals.flops == macs, net


def test_the_blind_spots_are_the_attention():
    # ViT-B/16: conv + linear alone 16,848,500,736 (FlopCounterMode without the fused attention);
    # the difference to torchvision's 17.56 G is Q K^T and A V: 12 x 2 x 12 x 197 x 197 x 64 = 715,327,488
    vit = archcost.analyze("vit_b_16", convention="calflops")
    tv = archcost.analyze("vit_b_16", convention="torchvision")
    assert tv.totals.flops - vit.totals.flops == 715_327_488
    att = "encoder_layer_0.self_attention"
    assert (tv.layer(att).flops, vit.layer(att).flops) == (4 * 197 * 768 * 768 + 59_610_624, 4 * 197 * 768 * 768)
    # torchinfo 1.8.0: an nn.Linear counts its parameters once, attention 0: 0.17 G
    info = archcost.analyze("vit_b_16", convention="torchinfo")
    assert info.layer(att).flops == 0 and info.layer("encoder_layer_0.mlp.0").flops == 768 * 3072 + 3072
    # thop 0.1.1 and ptflops 0.7.5 see no Swin projection (F.linear): ptflops counts its matmuls and softmax
    swin = "features.1.0.attn"
    assert archcost.analyze("swin_t", convention="thop").layer(swin).flops == 0
    assert archcost.analyze("swin_t", convention="ptflops").layer(swin).flops == 2 * 64 * 3 * 49 * 49 * 32 + 64 * 3 * 49 * 49


def test_every_convention_describes_its_attention():
    for name in ("fvcore", "thop", "ptflops", "torchinfo", "calflops"):
        text = CONVENTIONS[name].description
        assert "attention" in text.lower() or "MultiheadAttention" in text, name
    assert "0.17 G" in CONVENTIONS["torchinfo"].description


def test_reconcile_vit_names_the_tools_blind_spots():
    # each tool's difference from torchvision's figure, by op, with the tool's reason
    r = {c.name: c for c in reconcile("vit_b_16").conventions}
    assert (r["torchvision"].total, r["calflops"].total) == (17_563_828_224, 16_848_500_736)
    (att,) = r["calflops"].items
    assert (att.op, att.layers, att.difference) == ("attention", 12, -715_327_488)
    assert "scaled_dot_product_attention" in att.why
    info = {d.op: d.difference for d in r["torchinfo"].items}
    assert info["attention"] == -12 * (4 * 197 * 768 * 768 + 59_610_624)   # all of attention, projections too


def _figure(network, source_part, quantity):
    (found,) = [f for f in reconcile(network).figures if source_part in f.source and f.quantity == quantity]
    return found


def test_the_papers_tables_beside_torchvision():
    # Dosovitskiy et al. 2021 Table 1: 86M / 307M / 632M, one count per model size; torchvision 0.28's
    # ViT-L/16 has 304,326,632 (its 16 x 16 patches: 2,359,296 fewer embedding weights than ViT-L/32's 306,535,400)
    assert _figure("vit_b_16", "Dosovitskiy", "params").status == "agrees"
    f = _figure("vit_l_16", "Dosovitskiy", "params")
    assert (f.ours, f.status) == (304_326_632, "explained") and "2,359,296" in f.note
    assert _figure("vit_l_32", "Dosovitskiy", "params").status == "agrees"
    assert _figure("vit_h_14", "Dosovitskiy", "params").ours == 632_045_800
    # Liu et al. 2021 Table 1 (Swin-T 28M, 4.5G) and Liu et al. 2022 Table 1 (ConvNeXt-T 29M, 4.5G)
    assert _figure("swin_t", "Liu et al. 2021", "flops").ours == 4_490_566_656
    assert _figure("convnext_tiny", "Liu et al. 2022", "params").status == "agrees"
    assert _figure("swin_v2_t", "torchvision", "flops").ours == 5_939_690_496


@pytest.mark.parametrize("network, options, measured", [
    # swin_t at 200 x 200, which torchvision pads to window multiples inside each attention (56 -> 50 -> ...)
    ("swin_t", {"input": (3, 200, 200)}, (4_104_781_056, 2_574_282_240, 2_723_015_800, 31_376_488, 4_089_283_584)),
    # vit_b_16(image_size=384): 577 tokens, the position embedding follows
    ("vit_b_16", {"settings": {"image_size": 384}},
     (49_403_195_136, 33_056_351_232, 55_639_531_384, 397_657_576, 49_347_803_136)),
])
def test_each_tool_at_another_input_size(network, options, measured):
    # measured as the module docstring says, at that input: fvcore 0.1.5, thop 0.1.1, ptflops 0.7.5,
    # torchinfo 1.8.0, calflops 0.3.2
    got = tuple(archcost.analyze(network, convention=c, **options).totals.flops for c in TOOLS[1:])
    assert got == measured
