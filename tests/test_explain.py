"""`archcost explain`: the worked arithmetic of LECTURES.md section 1, produced by the ops' own rules."""

import csv
import io
import json

import pytest

import archcost
from archcost import ir
from archcost.ops import all_ops
from archcost.render.explain import explain_layer, render_explain, work
from archcost.spec import zoo

# LECTURES.md section 1 (seed 000, AlexNet conv1 and pool1): every figure of the worked example
CONV1 = """\
conv1 (conv): 2-D convolution: out filters of kernel K over C_in/groups channels
  input            3x227x227; out 64, kernel 11, stride 4, pad 2
  H', W'           (227 + 2 x 2 - 11) / 4 + 1 = 56
  output elements  64 x 56 x 56 = 200,704
  memory (KB)      200,704 x 4 / 1,024 = 784
  parameters       64 x 3 x 11 x 11 + 64 = 23,296
  FLOPs            200,704 x (3 x 11 x 11 + 1) = 200,704 x 364 = 73,056,256"""

POOL1 = """\
pool1 (maxpool): max pooling over K x K windows
  input            64x56x56; kernel 3, stride 2
  H', W'           floor((56 - 3) / 2 = 26.5) + 1 = 27
  output elements  64 x 27 x 27 = 46,656
  memory (KB)      46,656 x 4 / 1,024 = 182.25
  parameters       0
  FLOPs            46,656 x 3 x 3 = 419,904
  note: (56 - 3) / 2 + 1 = 27.5 is not whole along H: floored to 27, so the last 1 input row(s) are never read; \
choose a size, kernel, stride or padding that divides exactly"""


@pytest.fixture(scope="module")
def alexnet():
    return archcost.analyze("alexnet")


def test_conv1_as_the_lecture_works_it(alexnet):
    assert explain_layer(alexnet, "conv1") == CONV1


def test_pool1_floor_and_the_27_5_remark(alexnet):
    # seed 000: (56 - 3)/2 + 1 = 27.5, floored to 27; 64x27x27 x 9 = 419,904 FLOPs, no parameters
    assert explain_layer(alexnet, "pool1") == POOL1


def test_conv1_without_the_bias_add():
    # LECTURES.md section 1: the EECS 498 / torchvision convention, 200,704 x 363 = 72,855,552
    text = explain_layer(archcost.analyze("alexnet", bias_flops=False), "conv1")
    assert text.splitlines()[-1] == "  FLOPs            200,704 x 3 x 11 x 11 = 200,704 x 363 = 72,855,552"


def test_fc6_params_and_flops(alexnet):
    # lecture table: fc6 37,753 k parameters = 4096 x 9216 + 4096
    text = explain_layer(alexnet, "fc6")
    assert "4,096 x 9,216 + 4,096 = 37,752,832" in text
    assert "4,096 x (9,216 + 1) = 4,096 x 9,217 = 37,752,832" in text


def test_batch_dtype_and_units_show_in_the_working():
    r = archcost.analyze("alexnet", batch=8, dtype="float16")
    text = explain_layer(r, "conv1", units="MB")
    # 200,704 elements x 2 bytes x 8 images / 1024 / 1024 = 3.0625 MB; FLOPs 73,056,256 x 8
    assert "memory (MB)      200,704 x 2 x 8 / 1,024 / 1,024 = 3.0625" in text
    assert "= 584,450,048" in text


def test_unknown_layer_suggests_a_name(alexnet):
    with pytest.raises(archcost.ArchcostError, match="did you mean 'conv5'"):
        explain_layer(alexnet, "conv9")


def _values(w):
    v = {q: val for q, _, val in w.lines}
    return v["parameters"], v["FLOPs"], float(v["memory (KB)"])


def _zoo_examples():
    """One layer per op used anywhere in the zoo (with the report it belongs to)."""
    found = {}
    for name, spec, variant in zoo.entries():
        r = archcost.analyze(spec if variant is None else name)
        for x in r.layers:
            found.setdefault(x.op, (r, x))
    return found


