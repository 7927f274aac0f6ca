"""Fuzzing the spec loader and the whole pipeline (issue 6, section 1).

Whatever a spec holds, archcost ends in a report or in ONE ArchcostError whose
text names the file (and the line and layer where it applies): never another
exception, never a traceback. Inputs: random YAML documents, random specs built
from the op schemas, and mutations of every shipped spec (specs/*.yaml) -- keys
deleted, renamed or duplicated, values replaced by negative, zero, huge, float,
string, boolean, list or null values, layers reordered or duplicated, inputs
pointed at missing or later layers, blocks that use themselves, huge repeats.
Sizes are bounded with ``max_nodes``, so a mutation that builds a huge network
is refused, never computed for minutes.

The grade command is fuzzed the same way: hostile answers CSVs (damaged cells, rows, quotes,
4,301-digit numbers, forged lines) and damaged keys end in a gradebook row per file with one
problem line each, or in one error line for the key.

Short run (CI, every ``pytest``): a few dozen examples per test. Long run::

    ARCHCOST_FUZZ=long pytest tests/test_fuzz.py
"""

from __future__ import annotations

import copy
import csv
import glob
import io
import json
import math
import os
import re
import stat

import pytest
import yaml
from click.testing import CliRunner
from fuzz_profiles import FUZZ
from hypothesis import event, given, settings
from hypothesis import strategies as st
from test_properties import assert_report_invariants

import archcost
from archcost.cli import cli
from archcost.errors import ArchcostError, one_line
from archcost.ops import all_ops
from archcost.ops.base import REQUIRED
from archcost.render.formats import FORMATS
from archcost.render.table import render_table
from archcost.spec import zoo
from archcost.spec.loader import BLOCK_KEYS, HEADER_KEYS, LAYER_KEYS, VARIANT_KEYS, load_graph, read_spec

MAX_NODES = 5_000   # every shipped network has fewer than 1,000 layers
SPEC_FILES = sorted(glob.glob(os.path.join(zoo.spec_dir(), "*.yaml")))
OPS = {name: op for name, op in all_ops().items() if name != "input"}
ATTR_NAMES = sorted({a for op in OPS.values() for a in op.attrs})
KEYS = sorted(set(HEADER_KEYS + LAYER_KEYS + BLOCK_KEYS + VARIANT_KEYS) | set(ATTR_NAMES))

# values a student might write by mistake, and values written to hurt
NASTY = st.one_of(
    st.sampled_from([
        0, -1, -64, 1, 2, 3, 7, 64, 10**6, 10**12, 2**64 + 1, 10**30, 10**400, 0.5, 1.5, -0.0, 2.0, 1e308,
        float("inf"), float("-inf"), float("nan"), "", " ", "abc", "in", "input", "i", "same", "conv", "x" * 60,
        "9**9**9", "10**10**10", "2**64 * 2**64", "1/0", "1 // 0", "(", "[1, 2][5]", "2 if i else 1",
        "layers[9]", "in.x", "{i}", "conv{i+1}", "-" * 300 + "1", "not " * 100 + "1", True, False, None,
        [], [1], [1, 2], [1, 2, 3], [-1, 2], [[0]], [[0, 1], [1]], ["in"], {}, {"a": 1},
    ]),
    st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(-3, 300), max_size=4),
    st.sampled_from(sorted(OPS)),
)


# ---------------------------------------------------------------- the pipeline and its verdicts
def outcome(path: str, pick: int = 0, input=None):
    """Read, expand, analyze and render ``path`` (the ``pick``-th variant); return the
    report or the ArchcostError, after checking it. Any other exception fails the test."""
    try:
        spec = read_spec(path)
        names = list(spec.variants)
        variant = names[pick % len(names)] if names else None
        graph = load_graph(spec, variant, input=input, max_nodes=MAX_NODES)
        report = archcost.analyze(graph)
        for fmt in FORMATS:
            render_table(report, fmt)
        render_table(report, "text", all=True, exact=True)
    except ArchcostError as exc:
        assert_located(exc, path)
        event("error: " + re.sub(r"'[^']*'|\S*\d\S*", "_", exc.what)[:40])   # --hypothesis-show-statistics
        return exc
    assert_report_invariants(report)
    event("report")
    return report


