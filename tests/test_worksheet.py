"""archcost worksheet: the table with blanks, its key, every format, determinism, the files it writes."""

import io
import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

import archcost
from archcost.cli import cli
from archcost.errors import ArchcostError
from archcost.render.explain import explain_layer
from archcost.worksheet import make_sheets, worksheet_files
from archcost.worksheet.render import render

# EECS 498-007 lecture 8 (J. Johnson), AlexNet table, restated in LECTURES.md section 2:
# layer: (C out, H/W out, memory (KB), params (k), flop (M))
LECTURE = {
    "conv1": (64, 56, 784, 23, 73),
    "pool1": (64, 27, 182, 0, 0),
    "conv2": (192, 27, 547, 307, 224),
    "pool2": (192, 13, 127, 0, 0),
    "conv3": (384, 13, 254, 664, 112),
    "conv4": (256, 13, 169, 885, 150),
    "conv5": (256, 13, 169, 590, 100),
    "pool5": (256, 6, 36, 0, 0),
    "fc6": (4096, None, 16, 37753, 38),
    "fc7": (4096, None, 16, 16781, 17),
    "fc8": (1000, None, 4, 4097, 4),
}


@pytest.fixture(scope="module")
def sheet():
    return make_sheets("alexnet")[0]


def test_key_matches_the_lecture_table(sheet):
    key = {b.id: b.rounded for b in sheet.blanks()}
    for row, (c, hw, mem, params, flops) in LECTURE.items():
        assert key[f"{row}.c_out"] == c
        assert key.get(f"{row}.hw_out") == hw
        assert (key[f"{row}.memory"], key[f"{row}.params"], key[f"{row}.flops"]) == (mem, params, flops)


def test_key_keeps_the_exact_values(sheet):
    b = {b.id: b for b in sheet.blanks()}
    # LECTURES.md section 1: 64x3x11x11 + 64 = 23,296; 200,704 x 364 = 73,056,256; 46,656 x 4 / 1024 = 182.25
    assert b["conv1.params"].exact == 23296 and b["conv1.params"].accept == (23296,)
    assert b["conv1.flops"].exact == 73056256
    assert b["pool1.memory"].exact == 182.25 and b["pool1.memory"].tolerance == 0.5


def test_key_shows_explains_worked_arithmetic(sheet):
    key = render(sheet, "markdown", key=True)
    report = archcost.analyze("alexnet")
    for row in ("conv1", "pool1", "fc8"):
        assert explain_layer(report, row) in key
    assert "200,704 x (3 x 11 x 11 + 1) = 200,704 x 364 = 73,056,256" in key   # LECTURES.md section 1


def test_blank_by_column_group_and_rows():
    s = make_sheets("alexnet", groups=("params",), rows=("conv1", "fc6"))[0]
    assert [(b.id, b.shown()) for b in s.blanks()] == [("conv1.params", "23"), ("fc6.params", "37,753")]
    sheet_md = render(s, "markdown")
    assert "37,753" not in sheet_md and "| conv1" in sheet_md and "784" in sheet_md   # given cells stay


def test_a_blank_output_hides_the_next_rows_input():
    s = make_sheets("alexnet", groups=("output",), rows=("conv1",))[0]
    pool1 = next(line for line in render(s, "markdown").splitlines() if line.startswith("| pool1"))
    assert pool1.split("|")[2].strip() == "?" and pool1.split("|")[3].strip() == "?"
    key_pool1 = next(line for line in render(s, "markdown", key=True).splitlines() if line.startswith("| pool1"))
    assert key_pool1.split("|")[2].strip() == "64"     # the key shows it


def test_blank_rate_draws_a_share_and_the_seed_decides():
    # the draw is by row and group, output and memory together (see test_sheets_true.py): AlexNet's
    # 12 rows x (output + memory, params, flops) = 36 draws, 40% of them 14
    a = make_sheets("alexnet", rate=0.4, seed=1)[0].blanks()
    ids = [b.id for b in a]
    assert sum(not i.endswith((".c_out", ".hw_out")) for i in ids) == round(0.4 * 36)
    assert [b.id for b in make_sheets("alexnet", rate=0.4, seed=1)[0].blanks()] == [b.id for b in a]
    assert [b.id for b in make_sheets("alexnet", rate=0.4, seed=2)[0].blanks()] != [b.id for b in a]


def test_bad_options_are_errors_with_a_fix():
    with pytest.raises(ArchcostError, match="did you mean 'conv1'"):
        make_sheets("alexnet", rows=("conv01",))
    with pytest.raises(ArchcostError, match="blank-rate"):
        make_sheets("alexnet", rate=1.5)


