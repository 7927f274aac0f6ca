"""archcost grade: answers CSVs against key.json, one student or a class, and malformed files."""

import csv
import json

import pytest
from click.testing import CliRunner

from archcost.cli import cli
from archcost.worksheet import key_json, make_sheets
from archcost.worksheet.grade import grade_files, mark


@pytest.fixture(scope="module")
def key_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("key") / "key.json"
    sheets = make_sheets("alexnet", variants=2, seed=4, groups=("memory", "params", "flops"))
    sheets.append(make_sheets("alexnet")[0])              # and the lecture's own table: alexnet-s0
    path.write_text(key_json(sheets))
    return path


def _write(path, sheet_id, key_path, change=None):
    """The key fed back as a student's answers, with ``change`` {cell: answer} applied."""
    sheet = next(s for s in json.loads(key_path.read_text())["sheets"] if s["id"] == sheet_id)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["variant", "n", "cell", "question", "unit", "answer"])
        for b in sheet["blanks"]:
            w.writerow([sheet_id, b["n"], b["cell"], b["label"], b["unit"], (change or {}).get(b["cell"], b["rounded"])])
    return path


def test_the_key_as_answers_scores_100(tmp_path, key_path):
    for sid in ("alexnet-s4-01", "alexnet-s4-02", "alexnet-s0"):
        (r,) = grade_files(key_path, [_write(tmp_path / f"{sid}.csv", sid, key_path)])
        assert (r.score, r.problems) == (100.0, ())


def test_a_wrong_cell_is_caught(tmp_path, key_path):
    path = _write(tmp_path / "a.csv", "alexnet-s0", key_path, {"conv1.memory": "785", "fc6.params": "37,752"})
    (r,) = grade_files(key_path, [path])
    wrong = {m.cell: m.expected for m in r.marks if not m.right}
    assert wrong == {"conv1.memory": "784 KB", "fc6.params": "37,753 k"}   # EECS 498 lecture 8 AlexNet table
    assert r.right == len(r.marks) - 2 and not r.problems


@pytest.mark.parametrize("answer,right", [
    ("784", True), ("784.0", True), ("784 KB", True), ("784KB", True), ("783.6", True),   # conv1 784 KB
    ("785", False), ("784 MB", False), ("", False),
])
def test_answers_within_the_tables_rounding(answer, right):
    blank = {"rounded": 784, "unit": "KB", "decimals": 0, "accept": []}
    assert mark(blank, answer)[0] is right


def test_exact_counts_and_units_for_thousands_and_millions():
    params = {"rounded": 23, "unit": "k", "decimals": 0, "accept": [23296]}          # conv1: 23,296 parameters
    assert [mark(params, a)[0] for a in ("23", "23k", "23.3", "23,296", "23296", "22")] == [True] * 5 + [False]
    flops = {"rounded": 73, "unit": "M", "decimals": 0, "accept": [73056256]}       # conv1: 73,056,256
    assert [mark(flops, a)[0] for a in ("73", "73 MFLOPs", "73,056,256", "72")] == [True, True, True, False]
    word = {"rounded": "conv1", "unit": "", "decimals": 0, "accept": []}
    assert mark(word, " Conv1 ")[0] and not mark(word, "conv2")[0]


def test_malformed_files_are_named_and_the_class_goes_on(tmp_path, key_path):
    cls = tmp_path / "class"
    cls.mkdir()
    _write(cls / "ann.csv", "alexnet-s0", key_path)
    _write(cls / "bob.csv", "alexnet-s0", key_path, {"conv1.memory": "seven hundred"})
    (cls / "cols.csv").write_text("name,score\nann,3\n")
    (cls / "empty.csv").write_text("")
    _write(cls / "eve.csv", "alexnet-s0", key_path)
    (cls / "eve.csv").write_text((cls / "eve.csv").read_text().replace("alexnet-s0", "alexnet-s99"))
    r = CliRunner().invoke(cli, ["grade", str(key_path), str(cls), "--format", "csv"])
    assert r.exit_code == 2 and "Traceback" not in r.stderr
    rows = {row["file"].split("/")[-1]: row for row in csv.DictReader(r.stdout.splitlines())}
    assert rows["ann.csv"]["score"] == "100.0"
    assert rows["bob.csv"]["wrong"] == "conv1.memory" and rows["bob.csv"]["problems"] == "1"
    assert rows["empty.csv"]["score"] == "" and rows["cols.csv"]["problems"] == "1"
    problems = r.stderr
    assert "bob.csv: row 4: 'seven hundred' is not a number" in problems
    assert "cols.csv: row 1: the columns are name, score" in problems
    assert "empty.csv: the file is empty" in problems
    assert "eve.csv: row 2: unknown variant 'alexnet-s99'" in problems


def test_clean_class_exits_0_and_json_has_every_mark(tmp_path, key_path):
    path = _write(tmp_path / "ann.csv", "alexnet-s0", key_path, {"conv1.flops": "72"})
    r = CliRunner().invoke(cli, ["grade", str(key_path), str(path), "--format", "json"])
    assert r.exit_code == 0
    doc = json.loads(r.output)["files"][0]
    m = next(m for m in doc["marks"] if m["cell"] == "conv1.flops")
    assert (m["right"], m["expected"]) == (False, "73 M")


def test_a_key_that_is_not_a_key(tmp_path):
    bad = tmp_path / "key.json"
    bad.write_text("{}")
    r = CliRunner().invoke(cli, ["grade", str(bad), str(tmp_path)])
    assert r.exit_code == 2 and "is not a worksheet key" in r.output
