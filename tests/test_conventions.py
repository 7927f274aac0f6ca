"""FLOP counting conventions: each tool's total reproduced exactly, and the conventions' own rules.

MEASURED holds what each tool printed, measured once on torchvision 0.28.0's model (weights=None,
eval mode, batch 1, the zoo's input for the network) with torch 2.13.0 (CPU):

- torchvision: torch.utils.flop_counter.FlopCounterMode(...).get_total_flops() // 2, the multiply-adds
  behind torchvision's model pages (meta '_ops'); calflops 0.3.2 calculate_flops(...)'s MACs agree
  (resnet50 4,089,184,256; mobilenet_v2 300,774,272; efficientnet_b0 385,814,752;
  shufflenet_v2_x1_0 144,907,992);
- fvcore 0.1.5: FlopCountAnalysis(model, (x,)).total();
- thop 0.1.1: profile(model, inputs=(x,))[0];
- ptflops 0.7.5: get_model_complexity_info(model, (3, H, W), as_strings=False,
  print_per_layer_stat=False, backend="pytorch")[0] (count_functional=True, its default);
- torchinfo 1.8.0: summary(model, input_size=(1, 3, H, W)).total_mult_adds.

(GoogLeNet and Inception-v3 built with aux_logits=False: eval mode never runs the auxiliary heads.)
"""

import json

import pytest
from click.testing import CliRunner

import archcost
from archcost.cli import cli
from archcost.counting import CONVENTIONS, layer_flops
from archcost.errors import ArchcostError
from archcost.ops import Attr, Op, get_op
from archcost.ops.base import REGISTRY

TOOLS = ("torchvision", "fvcore", "thop", "ptflops", "torchinfo")

