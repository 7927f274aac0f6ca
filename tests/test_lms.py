"""The LMS round trip: Moodle XML, GIFT and QTI 1.2 files read back, rosters, gradebooks.

Numbers: the lecture's AlexNet conv1 (seed 000: 784 KB, 23,296 parameters, 73,056,256
multiply-adds) and the grader's tolerance (half a unit of the key's last digit).
"""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest
from click.testing import CliRunner

from archcost.cli import cli
from archcost.worksheet import make_sheets, worksheet_files
from archcost.worksheet.roster import assign, parse_roster

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


@pytest.fixture(scope="module")
def klass():
    sheets = make_sheets("alexnet", variants=3, seed=5, groups=("memory", "params"), rows=("conv1", "pool1", "fc8"))
    return sheets, worksheet_files(sheets, ["moodle", "gift", "qti"])


def test_lecture_conv1_in_moodle_with_the_graders_tolerance():
    sheets = make_sheets("alexnet", groups=("memory", "params", "flops"), rows=("conv1",))
    root = ET.fromstring(worksheet_files(sheets, ["moodle"])["questions-moodle.xml"])
    qs = {q.find("name/text").text: q for q in root.findall("question") if q.get("type") == "numerical"}
    memory = qs["alexnet-s0 #1 conv1.memory"]
    assert [(a.find("text").text, a.find("tolerance").text) for a in memory.findall("answer")] == [("784", "0.5")]
    params = qs["alexnet-s0 #2 conv1.params"]   # 23 k, or the exact count 23,296
    assert [(a.find("text").text, a.find("tolerance").text) for a in params.findall("answer")] == \
        [("23", "0.5"), ("23296", "0")]
    flops = qs["alexnet-s0 #3 conv1.flops"]
    assert [a.find("text").text for a in flops.findall("answer")] == ["73", "73056256"]
    # the worked arithmetic is the feedback
    assert "200,704 x 4 / 1,024 = 784" in memory.find("generalfeedback/text").text


def test_moodle_has_a_category_per_variant_and_every_blank(klass):
    sheets, files = klass
    root = ET.fromstring(files["questions-moodle.xml"])
    cats = [q.find("category/text").text for q in root.findall("question") if q.get("type") == "category"]
    assert cats == [f"$course$/archcost/{s.id}" for s in sheets]
    numerical = [q for q in root.findall("question") if q.get("type") == "numerical"]
    assert len(numerical) == sum(len(s.blanks()) for s in sheets)
    got = {q.find("name/text").text: q.find("answer/text").text for q in numerical}
    for s in sheets:
        for n, b in enumerate(s.blanks(), 1):
            assert got[f"{s.id} #{n} {b.id}"] == str(b.rounded)


def test_gift_carries_every_blank_and_answer(klass):
    sheets, files = klass
    text = files["questions-gift.txt"]
    assert [line for line in text.splitlines() if line.startswith("$CATEGORY")] == \
        [f"$CATEGORY: archcost/{s.id}" for s in sheets]
    questions = [line for line in text.splitlines() if line.startswith("::")]
    assert len(questions) == sum(len(s.blanks()) for s in sheets)
    for s in sheets:
        for n, b in enumerate(s.blanks(), 1):
            line = next(q for q in questions if q.startswith(f"::{s.id} \\#{n} {b.id}::"))
            answers = re.search(r"\{#(.*?)(####|\}$)", line).group(1)
            assert f"={b.rounded}:0.5" in answers


def test_qti_zip_as_canvas_imports_it(klass):
    sheets, files = klass
    z = zipfile.ZipFile(io.BytesIO(files["questions-qti.zip"]))
    manifest = ET.fromstring(z.read("imsmanifest.xml"))
    hrefs = [f.get("href") for f in manifest.iter() if f.tag.endswith("file")]
    assert len(hrefs) == len(sheets)
    for s, href in zip(sheets, hrefs):
        root = ET.fromstring(z.read(href))
        items = root.findall(f".//{QTI}item")
        assert len(items) == len(s.blanks())
        for item, b in zip(items, s.blanks()):
            kind = [f.find(f"{QTI}fieldentry").text for f in item.iter(f"{QTI}qtimetadatafield")
                    if f.find(f"{QTI}fieldlabel").text == "question_type"]
            assert kind == ["numerical_question"]
            lo = float(item.find(f".//{QTI}vargte").text)
            hi = float(item.find(f".//{QTI}varlte").text)
            assert (lo, hi) == (b.rounded - 0.5, b.rounded + 0.5)


