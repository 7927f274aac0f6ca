"""ONNX import of transformers: small ViT and ConvNeXt modules written here in torch and exported with
torch.onnx.export(dynamo=False, opset 17), the exporter torchvision's models go through. Their
figures must be torch's own: parameters sum(p.numel()), and the multiply-adds of weights and of two
activations (torchvision's convention: conv, linear, Q K^T and A V) those of the zoo spec built with
the same settings (specs/vit.yaml, specs/convnext.yaml, each checked against torchvision 0.28).
"""

import io

import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

import archcost  # noqa: E402
from archcost.frontends.onnx_import import spec_data  # noqa: E402
from archcost.spec.loader import spec_from_data  # noqa: E402
from tiny_transformers import TinyConvNeXt, TinyViT, matmul_flops  # noqa: E402


def imported_spec(module, size):
    buf = io.BytesIO()
    torch.onnx.export(module.eval(), (torch.zeros(1, 3, size, size),), buf, dynamo=False, opset_version=17)
    model = onnx.load_from_string(buf.getvalue())
    return spec_from_data(spec_data(model, "tiny.onnx"), "tiny.onnx")


def imported(module, size):
    return archcost.analyze(imported_spec(module, size))


def test_a_vit_exported_by_torch_has_its_parameters_and_multiply_adds():
    net = TinyViT()
    r = imported(net, 32)
    assert r.totals.params == sum(p.numel() for p in net.parameters()) == 24_234   # conv 6,176, tokens 32 + 544, blocks 2 x 8,544, ln 64, head 330
    spec = archcost.analyze("vit", settings={"image_size": 32, "patch_size": 8, "num_layers": 2, "num_heads": 4,
                                        "hidden_dim": 32, "mlp_dim": 64, "classes": 10})
    assert r.totals.params == spec.totals.params
    # conv 16 x 32 x 192 = 98,304; per block Q, K, V 17 x 96 x 32 = 52,224, out 17 x 32 x 32 = 17,408, MLP
    # 2 x 17 x 64 x 32 = 69,632, Q K^T and A V 2 x 4 x 17 x 17 x 8 = 18,496; head 320
    assert matmul_flops(r) == matmul_flops(spec) == 98_304 + 2 * (52_224 + 17_408 + 69_632 + 18_496) + 320
    ops = [x.op for x in r.layers]
    assert ops.count("attention") == 2 and ops.count("matmul") == 0 and ops.count("layernorm") == 5
    # nn.MultiheadAttention, which torch's exporter writes as ~45 nodes with the batch folded into the heads,
    # is one `attention` (4 heads, read from the graph) named as the module: the zoo spec's rows, less its
    # three dropouts (identities in eval, not in the file), and the spec's totals, memory included
    assert [(x.name, x.attrs["heads"]) for x in r.layers if x.op == "attention"] == [("/attn", 4), ("/attn_1", 4)]
    assert [(x.output_shape, x.params, x.flops, x.memory_kb) for x in r.layers] == \
        [(x.output_shape, x.params, x.flops, x.memory_kb) for x in spec.layers if x.op != "dropout"]
    assert len(r.layers) == 24 and r.totals == spec.totals      # 27 spec rows - 3 dropouts; 47,656 bytes
    assert r.layer("/Gather").output_shape == (32,)        # the head reads the class token: x[:, 0]


def test_the_imported_vit_written_as_a_spec_loads_back_to_the_same_figures(tmp_path):
    from archcost.frontends.spec_export import spec_yaml

    spec = imported_spec(TinyViT(), 32)
    path = tmp_path / "tiny_vit.yaml"
    path.write_text(spec_yaml(archcost.build_graph(spec)))
    back, r = archcost.analyze(str(path)), archcost.analyze(spec)
    assert [(x.name, x.output_shape, x.params, x.flops) for x in back.layers] == \
        [(x.name, x.output_shape, x.params, x.flops) for x in r.layers]
    assert back.totals.params == 24_234     # TinyViT's sum(p.numel())