MEASURED = {   # network: (torchvision, fvcore, thop, ptflops, torchinfo), measured as the module docstring says
    "resnet50": (4_089_184_256, 4_111_512_576, 4_133_742_592, 4_132_436_968, 4_089_238_376),
    "resnet18": (1_814_073_344, 1_819_065_856, 1_824_033_792, 1_825_313_768, 1_814_083_944),
    "resnet34": (3_663_761_408, 3_671_262_720, 3_678_739_456, 3_680_019_432, 3_663_779_432),
    "resnet101": (7_801_405_440, 7_833_969_664, 7_866_435_584, 7_865_129_960, 7_801_511_784),
    "resnet152": (11_513_626_624, 11_558_835_200, 11_603_945_472, 11_602_639_848, 11_513_779_048),
    "resnext50_32x4d": (4_230_479_872, 4_259_381_248, 4_288_184_320, 4_286_878_696, 4_230_549_096),
    "resnext101_32x8d": (16_414_015_488, 16_476_534_784, 16_538_955_776, 16_537_650_152, 16_414_219_368),
    "wide_resnet50_2": (11_398_021_120, 11_426_922_496, 11_455_725_568, 11_454_419_944, 11_398_090_344),
    "wide_resnet101_2": (22_753_050_624, 22_795_599_872, 22_838_050_816, 22_836_745_192, 22_753_189_480),
    "alexnet_torchvision": (714_188_480, 714_197_696, 714_206_912, 716_441_128, 714_682_664),
    "vgg11": (7_609_090_048, 7_609_115_136, 7_609_140_224, 7_643_686_888, 7_616_525_288),
    "vgg13": (11_308_466_176, 11_308_491_264, 11_308_516_352, 11_357_513_704, 11_320_718_312),
    "vgg16": (15_470_264_320, 15_470_289_408, 15_470_314_496, 15_523_225_576, 15_483_821_032),
    "vgg19": (19_632_062_464, 19_632_087_552, 19_632_112_640, 19_688_937_448, 19_646_923_752),
    "vgg11_bn": (7_609_090_048, 7_623_967_232, 7_638_844_416, 7_658_538_984, 7_616_530_792),
    "vgg13_bn": (11_308_466_176, 11_332_977_152, 11_357_488_128, 11_381_999_592, 11_320_724_200),
    "vgg16_bn": (15_470_264_320, 15_497_384_448, 15_524_504_576, 15_550_320_616, 15_483_829_480),
    "vgg19_bn": (19_632_062_464, 19_661_791_744, 19_691_521_024, 19_718_641_640, 19_646_934_760),
    "googlenet_bn": (1_498_376_192, 1_504_878_688, 1_511_332_032, 1_513_907_448, 1_498_391_752),
    "inception_v3": (5_713_216_096, 5_731_282_144, 5_749_219_168, 5_747_660_552, 5_713_251_528),
    "densenet121": (2_834_161_664, 2_865_546_752, 2_897_007_104, 2_899_843_048, 2_834_246_312),
    "densenet161": (7_727_907_072, 7_786_843_488, 7_845_841_056, 7_850_193_256, 7_728_128_008),
    "densenet169": (3_359_843_328, 3_397_970_816, 3_436_117_120, 3_438_996_968, 3_360_002_728),
    "densenet201": (4_291_365_888, 4_340_870_784, 4_390_381_952, 4_393_349_608, 4_291_595_944),
    "mobilenet_v2": (300_774_272, 314_193_216, 327_486_720, 320_300_008, 300_809_384),
    "mobilenet_v3_large": (216_589_760, 226_033_824, 234_838_456, 231_316_416, 216_621_520),
    "mobilenet_v3_small": (56_510_400, 59_649_536, 62_477_944, 60_910_032, 56_527_424),
    "squeezenet1_0": (818_924_576, 819_093_576, 819_094_576, 836_821_960, 823_270_824),
    "squeezenet1_1": (349_151_936, 349_320_936, 349_321_936, 359_982_728, 351_741_288),
    "shufflenet_v2_x0_5": (40_476_448, 42_524_256, 44_572_064, 44_770_632, 40_485_400),
    "shufflenet_v2_x1_0": (144_907_992, 148_808_392, 152_708_792, 152_387_568, 144_925_172),
    "shufflenet_v2_x1_5": (295_759_392, 301_294_432, 306_829_472, 306_049_608, 295_783_832),
    "shufflenet_v2_x2_0": (583_253_464, 590_741_448, 598_229_432, 596_929_776, 583_288_180),
    "efficientnet_b0": (385_814_752, 401_659_392, 415_145_024, 410_196_896, 385_867_108),
    "efficientnet_b1": (686_802_832, 712_732_416, 734_485_616, 726_705_368, 686_880_040),
    "efficientnet_b2": (993_561_872, 1_026_579_120, 1_054_228_160, 1_044_413_452, 993_645_850),
    "efficientnet_b3": (1_827_141_392, 1_883_903_568, 1_931_544_800, 1_914_414_728, 1_827_249_768),
    "efficientnet_b4": (4_393_771_024, 4_512_495_200, 4_611_442_840, 4_577_005_104, 4_393_926_264),
    "efficientnet_b5": (10_266_384_752, 10_505_072_320, 10_702_745_216, 10_634_854_184, 10_266_598_808),
    "efficientnet_b6": (19_067_593_536, 19_472_062_160, 19_806_794_536, 19_691_902_448, 19_067_871_568),
    "efficientnet_b7": (37_745_884_192, 38_449_437_600, 39_029_240_928, 38_832_701_672, 37_746_269_112),
}


@pytest.mark.parametrize("network", sorted(MEASURED))
def test_each_convention_reproduces_its_tool_exactly(network):
    got = tuple(archcost.analyze(network, convention=tool).totals.flops for tool in TOOLS)
    assert dict(zip(TOOLS, got)) == dict(zip(TOOLS, MEASURED[network]))


def test_resnet50_figures_of_the_issue():
    # torchvision's model page 4.089 GFLOPS; fvcore 0.1.5 4,111,512,576 (the issue's measured figures)
    assert archcost.analyze("resnet50", convention="torchvision").totals.flops == 4_089_184_256
    assert archcost.analyze("resnet50", convention="fvcore").totals.flops == 4_111_512_576