_FILL = {"size": 4, "count": 0, "pair": 3, "pad": 1, "float": 0.5, "bool": True, "str": "", "sizes": (8,),
         "ints": (0, 1)}


def _synthetic(op_name, op):
    """A one-layer network around op, its required attributes filled by kind, on a 8x8x8 or 8 input."""
    attrs = {k: _FILL[a.kind] for k, a in op.attrs.items() if a.default is archcost.ops.base.REQUIRED}
    errors = []
    for shape, permute in (([8, 8, 8], None), ([8], None), ([8, 8, 8], [1, 2, 0])):  # the last: H x W x C
        g = ir.new_graph("one_op")
        ir.add_node(g, "input", "input", {"shape": shape})
        src = "input"
        if permute:
            ir.add_node(g, "channels_last", "permute", {"dims": permute}, ["input"])
            src = "channels_last"
        try:
            ir.add_node(g, "x", op_name, attrs, [src] * max(op.inputs[0], 1))
            r = archcost.analyze(g)
            return r, r.layer("x")
        except archcost.ArchcostError as exc:
            errors.append(str(exc))
    pytest.fail(f"no example for op '{op_name}' ({errors}): use it in a zoo spec or teach _synthetic its inputs")


def test_every_registered_op_explains_its_own_numbers():
    # The explanation's values must be the report's: the same rules, run on terms
    examples = _zoo_examples()
    for name, op in sorted(all_ops().items()):
        if op.kind == "io":       # the input is not a layer of the report
            continue
        r, layer = examples.get(name) or _synthetic(name, op)
        w = work(layer, r)
        assert _values(w) == (layer.params, layer.flops, layer.memory_kb), name
        assert w.doc == op.doc


def test_every_layer_of_resnet50_and_googlenet_explains_to_its_numbers():
    for net in ("resnet50", "googlenet"):
        r = archcost.analyze(net)
        for x in r.layers:
            assert _values(work(x, r)) == (x.params, x.flops, x.memory_kb), (net, x.name)


def test_all_formats_parse_back(alexnet):
    rows = list(csv.reader(io.StringIO(render_explain(alexnet, ["conv1", "pool1"], "csv"))))
    assert rows[0] == ["layer", "quantity", "working", "value"]
    assert ["conv1", "parameters", "64 x 3 x 11 x 11 + 64 = 23,296", "23296"] in rows
    doc = json.loads(render_explain(alexnet, ["conv1"], "json"))
    lines = {x["quantity"]: x for x in doc["layers"][0]["lines"]}
    assert lines["FLOPs"]["value"] == 73_056_256 and lines["memory (KB)"]["value"] == 784
    for fmt in ("markdown", "latex", "html"):
        out = render_explain(alexnet, ["conv1"], fmt)
        assert "200,704 x 4 / 1,024 = 784" in out and "23296" in out


def test_explain_all_layers_from_the_cli(run):
    res = run("explain", "alexnet")
    assert res.exit_code == 0
    assert res.output.count(" (conv): ") == 5 and "fc8 (fc)" in res.output
    bad = run("explain", "alexnet", "conv9")
    assert bad.exit_code == 2 and "did you mean 'conv5'" in bad.stderr


def test_the_readmes_report_examples_are_real_output(run):
    """Every `$ archcost explain|compare|findings|sweep ...` shown in the README prints what it shows
    (a block cut short with '...' is compared up to the cut; piped commands are left out)."""
    from pathlib import Path

    lines = (Path(__file__).resolve().parents[1] / "README.md").read_text().splitlines()
    checked = 0
    for i, line in enumerate(lines):
        cmd = line[2:].split() if line.startswith("$ archcost ") else []
        if len(cmd) < 2 or cmd[1] not in ("explain", "compare", "findings", "sweep") or "|" in cmd or "#" in cmd:
            continue
        shown = []
        for text in lines[i + 1:]:
            if text.startswith(("$ ", "```", "...")):
                break
            shown.append(text)
        if not shown:
            continue
        res = run(*cmd[1:])
        assert res.exit_code == 0, line
        assert res.output.splitlines()[:len(shown)] == shown, line
        checked += 1
    assert checked >= 4
