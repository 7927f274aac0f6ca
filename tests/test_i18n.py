"""Korean sheets: the catalogs, the English default unchanged, every text translated, PDF fonts.

The Korean terms are the lecture notes' (../shared/seeds/: 출력 크기, 메모리, 파라미터 수,
계산량); the numbers are the lecture's AlexNet conv1 (784 KB, 23,296 parameters).
"""

import io
import re

import pytest
from click.testing import CliRunner

from archcost.cli import cli
from archcost.i18n import Catalog, catalog, languages, localize_blocks, parse_po
from archcost.worksheet import make_sheets, worksheet_files
from archcost.worksheet.document import blocks
from archcost.worksheet.render import render


def _hangul_font():
    from archcost.worksheet.fonts import find_font

    try:
        return find_font("메모리")
    except Exception:
        return None


def test_every_catalog_keeps_its_placeholders():
    import os

    from archcost.i18n import LOCALE_DIR

    assert "ko" in languages()
    for lang in languages()[1:]:
        path = os.path.join(LOCALE_DIR, f"{lang}.po")
        entries = parse_po(open(path, encoding="utf-8").read(), path)
        assert len(entries) > 150, lang
        for msgid, msgstr, flags in entries:
            if "python-brace-format" in flags:
                assert set(re.findall(r"\{(\w+)\}", msgid)) == set(re.findall(r"\{(\w+)\}", msgstr)), msgid


def test_po_reader_continuations_and_patterns():
    entries = parse_po('msgid ""\nmsgstr "Language: xx\\n"\n\nmsgid "a "\n"b"\nmsgstr "X"\n\n'
                       '#, python-brace-format\nmsgid "{n} cats"\nmsgstr "{n} chats"\n\n'
                       'msgid "Cats ate."\nmsgstr "Chats."\n')
    tr = Catalog("xx", entries)
    assert tr("a b") == "X"
    assert tr("3 cats") == "3 chats"
    assert tr("Cats ate. Cats ate.") == "Chats. Chats."   # sentence by sentence
    assert tr("dogs") == "dogs" and "dogs" in tr.missing


def test_english_is_unchanged_by_lang_en():
    sheet = make_sheets("alexnet", groups=("memory",), rows=("conv1",))[0]
    for fmt in ("markdown", "html", "latex"):
        assert render(sheet, fmt, lang="en") == render(sheet, fmt) == render(sheet, fmt, lang=None)


def test_korean_alexnet_sheet_uses_the_lecture_terms():
    sheet = make_sheets("alexnet", groups=("memory", "params"), rows=("conv1",))[0]
    md = render(sheet, "markdown", lang="ko")
    for term in ("메모리 (KB)", "파라미터 수 (k)", "계산량 (M)", "출력 H/W", "계산 규칙", "이름"):
        assert term in md, term
    key = render(sheet, "markdown", key=True, lang="ko")
    # the lecture's conv1: 200,704 x 4 / 1024 = 784 KB; 64 x 3 x 11 x 11 + 64 = 23,296
    assert re.search(r"메모리 \(KB\)\s+200,704 x 4 / 1,024 = 784", key)
    assert "64 x 3 x 11 x 11 + 64 = 23,296" in key
    assert "정답지" in key and "채점" in key


@pytest.mark.parametrize("network,exercises,variants", [
    ("alexnet", ("table", "findings"), 2), (None, ("vgg-stack", "inception", "alexnet-224"), 2),
    ("resnet50", ("table",), 0), ("mobilenet_v2", ("table",), 0), ("googlenet", ("table",), 0),
    ("lenet5", ("table",), 0),
    (None, ("bottleneck", "depthwise", "se", "receptive-field", "googlenet-1x1", "compound"), 2)])
def test_every_sentence_of_the_lecture_sheets_is_translated(network, exercises, variants):
    ko = catalog("ko")
    ko.missing.clear()
    for s in make_sheets(network, exercises, variants=variants)[:2]:
        for key in (False, True):
            localize_blocks(blocks(s, key), "ko")
    # what stays as written: layer names, '%' and pool kernels such as 'adaptive 7' (spec words)
    left = {m for m in ko.missing if not re.fullmatch(r"[\w.%-]+|adaptive \d+", m)}
    assert not left


def test_unknown_language_is_one_error_line(tmp_path):
    r = CliRunner().invoke(cli, ["worksheet", "alexnet", "-o", str(tmp_path / "o"), "--lang", "xx"])
    assert r.exit_code == 2
    assert r.output.startswith("error: --lang xx: no such language") and "ko" in r.output
    assert not (tmp_path / "o").exists()


def test_korean_pdf_reads_back_with_its_korean_text():
    pypdf = pytest.importorskip("pypdf")
    pytest.importorskip("fpdf")
    if not _hangul_font():
        pytest.skip("no font with Hangul here (apt-get install fonts-nanum)")
    sheets = make_sheets("alexnet", groups=("memory",), rows=("conv1",))
    files = worksheet_files(sheets, ["pdf"], "ko")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(files["worksheet-alexnet-s0.pdf"])).pages)
    assert "워크시트" in text and "메모리" in text and "계산 규칙" in text and "??" not in text
    key = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(files["key-alexnet-s0.pdf"])).pages)
    assert "정답지" in key and "784" in key


