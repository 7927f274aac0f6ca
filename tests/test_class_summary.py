"""Grading that teaches: mistakes named, partial credit, the class summary, copies, gradebooks.

The numbers are the lecture's AlexNet (seed 000): conv1 784 KB (200,704 x 4 / 1024),
23,296 parameters (23,232 without the 64 biases), pool1 (56 - 3) / 2 + 1 = 27.5 -> 27
(28 without the floor), 182.25 KB (186.624 with KB = 1000 bytes).
"""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from archcost.cli import cli
from archcost.worksheet import key_json, make_sheets
from archcost.worksheet.grade import Credit, grade_text

ROSTER = "id,name,email\n2024001,김민지,minji@school.kr\n2024002,이준호,\n2024003,박서연,seoyeon@school.kr\n"


def _key(sheets):
    return {s["id"]: s for s in json.loads(key_json(sheets))["sheets"]}


def _answers(variant, values):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["variant", "cell", "answer"])
    w.writerows([variant, c, a] for c, a in values.items())
    return buf.getvalue()


def test_lecture_mistakes_are_named():
    key = _key(make_sheets("alexnet", rows=("conv1", "pool1")))
    got = grade_text("a.csv", _answers("alexnet-s0", {
        "conv1.params": "23,232", "conv1.memory": "196", "pool1.hw_out": "28", "pool1.memory": "186.624",
        "conv1.flops": "72,855,552"}), key)
    mistakes = {m.cell: m.mistake for m in got.marks if m.mistake}
    assert mistakes == {"conv1.params": "bias forgotten",                     # 64 x 3 x 11 x 11 = 23,232
                        "conv1.memory": "the 4 bytes per element forgotten",  # 200,704 / 1024 = 196
                        "pool1.hw_out": "the floor not taken",                # 27.5 -> 28
                        "pool1.memory": "KB taken as 1000 bytes",             # 46,656 x 4 / 1000
                        "conv1.flops": "the bias add forgotten"}              # 200,704 x 363 = 72,855,552


def test_depthwise_counted_as_full_conv_on_mobilenet():
    sheets = make_sheets("mobilenet_v2", groups=("params",), rows=("bottleneck1.0.dwconv",))
    key = _key(sheets)
    # MobileNetV2's first depthwise 3x3 on 32 channels: 32 x 1 x 3 x 3 = 288 (+ 64 batch norm) = 352;
    # as a full conv: 32 x 32 x 3 x 3 = 9,216 (+ 64) = 9,280
    got = grade_text("a.csv", _answers(sheets[0].id, {"bottleneck1.0.dwconv.params": "9280"}), key)
    assert got.marks[0].mistake == "depthwise counted as a full conv"


def test_partial_credit_unit_and_carried_forward():
    key = _key(make_sheets("alexnet", rows=("conv1",)))
    answers = {"conv1.c_out": "64", "conv1.hw_out": "55", "conv1.memory": "756.25",   # 64 x 55 x 55 x 4 / 1024
               "conv1.params": "0.023296 M", "conv1.flops": "73"}
    plain = grade_text("a.csv", _answers("alexnet-s0", answers), key)
    assert plain.score == 40.0     # 2 of 5
    got = grade_text("a.csv", _answers("alexnet-s0", answers), key, Credit(unit=0.5, carry=0.5))
    credits = {m.cell: m.points for m in got.marks}
    assert credits == {"conv1.c_out": 1, "conv1.hw_out": 0, "conv1.memory": 0.5, "conv1.params": 0.5,
                       "conv1.flops": 1}
    assert got.score == 60.0
    bytes_ = grade_text("a.csv", _answers("alexnet-s0", {"conv1.memory": "802816 bytes"}), key, Credit(unit=1))
    assert bytes_.marks[2].points == 1 and "bytes" in bytes_.marks[2].why


def test_weights_per_exercise():
    sheets = make_sheets(None, ("vgg-stack", "alexnet-224"))
    key = _key(sheets)
    right = {b["cell"]: str(b["rounded"]) for b in key[sheets[0].id]["blanks"] if b.get("exercise") == "vgg-stack"}
    n_vgg, n_all = len(right), len(key[sheets[0].id]["blanks"])
    got = grade_text("a.csv", _answers(sheets[0].id, right), key, Credit(weights={"vgg-stack": 3}))
    assert got.score == round(100 * 3 * n_vgg / (3 * n_vgg + (n_all - n_vgg)), 1)


