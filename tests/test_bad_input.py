"""Every bad input of issue 2 section 6: exit status 2, one located line, no traceback, nothing written."""

import os

import pytest

import archcost
from archcost import ir
from archcost.errors import ArchcostError

GOOD = """\
name: net
input: [3, 32, 32]
layers:
  - {name: conv1, op: conv, out: 8, kernel: 3}
  - {name: fc, op: fc, out: 10}
"""


def check(run, tmp_path, args, *expected):
    """Run the CLI with -o; assert exit 2, one 'error:' line holding `expected`, no output file."""
    out = tmp_path / "out.txt"
    res = run(*args, "-o", str(out))
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "Traceback" not in res.output
    for piece in expected:
        assert piece in lines[0], (piece, lines[0])
    assert not out.exists()
    return lines[0]


def test_missing_file(run, tmp_path):
    check(run, tmp_path, ["table", str(tmp_path / "nope.yaml")], "nope.yaml", "no such file")


def test_unknown_zoo_name_suggests(run, tmp_path):
    check(run, tmp_path, ["table", "alexnte"], "alexnte", "did you mean 'alexnet'")


def test_not_yaml(run, tmp_path, spec_file):
    path = spec_file("just some words\n")
    check(run, tmp_path, ["table", path], "net.yaml", "must be a mapping")


