"""--units KB|MB|GB (1024-based, as the lecture's KB), --dtype and --batch in every report."""

import csv
import io
import json

import pytest

import archcost
from archcost.render.compare import load_networks, render_compare
from archcost.render.explain import render_explain
from archcost.render.findings import render_findings
from archcost.render.sweep import render_sweep
from archcost.render.units import memory_in, units_note
from archcost.sweep import sweep

# LECTURES.md section 1: conv1's 200,704 outputs x 4 bytes / 1024 = 784 KB; the lecture's table sums to
# 2,339.15625 KB (784 + 182.25 + 546.75 + 126.75 + 253.5 + 169 + 169 + 36 + 36 + 16 + 16 + 3.90625)
ALEXNET_KB = 2_339.15625


def test_units_are_1024_based():
    assert memory_in(784, "MB") == 784 / 1024 and memory_in(1024 ** 2, "GB") == 1.0
    assert "1024 x 1024 bytes" in units_note("MB") and "1024-based" in units_note("GB")


def test_explain_works_memory_out_in_the_unit_asked_for():
    r = archcost.analyze("alexnet", dtype="float16", batch=2)
    doc = json.loads(render_explain(r, ["conv1"], "json", units="MB"))
    line = next(x for x in doc["layers"][0]["lines"] if x["quantity"] == "memory (MB)")
    # 200,704 x 2 bytes x 2 images / 1024 / 1024
    assert line["working"] == "200,704 x 2 x 2 / 1,024 / 1,024 = 0.765625" and line["value"] == 0.765625
    assert "MB = 1024 x 1024 bytes" in render_explain(r, ["conv1"], units="MB")


def test_compare_and_findings_memory_in_mb_and_gb():
    nets = load_networks(["alexnet"], dtype="int8", batch=4)
    # int8: 1 byte per element, 4 images: 2,339.15625 KB / 4 bytes x 1 byte x 4 = the float32 figure again
    assert nets[0].budget.memory_kb == ALEXNET_KB
    text = render_compare(nets, units="GB", show_stages=False)
    assert f"{ALEXNET_KB / 1024 ** 2:,.2f}" in text and "memory (GB)" in text
    rows = list(csv.DictReader(io.StringIO(render_findings(archcost.analyze("alexnet"), "csv", units="MB"))))
    assert sum(float(r["memory_kb"]) for r in rows if r["section"] == "kind") == ALEXNET_KB   # csv stays in KB
    assert "memory (MB)" in render_findings(archcost.analyze("alexnet"), units="MB")


def test_batch_scales_memory_and_flops_not_parameters():
    from archcost.conventions import Conventions
    one, eight = (sweep("alexnet", ["resolution=227"], conv=Conventions(batch=b))[0] for b in (1, 8))
    assert eight.memory_kb == 8 * one.memory_kb == 8 * ALEXNET_KB
    assert eight.flops == 8 * 718_063_400 and eight.params == one.params == 61_100_840
    assert "memory (MB)" in render_sweep("alexnet", [eight], units="MB")


@pytest.mark.parametrize("command", [["explain", "alexnet", "conv1"], ["compare", "alexnet", "vgg16"],
                                     ["findings", "alexnet"], ["sweep", "alexnet", "--vary", "resolution=227"]])
def test_every_report_command_takes_units_dtype_and_batch(run, command):
    res = run(*command, "--units", "MB", "--dtype", "float16", "--batch", "2")
    assert res.exit_code == 0 and "MB" in res.output
    assert run(*command, "--units", "TB").exit_code == 2
