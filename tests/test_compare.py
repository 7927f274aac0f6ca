"""`archcost compare`: totals, ratios, ranks and stages of several networks, from their reports."""

import csv
import io
import json

import pytest

import archcost
from archcost.render.compare import load_networks, per_network, render_compare

# Whole-network parameter counts: the lecture's AlexNet table (61,101 k; exactly 61,100,840 summed by
# hand from its rows), torchvision's vgg16 (138,357,544) and resnet50 (25,557,032), Caffe's
# bvlc_googlenet (6,998,552, from Table 1 of Szegedy et al. 2015 with biases)
PARAMS = {"alexnet": 61_100_840, "vgg16": 138_357_544, "googlenet": 6_998_552, "resnet50": 25_557_032}


def _csv(text):
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def seed_four():
    # seed 002's closing comparison: AlexNet, VGG, GoogLeNet, ResNet
    return load_networks(["alexnet", "vgg16", "googlenet", "resnet50"])


def test_seed_comparison_ratios_against_the_first(seed_four):
    rows = {r["network"]: r for r in _csv(render_compare(seed_four, "csv")) if r["section"] == "total"}
    for name, params in PARAMS.items():
        assert int(rows[name]["params"]) == params
        assert float(rows[name]["params_ratio"]) == pytest.approx(params / PARAMS["alexnet"])
    assert float(rows["vgg16"]["params_ratio"]) == pytest.approx(2.2644, abs=1e-4)   # 138,357,544 / 61,100,840
    # depth: VGG-16 has 16 weight layers, GoogLeNet "22 layers deep" (Szegedy et al. 2015), ResNet-50 50, AlexNet 8
    assert [int(rows[n]["depth"]) for n in PARAMS] == [8, 16, 22, 50]


def test_ranked_on_each_budget(seed_four):
    # seed 002: GoogLeNet is the most efficient of the four (fewest parameters); VGG-16 the largest
    text = render_compare(seed_four, show_stages=False)
    ranking = next(line for line in text.splitlines() if line.startswith("params "))
    assert ranking.split()[1:] == ["googlenet", "resnet50", "alexnet", "vgg16"]
    flops = next(line for line in text.splitlines() if line.startswith("flops "))
    assert flops.split()[-1] == "vgg16"


def test_vgg16_flops_ratio_without_the_bias_add():
    # VGG-16 15,470,264,320 multiply-adds without biases (conv + fc, summed by hand in test_zoo_vgg);
    # the lecture's AlexNet 718,063,400 - one bias add per output element (658,637,376 + 58,631,144
    # - 200,704 - 139,968 - 64,896 - 43,264 - 43,264 - 4096 - 4096 - 1000 = the table minus the biases)
    nets = load_networks(["alexnet", "vgg16"], bias_flops=False)
    alex = archcost.analyze("alexnet", bias_flops=False).totals.flops
    assert alex == 718_063_400 - (200_704 + 139_968 + 64_896 + 43_264 * 2 + 4096 * 2 + 1000)
    # + the pools, output elements x 4 (2x2 windows): 112x112x64, 56x56x128, 28x28x256, 14x14x512, 7x7x512,
    # and torchvision's adaptive 7 -> 7 average pool, 512x7x7 (a window of one): 6,146,560
    pools = (112 * 112 * 64 + 56 * 56 * 128 + 28 * 28 * 256 + 14 * 14 * 512 + 7 * 7 * 512) * 4 + 512 * 7 * 7
    assert nets[1].budget.flops == 15_470_264_320 + pools
    rec = _csv(render_compare(nets, "csv"))[1]
    assert float(rec["flops_ratio"]) == pytest.approx((15_470_264_320 + pools) / alex)


def test_googlenet_stem_against_vgg16_to_the_same_resolution():
    # The lecture: GoogLeNet's stem takes 224 down to 28 cheaply. By hand, from Table 1 of Szegedy et al.:
    # conv1 64x3x7x7+64 = 9,472; conv2 reduce 64x64+64 = 4,160; conv2 192x64x3x3+192 = 110,784 -> 124,416
    # ("124K" on the EECS 498 slide). VGG-16 up to pool3 (28x28): 1,792 + 36,928 + 73,856 + 147,584 + 295,168
    # + 590,080 x 2 = 1,735,488. Memory (KB, float32): VGG 2x12,544 + 3,136 + 2x6,272 + 1,568 + 3x3,136 + 784
    # = 52,528; GoogLeNet 3,136 + 784 (pool1) + 784 (norm1) + 784 + 2,352 + 2,352 (norm2) + 588 = 10,780.
    # (The slide's 7.5 MB / x5.7 leaves out the LRN layers and stops VGG at conv3_2.)
    vgg, goog = load_networks(["vgg16", "googlenet"], reach="28")
    assert [x.name for x in goog.layers if not x.inplace] == [
        "conv1", "pool1", "norm1", "conv2_reduce", "conv2", "norm2", "pool2"]
    assert (vgg.budget.params, goog.budget.params) == (1_735_488, 124_416)
    assert (vgg.budget.memory_kb, goog.budget.memory_kb) == (52_528, 10_780)
    text = render_compare([vgg, goog], show_stages=False)
    row = next(line for line in text.splitlines() if line.startswith("googlenet"))
    assert "x0.21" in row and "x0.072" in row      # 10,780 / 52,528; 124,416 / 1,735,488