def test_every_format(sheet):
    files = worksheet_files([sheet], ["markdown", "html", "latex", "pdf"])
    html = files["worksheet-alexnet-s0.html"]
    assert html.startswith("<!DOCTYPE html>") and "@media print" in html and "@page" in html
    assert '<td class="blank"><span>3</span></td>' in html          # conv1's memory, blank number 3
    assert '<td class="answer">784</td>' in files["key-alexnet-s0.html"]
    tex = files["worksheet-alexnet-s0.tex"]
    assert tex.startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    assert "\\textbf{784}" in files["key-alexnet-s0.tex"]
    assert "KB = 1024 bytes" in files["worksheet-alexnet-s0.md"]


def test_pdf_reads_back():
    pypdf = pytest.importorskip("pypdf")
    s = make_sheets("alexnet", groups=("memory",))[0]
    files = worksheet_files([s], ["pdf"])
    sheet_text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(files["worksheet-alexnet-s0.pdf"])).pages)
    key_text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(files["key-alexnet-s0.pdf"])).pages)
    assert "Sheet: alexnet-s0" in sheet_text and "KB = 1024 bytes" in sheet_text
    assert "784" not in sheet_text.split("Conventions")[1].split("conv1")[1].split("pool1")[0]   # conv1's blank
    assert "200,704 x 4 / 1,024 = 784" in key_text      # LECTURES.md section 1, conv1 memory


def test_same_seed_same_bytes(tmp_path):
    pytest.importorskip("fpdf")
    runner = CliRunner()
    for out in ("a", "b"):
        r = runner.invoke(cli, ["worksheet", "alexnet", "-o", str(tmp_path / out), "--format", "all",
                                "--blank-rate", "0.5", "--seed", "7"])
        assert r.exit_code == 0, r.output
    names = sorted(os.listdir(tmp_path / "a"))
    assert "worksheet-alexnet-s7.pdf" in names and "key.json" in names
    for n in names:
        assert (tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes(), n


def test_files_are_only_overwritten_with_force(tmp_path):
    runner = CliRunner()
    args = ["worksheet", "alexnet", "-o", str(tmp_path), "--format", "markdown"]
    assert runner.invoke(cli, args).exit_code == 0
    (tmp_path / "key.json").write_text("kept")
    r = runner.invoke(cli, args)
    assert r.exit_code == 2 and "--force" in r.output
    assert (tmp_path / "key.json").read_text() == "kept"
    assert runner.invoke(cli, args + ["--force"]).exit_code == 0
    assert json.loads((tmp_path / "key.json").read_text())["sheets"][0]["id"] == "alexnet-s0"


def test_without_the_pdf_library_one_line_and_exit_2(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "fpdf", None)     # import fpdf now raises ImportError
    r = CliRunner().invoke(cli, ["worksheet", "alexnet", "-o", str(tmp_path / "o"), "--format", "pdf"])
    assert r.exit_code == 2
    assert "pip install 'archcost[pdf]'" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "o").exists()               # nothing written


def test_answers_template_has_one_row_per_blank(sheet):
    lines = worksheet_files([sheet], ["markdown"])["answers-alexnet-s0.csv"].splitlines()
    assert lines[0] == "variant,n,cell,question,unit,answer"
    assert lines[3] == "alexnet-s0,3,conv1.memory,conv1: memory (KB),KB,"
    assert len(lines) == 1 + len(sheet.blanks())


def test_a_class_in_one_file_to_print():
    pypdf = pytest.importorskip("pypdf")
    sheets = make_sheets("alexnet", variants=3, seed=5, groups=("memory",))
    files = worksheet_files(sheets, ["html", "pdf"])
    assert files["worksheets-all.html"].count('<hr class="pagebreak">') == 2
    pages = pypdf.PdfReader(io.BytesIO(files["worksheets-all.pdf"])).pages
    ids = [line.split()[1] for p in pages for line in p.extract_text().split("\n") if line.startswith("Sheet: ")]
    assert ids == ["alexnet-s5-01", "alexnet-s5-02", "alexnet-s5-03"]
    assert "keys-all.pdf" in files


@pytest.mark.skipif(not shutil.which("pdflatex"), reason="pdflatex is not installed")
def test_latex_compiles(tmp_path, sheet):
    for name in ("worksheet", "key"):
        (tmp_path / f"{name}.tex").write_text(render(sheet, "latex", key=name == "key"))
        r = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout[-2000:]