@pytest.fixture()
def klass(tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out = tmp_path / "hw3"
    r = CliRunner().invoke(cli, ["worksheet", "alexnet", "-o", str(out), "--roster", str(roster), "--format",
                                 "markdown", "--rows", "conv1,pool1,fc6", "--lang", "ko"])
    assert r.exit_code == 0, r.output
    key = json.loads((out / "key.json").read_text())
    subs = tmp_path / "subs"
    subs.mkdir()
    s1, s2, s3 = key["sheets"]
    right1 = {b["cell"]: str(b["rounded"]) for b in s1["blanks"]}
    kb1000 = {b["cell"]: str(m["rounded"]) for b in s1["blanks"] for m in b.get("mistakes", ())
              if m["mistake"] == "KB taken as 1000 bytes"}
    (subs / "minji.csv").write_text(_answers(s1["id"], {**right1, **kb1000}))
    right2 = {b["cell"]: str(b["rounded"]) for b in s2["blanks"]}
    kb1000_2 = {b["cell"]: str(m["rounded"]) for b in s2["blanks"] for m in b.get("mistakes", ())
                if m["mistake"] == "KB taken as 1000 bytes"}
    (subs / "junho.csv").write_text(_answers(s2["id"], {**right2, **kb1000_2}))
    (subs / "seoyeon.csv").write_text(_answers(s3["id"], right1))   # the answers of Minji's key
    return out, subs, roster, key


def test_class_summary_names_the_mistake_and_flags_the_copy(klass):
    out, subs, roster, key = klass
    r = CliRunner().invoke(cli, ["grade", str(out / "key.json"), str(subs), "--summary"])
    assert r.exit_code == 0, r.output
    lines = {line.split()[0] + " " + line.split()[1]: line for line in r.output.splitlines()
             if line.startswith("conv1:")}
    memory = lines["conv1: memory"]
    assert "KB taken as 1000 bytes x2" in memory and "3/3" in memory and "100%" in memory
    assert "possible copies" in r.output
    copy = [line for line in r.output.splitlines() if "with the key of" in line]
    assert len(copy) == 1 and "박서연 (2024003)" in copy[0] and "김민지 (2024001)" in copy[0]
    ko = CliRunner().invoke(cli, ["grade", str(out / "key.json"), str(subs), "--summary", "--lang", "ko"])
    assert "KB를 1000 byte로 계산함 x2" in ko.output and "반 전체 요약" in ko.output


def test_two_files_for_one_variant_are_flagged(klass):
    out, subs, roster, key = klass
    (subs / "again.csv").write_text((subs / "minji.csv").read_text())
    r = CliRunner().invoke(cli, ["grade", str(out / "key.json"), str(subs), "--summary"])
    assert "hand in the same variant " + key["sheets"][0]["id"] in r.output


def test_gradebooks_have_the_columns_each_lms_imports(klass, tmp_path):
    out, subs, roster, key = klass
    (subs / "seoyeon.csv").unlink()
    books = {}
    for kind in ("moodle", "canvas", "csv"):
        dest = tmp_path / f"{kind}.csv"
        r = CliRunner().invoke(cli, ["grade", str(out / "key.json"), str(subs), "--roster", str(roster),
                                     "--gradebook", kind, "--assignment", "HW3", "-o", str(dest)])
        assert r.exit_code == 0, r.output
        books[kind] = list(csv.DictReader(io.StringIO(dest.read_text(encoding="utf-8"))))
    moodle = books["moodle"]
    assert list(moodle[0]) == ["ID number", "Email address", "Full name", "HW3", "Feedback"]
    assert [row["ID number"] for row in moodle] == ["2024001", "2024002", "2024003"]
    assert moodle[2]["HW3"] == ""                       # handed nothing in
    assert "KB taken as 1000 bytes" in moodle[0]["Feedback"]
    canvas = books["canvas"]
    assert list(canvas[0]) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "HW3"]
    assert canvas[1]["SIS User ID"] == "2024002" and canvas[1]["Student"] == "이준호"
    assert float(canvas[0]["HW3"]) == float(moodle[0]["HW3"]) < 100


def test_variants_never_share_a_key():
    # vgg-stack draws C from 7 values and H from 3 (Simonyan & Zisserman's 3x3 stacks): 21 different keys
    sheets = make_sheets(None, ("vgg-stack",), variants=21)
    assert len({tuple(b.rounded for b in s.blanks()) for s in sheets}) == 21
    from archcost.errors import ArchcostError

    with pytest.raises(ArchcostError, match="could only make 21 of 22 variants whose keys all differ"):
        make_sheets(None, ("vgg-stack",), variants=22)


def test_exercise_totals_name_their_mistakes():
    # MobileNet's separable conv on 512 channels (Howard et al. 2017): 512 x 9 + 512 x 512 = 266,752 weights;
    # the depthwise 3x3 counted as a full conv: 512 x 512 x 9 + 512 x 512 = 2,621,440
    sheets = make_sheets(None, ("depthwise", "se"))
    got = grade_text("a.csv", _answers(sheets[0].id, {"separable.params": "2,621,440", "se.params": "8192"}),
                     _key(sheets))
    named = {m.cell: m.mistake for m in got.marks if m.mistake}
    # SENet's excitation without its biases: 2 x 256 x 256 / 16 = 8,192 (Hu et al. 2018)
    assert named == {"separable.params": "depthwise counted as a full conv", "se.params": "bias forgotten"}


def test_carried_forward_from_the_row_above():
    # conv1 answered 60 wide instead of 56: pool1 (3x3, stride 2) then gives floor((60 - 3) / 2) + 1 = 29,
    # and 64 x 29 x 29 x 4 / 1024 = 210.25 KB -> 210 (the lecture's rules, seed 000)
    key = _key(make_sheets("alexnet", rows=("conv1", "pool1")))
    answers = {"conv1.c_out": "64", "conv1.hw_out": "60", "pool1.c_out": "64", "pool1.hw_out": "29",
               "pool1.memory": "210"}
    got = grade_text("a.csv", _answers("alexnet-s0", answers), key, Credit(carry=0.5))
    marks = {m.cell: m for m in got.marks}
    assert marks["pool1.hw_out"].points == 0.5 and marks["pool1.memory"].points == 0.5
    assert "carried forward from your conv1.c_out conv1.hw_out = 64, 60" in marks["pool1.hw_out"].why
    assert "carried forward from your pool1.c_out pool1.hw_out = 64, 29" in marks["pool1.memory"].why
    assert marks["conv1.hw_out"].points == 0


def test_summary_as_json(klass):
    out, subs, roster, key = klass
    r = CliRunner().invoke(cli, ["grade", str(out / "key.json"), str(subs), "--summary", "--format", "json"])
    doc = json.loads(r.output)
    memory = next(c for c in doc["cells"] if c["cell"] == "conv1.memory")
    assert (memory["wrong"], memory["answered"]) == (3, 3)      # two KB = 1000 bytes, one copied key
    assert {"mistake": "KB taken as 1000 bytes", "count": 2} in memory["mistakes"]
    assert len(doc["copies"]) == 1
