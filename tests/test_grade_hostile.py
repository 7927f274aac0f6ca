"""archcost grade against hostile answers and damaged keys: one bad file never stops the class.

Each bad answers file is ONE problem line (escaped: an answer cannot print a line of its own)
and the rest of the class is graded; a damaged key.json is ONE error line; nothing blocks or
reads forever. The good file is the key fed back as answers: EECS 498 lecture 8's AlexNet
table (conv1: 784 KB, 23 k parameters, 73 M FLOPs), every blank right.
"""

from __future__ import annotations

import json
import os

import pytest
from test_grade import _write

from archcost.worksheet import key_json, make_sheets


@pytest.fixture(scope="module")
def key_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("key") / "key.json"
    path.write_text(key_json(make_sheets("alexnet", groups=("memory", "params", "flops"))))
    return path


@pytest.fixture
def good(tmp_path, key_path):
    folder = tmp_path / "class"
    folder.mkdir()
    return _write(folder / "ann.csv", "alexnet-s0", key_path)


def test_the_lecture_table_as_answers_is_all_right(run, key_path, good):
    res = run("grade", str(key_path), str(good))
    assert res.exit_code == 0 and res.stderr == "", res.output
    # the lecture's AlexNet table: 12 rows x memory, params, flops = 36 blanks
    assert "variant alexnet-s0: 36/36 right, score 100.0%" in res.stdout


def _bad_files(folder, key_path):
    """name -> the one problem its file must give."""
    _write(folder / "digits.csv", "alexnet-s0", key_path, {"conv1.memory": "9" * 4301})
    _write(folder / "forged.csv", "alexnet-s0", key_path, {"conv1.memory": "1\nerror: forged\x1b[2J"})
    text = (folder / "ann.csv").read_text()
    (folder / "quote.csv").write_text(text.replace(",784\n", ',"784\n', 1))
    os.mkfifo(folder / "fifo.csv")
    bad = {"digits.csv": "'9999999999999999... (4,301 characters)' is not a number",
           "forged.csv": "'1\\nerror: forged\\x1b[2J' is not a number",
           "quote.csv": "not a readable CSV file (row ",
           "fifo.csv": "cannot be read (not a regular file"}
    if os.path.exists("/dev/zero"):
        os.symlink("/dev/zero", folder / "zero.csv")
        bad["zero.csv"] = "cannot be read (not a regular file"
    return bad


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_each_bad_answers_file_is_one_problem_and_the_rest_is_graded(run, key_path, good):
    bad = _bad_files(good.parent, key_path)
    res = run("grade", str(key_path), str(good.parent), "--format", "csv")
    assert res.exit_code == 2, res.output
    lines = res.stderr.splitlines()
    assert all(line.startswith("problem: ") for line in lines) and len(lines) == len(bad), res.stderr
    for name, says in bad.items():
        assert any(f"{good.parent / name}: " in line and says in line for line in lines), (name, res.stderr)
    book = {row.split(",")[0]: row for row in res.stdout.splitlines()[1:]}
    assert book[str(good)].split(",")[2:5] == ["36", "36", "100.0"]      # the good file, graded in full
    assert len(book) == len(bad) + 1


def test_no_line_an_answer_prints_can_pass_for_an_error(run, key_path, good):
    _write(good.parent / "forged.csv", "alexnet-s0", key_path, {"conv1.memory": "1\nerror: forged"})
    res = run("grade", str(key_path), str(good.parent / "forged.csv"))
    assert not [line for line in (res.stdout + res.stderr).splitlines() if line.startswith("error:")]


def test_an_empty_folder_is_an_error_saying_no_answers_were_found(run, key_path, tmp_path):
    (tmp_path / "none").mkdir()
    res = run("grade", str(key_path), str(tmp_path / "none"))
    assert res.exit_code == 2 and res.stdout == "" and res.stderr.count("\n") == 1, res.output
    assert res.stderr.startswith("error: no answers found: ")


def _damage(doc, how):
    blank = doc["sheets"][0]["blanks"][0]
    if how == "wrong types":
        doc["sheets"][0]["blanks"] = "all of them"
    elif how == "missing field":
        del blank["rounded"]
    elif how == "a word for a number":
        blank["decimals"] = "two"
    elif how == "decimals 1e9":
        blank["decimals"] = 10**9
    elif how == "infinite":
        blank["accept"] = [float("inf")]
    elif how == "not a sheet":
        doc["sheets"] = [7]
    return json.dumps(doc)


@pytest.mark.parametrize("how, says", [
    ("wrong types", "a sheet must have an 'id' (text) and 'blanks' (a list)"),
    ("missing field", "'rounded' must be a number below 10**30, got None"),
    ("a word for a number", "'decimals' must be a whole number from 0 to 6, got two"),
    ("decimals 1e9", "'decimals' must be a whole number from 0 to 6, got 1000000000"),
    ("infinite", "an 'accept' value must be a number below 10**30, got inf"),
    ("not a sheet", "a sheet must have"),
    ("4,301 digits", "the key is not JSON"),
    ("100,000 deep", "the key is nested too deeply"),
    ("truncated", "the key is not JSON"),
])
def test_a_damaged_key_is_one_error_line(run, key_path, good, tmp_path, how, says):
    doc = json.loads(key_path.read_text())
    text = {"4,301 digits": key_path.read_text().replace('"rounded": 784', '"rounded": ' + "7" * 4301, 1),
            "100,000 deep": '{"format": "archcost worksheet key", "sheets": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "truncated": key_path.read_text()[:500]}.get(how) or _damage(doc, how)
    bad = tmp_path / "key.json"
    bad.write_text(text)
    res = run("grade", str(bad), str(good))
    assert res.exit_code == 2 and res.stdout == "" and res.stderr.count("\n") == 1, res.output
    assert res.stderr.startswith(f"error: {bad}: ") and says in res.stderr, res.stderr