def test_global_average_pool_and_one_fc_against_three_fc_layers():
    # VGG-16's classifier: fc6 4096x25088+4096 = 102,764,544, fc7 4096x4096+4096 = 16,781,312,
    # fc8 1000x4096+1000 = 4,097,000; GoogLeNet: global 7x7 average pool + fc 1000x1024+1000 = 1,025,000
    vgg, goog = load_networks(["vgg16", "googlenet"], part_name="classifier")
    assert vgg.budget.params == 102_764_544 + 16_781_312 + 4_097_000
    assert goog.budget.params == 1_025_000
    assert [x.name for x in goog.layers] == ["pool5", "dropout", "fc", "prob"]
    assert (vgg.budget.depth, goog.budget.depth) == (3, 1)


def test_until_resolution_and_until_layer():
    # until 28: every layer before the map first drops below 28x28 (VGG-16's pool4 makes it 14)
    vgg, = load_networks(["vgg16"], until="28")
    names = [x.name for x in vgg.layers if not x.inplace]
    assert names[-1] == "conv4_3" and "pool4" not in names
    both = load_networks(["vgg16", "googlenet"], until=["vgg16:pool3", "googlenet:pool2"])
    assert [n.budget.params for n in both] == [1_735_488, 124_416]     # the same cut as --reach 28
    with pytest.raises(archcost.ArchcostError, match="did you mean 'pool5'"):
        load_networks(["vgg16"], until="pool9")


def test_own_inputs_and_per_network_settings():
    # torchvision resnet18: 11,689,512 parameters; vgg16 keeps 138,357,544 at 160x160 (adaptive pool)
    small, r18 = load_networks(["vgg16@3x160x160", "resnet"], settings=["resnet:block=basic",
                                                                       "2:layers=[2,2,2,2]"])
    assert small.report.input == (3, 160, 160) and small.budget.params == PARAMS["vgg16"]
    assert r18.budget.params == 11_689_512
    assert per_network(["a:x=1", "y=2"], ["a", "b"]) == [["x=1", "y=2"], ["y=2"]]
    with pytest.raises(archcost.ArchcostError, match="NETWORK@CxHxW"):
        load_networks(["vgg16@"])


def test_stages_hold_the_stage_budgets():
    # VGG-16 at 224x224: conv1_1 3x3x3x64+64 = 1,792 and conv1_2 3x3x64x64+64 = 36,928
    vgg, goog = load_networks(["vgg16", "googlenet"])
    stages = [r for r in _csv(render_compare([vgg, goog], "csv")) if r["section"] == "stage"]
    assert [r["stage"] for r in stages if r["network"] == "vgg16"] == ["224", "112", "56", "28", "14", "7", "vector"]
    first = next(r for r in stages if r["stage"] == "224")
    assert int(first["params"]) == 1_792 + 36_928
    assert sum(int(r["params"]) for r in stages if r["network"] == "googlenet") == PARAMS["googlenet"]


def test_every_format_parses_back(seed_four):
    doc = json.loads(render_compare(seed_four, "json"))
    assert [n["label"] for n in doc["networks"]] == list(PARAMS)
    assert doc["records"][1]["params"] == PARAMS["vgg16"]
    for fmt in ("markdown", "latex", "html", "text"):
        out = render_compare(seed_four, fmt, units="MB")
        assert "138.36" in out and "memory (MB)" in out and "x2.3" in out


def test_compare_from_the_cli(run, tmp_path):
    out = tmp_path / "c.csv"
    res = run("compare", "vgg16", "googlenet", "--reach", "28", "--format", "csv", "-o", str(out))
    assert res.exit_code == 0
    rows = _csv(out.read_text())
    assert [int(r["params"]) for r in rows if r["section"] == "total"] == [1_735_488, 124_416]
    bad = run("compare", "vgg16", "--until", "pool9")
    assert bad.exit_code == 2 and "pool5" in bad.stderr
