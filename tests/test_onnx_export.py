"""ONNX export (archcost/frontends/onnx_export.py), checked by ONNX itself: onnx.checker accepts every
export, onnx.shape_inference (an independent implementation of every op's shape rule) agrees with
archcost's shape of every layer, and importing the export gives the zoo spec's figures layer by layer.
"""

import pytest

onnx = pytest.importorskip("onnx")

import archcost  # noqa: E402
from archcost import ArchcostError  # noqa: E402
from archcost.conventions import Conventions  # noqa: E402
from archcost.counting import CONVENTIONS  # noqa: E402
from archcost.frontends.onnx_export import export_model  # noqa: E402
from archcost.frontends.onnx_import import spec_data  # noqa: E402
from archcost.spec import zoo  # noqa: E402
from archcost.passes import compute_costs  # noqa: E402
from archcost.spec.loader import spec_from_data  # noqa: E402

# Every zoo network exports: ops no single ONNX op computes (LeNet-5's, the zero-padded shortcut, the
# deformable conv, Swin's window attention, patch merging and roll, MaxViT's partitions) are written as the
# nodes that compute them and folded back by structure.
EXPORTABLE = [name for name, _, _ in zoo.entries()]


def _figures(report):
    return [(x.name, x.output_shape, x.params, x.flops, x.memory_kb) for x in report.layers]


def _tool_flops(g):
    """Total FLOPs of the analyzed graph ``g`` under each tool's convention (its costs only, shapes kept)."""
    out = {}
    for name in set(CONVENTIONS) - {"lecture"}:   # the lecture's: the report's totals
        compute_costs(g, Conventions(convention=name))
        out[name] = sum(d["flops"] for _, d in g.nodes(data=True))
    return out


@pytest.mark.parametrize("name", EXPORTABLE)
def test_export_is_valid_onnx_that_agrees_with_archcost_and_imports_unchanged(name):
    g = archcost.build_graph(name)
    model = export_model(g, weights="none")
    onnx.checker.check_model(model)
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True).graph
    onnx_shapes = {v.name: tuple(d.dim_value for d in v.type.tensor_type.shape.dim)
                   for v in list(inferred.value_info) + list(inferred.output)}
    g_spec = archcost.build_graph(name)
    spec = archcost.analyze(g_spec)
    assert {x.name: (1, *x.output_shape) for x in spec.layers} == {x.name: onnx_shapes[x.name] for x in spec.layers}
    g_back = archcost.build_graph(spec_from_data(spec_data(model, f"{name}.onnx"), f"{name}.onnx"))
    back = archcost.analyze(g_back)
    assert _figures(back) == _figures(spec)
    assert back.totals == spec.totals
    # what ONNX spells alike (adaptiveavgpool and avgpool, stochastic_depth and dropout, transpose and permute,
    # linear and fc on a vector) and cannot say (call: how torchvision runs the op) comes back from the
    # export's notes; attention's heads, bias and table from the graph: the op and attributes of every layer,
    # so every tool's convention (and the training rules) counts the import as the spec
    assert [(x.name, x.op, x.attrs) for x in back.layers] == [(x.name, x.op, x.attrs) for x in spec.layers]
    assert _tool_flops(g_back) == _tool_flops(g_spec)


def _edited(model, layer, text):
    """``model`` with the note of the node that makes ``layer`` replaced by ``text``, as a hand edit would."""
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    node = next(n for n in copy.graph.node if n.output[0] == layer)
    node.doc_string = text
    return copy


@pytest.mark.parametrize("note, why", [
    ('archcost: {"op": "adaptiveavgpool", "size": [3, 3]}', "a adaptiveavgpool would not give [256, 6, 6]"),
    ('archcost: {"op": "fc", "out": 10}', "a fc would not give [256, 6, 6]"),
    ('archcost: {"op": "adaptiveavgpool", "size": __import__("os")}', "not JSON"),
    ('archcost: {"op": "poool"}', "poool: unknown op 'poool'"),
])
def test_a_note_that_does_not_fit_the_graph_leaves_its_reading(note, why):
    # torchvision's AlexNet: features end 256 x 6 x 6, avgpool = nn.AdaptiveAvgPool2d((6, 6)), written as a
    # 1 x 1 AveragePool; a note edited by hand never changes the graph's reading, and the source says so
    model = export_model(archcost.build_graph("alexnet_torchvision"), weights="none")
    assert [n.doc_string for n in model.graph.node if n.output[0] == "avgpool"] == \
        ['archcost: {"op": "adaptiveavgpool", "size": [6, 6]}']
    data = spec_data(_edited(model, "avgpool", note), "alexnet.onnx")
    row = next(x for x in data["layers"] if x["name"] == "avgpool")
    assert row == {"name": "avgpool", "op": "avgpool", "kernel": 1}
    assert f"1 archcost note left unapplied, the graph's reading kept: 'avgpool' ({why}" in data["source"]
    plain = spec_data(_edited(model, "avgpool", ""), "alexnet.onnx")   # no note: the same reading, no remark
    assert plain["layers"] == data["layers"] and "note" not in plain["source"]


def test_an_op_archcost_did_not_understand_is_named_when_exported(tmp_path):
    # the one op with no ONNX form: a layer imported with --allow-unknown, whose computation archcost never knew
    from onnx import TensorProto as T
    from onnx import helper as h

    x = h.make_tensor_value_info("x", T.FLOAT, [1, 3, 8, 8])
    y = h.make_tensor_value_info("y", T.FLOAT, None)
    model = h.make_model(h.make_graph([h.make_node("Celu", ["x"], ["y"], name="odd")], "odd", [x], [y]))
    spec = spec_from_data(spec_data(model, "odd.onnx", allow_unknown=True), "odd.onnx")
    with pytest.raises(ArchcostError, match="layer 'odd': archcost's 'unknown' has no ONNX equivalent; an op archcost "
                                            "did not understand on import cannot be written back"):
        export_model(archcost.build_graph(spec))


def test_export_command_writes_a_checked_file_with_zero_weights(run, tmp_path):
    path = tmp_path / "resnet18.onnx"
    res = run("export", "resnet18", "-o", str(path))
    assert res.exit_code == 0 and "opset 17, weights zeros" in res.stderr
    model = onnx.load(str(path))
    onnx.checker.check_model(model)
    # torchvision's resnet18 has 11,689,512 parameters; the running means and variances are not among them
    weights = sum(int(onnx.numpy_helper.to_array(t).size) for t in model.graph.initializer)
    assert weights == 11_689_512
    table = run("table", str(path), "--exact", "--format", "csv").stdout.splitlines()[-1]
    assert table.split(",")[-3] == "11689512"
    assert run("export", "resnet18", "-o", str(path)).exit_code == 2      # never overwritten without --force


def test_export_without_weights_keeps_the_file_small(run, tmp_path):
    path = tmp_path / "vgg16.onnx"
    assert run("export", "vgg16", "-o", str(path), "--weights", "none").exit_code == 0
    assert path.stat().st_size < 100_000      # 138 M parameters as shapes only
    assert archcost.analyze(str(path)).totals.params == 138_357_544   # torchvision's vgg16
