"""The lecture's AlexNet table (LECTURES.md section 2; EECS 498-007 lecture 8; seed 000), every cell.

The expected rows are typed from the lecture's table, not produced by archcost.
"""

import csv
import io
import json

import pytest

import archcost
from archcost.render.table import render_table

# layer, C in, H/W in, filters, kernel, stride, pad, C out, H/W out, memory (KB), params (k), flop (M)
# -- LECTURES.md section 2, copied cell by cell
LECTURE_TABLE = [
    ("conv1", 3, 227, 64, 11, 4, 2, 64, 56, 784, 23, 73),
    ("pool1", 64, 56, "", 3, 2, 0, 64, 27, 182, 0, 0),
    ("conv2", 64, 27, 192, 5, 1, 2, 192, 27, 547, 307, 224),
    ("pool2", 192, 27, "", 3, 2, 0, 192, 13, 127, 0, 0),
    ("conv3", 192, 13, 384, 3, 1, 1, 384, 13, 254, 664, 112),
    ("conv4", 384, 13, 256, 3, 1, 1, 256, 13, 169, 885, 150),
    ("conv5", 256, 13, 256, 3, 1, 1, 256, 13, 169, 590, 100),
    ("pool5", 256, 13, "", 3, 2, 0, 256, 6, 36, 0, 0),
    ("flatten", 256, 6, "", "", "", "", 9216, "", 36, 0, 0),
    ("fc6", 9216, "", 4096, "", "", "", 4096, "", 16, "37,753", 38),
    ("fc7", 4096, "", 4096, "", "", "", 4096, "", 16, "16,781", 17),
    ("fc8", 4096, "", 1000, "", "", "", 1000, "", 4, "4,097", 4),
]


def _text_rows(text):
    """Parse the text table back into cells (columns are fixed-width)."""
    lines = text.splitlines()
    dash = next(i for i, l in enumerate(lines) if l.startswith("---"))
    spans, pos = [], 0
    for chunk in lines[dash].split("  "):
        if chunk:
            start = lines[dash].index(chunk, pos)
            spans.append((start, start + len(chunk)))
            pos = start + len(chunk)
    rows = []
    for line in lines[dash + 1:]:
        if not line.strip():
            break
        rows.append(tuple(line[a:b].strip() for a, b in spans))
    return rows


def test_every_cell_of_the_lecture_table():
    rows = _text_rows(render_table(archcost.analyze("alexnet")))
    assert len(rows) == len(LECTURE_TABLE) + 1  # + the totals row
    for got, want in zip(rows, LECTURE_TABLE):
        assert got == tuple(str(c) for c in want), got[0]


def test_the_no_bias_convention_still_rounds_to_the_lecture_table():
    # LECTURES.md section 1: "both round to the table's 73 MFLOP"
    rows = _text_rows(render_table(archcost.analyze("alexnet", bias_flops=False)))
    assert [r[-1] for r in rows[:-1]] == [str(w[-1]) for w in LECTURE_TABLE]


def test_conv1_exact_figures_both_conventions():
    # seed 000: 200,704 elements, 784 KB, 64x3x11x11 + 64 = 23,296, 200,704 x 364 = 73,056,256
    conv1 = archcost.analyze("alexnet").layer("conv1")
    assert conv1.output_shape == (64, 56, 56)
    assert conv1.memory_kb == 784.0
    assert conv1.params == 23_296
    assert conv1.flops == 73_056_256
    # LECTURES.md section 1: the bias-free convention (EECS 498, torchvision, fvcore): 200,704 x 363
    assert archcost.analyze("alexnet", bias_flops=False).layer("conv1").flops == 72_855_552


def test_pool1_floor_and_flops():
    # seed 000: (56 - 3)/2 + 1 = 27.5 floored to 27; FLOPs 64x27x27 x 9 = 419,904; 0 parameters
    pool1 = archcost.analyze("alexnet").layer("pool1")
    assert pool1.output_shape == (64, 27, 27)
    assert pool1.flops == 419_904 and pool1.params == 0


def test_fc_rules():
    # LECTURES.md section 1: FC params out x in + out; multiply-adds out x in (+ out for the bias adds)
    r = archcost.analyze("alexnet")
    assert r.layer("fc6").params == 4096 * 9216 + 4096
    assert r.layer("fc6").flops == 4096 * 9216 + 4096
    assert archcost.analyze("alexnet", bias_flops=False).layer("fc6").flops == 4096 * 9216


def test_the_pool1_warning_names_the_layer_and_the_arithmetic():
    warnings = [str(w) for w in archcost.analyze("alexnet").warnings]
    assert len(warnings) == 1
    assert "pool1" in warnings[0] and "27.5" in warnings[0] and "27" in warnings[0]


def test_totals_are_the_sums_of_the_rows():
    r = archcost.analyze("alexnet")
    rows = r.rows()
    assert r.totals.params == sum(x.params for x in rows) == 61_100_840  # torchvision's AlexNet count
    assert r.totals.flops == sum(x.flops for x in rows)
    assert r.totals.memory_kb == sum(x.memory_kb for x in rows)


def test_relus_are_folded_and_all_shows_them():
    r = archcost.analyze("alexnet")
    assert "relu1" not in [x.name for x in r.rows()]
    assert r.rows()[0].folded == ("relu1",)
    assert "relu1" in [x.name for x in r.rows(all=True)]


def test_json_carries_exact_integers_and_the_documented_keys(run):
    res = run("table", "alexnet", "--format", "json")
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert set(doc) >= {"network", "input", "conventions", "layers", "totals", "warnings"}
    conv1 = doc["layers"][0]
    assert {"name", "op", "inputs", "input_shape", "output_shape", "memory_kb", "params", "flops"} <= set(conv1)
    assert conv1["input_shape"] == [3, 227, 227] and conv1["output_shape"] == [64, 56, 56]
    assert conv1["flops"] == 73_056_256 and conv1["kernel"] == [11, 11]
    assert doc["layers"][9]["output_shape"] == [4096]
    assert doc["totals"]["params"] == 61_100_840
    assert doc["conventions"]["bias_flops"] is True


def test_csv_carries_exact_values(run):
    res = run("table", "alexnet", "--format", "csv", "--no-bias-flops")
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert rows[0]["layer"] == "conv1" and rows[0]["flops"] == "72855552" and rows[0]["memory_kb"] == "784.0"
    assert rows[-1]["layer"] == "total" and rows[-1]["params"] == "61100840"


@pytest.mark.parametrize("fmt, marker", [("markdown", "| conv1"), ("latex", "\\midrule\n conv1 "), ("html", "<td>conv1")])
def test_other_formats_contain_the_rows(run, fmt, marker):
    res = run("table", "alexnet", "--format", fmt)
    assert res.exit_code == 0 and marker in res.stdout and "784" in res.stdout and "37,753" in res.stdout


def test_the_readme_quick_start_shows_real_output(run):
    from pathlib import Path

    lines = (Path(__file__).resolve().parents[1] / "README.md").read_text().splitlines()
    start = lines.index("$ archcost table alexnet") + 1
    shown = lines[start:lines.index("```", start)]
    assert run("table", "alexnet").output.splitlines() == shown