def assert_located(exc: ArchcostError, path: str) -> None:
    text = str(exc)
    assert type(exc) is ArchcostError, repr(exc)
    assert len(text.splitlines()) == 1 and text.isprintable(), repr(text)
    assert text.startswith(f"{path}:"), text          # names the file first, as a compiler does
    if exc.layer:                                     # an error in a layer names its line too
        # the message escapes what a spec can smuggle into a name (line breaks, control characters)
        assert exc.line and text.startswith(one_line(f"{path}:{exc.line}: layer '{exc.layer}':")), text


def write(tmp_path_factory, text: str) -> str:
    path = tmp_path_factory.getbasetemp() / "fuzzed.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------- mutations of the shipped specs
_ORIGINALS: dict[str, tuple[str, object]] = {}


def original(path: str):
    """(text, data) of a shipped spec, read once per run (specs may change between runs)."""
    if path not in _ORIGINALS:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        _ORIGINALS[path] = (text, yaml.safe_load(text))
    text, data = _ORIGINALS[path]
    return text, copy.deepcopy(data)


def slots(node) -> list:
    """Every (container, key) of a YAML document."""
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        items = list(n.items()) if isinstance(n, dict) else list(enumerate(n)) if isinstance(n, list) else []
        for k, v in items:
            out.append((n, k))
            stack.append(v)
    return out


def layer_lists(doc) -> list[list]:
    """The network's layer list and every block's."""
    found = [doc.get("layers")] + [b["layers"] for b in blocks(doc).values()]
    return [x for x in found if isinstance(x, list) and x and all(isinstance(i, dict) for i in x)]


def blocks(doc) -> dict:
    """The blocks that have a list of layers, by name."""
    found = doc.get("blocks") if isinstance(doc.get("blocks"), dict) else {}
    return {k: b for k, b in found.items() if isinstance(k, str) and isinstance(b, dict)
            and isinstance(b.get("layers"), list) and b["layers"] and all(isinstance(i, dict) for i in b["layers"])}


def m_delete(doc, draw):
    c, k = draw(st.sampled_from([s for s in slots(doc) if isinstance(s[0], dict)]))
    del c[k]


def m_rename(doc, draw):
    c, k = draw(st.sampled_from([s for s in slots(doc) if isinstance(s[0], dict)]))
    new = draw(st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=8), st.integers(-2, 2)))
    items = list(c.items())
    c.clear()
    c.update((new if kk == k else kk, v) for kk, v in items)


def m_replace(doc, draw):
    c, k = draw(st.sampled_from(slots(doc)))
    c[k] = draw(NASTY)


def m_layer_value(doc, draw):
    layer = draw(st.sampled_from([x for lst in layer_lists(doc) for x in lst]))
    key = draw(st.sampled_from(sorted(set(layer) | {"repeat", "when", "input", "out", "kernel", "stride", "pad"},
                                      key=str)))
    layer[key] = draw(NASTY)


def m_reorder(doc, draw):
    lists = [c[k] for c, k in slots(doc) if isinstance(c[k], list) and len(c[k]) > 1]
    if not lists:
        return m_replace(doc, draw)
    lst = draw(st.sampled_from(lists))
    i, j = draw(st.integers(0, len(lst) - 1)), draw(st.integers(0, len(lst) - 1))
    lst[i], lst[j] = lst[j], lst[i]


def m_duplicate(doc, draw):
    lst = draw(st.sampled_from(layer_lists(doc)))
    i, j = draw(st.integers(0, len(lst) - 1)), draw(st.integers(0, len(lst)))
    lst.insert(j, copy.deepcopy(lst[i]))


def m_bad_input(doc, draw):
    lst = draw(st.sampled_from(layer_lists(doc)))
    i = draw(st.integers(0, len(lst) - 1))
    later = [str(x["name"]) for x in lst[i:] if "name" in x]
    target = draw(st.sampled_from(later + ["nope", "in", "input", ""]))
    lst[i]["input"] = draw(st.sampled_from([target, [target], [target, "in"], ["in", target, target]]))


def m_self_use(doc, draw):
    found = blocks(doc)
    if not found or not layer_lists(doc) or layer_lists(doc)[0] is not doc.get("layers"):
        return m_replace(doc, draw)
    a = draw(st.sampled_from(sorted(found)))
    b = draw(st.sampled_from(sorted(found)))
    draw(st.sampled_from(found[a]["layers"]))["op"] = b    # a uses b; when a == b, a uses itself
    draw(st.sampled_from(found[b]["layers"]))["op"] = a
    # make sure the network reaches block a
    draw(st.sampled_from(doc["layers"]))["op"] = a


