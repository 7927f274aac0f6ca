"""`archcost findings`: the lecture's three findings derived from the numbers (LECTURES.md section 2)."""

import csv
import io
import json

import pytest

import archcost
from archcost.render.findings import derive, render_findings

# The lecture's AlexNet table (LECTURES.md section 2), exact values worked by hand:
# memory (KB) = C x H x W x 4 / 1024
MEMORY = {"conv1": 64 * 56 * 56 * 4 / 1024, "pool1": 64 * 27 * 27 * 4 / 1024, "conv2": 192 * 27 * 27 * 4 / 1024,
          "pool2": 192 * 13 * 13 * 4 / 1024, "conv3": 384 * 13 * 13 * 4 / 1024, "conv4": 256 * 13 * 13 * 4 / 1024,
          "conv5": 256 * 13 * 13 * 4 / 1024, "pool5": 256 * 6 * 6 * 4 / 1024, "flatten": 9216 * 4 / 1024,
          "fc6": 4096 * 4 / 1024, "fc7": 4096 * 4 / 1024, "fc8": 1000 * 4 / 1024}
# parameters: C_out x C_in x K x K + C_out; out x in + out
PARAMS = {"conv1": 64 * 3 * 11 * 11 + 64, "conv2": 192 * 64 * 5 * 5 + 192, "conv3": 384 * 192 * 9 + 384,
          "conv4": 256 * 384 * 9 + 256, "conv5": 256 * 256 * 9 + 256, "fc6": 4096 * 9216 + 4096,
          "fc7": 4096 * 4096 + 4096, "fc8": 1000 * 4096 + 1000}
# multiply-adds: output elements x (weights per output + 1 bias add); pools: output elements x 9
FLOPS = {"conv1": 64 * 56 * 56 * (3 * 121 + 1), "pool1": 64 * 27 * 27 * 9, "conv2": 192 * 27 * 27 * (64 * 25 + 1),
         "pool2": 192 * 13 * 13 * 9, "conv3": 384 * 13 * 13 * (192 * 9 + 1), "conv4": 256 * 13 * 13 * (384 * 9 + 1),
         "conv5": 256 * 13 * 13 * (256 * 9 + 1), "pool5": 256 * 6 * 6 * 9, "fc6": 4096 * 9217, "fc7": 4096 * 4097,
         "fc8": 1000 * 4097}


def _share(table, names):
    return sum(table.get(n, 0) for n in names) / sum(table.values())


@pytest.fixture(scope="module")
def alexnet():
    return archcost.analyze("alexnet")


def test_the_three_findings_hold_for_the_lectures_alexnet(alexnet):
    early = _share(MEMORY, ["conv1", "pool1", "conv2", "pool2"])    # 1,639.75 / 2,339.15625 KB
    fc = _share(PARAMS, ["fc6", "fc7", "fc8"])                       # 58,631,144 / 61,100,840
    convs = _share(FLOPS, ["conv1", "conv2", "conv3", "conv4", "conv5"])   # 658,637,376 / 718,063,400
    assert (round(100 * early, 1), round(100 * fc, 1), round(100 * convs, 1)) == (70.1, 96.0, 91.7)
    f = derive(alexnet)
    assert [x.holds for x in f.findings] == [True, True, True]
    assert [x.share for x in f.findings] == pytest.approx([early, fc, convs], abs=1e-12)
    assert "conv1, pool1, conv2, pool2" in f.findings[0].statement       # the lecture's "about 71%" group
    assert "70.1%" in f.findings[0].statement and "96.0%" in f.findings[1].statement


def test_shares_by_kind_position_and_stage(alexnet):
    shares = {(s.section, s.group.split(" (")[0]): s for s in derive(alexnet).shares}
    assert shares[("kind", "conv")].params == sum(v for k, v in PARAMS.items() if k.startswith("conv"))
    assert shares[("kind", "fc")].params_share == pytest.approx(_share(PARAMS, ["fc6", "fc7", "fc8"]))
    assert shares[("position", "classifier")].memory_kb == MEMORY["flatten"] + MEMORY["fc6"] * 2 + MEMORY["fc8"]
    assert shares[("position", "last stage")].flops == sum(FLOPS[n] for n in ("pool2", "conv3", "conv4", "conv5"))
    assert shares[("stage", "27")].memory_share == pytest.approx(_share(MEMORY, ["pool1", "conv2"]))


@pytest.mark.parametrize("net, fc_params, total, flat", [
    # Caffe bvlc_googlenet: fc 1000x1024+1000 after a global 7x7 average pool of 1024x7x7; 6,998,552 in all
    ("googlenet", 1_025_000, 6_998_552, 1000 * 1024 * 7 * 7 + 1000),
    # torchvision resnet50: fc 1000x2048+1000 after global average pooling of 2048x7x7; 25,557,032 in all
    ("resnet50", 2_049_000, 25_557_032, 1000 * 2048 * 7 * 7 + 1000),
])
def test_parameters_are_not_in_fc_layers_after_global_average_pooling(net, fc_params, total, flat):
    f = derive(archcost.analyze(net))
    params = f.findings[1]
    assert not params.holds and params.share == fc_params / total
    assert "global average pooling" in params.statement and f"{flat:,}" in params.statement
    assert f.findings[2].holds           # the convs still do most multiply-adds


def test_every_format_parses_back(alexnet):
    rows = list(csv.DictReader(io.StringIO(render_findings(alexnet, "csv"))))
    finding = [r for r in rows if r["section"] == "finding"]
    assert [r["holds"] for r in finding] == ["True"] * 3
    assert float(finding[1]["params_share"]) == pytest.approx(_share(PARAMS, ["fc6", "fc7", "fc8"]))
    doc = json.loads(render_findings(alexnet, "json"))
    assert doc["thresholds"] == {"most": 0.5, "early": 0.5} and doc["findings"][2]["holds"] is True
    for fmt in ("markdown", "latex", "html", "text"):
        out = render_findings(alexnet, fmt, units="MB")
        assert "70.1" in out and "96.0" in out and "91.7" in out and "memory (MB)" in out   # latex escapes the percent sign


def test_findings_from_the_cli(run):
    res = run("findings", "googlenet")
    assert res.exit_code == 0 and "does not hold" in res.output and "50,177,000" in res.output
