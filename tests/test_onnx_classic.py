"""ONNX import and export of the classic CNN ops (archcost/frontends/onnx_classic.py): graphs built with
onnx.helper in each op's ONNX form come back as one archcost layer with the paper's figures.

LeNet-5's figures are LeCun et al. 1998 ("Gradient-Based Learning Applied to Document Recognition"),
Section II-B: S2 12 trainable parameters and 5,880 connections, C3 (Table I) 1,516 parameters and
151,600 connections, the output layer 10 RBF units of 84 inputs (840 weights).
"""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import helper as h  # noqa: E402

import archcost  # noqa: E402
from archcost import ArchcostError  # noqa: E402
from archcost.frontends.onnx_export import export_model  # noqa: E402
from archcost.frontends.onnx_import import spec_data  # noqa: E402
from archcost.spec.loader import spec_from_data  # noqa: E402
from test_onnx_import import Net  # noqa: E402

# LeCun et al. 1998, Table I: the S2 maps each C3 map reads
TABLE_I = [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [0, 4, 5], [0, 1, 5],
           [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [0, 3, 4, 5], [0, 1, 4, 5], [0, 1, 2, 5],
           [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5], [0, 1, 2, 3, 4, 5]]


def _analyze(net, check=True):
    model = net.model()
    if check:   # (ONNX's shape inference does not evaluate a computed Pad's pads: no output shape to check)
        onnx.checker.check_model(model)
    return archcost.analyze(spec_from_data(spec_data(model, "net.onnx"), "net.onnx"))


def _rows(report):
    return [(x.name, x.op, x.output_shape, x.params, x.flops) for x in report.layers]


def _subsampling(net, name, maps, bias=True):
    pooled = net.add("AveragePool", f"{name}/pool", kernel_shape=[2, 2], strides=[2, 2])
    scaled = net.add("Mul", f"{name}/mul" if bias else name, [pooled, net.weight(f"{name}.coef", [maps, 1, 1])])
    if bias:
        net.add("Add", name, [scaled, net.weight(f"{name}.bias", [1, maps, 1, 1])])


def test_trainable_subsampling_is_one_subsample_layer():
    net = Net([1, 6, 28, 28])
    _subsampling(net, "S2", 6)
    (s2,) = _analyze(net).layers
    # S2: 6 maps x (coefficient + bias) = 12 parameters; 6 x 14 x 14 x (4 + 1) = 5,880 connections
    assert (s2.name, s2.op, s2.output_shape, s2.params, s2.flops) == ("S2", "subsample", (6, 14, 14), 12, 5880)
    net = Net([1, 6, 28, 28])
    _subsampling(net, "S2", 6, bias=False)
    (s2,) = _analyze(net).layers   # without the bias: 6 coefficients, 4 multiply-adds per output
    assert (s2.op, s2.params, s2.flops) == ("subsample", 6, 4704)


def _table_conv(net, name, table, k=5):
    """C3 as archcost export writes it: per run of equal fan-in, Gather of the maps + a conv per filter."""
    x, outs, start = net.last, [], 0
    while start < len(table):
        end = start
        while end < len(table) and len(table[end]) == len(table[start]):
            end += 1
        rows = table[start:end]
        maps = net.add("Gather", f"{name}/maps{start}", [x, net.const([m for r in rows for m in r])], axis=1)
        net.last = maps
        outs.append(net.conv(f"{name}/run{start}", len(rows) * len(rows[0]), len(rows), k, group=len(rows)))
        start = end
    if len(outs) > 1:
        net.add("Concat", name, outs, axis=1)


def test_a_connection_table_is_one_conv_with_the_table():
    net = Net([1, 6, 14, 14])
    _table_conv(net, "C3", TABLE_I)
    (c3,) = _analyze(net).layers
    # Table I's 60 connections x 25 weights + 16 biases = 1,516; 10 x 10 x 1,516 = 151,600 connections
    assert (c3.name, c3.op, c3.output_shape, c3.params, c3.flops) == ("C3", "conv", (16, 10, 10), 1516, 151600)
    assert [list(r) for r in c3.attrs["table"]] == TABLE_I
    net = Net([1, 6, 14, 14])
    _table_conv(net, "C3", TABLE_I[:6])   # one run (3 maps each): a Gather and a conv with 6 groups, no Concat
    (c3,) = _analyze(net).layers
    assert (c3.name, c3.params, [list(r) for r in c3.attrs["table"]]) == ("C3/run0", 6 * 3 * 25 + 6, TABLE_I[:6])


def test_a_concat_that_is_not_all_runs_stays_a_concat():
    net = Net([1, 6, 14, 14])
    net.add("Gather", "sel", [net.last, net.const([0, 1, 2])], axis=1)
    part = net.conv("part", 3, 1, 5)
    net.last = "x"
    full = net.conv("full", 6, 2, 5)
    net.add("Concat", "joined", [part, full], axis=1)
    rows = _rows(_analyze(net))
    # the Gather + conv alone is a one-filter table conv (3 x 25 + 1); the plain conv is 2 x 6 x 25 + 2
    assert rows == [("part", "conv", (1, 10, 10), 76, 7600), ("full", "conv", (2, 10, 10), 302, 30200),
                    ("joined", "concat", (3, 10, 10), 0, 0)]


@pytest.mark.parametrize("square", ["Mul", "Pow"])
def test_euclidean_rbf_units_are_one_rbf_layer(square):
    net = Net([1, 84])
    rows = net.add("Unsqueeze", "output/rows", [net.last, net.const([1])])
    diff = net.add("Sub", "output/diff", [rows, net.weight("output.w", [10, 84])])
    sq = net.add(square, "output/square", [diff, diff if square == "Mul" else net.const(2.0, np.float32)])
    net.add("ReduceSum", "output", [sq, net.const([-1])], keepdims=0)
    (rbf,) = _analyze(net).layers
    # 10 units x 84 weights = 840 parameters; archcost's rule: 2 operations per weight (x - w, multiply-add)
    assert (rbf.name, rbf.op, rbf.output_shape, rbf.params, rbf.flops) == ("output", "rbf", (10,), 840, 1680)


def _strided_slices(net, name, step=2):
    """x[:, :, ::2, ::2] as torch.onnx 2.13 (TorchScript exporter) writes it: one Slice per axis, ends INT64_MAX."""
    big = np.iinfo(np.int64).max
    for axis in (2, 3):
        x = net.add("Slice", f"{name}/slice{axis}", [net.last, net.const([0]), net.const([big]), net.const([axis]),
                                                     net.const([step])])
    return x


def test_option_a_shortcut_is_one_zeropad_shortcut():
    # akamaster/pytorch_resnet_cifar10's LambdaLayer, F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, 8, 8)), on
    # resnet20's layer2: 16 x 32 x 32 -> 32 x 16 x 16, no parameters and no FLOPs (He et al. 2016, option A)
    net = Net([1, 16, 32, 32])
    strided = _strided_slices(net, "shortcut")
    # the pads computed by the graph (torch writes a ConstantOfShape/Concat chain), folded in the walk
    pads = net.add("Concat", "shortcut/pads", [net.const([0, 8]), net.const([0, 0, 0, 8, 0, 0])], axis=0)
    net.add("Pad", "shortcut", [strided, pads, net.const(0.0, np.float32)])
    (z,) = _analyze(net, check=False).layers
    assert (z.name, z.op, z.output_shape, z.params, z.flops) == ("shortcut", "zeropad_shortcut", (32, 16, 16), 0, 0)
    assert (z.attrs["out"], z.attrs["stride"]) == (32, 2)


def test_a_strided_slice_padded_spatially_is_not_a_shortcut():
    net = Net([1, 16, 32, 32])
    _strided_slices(net, "s")
    net.add("Pad", "p", [net.last, net.const([0, 0, 1, 1, 0, 0, 1, 1])])
    with pytest.raises(ArchcostError, match=r"Slice on axis 2 \(step 2\)"):
        _analyze(net)


def _deform(net, name, c_in, out, mask=False, offset_from="x"):
    x = net.last
    net.last = offset_from
    offsets = net.conv(f"{name}/offset", c_in, 18, 3, pads=[1, 1, 1, 1])
    ins = [x, net.weight(f"{name}.w", [out, c_in, 3, 3]), offsets, ""] + ([net.last] if mask else [])
    return net.add("DeformConv", name, ins, kernel_shape=[3, 3], pads=[1, 1, 1, 1])


def test_an_offset_conv_and_deformconv_are_one_deform_conv():
    net = Net([1, 64, 56, 56], opset=19)
    _deform(net, "conv2", 64, 64)
    (dc,) = _analyze(net).layers
    # Dai et al. 2017: the offset conv has 2 x 3 x 3 = 18 filters (bias: yes, as mmcv's conv_offset) over
    # the 64 maps: 64 x 64 x 9 main weights + 18 x 64 x 9 + 18 = 47,250 parameters
    assert (dc.name, dc.op, dc.output_shape, dc.params) == ("conv2", "deform_conv", (64, 56, 56), 47250)
    assert dc.flops == archcost.analyze(spec_from_data(
        {"name": "n", "input": [64, 56, 56], "layers": [{"name": "conv2", "op": "deform_conv", "out": 64,
                                                          "kernel": 3, "pad": 1, "bias": False}]}, "n")).totals.flops


def test_a_deformconv_it_cannot_fold_is_named():
    net = Net([1, 8, 16, 16], opset=19)
    _deform(net, "dc", 8, 8, mask=True)     # a mask (DCNv2) has no archcost op
    with pytest.raises(ArchcostError, match="layer 'dc'.*DeformConv"):
        _analyze(net)


def test_exports_write_opset_19_only_for_a_deformconv():
    lenet = export_model(archcost.build_graph("lenet5"), weights="none")
    dcn = export_model(archcost.build_graph("resnet50_dcn"), weights="none")
    assert [(m.opset_import[0].version, m.ir_version) for m in (lenet, dcn)] == [(17, 8), (19, 9)]
    # resnet50_dcn's deformable 3x3 convs: one per block of layer2 to layer4 (conv3_x-conv5_x: 4 + 6 + 3)
    assert sum(n.op_type == "DeformConv" for n in dcn.graph.node) == 13
    # LeNet-5 through ONNX and back: LeCun et al. 1998's 60,000 trainable parameters + the 840 RBF weights
    back = archcost.analyze(spec_from_data(spec_data(lenet, "lenet5.onnx"), "lenet5.onnx"))
    assert back.totals.params == 60_840
    assert [n.op_type for n in lenet.graph.node if n.name.startswith("C3")].count("Conv") == 3   # runs of 3, 4, 6
    assert h.get_attribute_value(next(n for n in lenet.graph.node if n.op_type == "ReduceSum").attribute[0]) == 0