def m_big_repeat(doc, draw):
    layer = draw(st.sampled_from([x for lst in layer_lists(doc) for x in lst]))
    layer["repeat"] = draw(st.sampled_from([10**3, 10**5, 10**9, 10**12, "10**12", "2**62", 2**64, -5]))


MUTATIONS = [m_delete, m_rename, m_replace, m_layer_value, m_reorder, m_duplicate, m_bad_input, m_self_use,
             m_big_repeat]


@st.composite
def mutated_spec(draw, path=None):
    """(yaml text, variant pick) of a shipped spec (``path``, or any) after one to three mutations."""
    _, doc = original(path or draw(st.sampled_from(SPEC_FILES)))
    for mutate in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3)):
        if isinstance(doc, dict) and layer_lists(doc) and any(isinstance(c, dict) for c, _ in slots(doc)):
            mutate(doc, draw)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), draw(st.integers(0, 20))


def _dup_first_key(line: str) -> str:
    return re.sub(r"\{(\s*[^,{}:]+:\s*[^,{}]+),", r"{\1, \1,", line, count=1)


TEXT_EDITS = {
    "duplicate a key": _dup_first_key,
    "delete the line": lambda line: "",
    "duplicate the line": lambda line: line + "\n" + line,
    "indent with a tab": lambda line: "\t" + line,
    "cut the line in half": lambda line: line[: len(line) // 2],
    "unindent": lambda line: line.lstrip(),
    "add a stray colon": lambda line: line + ": x",
}


@st.composite
def edited_text(draw):
    """A shipped spec's own text (comments and all) with a few lines edited."""
    path = draw(st.sampled_from(SPEC_FILES))
    lines = original(path)[0].splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = TEXT_EDITS[draw(st.sampled_from(sorted(TEXT_EDITS)))](lines[i])
    return "\n".join(lines) + "\n", draw(st.integers(0, 20))


# ---------------------------------------------------------------- random documents and random specs
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10, 300), st.floats(), st.text(max_size=10),
                    st.sampled_from(sorted(OPS)))
YAML_DATA = st.recursive(
    SCALARS,
    lambda kids: st.one_of(st.lists(kids, max_size=4),
                           st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), kids, max_size=5)),
    max_leaves=30)


def _value(kind):
    small = st.integers(-1, 12)
    return {
        "size": st.integers(-1, 70), "count": small,
        "pair": st.one_of(small, st.lists(small, min_size=1, max_size=3)),
        "pad": st.one_of(st.integers(-1, 4), st.just("same"), st.lists(st.integers(0, 3), min_size=2, max_size=2)),
        "float": st.floats(), "bool": st.booleans(), "str": st.text(max_size=5),
        "sizes": st.lists(st.integers(0, 40), max_size=4),
        "table": st.lists(st.lists(st.integers(0, 4), min_size=1, max_size=3), min_size=1, max_size=4),
    }.get(kind, NASTY)


@st.composite
def random_spec(draw):
    """A spec built from the op schemas: mostly well-formed, often wrong in shape or value."""
    layers, names = [], ["input"]
    for j in range(draw(st.integers(1, 8))):
        op = OPS[draw(st.sampled_from(sorted(OPS)))]
        layer = {"name": f"l{j}", "op": op.name}
        for key, attr in op.attrs.items():
            if attr.default is REQUIRED or draw(st.integers(0, 3)) == 0:
                layer[key] = draw(st.one_of(_value(attr.kind), NASTY) if draw(st.integers(0, 9)) == 0
                                  else _value(attr.kind))
        lo, hi = op.inputs
        if lo > 1 or draw(st.integers(0, 3)) == 0:
            layer["input"] = draw(st.lists(st.sampled_from(names), min_size=max(lo, 1), max_size=max(lo, 3)))
        layers.append(layer)
        names.append(layer["name"])
    shape = draw(st.one_of(st.lists(st.integers(1, 48), min_size=3, max_size=3),
                           st.lists(st.integers(-1, 48), max_size=5)))
    return {"name": "fuzzed", "input": shape, "layers": layers}


