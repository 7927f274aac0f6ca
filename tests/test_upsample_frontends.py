"""ONNX import and export of ``upsample`` and ``sub`` (Resize, Upsample, Sub) and from_torch of nn.Upsample,
F.interpolate and ``-``. Shapes are checked against ONNX's own shape inference (onnx 1.23) and torch 2.13's
outputs; counts against the measurements of tests/measure_upsample.py."""

import pytest

onnx = pytest.importorskip("onnx")

from onnx import TensorProto as T, helper as h  # noqa: E402

import archcost  # noqa: E402
from archcost import ArchcostError  # noqa: E402
from archcost.frontends.onnx_export import export_model  # noqa: E402
from archcost.frontends.onnx_import import spec_data  # noqa: E402
from archcost.spec.loader import spec_from_data  # noqa: E402


def _model(nodes, inits, opset, out_shape=None, x_shape=(1, 8, 7, 7)):
    graph = h.make_graph(nodes, "g", [h.make_tensor_value_info("x", T.FLOAT, list(x_shape))],
                         [h.make_tensor_value_info("y", T.FLOAT, out_shape)], inits)
    return h.make_model(graph, opset_imports=[h.make_opsetid("", opset)])


def _inferred(model) -> tuple:
    """ONNX's own shape of the output y (an implementation of Resize's rule independent of archcost's)."""
    out = onnx.shape_inference.infer_shapes(model, strict_mode=True).graph.output[0]
    return tuple(d.dim_value for d in out.type.tensor_type.shape.dim)


def _import(model, allow_unknown=False):
    return archcost.analyze(spec_from_data(spec_data(model, "m.onnx", allow_unknown), "m.onnx"))


def _resize(opset, scales=None, sizes=None, axes=None, **attrs):
    """Resize as each opset spells it: roi and scales always present in 11 and 12 (empty when unused)."""
    inits, inputs = [], ["x", "", "", ""]
    if opset < 13:
        inits.append(h.make_tensor("roi", T.FLOAT, [0], []))
        inputs[1] = "roi"
        inits.append(h.make_tensor("scales", T.FLOAT, [len(scales or [])], scales or []))
        inputs[2] = "scales"
    elif scales is not None:
        inits.append(h.make_tensor("scales", T.FLOAT, [len(scales)], scales))
        inputs[2] = "scales"
    if sizes is not None:
        inits.append(h.make_tensor("sizes", T.INT64, [len(sizes)], sizes))
        inputs[3] = "sizes"
    if axes is not None:
        attrs["axes"] = axes
    node = h.make_node("Resize", inputs[:4 if sizes is not None else 3], ["y"], name="up", **attrs)
    return node, inits


CASES = [   # (Resize's inputs and attributes, archcost's layer, the output ONNX infers)
    ({"scales": [1, 1, 2, 2]}, {"scale": 2}, (1, 8, 14, 14)),
    ({"scales": [1, 1, 1.5, 3], "mode": "linear"}, {"scale": [1.5, 3], "mode": "bilinear"}, (1, 8, 10, 21)),
    ({"sizes": [1, 8, 20, 30], "mode": "linear", "coordinate_transformation_mode": "align_corners"},
     {"size": [20, 30], "mode": "bilinear", "align_corners": True}, (1, 8, 20, 30)),
    ({"sizes": [1, 8, 14, 14], "mode": "nearest", "coordinate_transformation_mode": "asymmetric",
      "nearest_mode": "floor"}, {"size": 14}, (1, 8, 14, 14)),
]


@pytest.mark.parametrize("opset", [11, 12, 13, 17, 18, 19, 21])
@pytest.mark.parametrize("given, layer, inferred", CASES)
def test_resize_of_every_opset_is_an_upsample(opset, given, layer, inferred):
    node, inits = _resize(opset, **given)
    model = _model([node], inits, opset)
    assert _inferred(model) == inferred
    assert spec_data(model, "m.onnx")["layers"] == [{"name": "up", "op": "upsample", **layer}]
    assert _import(model).layer("up").output_shape == inferred[1:]


def test_resize_with_axes_and_an_aspect_policy():
    # opset 18: sizes for H and W only; not_larger keeps the aspect ratio, 7 x min(20/7, 30/7) = 20 both ways
    node, inits = _resize(18, sizes=[20, 30], axes=[2, 3], keep_aspect_ratio_policy="not_larger")
    model = _model([node], inits, 18)
    assert _inferred(model) == (1, 8, 20, 20)
    assert _import(model).layer("up").output_shape == (8, 20, 20)
    node, inits = _resize(18, scales=[2.0, 3.0], axes=[2, 3])
    assert spec_data(_model([node], inits, 18), "m.onnx")["layers"][0]["scale"] == [2, 3]


