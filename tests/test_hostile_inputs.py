"""Inputs written to hurt parsers (issue 6, section 1), through the CLI.

Each ends in exit status 2 and one 'error:' line that names the file, never a
traceback -- except the two that are legitimate UTF-8 text (a byte-order mark,
CRLF line ends), which must work. Sizes are refused by limits, never computed
for minutes: specs over 5 MB before parsing, more than --max-nodes layers before
building them where that is known up front, integer attributes over 2**48,
tensors over 2**64 elements, expressions over 1,000 characters or with exponents
over 64. Also the regression tests of the core bugs the fuzz suite found.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_bad_input import GOOD   # the small conv + fc spec every bad-input test edits

import archcost
from archcost.errors import ArchcostError
from archcost.ops.pool import _adaptive_total



def refused(run, path, *pieces, args=()):
    """Run 'archcost table PATH'; assert exit 2 and one 'error:' line naming the file and holding pieces."""
    res = run("table", str(path), *args)
    assert res.exit_code == 2, res.output
    assert res.stdout == "" and res.stderr.count("\n") == 1 and "Traceback" not in res.stderr, res.stderr
    line = res.stderr.rstrip("\n")
    assert line.startswith(f"error: {path}:"), line
    for piece in pieces:
        assert piece in line, (piece, line)
    return line


def works(run, path, *args):
    res = run("table", str(path), "--format", "json", *args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.fixture
def spec_bytes(tmp_path):
    def _write(data: bytes | str, name="net.yaml"):
        path = tmp_path / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path
    return _write


# ---------------------------------------------------------------- the parser's hostile inputs
def test_billion_laughs_alias_bomb(run, spec_bytes):
    bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    refused(run, spec_bytes(bomb + GOOD.replace("name: net\n", "")), "aliases (*name) are not supported")


def test_duplicate_keys_are_an_error_with_the_line(run, spec_bytes):
    refused(run, spec_bytes(GOOD.replace("out: 10}", "out: 10, out: 100}")), ":5:", "duplicate key 'out'")
    refused(run, spec_bytes(GOOD + "name: other\n"), ":6:", "duplicate key 'name'")


def test_tabs_say_yaml_indents_with_spaces(run, spec_bytes):
    refused(run, spec_bytes(GOOD.replace("  - {name: fc", "\t- {name: fc")), ":5:", "not tabs")


@pytest.mark.parametrize("variant", ["bom", "crlf", "bom+crlf"])
def test_a_byte_order_mark_and_crlf_line_ends_work(run, spec_bytes, variant):
    data = GOOD.replace("\n", "\r\n") if "crlf" in variant else GOOD
    data = ("\ufeff" if "bom" in variant else "") + data
    report = works(run, spec_bytes(data))
    # conv1: 8 x 3 x 3 x 3 + 8 = 224 parameters; fc on 8 x 30 x 30: 7,200 x 10 + 10 = 72,010
    assert [x["params"] for x in report["layers"]] == [224, 72010]
    # and the line numbers stay right with CRLF: the error is on line 5
    refused(run, spec_bytes(data.replace("out: 10}", "out: -10}")), ":5:", "layer 'fc'")


def test_non_utf8_bytes_name_the_line(run, spec_bytes):
    refused(run, spec_bytes(GOOD.encode() + b"# caf\xe9\n"), ":6:", "not UTF-8", "0xe9")


def test_a_directory(run, tmp_path):
    (tmp_path / "specs.yaml").mkdir()
    refused(run, tmp_path / "specs.yaml", "is a directory")


def test_a_binary_file(run, spec_bytes):
    refused(run, spec_bytes(bytes(range(256)) * 4, "model.yaml"), "binary file")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "\ufeff"])
def test_an_empty_file(run, spec_bytes, text):
    refused(run, spec_bytes(text), "the spec is empty")


def test_a_50_mb_file_is_refused_by_its_size_before_parsing(run, spec_bytes, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("a 50 MB spec was parsed")
    monkeypatch.setattr("archcost.spec.yamlread.yaml.load", never)
    line = GOOD.splitlines()[-1] + "\n"
    path = spec_bytes(GOOD + line * (50 * 2**20 // len(line)))
    refused(run, path, "specs are limited to 5,242,880")


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, "{a: " * 50_000 + "1" + "}" * 50_000,
                                  "- " * 50_000 + "1", "x: [" + "[" * 2_000 + "]" * 2_000 + "]"],
                         ids=["100,000 [", "50,000 {", "50,000 -", "2,000 [ in a value"])
def test_deeply_nested_yaml(run, spec_bytes, text):
    refused(run, spec_bytes(text), "nesting is too deep")


def test_deep_nesting_does_not_crash_the_real_process(spec_bytes):
    # libyaml's composer recursed in C: 100,000 '[' killed the process with a segmentation fault
    path = spec_bytes("[" * 100_000 + "]" * 100_000)
    p = subprocess.run([sys.executable, "-m", "archcost.cli", "table", str(path)], capture_output=True, text=True)
    assert p.returncode == 2 and p.stderr.startswith(f"error: {path}:") and p.stderr.count("\n") == 1, p.stderr


@pytest.mark.parametrize("tag", ["!!python/name:os.system", "!!python/object/apply:os.system ['true']"])
def test_python_tags_are_never_constructed(run, spec_bytes, tag):
    refused(run, spec_bytes(GOOD.replace("out: 8", f"out: {tag}")), ":4:", "could not determine a constructor")


@pytest.mark.parametrize("value, says", [("!!set {a}", "{'a'}"), ("!!binary aGk=", "b'hi'"),
                                         ("2001-12-14", "datetime.date"), ("1.0e+999", "inf"), (".nan", "nan")])
def test_other_yaml_types_are_values_of_the_wrong_kind(run, spec_bytes, value, says):
    refused(run, spec_bytes(GOOD.replace("out: 8", f"out: {value}")), ":4:", "layer 'conv1'", says)


# ---------------------------------------------------------------- sizes: refused by limits, quickly
def test_a_repeat_of_a_billion_is_refused_before_building_a_node(run, spec_bytes):
    # the default limit, 100,000 layers: an op's copies are counted before any is built
    refused(run, spec_bytes(GOOD.replace("kernel: 3}", "kernel: 3, pad: 1, repeat: '10**9'}")), ":4:",
            "more than 100,000 layers", "--max-nodes")


@pytest.mark.parametrize("repeat", ["10**12", "(2**64)**60"])
@pytest.mark.parametrize("when", ["true", "false"])
def test_a_huge_repeat_of_a_block_is_refused_up_front(run, spec_bytes, repeat, when):
    # a block's copy adds at least one layer, kept or skipped ('when: false'): 10**12 copies cannot
    # fit in 100,000 layers, and are refused before the first (no range is built, no loop runs)
    spec = f"""\