# ---------------------------------------------------------------- the fuzz tests
@pytest.mark.parametrize("spec", SPEC_FILES, ids=os.path.basename)
def test_mutated_shipped_specs_end_in_a_report_or_one_located_error(spec, tmp_path_factory):
    # every spec of the zoo, each with a quarter of the examples of the other tests
    @settings(FUZZ, max_examples=max(10, FUZZ.max_examples // 4))
    @given(case=mutated_spec(spec))
    def mutate(case):
        text, pick = case
        outcome(write(tmp_path_factory, text), pick)

    mutate()


@FUZZ
@given(case=edited_text())
def test_edited_spec_text_ends_in_a_report_or_one_located_error(case, tmp_path_factory):
    text, pick = case
    outcome(write(tmp_path_factory, text), pick)


@FUZZ
@given(spec=random_spec(), input=st.one_of(st.none(), st.sampled_from(["1", "3x7x7", "1x1x1", "5x100000000x3"])))
def test_random_specs_from_the_op_schemas(spec, input, tmp_path_factory):
    result = outcome(write(tmp_path_factory, yaml.safe_dump(spec, allow_unicode=True)), input=input)
    if isinstance(result, ArchcostError) and result.layer:
        assert result.layer in {"input"} | {x["name"] for x in spec["layers"]}, str(result)


@FUZZ
@given(doc=YAML_DATA)
def test_random_yaml_documents(doc, tmp_path_factory):
    outcome(write(tmp_path_factory, yaml.safe_dump(doc, allow_unicode=True)))


@FUZZ
@given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(lambda s: s.encode("utf-8"))))
def test_random_bytes(raw, tmp_path_factory):
    path = tmp_path_factory.getbasetemp() / "fuzzed.yaml"
    path.write_bytes(raw)
    outcome(str(path))


@FUZZ
@given(case=st.one_of(mutated_spec(), edited_text()),
       args=st.sampled_from([[], ["--all"], ["--exact"], ["--no-bias-flops", "--batch", "3"], ["--dtype", "int8"],
                             ["--input", "64"], ["--input", "3x1x1"], ["--set", "width=0"]]))
def test_the_cli_exits_0_or_2_with_one_line(case, args, tmp_path_factory):
    """The real entry point: exit status 0 (stdout is the JSON report) or 2 (one 'error:' line on stderr)."""
    path = write(tmp_path_factory, case[0])
    res = CliRunner().invoke(cli, ["table", path, "--format", "json", "--max-nodes", str(MAX_NODES), *args],
                             catch_exceptions=False)
    errors = [line for line in res.stderr.splitlines() if not line.startswith("warning: ")]
    if res.exit_code == 0:
        report = json.loads(res.stdout)
        assert not errors and report["totals"]["params"] >= 0 and math.isfinite(report["totals"]["memory_kb"])
    else:
        assert res.exit_code == 2, res.output
        assert res.stdout == "" and len(errors) == 1 and res.stderr.count("\n") == 1, res.stderr
        assert errors[0].startswith(f"error: {path}:"), errors[0]


# ---------------------------------------------------------------- output paths
# Whatever -o names, a command ends in its output written (through to a device, a FIFO or a
# symlink's target, which stay what they are; a regular file replaced whole) or in exactly one
# 'error:' line and exit 2; never a temporary file left behind (README, "What archcost promises").
def _wrote_through(kind, path, force, expected, tmp):
    ok = {"new": True, "long name": True, "dangling symlink": True, "device": True, "fifo": True,
          "existing": force, "symlink": force}
    if not ok.get(kind, False):
        return None
    if kind == "device":
        assert stat.S_ISCHR(os.stat(path).st_mode)
    elif kind == "fifo":
        assert stat.S_ISFIFO(os.stat(path).st_mode)
    else:
        if "symlink" in kind:
            assert os.path.islink(path)
        with open(path, "rb") as fh:
            assert fh.read() == expected
    return True