def test_the_old_upsample_op_comes_through_the_version_converter():
    # an opset-9 model's Upsample: archcost asks for opset 11, onnx.version_converter rewrites it as Resize
    scales = h.make_tensor("scales", T.FLOAT, [4], [1, 1, 2, 3])
    old = _model([h.make_node("Upsample", ["x", "scales"], ["y"], name="up", mode="linear")], [scales], 9,
                 [1, 8, 14, 21])
    with pytest.raises(ArchcostError, match="opset 9"):
        _import(old)
    layer = _import(onnx.version_converter.convert_version(old, 11)).layers[0]
    assert (layer.op, layer.output_shape, layer.attrs["mode"], layer.flops) == ("upsample", (8, 14, 21), "bilinear",
                                                                                 8 * 14 * 21 * 4)
    # and an Upsample node as older converters leave it in a newer model: its scales as the second input
    kept = _model([h.make_node("Upsample", ["x", "scales"], ["y"], name="up")], [scales], 11)
    assert spec_data(kept, "m.onnx")["layers"] == [{"name": "up", "op": "upsample", "scale": [2, 3]}]


@pytest.mark.parametrize("attrs, message", [
    ({"mode": "cubic"}, "mode 'cubic'"),
    ({"mode": "linear", "coordinate_transformation_mode": "tf_crop_and_resize"}, "tf_crop_and_resize"),
])
def test_resizes_archcost_cannot_count_are_errors_or_unknown(attrs, message):
    node, inits = _resize(13, scales=[1, 1, 2, 2], **attrs)
    model = _model([node], inits, 13)
    with pytest.raises(ArchcostError, match=message):
        _import(model)
    r = _import(model, allow_unknown=True)
    assert [(x.op, x.output_shape, x.flops) for x in r.layers] == [("unknown", (8, 14, 14), 0)]


def test_resize_of_the_channels_is_refused():
    node, inits = _resize(13, scales=[1, 2, 2, 2])
    with pytest.raises(ArchcostError, match="resizes H and W only"):
        _import(_model([node], inits, 13))


def _channel_halves():
    """x[:, :4] and x[:, 4:] as Slice nodes, as torch exports x.chunk(2, 1)."""
    c = [h.make_tensor(n, T.INT64, [1], [v]) for n, v in (("zero", 0), ("four", 4), ("eight", 8), ("one", 1))]
    return [h.make_node("Slice", ["x", "zero", "four", "one"], ["a"], name="a"),
            h.make_node("Slice", ["x", "four", "eight", "one"], ["b"], name="b")], c


def test_sub_of_two_activations_is_a_sub():
    nodes, inits = _channel_halves()
    model = _model(nodes + [h.make_node("Sub", ["a", "b"], ["y"], name="diff")], inits, 17)
    assert _inferred(model) == (1, 4, 7, 7)
    layer = _import(model).layer("diff")
    # one subtraction per element: 4 x 7 x 7
    assert (layer.op, layer.inputs, layer.output_shape, layer.flops) == ("sub", ("a", "b"), (4, 7, 7), 196)
    const = h.make_tensor("c", T.FLOAT, [1], [0.5])
    with pytest.raises(ArchcostError, match="Sub of an activation and a constant"):
        _import(_model([h.make_node("Sub", ["x", "c"], ["y"], name="d")], [const], 17))


TOPDOWN = """
name: topdown
input: [64, 28, 28]
layers:
  - {name: up, op: upsample, scale: 2, mode: bilinear}
  - {name: smooth, op: conv, out: 64, kernel: 3, pad: 1}
  - {name: detail, op: sub, input: [smooth, up]}
  - {name: near, op: upsample, size: [100, 90]}
  - {name: third, op: upsample, scale: 1.5, mode: bilinear, align_corners: true}
  - {name: gap, op: globalavgpool}
  - {name: centred, op: sub, input: [third, gap]}
  - {name: odd, op: upsample, scale: 0.7, input: near}
"""


def test_a_spec_survives_export_and_import(spec_file):
    spec = archcost.analyze(spec_file(TOPDOWN))
    model = export_model(archcost.build_graph(spec_file(TOPDOWN)), weights="none")
    onnx.checker.check_model(model)
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True).graph
    shapes = {v.name: tuple(d.dim_value for d in v.type.tensor_type.shape.dim)
              for v in list(inferred.value_info) + list(inferred.output)}
    assert {x.name: (1, *x.output_shape) for x in spec.layers} == {x.name: shapes[x.name] for x in spec.layers}
    # torch 2.13's F.interpolate(scale_factor=0.7) of 100 x 90: 70 x 62 (floor in double), but float32's 0.7
    # is 0.69999999: a Resize by scales would give 69 x 62, so the export writes the sizes
    assert shapes["odd"] == (1, 64, 70, 62)
    back = archcost.analyze(spec_from_data(spec_data(model, "topdown.onnx"), "topdown.onnx"))
    figures = [(x.name, x.op, x.output_shape, x.params, x.flops, x.memory_kb) for x in back.layers]
    assert figures == [(x.name, x.op, x.output_shape, x.params, x.flops, x.memory_kb) for x in spec.layers]
    assert back.layer("third").attrs["align_corners"] is True and back.layer("near").attrs["size"] == (100, 90)
    assert back.layer("third").attrs["scale"] == (1.5, 1.5)
    # the graph says sizes 70 x 62; the export's note on the node gives the spec's scale 0.7 back (same shape)
    assert (back.layer("odd").attrs["scale"], back.layer("odd").attrs["size"]) == ((0.7, 0.7), None)
    node = next(n for n in model.graph.node if n.output[0] == "odd")
    assert node.doc_string == 'archcost: {"op": "upsample", "scale": [0.7, 0.7], "size": null}'
    node.doc_string = ""
    plain = archcost.analyze(spec_from_data(spec_data(model, "topdown.onnx"), "topdown.onnx"))
    assert plain.layer("odd").attrs["size"] == (70, 62) and plain.totals == back.totals