name: net
input: [3, 32, 32]
blocks:
  unit:
    layers:
      - {{op: relu, when: {when}}}
layers:
  - {{name: body, op: unit, repeat: "{repeat}"}}
"""
    refused(run, spec_bytes(spec), ":8:", "layer 'body'", "more than 100,000 layers")


def test_nested_repeats_are_bounded_by_max_nodes(run, spec_bytes):
    # 1,000 x 1,000 copies of a block that only skips: each fits the up-front bound, the product does not
    spec = """\
name: net
input: [3, 32, 32]
blocks:
  inner:
    layers:
      - {op: relu, when: false}
  outer:
    layers:
      - {op: inner, repeat: 1000}
layers:
  - {name: body, op: outer, repeat: 1000}
"""
    refused(run, spec_bytes(spec), ":6:", "more than 5,000 layers (counting skipped ones)",
            args=["--max-nodes", "5000"])


@pytest.mark.parametrize("expr, says", [
    ("9**9**9", "raises to the power 387420489"),
    ("10**10**10", "raises to the power 10000000000"),
    ("+".join(["1"] * 1000), "expression is 1999 characters long"),
    ("-" * 900 + "1", "nested too deeply"),
    (" * ".join(["2**64"] * 65), "more than 4096 bits"),
], ids=["9**9**9", "10**10**10", "2,000 characters", "900 minus signs", "2**4160"])
def test_expressions_that_hurt(run, spec_bytes, expr, says):
    refused(run, spec_bytes(GOOD.replace("out: 8", f'out: "{expr}"')), ":4:", "layer 'conv1'", says)


def test_huge_but_valid_shapes_compute_exact_integers(run):
    report = works(run, "alexnet", "--input", "3x100000000x100000000")
    conv1 = report["layers"][0]
    # the lectures' output size: (H + 2P - K) / S + 1 = (100,000,000 + 4 - 11) / 4 + 1 = 24,999,999
    h = (100_000_000 + 2 * 2 - 11) // 4 + 1
    assert conv1["output_shape"] == [64, h, h] == [64, 24_999_999, 24_999_999]
    # EECS 498 lecture 8: conv FLOPs = output elements x (C_in x K x K + 1 bias add); params do not change
    assert conv1["flops"] == 64 * h * h * (3 * 11 * 11 + 1) == 14_559_998_835_200_023_296
    assert conv1["params"] == 23_296
    assert report["totals"]["flops"] == sum(x["flops"] for x in report["layers"])


def test_an_integer_attribute_over_2_to_the_48_is_refused(run, spec_bytes):
    refused(run, spec_bytes(GOOD.replace("out: 8", "out: 1" + "0" * 300)), ":4:", "layer 'conv1'",
            "attribute 'out' is a 997-bit number, more than the limit of 2**48")
    refused(run, spec_bytes(GOOD.replace("out: 8", "out: 1" + "0" * 5000)), ":4:", "has 5,001 digits")


def test_a_tensor_over_2_to_the_64_elements_is_refused(run, spec_bytes):
    # a concat of its input with itself doubles the channels: 8 x 30 x 30 x 2**52 > 2**64
    spec = GOOD.replace("  - {name: fc, op: fc, out: 10}\n", "  - {name: twice, op: double, repeat: 64}\n").replace(
        "layers:\n", "blocks:\n  double:\n    layers:\n      - {name: '', op: concat, input: [in, in]}\nlayers:\n", 1)
    refused(run, spec_bytes(spec), ":6:", "layer 'twice.51'", "more than the limit of 2**64")


def test_batch_is_limited(run):
    res = run("table", "alexnet", "--batch", str(2**32 + 1))
    assert res.exit_code == 2 and "batch must be a positive integer up to 2**32" in res.stderr
    with pytest.raises(ArchcostError, match="a 1,329-bit number"):
        archcost.analyze("alexnet", batch=10**400)


def test_adaptive_pooling_of_a_huge_map_takes_constant_time(run, spec_bytes):
    # the windows were summed one by one: 100,000,000 windows took 20 s
    spec = GOOD.replace("kernel: 3}", "kernel: 3}\n  - {name: pool, op: adaptiveavgpool, size: 100000000}")
    pool = works(run, spec_bytes(spec))["layers"][1]
    # 30 -> 10**8 windows: size + out - gcd(size, out) = 30 + 10**8 - 10 per axis, 8 channels
    assert pool["flops"] == 8 * (100_000_020) ** 2


@given(size=st.integers(1, 400), out=st.integers(1, 400))
def test_adaptive_window_total_is_torchs_window_rule(size, out):
    # torch.nn.AdaptiveAvgPool2d: window i spans floor(i * size / out) .. ceil((i + 1) * size / out)
    assert _adaptive_total(size, out) == sum(-(-(i + 1) * size // out) - (i * size // out) for i in range(out))


# ---------------------------------------------------------------- regressions: crashes the fuzz suite found
@pytest.mark.parametrize("edit, says", [
    # a number as a key: difflib and str.join crashed on the int key
    (("kernel: 3}", "kernel: 3, 0: 1}"), "op 'conv' has no attribute '0'"),
    # 'input: []': IndexError
    (("out: 10}", "out: 10, input: []}"), "'input' is an empty list"),
    # 'op: [conv]': unhashable list
    (("op: fc", "op: [fc]"), "'op' must be a name, got ['fc']"),
    # 'input: []' as the network's shape: a scalar network went through
    (("input: [3, 32, 32]", "input: []"), "lists no sizes"),
    # a NaN attribute made JSON that is not JSON
    (("out: 10}", "out: 10}\n  - {op: dropout, p: .nan}"), "must be a number, got nan"),
])
def test_malformed_layers(run, spec_bytes, edit, says):
    refused(run, spec_bytes(GOOD.replace(*edit)), says)


@pytest.mark.parametrize("header, says", [
    ("variants: {big: {set: 3}}", "the 'set' of variant 'big' must be a mapping"),
    ("variants: {big: {aliases: huge}}", "the aliases of variant 'big' must be a list"),
    ("params: {1: 2}\nvariants: {big: {set: {1: 3}}}", None),
    ("blocks: {b: {params: 3, layers: [{op: relu}]}}", "the params of block 'b' must be a list of names"),
    ("blocks: {b: {params: [[out]], layers: [{op: relu}]}}", "the params of block 'b' must be a list of names"),
    ("blocks: {b: {defaults: [conv], layers: [{op: relu}]}}", "the defaults of block 'b' must be a mapping"),
    ("blocks: {b: {defaults: {conv: 3}, layers: [{op: relu}]}}", "the defaults of 'conv' must be a mapping"),
])
def test_malformed_headers(run, spec_bytes, header, says):
    path = spec_bytes(GOOD.replace("layers:\n", header + "\nlayers:\n", 1))
    if says is None:   # numeric names are names: '1' is a parameter like any other
        works(run, path)
    else:
        refused(run, path, says)


@pytest.mark.parametrize("params, says", [
    ("{a: {x: 1}, b: 'a[0]'}", "cannot be computed (0)"),                        # KeyError
    ("{a: \"'xxxxxxxxxx'\", " + ", ".join(f"p{i}: '{'a' if i == 0 else f'p{i - 1}'} + "
                                         f"{'a' if i == 0 else f'p{i - 1}'}'" for i in range(20)) + "}",
     "more than 10,000 items"),                                                  # 10 x 2**20 characters
    ("{a: [], " + ", ".join(f"p{i}: '[{'a' if i == 0 else f'p{i - 1}'}, {'a' if i == 0 else f'p{i - 1}'}]'"
                           for i in range(80)) + "}", "more than 10,000 items"),  # 2**80 nested lists
], ids=["a dict indexed", "doubling strings", "doubling lists"])
def test_parameters_that_grow_or_break(run, spec_bytes, params, says):
    refused(run, spec_bytes(GOOD.replace("layers:\n", f"params: {params}\nlayers:\n", 1)), says)


@pytest.mark.parametrize("name", ["a\\nb", "a\\u2028b", "a\\x1b[31mb"])
def test_names_with_line_breaks_or_escapes_stay_on_one_line(run, spec_bytes, name):
    text = GOOD.replace("name: conv1, ", "").replace("kernel: 3}", f'kernel: 3, name: "{name}"}}')
    path = spec_bytes(text.replace("name: fc,", f'name: "{name}",'))
    line = refused(run, path, ":5:", "is used twice")
    assert line.isprintable() and len(line.splitlines()) == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_or_a_device_is_never_read(run, tmp_path):
    # /dev/zero (size 0) was read forever; a named pipe blocked forever waiting for a writer
    os.mkfifo(tmp_path / "pipe.yaml")
    refused(run, tmp_path / "pipe.yaml", "is not a regular file")
    if os.path.exists("/dev/zero"):
        refused(run, "/dev/zero", "is not a regular file")


@pytest.mark.parametrize("value, says", [
    ("1" * 5000, "has 5,000 digits"),                 # PyYAML's int() raised ValueError
    ("[" * 100_000, "100000 characters long"),        # RecursionError
    ("&a [*a]", "YAML aliases (*name) are not supported"),   # a list that holds itself: RecursionError
], ids=["5,000 digits", "100,000 [", "a self-alias"])
def test_set_values_that_hurt(run, value, says):
    res = run("table", "resnet50", "--set", f"layers={value}")
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and res.stderr.startswith("error: --set 'layers="), \
        res.stderr
    assert says in res.stderr


def test_parameters_json_cannot_hold_become_text(run, spec_bytes):
    # a date or an infinity in the parameters made --format json crash (TypeError) or print Infinity
    path = spec_bytes(GOOD.replace("layers:\n", "params: {day: 2001-12-14, big: .inf, few: !!set {a}}\nlayers:\n", 1))
    assert works(run, path)["settings"] == {"day": "2001-12-14", "big": "inf", "few": "{'a'}"}