def test_a_convnext_exported_by_torch_has_its_parameters_and_layer_norms_over_channels():
    net = TinyConvNeXt()
    r = imported(net, 32)
    assert r.totals.params == sum(p.numel() for p in net.parameters()) == 16_346
    assert [x.op for x in r.layers if x.op in ("layernorm2d", "layer_scale")] == [
        "layernorm2d", "layer_scale", "layernorm2d", "layer_scale", "layernorm2d"]
    # stem 64 x 48 x 16 = 49,152; block 1: dw 64 x 16 x 49 = 50,176, MLP 2 x 64 x 16 x 64 = 131,072;
    # down 16 x 64 x 32 = 32,768; block 2: 16 x 32 x 49 = 25,088, 2 x 16 x 32 x 128 = 131,072; head 320
    assert matmul_flops(r) == 49_152 + 50_176 + 131_072 + 32_768 + 25_088 + 131_072 + 320


def test_a_layer_norm_spelled_out_by_an_older_exporter_is_one_layernorm(tmp_path):
    # torch.onnx before opset 17 writes nn.LayerNorm(8) as ReduceMean, Sub, Pow, ReduceMean, Add(eps), Sqrt,
    # Div, Mul(weight), Add(bias): its parameters are torch's 2 x 8 = 16
    from onnx import TensorProto as T, helper as h, numpy_helper
    import numpy as np

    def const(name, v):
        return h.make_node("Constant", [], [name], value=numpy_helper.from_array(np.asarray(v, np.float32)))

    nodes = [const("two", 2.0), const("eps", 1e-6),
             h.make_node("ReduceMean", ["x"], ["m"], axes=[-1]), h.make_node("Sub", ["x", "m"], ["d"]),
             h.make_node("Pow", ["d", "two"], ["d2"]), h.make_node("ReduceMean", ["d2"], ["v"], axes=[-1]),
             h.make_node("Add", ["v", "eps"], ["ve"]), h.make_node("Sqrt", ["ve"], ["s"]),
             h.make_node("Div", ["d", "s"], ["n"]), h.make_node("Mul", ["n", "ln.weight"], ["g"]),
             h.make_node("Add", ["g", "ln.bias"], ["y"], name="ln")]
    inits = [h.make_tensor(f"ln.{w}", T.FLOAT, [8], [1.0] * 8) for w in ("weight", "bias")]
    graph = h.make_graph(nodes, "ln", [h.make_tensor_value_info("x", T.FLOAT, [1, 5, 8])],
                         [h.make_tensor_value_info("y", T.FLOAT, None)], inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 13)])
    r = archcost.analyze(spec_from_data(spec_data(model, "ln.onnx"), "ln.onnx"))
    assert [(x.name, x.op, x.output_shape, x.params) for x in r.layers] == [("ln", "layernorm", (5, 8), 16)]
    assert r.layers[0].attrs["eps"] == 1e-6


def test_a_reversed_slice_on_constants_folds_as_onnx_defines_it():
    # the ONNX Slice operator's spec: a negative step walks back from start, ends clamped to "before the first";
    # torch's exporter reverses F.pad's [before, after] pairs this way (Swin's window padding)
    import numpy as np
    from archcost.frontends.onnx_fold import FOLD

    pairs = np.array([[0, 0], [0, 1], [0, 1], [0, 0]])
    back = FOLD["Slice"]({}, [pairs, np.array([-1]), np.array([-2**63 + 1]), np.array([0]), np.array([-1])])[0]
    assert back.tolist() == [[0, 0], [0, 1], [0, 1], [0, 0]][::-1]
    assert FOLD["Slice"]({}, [np.arange(5), np.array([3]), np.array([0]), np.array([0]), np.array([-1])])[0].tolist() \
        == [3, 2, 1]