def test_same_class_same_lms_bytes():
    a = make_sheets("alexnet", variants=2, seed=1, groups=("memory",), rows=("conv1",))
    b = make_sheets("alexnet", variants=2, seed=1, groups=("memory",), rows=("conv1",))
    assert worksheet_files(a, ["qti", "moodle"]) == worksheet_files(b, ["qti", "moodle"])


def test_korean_moodle_questions():
    sheets = make_sheets("alexnet", groups=("memory",), rows=("conv1",))
    root = ET.fromstring(worksheet_files(sheets, ["moodle"], "ko")["questions-moodle.xml"])
    text = root.find("question[@type='numerical']/questiontext/text").text
    assert "메모리 (KB)" in text and "레이어별 표" in text


ROSTER = "id,name,email\n2024001,김민지,minji@school.kr\n2024002,Lee Jun,\n2024003,박서연,seoyeon@school.kr\n"


def test_roster_forms():
    assert [s.id for s in parse_roster("r", ROSTER)] == ["2024001", "2024002", "2024003"]
    canvas = "Student,ID,SIS User ID,Section\nKim Minji,101,2024001,A\n"
    assert parse_roster("r", canvas)[0].id == "101"
    moodle = "First name,Surname,ID number,Email address\nMinji,Kim,2024001,m@s.kr\n"
    s = parse_roster("r", moodle)[0]
    assert (s.id, s.name, s.email) == ("2024001", "Minji Kim", "m@s.kr")
    assert parse_roster("r", "7,Ann\n8,Bo\n")[1].name == "Bo"    # no header: id, name


def test_roster_errors_are_one_line(tmp_path):
    bad = tmp_path / "r.csv"
    bad.write_text("id,name\n1,A\n1,B\n")
    r = CliRunner().invoke(cli, ["worksheet", "alexnet", "-o", str(tmp_path / "o"), "--roster", str(bad)])
    assert r.exit_code == 2 and r.output.count("\n") == 1 and "r.csv:3:" in r.output and "'1'" in r.output


def test_roster_gives_each_student_a_variant_with_their_name(tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out = tmp_path / "hw3"
    r = CliRunner().invoke(cli, ["worksheet", "alexnet", "-o", str(out), "--roster", str(roster), "--format",
                                 "markdown", "--blank", "memory"])
    assert r.exit_code == 0, r.output
    key = json.loads((out / "key.json").read_text())
    assert [s["student"]["id"] for s in key["sheets"]] == ["2024001", "2024002", "2024003"]
    sheet = (out / f"worksheet-{key['sheets'][0]['id']}.md").read_text()
    assert "김민지" in sheet and "2024001" in sheet


def test_questions_carry_the_conventions_but_not_in_an_exam():
    sheets = make_sheets("alexnet", groups=("memory",), rows=("conv1",))
    text = ET.fromstring(worksheet_files(sheets, ["moodle"])["questions-moodle.xml"]).find(
        "question[@type='numerical']/questiontext/text").text
    # the lecture's memory rule (seed 000): output elements x 4 bytes / 1024
    assert "<summary>Conventions</summary>" in text and "x 4 bytes (float32) / 1024" in text
    exam = make_sheets("alexnet", groups=("memory",), rows=("conv1",), exam=True)
    text = ET.fromstring(worksheet_files(exam, ["moodle"])["questions-moodle.xml"]).find(
        "question[@type='numerical']/questiontext/text").text
    assert "Conventions" not in text


def test_word_answers_are_short_answer_questions():
    # the lecture's three findings on AlexNet (LECTURES.md section 2): the most memory in conv1,
    # the most parameters in fc6, the most FLOPs in conv2
    sheets = make_sheets("alexnet", ("findings",))
    files = worksheet_files(sheets, ["moodle", "gift", "qti"])
    root = ET.fromstring(files["questions-moodle.xml"])
    short = {q.find("name/text").text.split()[-1]: q.find("answer/text").text
             for q in root.findall("question[@type='shortanswer']")}
    assert short == {"memory.top": "conv1", "params.top": "fc6", "flops.top": "conv2"}
    assert "{=conv1####" in files["questions-gift.txt"]
    z = zipfile.ZipFile(io.BytesIO(files["questions-qti.zip"]))
    item = ET.fromstring(z.read("archcost-alexnet-s0/archcost-alexnet-s0.xml")).find(f".//{QTI}item")
    assert item.find(f".//{QTI}fieldentry").text == "short_answer_question"
    assert item.find(f".//{QTI}varequal").text == "conv1"


def test_roster_and_a_different_variant_count_is_an_error(tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    r = CliRunner().invoke(cli, ["worksheet", "alexnet", "-o", str(tmp_path / "o"), "--roster", str(roster),
                                 "--variants", "5"])
    assert r.exit_code == 2 and "the roster has 3 students" in r.output and not (tmp_path / "o").exists()