def _target(kind, tmp) -> str:
    """Make a path of ``kind`` in the fresh folder ``tmp``."""
    (tmp / "afile").write_text("x")
    (tmp / "real").mkdir()
    if kind == "existing":
        (tmp / "out.txt").write_text("old")
    if kind in ("device", "full"):    # a private /dev/null or /dev/full: a broken build cannot replace the real one
        try:
            os.mknod(tmp / "out.txt", stat.S_IFCHR | 0o666, os.makedev(1, 3 if kind == "device" else 7))
        except OSError:
            return "/dev/null" if kind == "device" else "/dev/full"
    if kind == "fifo":
        os.mkfifo(tmp / "out.txt")
    if kind == "symlink":
        (tmp / "real" / "t.txt").write_text("old")
    if kind in ("symlink", "dangling symlink"):
        (tmp / "out.txt").symlink_to(tmp / "real" / "t.txt")
    return {"missing folder": str(tmp / "no" / "out.txt"), "under a file": str(tmp / "afile" / "out.txt"),
            "a folder": str(tmp / "real"), "long name": str(tmp / ("n" * 251 + ".txt")),
            "too long": str(tmp / ("n" * 300 + ".txt")), "empty": "", "proc": "/proc/version",
            }.get(kind, str(tmp / "out.txt"))


OUTPUT_KINDS = ["new", "existing", "device", "fifo", "symlink", "dangling symlink", "missing folder", "under a file",
                "a folder", "long name", "too long", "empty", "proc", "full", "closed stdout"]
OUTPUT_COMMANDS = [["table", "alexnet"], ["list", "--family", "lenet"], ["explain", "lenet5", "C1"],
                   ["findings", "lenet5"], ["compare", "lenet5", "alexnet", "--no-stages"],
                   ["sweep", "lenet5", "--vary", "resolution=32:36:4"],
                   # the commands added since: the same output module, the same promises
                   ["memory", "lenet5"], ["time", "lenet5", "--device", "t4"], ["devices"],
                   ["reconcile", "lenet5"], ["conventions"], ["ops", "conv"]]
_FORMATS = {"reconcile": ("text", "markdown", "json"), "conventions": ("text", "markdown", "json"), "ops": ()}
_STDOUT: dict[tuple, bytes] = {}


@FUZZ
@given(kind=st.sampled_from(OUTPUT_KINDS), command=st.sampled_from(OUTPUT_COMMANDS), force=st.booleans(),
       fmt=st.sampled_from(["text", "csv", "json", "markdown"]))
def test_output_paths_are_written_through_or_one_error_line(kind, command, force, fmt, tmp_path_factory):
    import subprocess
    import sys
    import threading

    known = _FORMATS.get(command[0], (fmt,))
    args = [*command, "--format", fmt if fmt in known else known[0]] if known else list(command)
    if tuple(args) not in _STDOUT:
        res = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert res.exit_code == 0 and res.stdout_bytes, res.stderr
        _STDOUT[tuple(args)] = res.stdout_bytes
    expected = _STDOUT[tuple(args)]
    tmp = tmp_path_factory.mktemp("out")
    event(kind)
    if kind == "closed stdout":
        p = subprocess.run([sys.executable, "-m", "archcost", *args], capture_output=True, text=True,
                           preexec_fn=lambda: os.close(1), cwd=tmp)
        assert p.returncode == 2 and p.stderr.splitlines()[-1].startswith("error: standard output is closed"), p
        return
    path = _target(kind, tmp)
    force = force and not path.startswith("/dev/")      # never --force on the machine's own devices
    got = []
    if kind == "fifo":
        def drain():
            with open(path, "rb") as fh:
                got.append(fh.read())
        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
    res = CliRunner().invoke(cli, [*args, "-o", path] + (["--force"] if force else []), catch_exceptions=False)
    if kind == "fifo":
        reader.join(10)
        assert got == [expected]
    errors = [line for line in res.stderr.splitlines() if not line.startswith("warning: ")]
    if _wrote_through(kind, path, force, expected, tmp):
        assert res.exit_code == 0 and not errors and res.stdout == "", (kind, res.stderr)
    else:
        assert res.exit_code == 2 and len(errors) == 1 and errors[0].startswith("error: "), (kind, res.stderr)
        assert res.stdout == ""
        if kind == "existing":
            assert (tmp / "out.txt").read_text() == "old"
        if kind == "full":
            assert stat.S_ISCHR(os.stat(path).st_mode)
    for folder, _, names in os.walk(tmp):
        assert not [n for n in names if n.startswith(".archcost-")], (folder, names)
    assert (tmp / "afile").read_text() == "x"


# ---------------------------------------------------------------- grade: hostile answers and keys
_GRADE_KEY: dict = {}


