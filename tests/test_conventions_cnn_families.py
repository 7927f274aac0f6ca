"""Each tool's total on MNASNet, RegNet and EfficientNetV2 reproduced exactly by its convention.

Measured once on torchvision 0.28.0's model (weights=None, eval mode, batch 1; 224 x 224, and
384 x 384 for efficientnet_v2_s, its model page's size) with torch 2.13.0 (CPU), as
tests/test_conventions.py describes: torch.utils.flop_counter.FlopCounterMode total // 2
(torchvision's model pages), fvcore 0.1.5 FlopCountAnalysis(...).total(), thop 0.1.1
profile(...)[0], ptflops 0.7.5 get_model_complexity_info(..., backend="pytorch")[0] with its
defaults, torchinfo 1.8.0 summary(...).total_mult_adds.
"""

import pytest

import archcost

TOOLS = ("torchvision", "fvcore", "thop", "ptflops", "torchinfo")

MEASURED = {   # network: (torchvision, fvcore 0.1.5, thop 0.1.1, ptflops 0.7.5, torchinfo 1.8.0)
    "mnasnet0_5": (104_455_968, 110_586_848, 116_717_728, 115_966_088, 104_477_592),
    "mnasnet1_0": (314_415_872, 325_329_152, 336_242_432, 334_926_312, 314_454_792),
    "regnet_x_400mf": (413_812_608, 420_179_472, 426_527_136, 426_144_360, 413_851_464),
    "regnet_y_400mf": (401_842_848, 410_406_088, 418_183_352, 418_388_672, 401_876_208),
    "efficientnet_v2_s": (8_365_617_152, 8_446_985_216, 8_518_481_088, 8_488_476_440, 8_365_807_216),
}


@pytest.mark.parametrize("network", sorted(MEASURED))
def test_each_tool_on_the_new_cnn_families(network):
    got = {tool: archcost.analyze(network, convention=tool).totals.flops for tool in TOOLS}
    assert got == dict(zip(TOOLS, MEASURED[network]))


def test_mnasnet_global_pool_is_a_method_call():
    # torchvision's MNASNet classifier reads x.mean([2, 3]): fvcore 0.1.5 has no aten::mean handle, thop 0.1.1
    # and ptflops 0.7.5 see no module; counted as a module it would add 1280 x 7 x 7 = 62,720 to fvcore's total
    pool = {c: archcost.analyze("mnasnet1_0", convention=c).layer("avgpool").flops for c in TOOLS[1:4]}
    assert pool == {"fvcore": 0, "thop": 0, "ptflops": 0}
    assert archcost.analyze("mnasnet1_0").layer("avgpool").flops == 62_720   # the lecture counts every input


@pytest.mark.parametrize("network, params, macs", [
    # REFERENCES.md (torchvision 0.28's model code): parameters and torchvision's multiply-adds
    ("mnasnet0_75", 3_170_208, 215_493_104), ("mnasnet1_3", 6_282_256, 526_362_432),
    ("regnet_x_32gf", 107_811_560, 31_735_929_792), ("regnet_y_32gf", 145_046_770, 32_279_552_832),
    ("efficientnet_v2_m", 54_139_356, 24_582_460_384), ("efficientnet_v2_l", 118_515_272, 56_079_699_008)])
def test_torchvision_convention_equals_the_model_pages(network, params, macs):
    t = archcost.analyze(network, convention="torchvision").totals
    assert (t.params, t.flops) == (params, macs)