def test_no_bias_flops_is_the_lecture_without_the_bias_and_matches_no_tool():
    # the issue: --no-bias-flops gave 4,107,724,288 for resnet50, neither torchvision's nor fvcore's figure
    r = archcost.analyze("resnet50", bias_flops=False)
    assert r.totals.flops == 4_107_724_288
    assert r.totals.flops not in MEASURED["resnet50"]
    assert archcost.analyze("resnet50").totals.flops - r.totals.flops == 1000   # the fc's 1,000 bias adds


def test_count_flops_doubles_every_layer():
    # VGG-16: torchvision's 15.47 GFLOPS page figure is multiply-adds; papers that count FLOPs print twice that
    macs = archcost.analyze("vgg16", convention="torchvision")
    flops = archcost.analyze("vgg16", convention="torchvision", count="flops")
    assert flops.totals.flops == 2 * macs.totals.flops == 2 * 15_470_264_320
    assert [x.flops for x in flops.layers] == [2 * x.flops for x in macs.layers]


def test_batch_norm_under_each_convention():
    # ResNet-50 bn1 (64 x 112 x 112 = 802,816 elements): lecture 1 per element, fvcore 2 (batchnorm_flop_jit,
    # eval, affine), thop 4 (count_normalization), ptflops 2 (bn_flops_counter_hook), torchinfo its 128 params
    r = {c: archcost.analyze("resnet50", convention=c).layer("bn1").flops for c in CONVENTIONS}
    assert r == {"lecture": 802_816, "torchvision": 0, "fvcore": 1_605_632, "thop": 3_211_264,
                 "ptflops": 1_605_632, "torchinfo": 128, "calflops": 0}


def test_ptflops_counts_a_relu_module_twice_and_a_functional_relu_once():
    # ptflops 0.7.5: nn.ReLU's hook + the patched F.relu its forward calls; torchvision's GoogLeNet calls F.relu
    resnet = archcost.analyze("resnet50", convention="ptflops").layer("relu")   # the stem ReLU, 64 x 112 x 112
    googlenet = archcost.analyze("googlenet_bn", convention="ptflops").layer("conv1.relu")
    assert (resnet.flops, googlenet.flops) == (2 * 802_816, 802_816)


def test_fvcore_and_thop_skip_what_they_cannot_see():
    # ShuffleNetV2's global pool is x.mean([2, 3]): aten::mean has no fvcore handle, and it is no nn.Module for thop
    r = {c: archcost.analyze("shufflenet_v2_x1_0", convention=c).layer("globalpool").flops for c in ("fvcore", "thop")}
    assert r == {"fvcore": 0, "thop": 0}
    # MobileNetV2's F.adaptive_avg_pool2d: fvcore counts its 1280 x 7 x 7 inputs, thop does not see it
    m = {c: archcost.analyze("mobilenet_v2", convention=c).layer("avgpool").flops for c in ("fvcore", "thop")}
    assert m == {"fvcore": 62_720, "thop": 0}


def test_explain_shows_the_convention_s_arithmetic():
    from archcost.render.explain import render_explain
    text = render_explain(archcost.analyze("resnet50", convention="thop"), ["bn1"], "text", "KB")
    assert "2 x 802,816 + 2 x 802,816 = 1,605,632 + 1,605,632 = 3,211,264" in text     # thop 0.1.1's 4 per batch norm element
    assert "under the thop convention" in text


def test_an_op_with_only_flops_works_under_every_convention():
    # an op written before conventions existed (only flops()): lecture uses its rule, the others their fallback
    class Scale(Op):
        name = "test_scale_only_flops"
        kind = "fc"
        attrs = {"out": Attr("size", doc="outputs")}

        def shape(self, a, ins, warn=lambda m: None):
            return (a["out"],)

        def params(self, a, ins, out):
            return a["out"] * ins[0][0] + a["out"]

        def flops(self, a, ins, out, bias_flops=True):
            return a["out"] * (ins[0][0] + (1 if bias_flops else 0))

    op = Scale()
    a = op.coerce({"out": 10})
    got = {c: layer_flops(conv, op, a, [(84,)], (10,)) for c, conv in CONVENTIONS.items()}
    # 10 x (84 + 1) with the bias; 840 without; torchinfo: its 850 parameters
    assert got == {"lecture": 850, "torchvision": 840, "fvcore": 840, "thop": 840, "ptflops": 850, "torchinfo": 850,
                   "calflops": 840}
    assert op.name not in REGISTRY


