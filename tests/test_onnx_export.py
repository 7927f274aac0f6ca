"""ONNX export (archcost/frontends/onnx_export.py), checked by ONNX itself: onnx.checker accepts every
export, onnx.shape_inference (an independent implementation of every op's shape rule) agrees with
archcost's shape of every layer, and importing the export gives the zoo spec's figures layer by layer.
"""

import pytest

onnx = pytest.importorskip("onnx")

import archcost  # noqa: E402
from archcost import ArchcostError  # noqa: E402
from archcost.frontends.onnx_export import export_model  # noqa: E402
from archcost.frontends.onnx_import import spec_data  # noqa: E402
from archcost.spec import zoo  # noqa: E402
from archcost.spec.loader import spec_from_data  # noqa: E402

# ops with no ONNX equivalent: LeNet-5's subsampling, RBF units and C3's connection table; the
# deformable conv (its offset conv lives inside archcost's op). Ops whose ONNX form is not written yet:
# the CIFAR ResNets' zero-padded shortcut (option A), Swin's window attention (each a decomposition into
# Reshape, Transpose, Slice, MatMul, Softmax nodes).
NOT_EXPORTABLE = {"lenet5": "S2", "resnet50_dcn": "layer2.0.conv2",
                  **{f"resnet{n}": "layer2.0.shortcut" for n in (20, 32, 44, 56, 110, 1202)},
                  **{f"swin_{v}": "features.1.0.attn" for v in ("t", "s", "b", "v2_t", "v2_s", "v2_b")}}
EXPORTABLE = [name for name, _, _ in zoo.entries() if name not in NOT_EXPORTABLE]


def _figures(report):
    return [(x.name, x.output_shape, x.params, x.flops, x.memory_kb) for x in report.layers]


@pytest.mark.parametrize("name", EXPORTABLE)
def test_export_is_valid_onnx_that_agrees_with_archcost_and_imports_unchanged(name):
    g = archcost.build_graph(name)
    model = export_model(g, weights="none")
    onnx.checker.check_model(model)
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True).graph
    onnx_shapes = {v.name: tuple(d.dim_value for d in v.type.tensor_type.shape.dim)
                   for v in list(inferred.value_info) + list(inferred.output)}
    spec = archcost.analyze(name)
    assert {x.name: (1, *x.output_shape) for x in spec.layers} == {x.name: onnx_shapes[x.name] for x in spec.layers}
    back = archcost.analyze(spec_from_data(spec_data(model, f"{name}.onnx"), f"{name}.onnx"))
    if any(x.op == "attention" for x in spec.layers):
        # attention is written as its matmuls (Q, K, V, Q K^T, softmax, A V, projection) and comes back as
        # those layers, the projection named as the attention: the same parameters and FLOPs, more rows
        shapes = {x.name: x.output_shape for x in back.layers}
        assert {x.name: x.output_shape for x in spec.layers} == {x.name: shapes[x.name] for x in spec.layers}
        assert (back.totals.params, back.totals.flops) == (spec.totals.params, spec.totals.flops)
        return
    assert _figures(back) == _figures(spec)
    assert back.totals == spec.totals


@pytest.mark.parametrize("name, layer", sorted(NOT_EXPORTABLE.items()))
def test_ops_without_an_onnx_equivalent_are_named(name, layer):
    with pytest.raises(ArchcostError, match=f"layer '{layer}': archcost's '[a-z_]+' has no ONNX equivalent"):
        export_model(archcost.build_graph(name))


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
