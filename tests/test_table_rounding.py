"""Rounding of the table's k / M / KB columns: the lecture's whole numbers, decimals for small networks."""

import csv
import json

import archcost
from archcost.render.table import column_decimals, render_table
from archcost.worksheet import key_json, make_sheets
from archcost.worksheet.grade import grade_files


def _row(text, name):
    return next(line.split() for line in text.splitlines() if line.startswith(name + " "))


def test_lenet_prints_decimals_instead_of_zeros():
    # LeCun et al. 1998: C3 has 1,516 trainable parameters and 151,600 connections; the whole net 60,840
    text = render_table(archcost.analyze("lenet5"))
    assert _row(text, "C3")[-3:] == ["6.3", "1.5", "0.15"]     # 16x10x10 x 4 / 1024 = 6.25 KB, half up
    assert _row(text, "total")[-2] == "60.8"


def test_the_lecture_networks_keep_whole_numbers():
    # LECTURES.md section 2: every AlexNet cell is a whole number
    assert column_decimals(archcost.analyze("alexnet")) == (0, 0, 0)
    assert column_decimals(archcost.analyze("vgg16")) == (0, 0, 0)


def test_a_lenet_worksheet_key_has_the_tables_decimals_and_grades_itself(tmp_path):
    sheets = make_sheets("lenet5", groups=("memory", "params", "flops"))
    key = json.loads(key_json(sheets))
    blanks = {b["cell"]: b for b in key["sheets"][0]["blanks"]}
    assert blanks["C3.params"]["rounded"] == 1.5 and blanks["C3.flops"]["rounded"] == 0.15
    (tmp_path / "key.json").write_text(key_json(sheets))
    answers = tmp_path / "a.csv"
    with open(answers, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["variant", "n", "cell", "question", "unit", "answer"])
        for b in key["sheets"][0]["blanks"]:
            w.writerow([key["sheets"][0]["id"], b["n"], b["cell"], b["label"], b["unit"], b["rounded"]])
    (result,) = grade_files(tmp_path / "key.json", [answers])
    assert result.score == 100.0


def test_the_worksheet_tells_students_the_decimals():
    from archcost.worksheet import make_sheets

    text = " ".join(make_sheets("lenet5")[0].conventions)
    assert "FLOPs in millions (M) to 2 decimals" in text and "parameters in thousands (k) to 1 decimal," in text
    assert "decimal" not in " ".join(make_sheets("alexnet")[0].conventions)