def test_every_rule_names_counts_its_ops_provide():
    # each convention's rule for an op of the zoo reads only counts that op names (or the universal ones)
    from archcost.counting import UNIVERSAL
    seen = {}
    for name in ("resnet50", "googlenet", "inception_v3", "lenet5", "alexnet_paper", "se_resnet50", "mobilenet_v3_small",
                 "shufflenet_v2_x1_0", "squeezenet1_0", "resnet50_dcn", "vgg11_lrn"):
        for x in archcost.analyze(name).layers:
            seen.setdefault((x.op, x.attrs.get("call")), x)
    for conv in CONVENTIONS.values():
        for x in seen.values():
            op = get_op(x.op)
            counts = op.counts(x.attrs, x.input_shapes, x.output_shape)
            if counts is None:
                continue
            rule = conv.rule(op, x.attrs, True, lambda: bool(x.params))
            missing = [n for n in rule.weights if n not in counts and n not in UNIVERSAL]
            assert not missing or x.op == "subsample", (conv.name, x.op, missing)


def test_unknown_convention_is_one_clear_error():
    with pytest.raises(ArchcostError, match="unknown FLOP convention 'fvcor'; did you mean 'fvcore'"):
        archcost.analyze("alexnet", convention="fvcor")
    res = CliRunner().invoke(cli, ["table", "alexnet", "--convention", "fvcor"])
    assert res.exit_code == 2 and res.output.count("error:") == 1


@pytest.mark.parametrize("command", [["table", "resnet50", "--exact", "--format", "csv"],
                                     ["findings", "resnet50", "--format", "json"],
                                     ["compare", "resnet50", "mobilenet_v2", "--format", "csv"],
                                     ["explain", "resnet50", "fc"],
                                     ["sweep", "resnet50", "--vary", "resolution=224", "--format", "csv"]])
def test_every_analysis_command_takes_the_convention(command):
    # torchvision 0.28.0's resnet50 fc: 2048 x 1000 = 2,048,000 multiply-adds, no bias; total 4,089,184,256
    out = CliRunner().invoke(cli, command + ["--convention", "torchvision"])
    assert out.exit_code == 0, out.output
    assert "4089184256" in out.output.replace(",", "") or "2048000" in out.output.replace(",", "")


def test_json_carries_the_convention_and_per_layer_figures():
    out = CliRunner().invoke(cli, ["table", "resnet50", "--format", "json", "--convention", "fvcore", "--count", "flops"])
    d = json.loads(out.output)
    assert d["conventions"]["convention"] == "fvcore" and d["conventions"]["count"] == "flops"
    assert d["totals"]["flops"] == 2 * 4_111_512_576   # fvcore 0.1.5, x 2 for FLOPs
    assert d["layers"][0]["flops"] == 2 * (118_013_952 + 1_605_632)   # conv1 + its folded bn1 (2 per element)


def test_list_names_its_convention_in_the_header():
    out = CliRunner().invoke(cli, ["list", "--family", "resnet", "--convention", "torchvision"])
    assert out.exit_code == 0
    assert "GMACs (torchvision)" in out.output.splitlines()[0]
    assert "resnet50" in out.output and "4.09" in out.output    # torchvision's model page: 4.09 GFLOPS
    assert "GMACs (lecture)" in CliRunner().invoke(cli, ["list", "--family", "vgg"]).output.splitlines()[0]


def test_conventions_command_lists_every_tool_and_version():
    out = CliRunner().invoke(cli, ["conventions"]).output
    for text in ("fvcore 0.1.5", "thop 0.1.1", "ptflops 0.7.5", "torchinfo 1.8.0", "torchvision 0.28.0",
                 "count_functional=True", "not counted:"):
        assert text in out