def test_binary_file(run, tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes(b"\x00\x01\x02binary")
    check(run, tmp_path, ["table", str(path)], "x.yaml", "binary")


def test_yaml_syntax_error_names_the_line(run, tmp_path, spec_file):
    path = spec_file(GOOD.replace("  - {name: fc, op: fc, out: 10}", "  - {name: fc, op: fc, out: 10"))
    check(run, tmp_path, ["table", path], "net.yaml:", "YAML syntax error")


def test_unknown_op_suggests_the_nearest(run, tmp_path, spec_file):
    path = spec_file(GOOD.replace("op: conv", "op: covn"))
    check(run, tmp_path, ["table", path], "net.yaml:4:", "layer 'conv1'", "unknown op 'covn'", "did you mean 'conv'")


def test_missing_attribute(run, tmp_path, spec_file):
    path = spec_file(GOOD.replace(", kernel: 3", ""))
    check(run, tmp_path, ["table", path], "net.yaml:4:", "layer 'conv1'", "needs the attribute 'kernel'")


def test_mistyped_attribute(run, tmp_path, spec_file):
    path = spec_file(GOOD.replace("kernel: 3", "kernal: 3"))
    check(run, tmp_path, ["table", path], "net.yaml:4:", "no attribute 'kernal'", "did you mean 'kernel'")


def test_attribute_of_the_wrong_type(run, tmp_path, spec_file):
    path = spec_file(GOOD.replace("kernel: 3", "kernel: [3, 3, 3]"))
    check(run, tmp_path, ["table", path], "net.yaml:4:", "'kernel'", "pair")


@pytest.mark.parametrize("bad", ["out: 0", "out: -8"])
def test_zero_or_negative_size(run, tmp_path, spec_file, bad):
    path = spec_file(GOOD.replace("out: 8", bad))
    check(run, tmp_path, ["table", path], "net.yaml:4:", "layer 'conv1'", "'out' must be positive")


def test_negative_input_shape(run, tmp_path, spec_file):
    path = spec_file(GOOD.replace("[3, 32, 32]", "[3, -32, 32]"))
    check(run, tmp_path, ["table", path], "net.yaml", "input shape")


def test_input_option_on_a_spec_whose_input_is_no_shape(run, tmp_path, spec_file):
    # found by the fuzzer: --input keeps C from the spec's [C, H, W], and 'input: 0' has none to keep
    path = spec_file(GOOD.replace("[3, 32, 32]", "0"))
    check(run, tmp_path, ["table", path, "--input", "64"], "net.yaml", "the spec's input 0 is not a shape", "[C, H, W]")


def test_unknown_set_name(run, tmp_path):
    check(run, tmp_path, ["table", "resnet50", "--set", "widht=2"], "no parameter 'widht'", "layers")


@pytest.mark.parametrize("bad", ["3x", "axbxc", "0x224x224", "1x2x3x4"])
def test_malformed_input(run, tmp_path, bad):
    check(run, tmp_path, ["table", "alexnet", "--input", bad], "--input", "C x H x W")


def test_input_naming_a_missing_layer(run, tmp_path, spec_file):
    path = spec_file(GOOD.replace("out: 10}", "out: 10, input: conv2}"))
    check(run, tmp_path, ["table", path], "net.yaml:5:", "layer 'fc'", "input 'conv2'", "did you mean 'conv1'")


def test_a_cycle_in_a_spec_is_a_reference_to_a_later_layer(run, tmp_path, spec_file):
    # the spec language only refers back, so a cycle shows up as a forward reference
    path = spec_file(GOOD.replace("kernel: 3}", "kernel: 3, input: fc}"))
    check(run, tmp_path, ["table", path], "net.yaml:4:", "layer 'conv1'", "input 'fc' is not an earlier layer")


def test_a_cycle_in_a_graph_built_in_python():
    g = ir.new_graph("loop")
    ir.add_node(g, "input", "input", {"shape": [4]})
    ir.add_node(g, "a", "fc", {"out": 4}, ["input"])
    ir.add_node(g, "b", "fc", {"out": 4}, ["a"])
    g.nodes["a"]["inputs"] = ("input", "b")  # rewire a <- b by hand
    g.add_edge("b", "a")
    with pytest.raises(ArchcostError, match="cycle: .*a.*b|cycle: .*b.*a"):
        archcost.analyze(g)


CONCAT = """\
name: net
input: [3, 32, 32]
layers:
  - {name: a, op: conv, out: 8, kernel: 3, pad: 1}
  - {name: b, op: conv, out: 8, kernel: 3, input: input}
  - {name: cat, op: %s, input: [a, b]}
"""


@pytest.mark.parametrize("op", ["concat", "add"])
def test_mismatched_concat_or_add(run, tmp_path, spec_file, op):
    path = spec_file(CONCAT % op)
    check(run, tmp_path, ["table", path], "net.yaml:6:", "layer 'cat'", f"{op} of mismatched shapes", "8x32x32, 8x30x30")


def test_kernel_larger_than_the_padded_input(run, tmp_path, spec_file):
    path = spec_file(GOOD.replace("kernel: 3", "kernel: 35, pad: 1"))
    check(run, tmp_path, ["table", path], "net.yaml:4:", "layer 'conv1'", "kernel 35 is larger than the padded input 34")


def test_an_input_too_small_for_the_network(run, tmp_path):
    # 40 -> conv1 9 -> pool1 4 -> conv2 4 -> pool2 1 -> ... pool5 cannot fit its 3x3 window
    check(run, tmp_path, ["table", "alexnet", "--input", "3x40x40"], "alexnet.yaml:21:", "layer 'pool5'",
          "kernel 3 is larger than the padded input 1")


@pytest.mark.parametrize("expr, word", [
    ("__import__('os')", "'__import__', which is not available"),
    ("__import__('os').system('true')", "something other than a plain function"),
    ("().__class__", "Attribute"),
    ("open('x')", "'open', which is not available"),
    ("[x for x in [1]]", "ListComp"),
    ("lambda: 1", "Lambda"),
    ("2 ** 1000", "power"),
])
def test_expressions_allow_only_arithmetic(run, tmp_path, spec_file, expr, word):
    path = spec_file(GOOD.replace("out: 8", f'out: "{expr}"'))
    check(run, tmp_path, ["table", path], "net.yaml:4:", "layer 'conv1'", word)


def test_unknown_name_in_an_expression(run, tmp_path, spec_file):
    path = spec_file(GOOD.replace("out: 8", 'out: "8 * widht"').replace("input:", "params: {width: 2}\ninput:"))
    check(run, tmp_path, ["table", path], "unknown name 'widht'", "width")


def test_duplicate_keys_and_aliases(run, tmp_path, spec_file):
    path = spec_file(GOOD.replace("out: 8, kernel: 3", "out: 8, out: 16, kernel: 3"))
    check(run, tmp_path, ["table", path], "net.yaml:4:", "duplicate key 'out'")
    path = spec_file(GOOD.replace("{name: fc, op: fc, out: 10}", "&x {name: fc, op: fc, out: 10}\n  - *x"))
    check(run, tmp_path, ["table", path], "net.yaml", "aliases")


def test_existing_output_is_not_overwritten_without_force(run, tmp_path):
    out = tmp_path / "t.txt"
    out.write_text("keep")
    res = run("table", "alexnet", "-o", str(out))
    assert res.exit_code == 2 and "--force" in res.stderr and out.read_text() == "keep"
    res = run("table", "alexnet", "-o", str(out), "--force")
    assert res.exit_code == 0 and "conv1" in out.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"]  # no temporary file left behind


def test_the_real_process_exits_2_without_a_traceback(tmp_path):
    import subprocess
    import sys
    p = subprocess.run([sys.executable, "-m", "archcost.cli", "table", str(tmp_path / "x.yaml")],
                       capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    assert os.listdir(tmp_path) == []
