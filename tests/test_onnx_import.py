"""ONNX import (archcost/frontends/onnx_import.py): models built with onnx.helper, read statically.

The AlexNet here is the lecture's (EECS 498-007 lecture 8, J. Johnson: 64/192/384/256/256 filters on
227 x 227), spelled in ONNX the way torch's exporter spells it (the flatten as a Shape -> Gather ->
Unsqueeze -> Concat -> Reshape chain), so its figures are the lecture table's.
"""

import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto as T, helper as h, numpy_helper  # noqa: E402

import archcost  # noqa: E402
from archcost import ArchcostError  # noqa: E402
from archcost.frontends.onnx_import import spec_data  # noqa: E402


class Net:
    """A small ONNX graph builder: each method adds a node reading the last output."""

    def __init__(self, shape, opset=17):
        self.nodes, self.inits, self.opset, self.last, self.k = [], [], opset, "x", 0
        self.input = h.make_tensor_value_info("x", T.FLOAT, list(shape))

    def weight(self, name, shape):
        self.inits.append(h.make_tensor(name, T.FLOAT, list(shape), bytes(4 * int(np.prod(shape))), raw=True))
        return name

    def const(self, values, dtype=np.int64):
        self.k += 1
        name = f"c{self.k}"
        self.nodes.append(h.make_node("Constant", [], [name], value=numpy_helper.from_array(np.asarray(values, dtype))))
        return name

    def add(self, op, name, inputs=None, outputs=1, **attrs):
        outs = [name] if outputs == 1 else [f"{name}:{i}" for i in range(outputs)]
        self.nodes.append(h.make_node(op, inputs if inputs is not None else [self.last], outs, name=name, **attrs))
        self.last = outs[0]
        return outs[0] if outputs == 1 else outs

    def conv(self, name, c_in, out, k, bias=True, **attrs):
        ins = [self.last, self.weight(f"{name}.w", [out, c_in // attrs.get("group", 1), k, k])]
        if bias:
            ins.append(self.weight(f"{name}.b", [out]))
        return self.add("Conv", name, ins, kernel_shape=[k, k], **attrs)

    def gemm(self, name, n_in, out):
        return self.add("Gemm", name, [self.last, self.weight(f"{name}.w", [out, n_in]),
                                       self.weight(f"{name}.b", [out])], transB=1)

    def torch_flatten(self):
        """x.view(x.size(0), -1), as torch.onnx writes it: shape arithmetic, folded on import."""
        x = self.last
        shape = self.add("Shape", "flatten/shape", [x])
        n = self.add("Gather", "flatten/gather", [shape, self.const(0)], axis=0)
        n1 = self.add("Unsqueeze", "flatten/unsqueeze", [n, self.const([0])])
        target = self.add("Concat", "flatten/concat", [n1, self.const([-1])], axis=0)
        return self.add("Reshape", "flatten", [x, target])

    def model(self):
        out = h.make_tensor_value_info(self.last, T.FLOAT, None)
        graph = h.make_graph(self.nodes, "net", [self.input], [out], self.inits)
        model = h.make_model(graph, opset_imports=[h.make_opsetid("", self.opset)])
        # the output's type as ONNX infers it: the checker wants a shape
        model.graph.output[0].CopyFrom(onnx.shape_inference.infer_shapes(model).graph.output[0])
        return model

    def save(self, tmp_path, name="net.onnx"):
        path = str(tmp_path / name)
        onnx.save(self.model(), path)
        return path


def lecture_alexnet(opset=17):
    net = Net([1, 3, 227, 227], opset)
    for i, (c_in, out, k, s, p, pool) in enumerate([(3, 64, 11, 4, 2, True), (64, 192, 5, 1, 2, True),
                                                    (192, 384, 3, 1, 1, False), (384, 256, 3, 1, 1, False),
                                                    (256, 256, 3, 1, 1, True)], 1):
        net.conv(f"conv{i}", c_in, out, k, strides=[s, s], pads=[p] * 4)
        net.add("Relu", f"relu{i}")
        if pool:
            net.add("MaxPool", f"pool{i}", kernel_shape=[3, 3], strides=[2, 2])
    net.torch_flatten()
    for i, (n_in, out) in enumerate([(9216, 4096), (4096, 4096), (4096, 1000)], 6):
        net.gemm(f"fc{i}", n_in, out)
        if i < 8:
            net.add("Relu", f"relu{i}")
    return net


def test_lecture_alexnet_from_onnx_has_the_lecture_figures(tmp_path):
    r = archcost.analyze(lecture_alexnet().save(tmp_path))
    conv1 = r.layer("conv1")
    # EECS 498 lecture 8, AlexNet table: conv1 784 KB, 23,296 parameters (23 k), 73 M multiply-adds
    assert (conv1.output_shape, conv1.memory_kb, conv1.params, conv1.flops) == ((64, 56, 56), 784.0, 23296, 73056256)
    assert r.layer("pool1").output_shape == (64, 27, 27)
    # the flatten row: 9,216 values, 36 KB; the Shape/Gather/Concat chain is folded, not layers
    assert r.layer("flatten").output_shape == (9216,) and r.layer("flatten").memory_kb == 36.0
    assert [x.name for x in r.rows()][-5:] == ["pool5", "flatten", "fc6", "fc7", "fc8"]
    assert r.totals.params == 61_100_840          # the lecture's total: 61.1 M parameters
    assert r.warnings[0].layer == "pool1"         # (56 - 3) / 2 + 1 = 27.5, as on the shipped spec


def test_the_onnx_network_equals_the_shipped_spec_layer_by_layer(tmp_path):
    ours = archcost.analyze(lecture_alexnet().save(tmp_path))
    shipped = archcost.analyze("alexnet")
    # the spec is the lecture's table too: every shape and count agrees
    key = lambda r: [(x.output_shape, x.params, x.flops, x.memory_kb) for x in r.rows()]  # noqa: E731
    assert key(ours) == key(shipped) and ours.totals == shipped.totals


def test_cli_takes_an_onnx_file_wherever_it_takes_a_network(run, tmp_path):
    path = lecture_alexnet().save(tmp_path)
    table = run("table", path)
    assert table.exit_code == 0
    assert [line.split()[-3:] for line in table.stdout.splitlines() if line.startswith("conv1")] == [["784", "23", "73"]]
    assert run("explain", path, "conv1").stdout.count("= 73,056,256") == 1
    compare = run("compare", "alexnet", path, "--no-stages", "--format", "csv")
    assert compare.exit_code == 0 and compare.stdout.count("61100840") == 2
    assert run("findings", path).exit_code == 0


@pytest.mark.parametrize("opset", [11, 12, 13, 17, 18, 21])
def test_every_opset_from_11_to_21_spells_the_same_network(tmp_path, opset):
    """A MobileNet-like tail written with each opset's own spelling: Clip bounds as inputs (11+), axes of
    Squeeze and Split as inputs (13+), ReduceMean's axes as an input and Split's num_outputs (18+)."""
    net = Net([1, 3, 32, 32], opset)
    net.conv("conv", 3, 16, 3, pads=[1, 1, 1, 1])                       # 16 x 3 x 3 x 3 + 16 = 448
    net.add("Clip", "relu6", ["conv", net.const(0.0, np.float32), net.const(6.0, np.float32)])
    if opset >= 18:
        left, right = net.add("Split", "split", ["relu6"], outputs=2, axis=1, num_outputs=2)
    elif opset >= 13:
        left, right = net.add("Split", "split", ["relu6", net.const([8, 8])], outputs=2, axis=1)
    else:
        left, right = net.add("Split", "split", ["relu6"], outputs=2, axis=1, split=[8, 8])
    net.add("Concat", "concat", [right, left], axis=1)
    if opset >= 18:
        net.add("ReduceMean", "pool", ["concat", net.const([2, 3])], keepdims=1)
    else:
        net.add("ReduceMean", "pool", ["concat"], axes=[2, 3], keepdims=1)
    if opset >= 13:
        net.add("Squeeze", "squeeze", ["pool", net.const([2, 3])])
    else:
        net.add("Squeeze", "squeeze", ["pool"], axes=[2, 3])
    net.gemm("fc", 16, 10)                                                # 10 x 16 + 10 = 170
    onnx.checker.check_model(net.model())
    onnx.shape_inference.infer_shapes(net.model(), strict_mode=True)   # valid at this opset
    r = archcost.analyze(net.save(tmp_path))
    assert [(x.name, x.op, x.output_shape) for x in r.layers] == [
        ("conv", "conv", (16, 32, 32)), ("relu6", "relu6", (16, 32, 32)), ("split.0", "slice", (8, 32, 32)),
        ("split.1", "slice", (8, 32, 32)), ("concat", "concat", (16, 32, 32)),
        ("pool", "globalavgpool", (16, 1, 1)), ("squeeze", "flatten", (16,)), ("fc", "fc", (10,))]
    assert r.totals.params == 448 + 170
    # conv 16 x 32 x 32 x (27 + 1) = 458,752; pool 16 x 32 x 32 = 16,384; fc 10 x (16 + 1) = 170
    assert r.totals.flops == 458_752 + 16_384 + 170


def test_batch_norm_scale_and_shift_are_parameters_its_statistics_buffers(tmp_path):
    net = Net([1, 64, 8, 8])
    net.add("BatchNormalization", "bn", ["x"] + [net.weight(f"bn.{w}", [64]) for w in ("g", "b", "mean", "var")])
    r = archcost.analyze(net.save(tmp_path))
    assert r.layer("bn").params == 128      # 2C, as torch's BatchNorm2d(64): weight + bias, buffers apart


def test_fused_patterns_become_one_layer(tmp_path):
    net = Net([1, 8, 4, 4])
    net.add("Sigmoid", "gate", ["x"])
    net.add("Mul", "silu", ["x", "gate"])                                 # x * sigmoid(x)
    x = net.last
    d = net.add("Div", "gelu/div", [x, net.const(np.sqrt(2.0), np.float32)])
    e = net.add("Erf", "gelu/erf", [d])
    a = net.add("Add", "gelu/add", [e, net.const(1.0, np.float32)])
    m = net.add("Mul", "gelu/mul", [x, a])
    net.add("Mul", "gelu", [m, net.const(0.5, np.float32)])             # torch.onnx's GELU before opset 20
    net.conv("conv", 8, 8, 1, bias=False)
    net.add("Add", "conv_bias", ["conv", net.weight("bias", [8])])        # a conv's bias as a separate Add
    r = archcost.analyze(net.save(tmp_path))
    assert [(x.name, x.op) for x in r.layers] == [("silu", "silu"), ("gelu", "gelu"), ("conv", "conv")]
    assert r.layer("conv").params == 8 * 8 + 8


def test_an_unknown_op_is_an_error_naming_it_and_its_count(tmp_path):
    net = Net([1, 3, 8, 8])
    net.add("Relu", "relu")
    net.add("Celu", "odd1")
    net.add("Celu", "odd2")
    path = net.save(tmp_path)
    with pytest.raises(ArchcostError) as err:
        archcost.analyze(path)
    assert "'Celu' (2 nodes, the first 'odd1')" in str(err.value) and "--allow-unknown" in str(err.value)
    r = archcost.analyze(path, allow_unknown=True)
    assert [(x.name, x.op, x.output_shape, x.params, x.flops) for x in r.layers][1:] == [
        ("odd1", "unknown", (3, 8, 8), 0, 0), ("odd2", "unknown", (3, 8, 8), 0, 0)]
    assert [w.layer for w in r.warnings] == ["odd1", "odd2"]
    assert r.source.endswith("; 2 of 3 layers not understood and counted as 0 (Celu x2)")


def test_errors_name_the_node(tmp_path):
    net = Net([1, 3, 8, 8])
    net.add("LayerNormalization", "ln", ["x", net.weight("g", [3, 8, 8]), net.weight("b", [3, 8, 8])], axis=1)
    with pytest.raises(ArchcostError, match=r"net.onnx: layer 'ln': LayerNormalization from axis 1: archcost's "
                                            r"layernorm normalises the last axis"):
        archcost.analyze(net.save(tmp_path))


def test_without_onnx_one_line_says_how_to_install_it(run, tmp_path, monkeypatch):
    path = lecture_alexnet().save(tmp_path)
    monkeypatch.setitem(sys.modules, "onnx", None)                 # `import onnx` now raises ImportError
    monkeypatch.delitem(sys.modules, "archcost.frontends.onnx_import")  # imported afresh, as in a new process
    res = run("table", path)
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [
        "error: this needs the 'onnx' package, which is not installed; pip install 'archcost[onnx]'"]


def test_not_an_onnx_file_is_one_error(run, tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\xff\xfe not protobuf at all")
    res = run("table", str(bad))
    assert res.exit_code == 2 and res.stderr.startswith("error: ") and "not an ONNX model" in res.stderr


def test_spec_of_an_onnx_file_reads_back_to_the_same_figures(run, tmp_path):
    path = lecture_alexnet().save(tmp_path)
    out = tmp_path / "alexnet.yaml"
    assert run("spec", path, "-o", str(out)).exit_code == 0
    text = out.read_text()
    assert "- {name: conv1, op: conv, out: 64, kernel: 11, stride: 4, pad: 2}" in text
    again, direct = archcost.analyze(str(out)), archcost.analyze(path)
    key = lambda r: [(x.name, x.op, x.inputs, x.output_shape, x.params, x.flops, x.memory_kb) for x in r.layers]  # noqa: E731
    assert key(again) == key(direct)
    assert again.totals.params == 61_100_840


def test_spec_data_of_a_helper_model_is_plain_data():
    net = Net([1, 3, 32, 32])
    net.conv("c", 3, 8, 3, bias=False, pads=[1, 1, 1, 1])
    assert spec_data(net.model(), "m.onnx") == {
        "name": "m", "title": "net", "source": "m.onnx: ONNX opset 17", "input": [3, 32, 32],
        "layers": [{"name": "c", "op": "conv", "out": 8, "kernel": 3, "pad": 1, "bias": False}]}