def _grade_key() -> dict:
    """The key of the lecture's AlexNet table (memory, params and FLOPs blanked), made once."""
    if not _GRADE_KEY:
        from archcost.worksheet import key_json, make_sheets
        _GRADE_KEY.update(json.loads(key_json(make_sheets("alexnet", groups=("memory", "params", "flops")))))
    return copy.deepcopy(_GRADE_KEY)


ANSWER = st.one_of(st.sampled_from(["784", "784 KB", "23,296", "54,25", "", "9" * 4301, "1e999", "-0", "nan",
                                    '"', '"784', "1\nerror: forged", "\x1b[2J", "\r", "784;785", "0x10"]),
                   st.text(max_size=30), st.integers(-10**30, 10**30).map(str))


@st.composite
def answers_csv(draw) -> str:
    """An answers CSV as a student (or an attacker) might hand it in: the template's rows, some
    answers replaced, rows dropped or repeated, cells and the header damaged, raw text spliced in."""
    sheet = _grade_key()["sheets"][0]
    header = draw(st.sampled_from(["variant,n,cell,question,unit,answer", "variant,cell,answer", "answer",
                                   "variant;cell;answer", ""]))
    rows = []
    for b in sheet["blanks"]:
        if draw(st.integers(0, 9)) == 0:
            continue
        cell = b["cell"] if draw(st.integers(0, 19)) else draw(st.text(max_size=8))
        variant = sheet["id"] if draw(st.integers(0, 29)) else draw(st.text(max_size=8))
        answer = str(b["rounded"]) if draw(st.booleans()) else draw(ANSWER)
        rows.append([variant, str(b["n"]), cell, b["label"], b["unit"], answer])
    buf = io.StringIO()
    buf.write(header + "\n")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    text = buf.getvalue()
    if draw(st.integers(0, 4)) == 0:   # raw damage: an unclosed quote, a NUL, a cut
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(['"', "\0", "", "\n\n", "\ufeff", ",,,,,,"])) + text[at:]
    return text


@st.composite
def damaged_key(draw) -> str:
    """key.json with a field set to a hostile value, deleted, or the text cut short."""
    doc = _grade_key()
    blank = doc["sheets"][0]["blanks"][draw(st.integers(0, len(doc["sheets"][0]["blanks"]) - 1))]
    how = draw(st.sampled_from(["field", "delete", "sheet", "cut", "none"]))
    if how == "field":
        blank[draw(st.sampled_from(sorted(blank)))] = draw(NASTY)
    elif how == "delete":
        del blank[draw(st.sampled_from(sorted(blank)))]
    elif how == "sheet":
        doc["sheets"][0][draw(st.sampled_from(["id", "blanks"]))] = draw(NASTY)
    text = json.dumps(doc, default=str)
    if how == "cut":
        text = text[:draw(st.integers(0, len(text)))]
    return text


@FUZZ
@given(answers=st.lists(answers_csv(), min_size=1, max_size=3), key=st.one_of(st.none(), damaged_key()))
def test_grade_ends_in_a_gradebook_with_problem_lines_or_one_error(answers, key, tmp_path_factory):
    """Every answers file gets its gradebook row (problems named one line each, never a forged line);
    a damaged key is one 'error:' line and nothing else."""
    folder = tmp_path_factory.mktemp("class")
    key_path = folder / "key.json"
    key_path.write_text(key if key is not None else json.dumps(_grade_key()), encoding="utf-8")
    for i, text in enumerate(answers):
        (folder / f"s{i}.csv").write_text(text, encoding="utf-8")
    res = CliRunner().invoke(cli, ["grade", str(key_path), str(folder), "--format", "csv"], catch_exceptions=False)
    assert res.exit_code in (0, 2), res.output
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    if errors:
        assert res.exit_code == 2 and res.stdout == "" and res.stderr.count("\n") == 1, res.stderr
        event("damaged key: one error line")
        return
    assert all(line.startswith("problem: ") for line in res.stderr.splitlines()), res.stderr
    assert (res.exit_code == 2) == bool(res.stderr), res.output
    book = list(csv.reader(io.StringIO(res.stdout)))
    assert [row[0] for row in book[1:]] == [str(folder / f"s{i}.csv") for i in range(len(answers))]
    event("graded with problems" if res.stderr else "graded cleanly")