def test_no_hangul_font_is_one_error_line_saying_how_to_get_one(tmp_path, monkeypatch):
    pytest.importorskip("fpdf")
    from archcost.worksheet import fonts

    monkeypatch.setattr(fonts, "KNOWN", ())
    monkeypatch.setattr(fonts, "_fc_match", lambda: [])
    monkeypatch.delenv("ARCHCOST_FONT", raising=False)
    r = CliRunner().invoke(cli, ["worksheet", "alexnet", "-o", str(tmp_path / "o"), "--format", "pdf", "--lang", "ko"])
    assert r.exit_code == 2
    assert r.output.count("\n") == 1 and r.output.startswith("error: no font")
    assert "fonts-nanum" in r.output and "--font" in r.output
    assert not (tmp_path / "o").exists()
    # a font without Hangul given by hand is refused the same way
    bad = tmp_path / "latin.ttf"
    bad.write_bytes(b"not a font")
    r = CliRunner().invoke(cli, ["worksheet", "alexnet", "-o", str(tmp_path / "o"), "--format", "pdf", "--lang", "ko",
                                 "--font", str(bad)])
    assert r.exit_code == 2 and "cannot show" in r.output


def test_english_pdf_needs_no_font_file(monkeypatch):
    pytest.importorskip("fpdf")
    from archcost.worksheet import fonts

    monkeypatch.setattr(fonts, "KNOWN", ())
    monkeypatch.setattr(fonts, "_fc_match", lambda: [])
    sheet = make_sheets("alexnet", groups=("memory",), rows=("conv1",))[0]
    assert render(sheet, "pdf")[:5] == b"%PDF-"


def test_korean_latex_loads_kotex_from_the_catalog_header():
    sheet = make_sheets("alexnet", groups=("memory",), rows=("conv1",))[0]
    tex = render(sheet, "latex", lang="ko")
    assert "\\usepackage{kotex}" in tex and "메모리 (KB)" in tex
    assert "kotex" not in render(sheet, "latex")


def test_korean_explain_and_grading_problems(tmp_path):
    # the lecture's conv1: 200,704 x 4 / 1024 = 784 KB
    r = CliRunner().invoke(cli, ["explain", "alexnet", "conv1", "--lang", "ko"])
    assert r.exit_code == 0
    assert re.search(r"메모리 \(KB\)\s+200,704 x 4 / 1,024 = 784", r.output) and "출처:" in r.output
    assert CliRunner().invoke(cli, ["explain", "alexnet", "conv1"]).output == \
        CliRunner().invoke(cli, ["explain", "alexnet", "conv1", "--lang", "en"]).output
    out = tmp_path / "o"
    CliRunner().invoke(cli, ["worksheet", "alexnet", "-o", str(out), "--rows", "conv1", "--blank", "memory"])
    bad = tmp_path / "a.csv"
    bad.write_text("variant,cell,answer\nalexnet-s0,conv1.memory,about\n")
    r = CliRunner().invoke(cli, ["grade", str(out / "key.json"), str(bad), "--lang", "ko"])
    assert r.exit_code == 2
    assert "2행: 'about'은(는) 숫자가 아니다 (칸 conv1.memory, 단위 KB)" in r.output
    assert "점수 0.0%" in r.output


def test_font_from_the_environment_and_same_bytes(monkeypatch):
    pytest.importorskip("fpdf")
    path = _hangul_font()
    if not path:
        pytest.skip("no font with Hangul here (apt-get install fonts-nanum)")
    from archcost.worksheet import fonts

    monkeypatch.setattr(fonts, "KNOWN", ())
    monkeypatch.setattr(fonts, "_fc_match", lambda: [])
    monkeypatch.setenv("ARCHCOST_FONT", path)
    sheet = make_sheets("alexnet", groups=("memory",), rows=("conv1",))[0]
    first = render(sheet, "pdf", lang="ko")
    assert first == render(sheet, "pdf", lang="ko") and first[:5] == b"%PDF-"   # same sheet, same bytes


def test_korean_exercise_list_is_whole():
    from archcost.worksheet.build import list_exercises
    from archcost.worksheet.exercises import EXERCISES

    ko = catalog("ko")
    ko.missing.clear()
    text = list_exercises("ko")
    assert not ko.missing and text.count("\n") == len(EXERCISES) and "네트워크 필요" in text


def test_catalogs_are_gettext_files_gettext_reads_alike(tmp_path):
    """GNU msgfmt checks each catalog (syntax, duplicates, python-brace-format placeholders), and the
    standard library's gettext reads the compiled file to the same translations as archcost's loader."""
    import gettext
    import os
    import shutil
    import subprocess

    from archcost.i18n import LOCALE_DIR

    if not shutil.which("msgfmt"):
        pytest.skip("GNU gettext's msgfmt is not installed")
    for lang in languages()[1:]:
        po, mo = os.path.join(LOCALE_DIR, f"{lang}.po"), tmp_path / f"{lang}.mo"
        done = subprocess.run(["msgfmt", "--check", "-o", str(mo), po], capture_output=True, text=True)
        assert done.returncode == 0 and not done.stderr, done.stderr
        with open(mo, "rb") as fh:
            gnu = gettext.GNUTranslations(fh)
        ours = catalog(lang)
        assert ours.exact and all(gnu.gettext(k) == v for k, v in ours.exact.items())
        if lang == "ko":   # the lecture notes' term
            assert gnu.gettext("memory (KB)") == "메모리 (KB)"


def test_korean_html_sheet_declares_its_language():
    from html.parser import HTMLParser

    sheet = make_sheets("alexnet", groups=("memory",), rows=("conv1",))[0]
    page = render(sheet, "html", lang="ko")
    texts = []

    class Reader(HTMLParser):
        def handle_data(self, data):
            texts.append(data)

    Reader().feed(page)
    assert '<html lang="ko">' in page and "메모리 (KB)" in texts and "계산 규칙" in texts
