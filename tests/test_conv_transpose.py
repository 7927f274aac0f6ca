"""The transposed convolution (archcost/ops/convt.py), against torch 2.13's ConvTranspose2d: output
shapes, sum(p.numel()) and FlopCounterMode's multiply-adds (its total / 2; no bias adds), measured with
torch 2.13.0 (CPU) on the two layers below."""

import pytest

import archcost
from archcost.ops import get_op

CASES = [   # (attrs, input, torch's output, parameters, multiply-adds without the bias add)
    # DCGAN's generator step, ConvTranspose2d(128, 64, 4, stride=2, padding=1) on 128x16x16
    ({"out": 64, "kernel": 4, "stride": 2, "pad": 1}, (128, 16, 16), (64, 32, 32), 131_136, 33_554_432),
    # ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1, groups=2) on 16x7x7
    ({"out": 8, "kernel": 3, "stride": 2, "pad": 1, "output_padding": 1, "groups": 2}, (16, 7, 7), (8, 14, 14),
     584, 28_224),
]


@pytest.mark.parametrize("attrs, x, out, params, flops", CASES)
def test_conv_transpose_matches_torch(attrs, x, out, params, flops):
    op = get_op("conv_transpose")
    a = op.coerce(attrs)
    assert op.shape(a, [x]) == out
    assert op.params(a, [x], out) == params
    assert op.flops(a, [x], out, bias_flops=False) == flops
    # the default convention adds one bias add per output element
    assert op.flops(a, [x], out) == flops + out[0] * out[1] * out[2]


def test_conv_transpose_explains_itself(spec_file):
    path = spec_file("""
        name: up
        input: [128, 16, 16]
        layers:
          - {name: up, op: conv_transpose, out: 64, kernel: 4, stride: 2, pad: 1}
    """)
    from archcost.render.explain import explain_layer
    text = explain_layer(archcost.analyze(path, bias_flops=False), "up")
    assert "128 x 64 x 4 x 4 + 64 = 131,136" in text and "= 33,554,432" in text


def test_onnx_conv_transpose_is_imported(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto as T, helper as h
    w = h.make_tensor("w", T.FLOAT, [16, 4, 3, 3], bytes(4 * 16 * 4 * 9), raw=True)
    b = h.make_tensor("b", T.FLOAT, [8], bytes(32), raw=True)
    node = h.make_node("ConvTranspose", ["x", "w", "b"], ["y"], name="up", strides=[2, 2], pads=[1, 1, 1, 1],
                       output_padding=[1, 1], group=2)
    graph = h.make_graph([node], "g", [h.make_tensor_value_info("x", T.FLOAT, [1, 16, 7, 7])],
                         [h.make_tensor_value_info("y", T.FLOAT, [1, 8, 14, 14])], [w, b])
    onnx.save(h.make_model(graph, opset_imports=[h.make_opsetid("", 17)]), str(tmp_path / "up.onnx"))
    layer = archcost.analyze(str(tmp_path / "up.onnx"), bias_flops=False).layer("up")
    assert (layer.op, layer.output_shape, layer.params, layer.flops) == ("conv_transpose", (8, 14, 14), 584, 28_224)


def test_each_tool_counts_a_transposed_conv_its_own_way():
    # measured on DCGAN's ConvTranspose2d(128, 64, 4, stride=2, padding=1) on 1x128x16x16 with torch 2.13.0:
    # fvcore 0.1.5 FlopCountAnalysis.total(), FlopCounterMode / 2, ptflops 0.7.5, thop 0.1.1 profile(),
    # torchinfo 1.8.0 summary().total_mult_adds, calflops 0.3.2 calculate_flops(...) MACs (33,554,432)
    from archcost.counting import CONVENTIONS, layer_flops

    op = get_op("conv_transpose")
    a = op.coerce({"out": 64, "kernel": 4, "stride": 2, "pad": 1})
    x, out = (128, 16, 16), (64, 32, 32)
    got = {name: layer_flops(c, op, a, [x], out) for name, c in CONVENTIONS.items()}
    assert got == {"lecture": 33_554_432 + 65_536, "torchvision": 33_554_432, "fvcore": 33_554_432,
                   "ptflops": 33_619_968, "thop": 134_217_728, "torchinfo": 134_283_264, "calflops": 33_554_432}


def test_a_transposed_conv_trains_like_a_conv():
    # derivatives.yaml, convolution: the input is saved for the weights' gradient; the backward repeats the
    # forward multiply-adds for the weights' and for the input's gradient, and sums grad_out for the bias
    op = get_op("conv_transpose")
    a = op.coerce({"out": 64, "kernel": 4, "stride": 2, "pad": 1})
    x, out = (128, 16, 16), (64, 32, 32)
    assert [s.elements for s in op.saves(a, [x], out)] == [128 * 16 * 16]
    assert op.backward_flops(a, [x], out) == 2 * 33_554_432 + 65_536
    assert op.backward_flops(a, [x], out, input_grad=False, bias_flops=False) == 33_554_432