# ---------------------------------------------------------------- PyTorch
def _torch():
    return pytest.importorskip("torch")


def test_torchs_own_export_imports_with_torchs_shapes(tmp_path):
    torch = _torch()
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.near = nn.Upsample(scale_factor=2)
            self.bilinear = nn.UpsamplingBilinear2d(scale_factor=2)   # align_corners=True

        def forward(self, x):
            a, b = self.near(x), self.bilinear(x)
            return F.interpolate(a - b, size=(20, 30), mode="bilinear")

    x = torch.zeros(1, 8, 7, 7)
    out = Net().eval()(x)
    for opset in (11, 17, 20):
        path = tmp_path / f"net{opset}.onnx"
        torch.onnx.export(Net().eval(), (x,), str(path), dynamo=False, opset_version=opset)
        r = archcost.analyze(str(path))
        got = [(x.op, x.attrs.get("mode"), x.attrs.get("align_corners"), x.output_shape) for x in r.layers]
        assert got == [("upsample", "nearest", False, (8, 14, 14)), ("upsample", "bilinear", True, (8, 14, 14)),
                       ("sub", None, None, (8, 14, 14)), ("upsample", "bilinear", False, tuple(out.shape[1:]))]


def test_from_torch_maps_upsample_interpolate_and_sub():
    torch = _torch()
    nn, F = torch.nn, torch.nn.functional

    class TopDown(nn.Module):
        def __init__(self):
            super().__init__()
            self.lateral = nn.Conv2d(64, 64, 1)
            self.up = nn.Upsample(scale_factor=2, mode="bilinear")

        def forward(self, coarse, ):
            up = self.up(coarse)
            fine = F.interpolate(coarse, size=(56, 56))
            return torch.sub(self.lateral(up), fine) - up.mean((2, 3), keepdim=True)

    net = TopDown()
    r = archcost.from_torch(net, input=(64, 28, 28))
    got = [(x.name, x.op, x.output_shape) for x in r.layers]
    assert got == [("up", "upsample", (64, 56, 56)), ("interpolate", "upsample", (64, 56, 56)),
                   ("lateral", "conv", (64, 56, 56)), ("sub", "sub", (64, 56, 56)),
                   ("mean", "globalavgpool", (64, 1, 1)), ("sub_1", "sub", (64, 56, 56))]
    assert tuple(net(torch.zeros(1, 64, 28, 28)).shape[1:]) == (64, 56, 56)
    assert r.totals.params == sum(p.numel() for p in net.parameters())
    assert r.layer("interpolate").attrs["call"] == "functional" and r.layer("up").attrs["mode"] == "bilinear"
    # as the tools count them (tests/measure_upsample.py): thop sees nn.Upsample (11 per output), not
    # F.interpolate; ptflops counts the module twice and the function once
    from archcost.frontends.torch_import import torch_spec_data
    spec = spec_from_data(torch_spec_data(net, (64, 28, 28)), "<TopDown>")
    thop = archcost.analyze(spec, convention="thop")
    assert (thop.layer("up").flops, thop.layer("interpolate").flops) == (2_207_744, 0)
    ptflops = archcost.analyze(spec, convention="ptflops")
    assert (ptflops.layer("up").flops, ptflops.layer("interpolate").flops) == (401_408, 200_704)


def test_from_torch_refuses_what_upsample_cannot_count():
    torch = _torch()
    nn = torch.nn
    with pytest.raises(ArchcostError, match="interpolation mode 'bicubic'"):
        archcost.from_torch(nn.Sequential(nn.Upsample(scale_factor=2, mode="bicubic")), input=(8, 7, 7))

    class Scaled(nn.Module):
        def forward(self, x):
            return torch.sub(x, x.relu(), alpha=2)

    with pytest.raises(ArchcostError, match="torch.sub with alpha"):
        archcost.from_torch(Scaled(), input=(8, 7, 7))
