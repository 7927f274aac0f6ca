"""Tied weights: a tensor two layers use is counted once (spec ``tie:``, ONNX, from_torch).

The reference figure is PyTorch's ``sum(p.numel() for p in model.parameters())``, which counts a
parameter two modules hold once; the figures below were measured with torch 2.13.0 on the modules
written out in each test (TiedNet: 704).
"""

from __future__ import annotations

import pytest

import archcost
from archcost.errors import ArchcostError
from archcost.spec.loader import spec_from_data
from archcost.spec.yamlread import parse_yaml

CONVS = """
name: tied
input: [8, 4, 4]
layers:
  - {name: c1, op: conv, out: 8, kernel: 3, pad: 1}
  - {name: c2, op: conv, out: 8, kernel: 3, pad: 1, tie: {weight: c1}}
  - {name: c3, op: conv, out: 8, kernel: 3, pad: 1, tie: c2}
  - {name: step, op: conv, out: 8, kernel: 3, pad: 1, tie: c1, repeat: 3}
"""


def analyze_text(text: str, **kw):
    return archcost.analyze(spec_from_data(parse_yaml(text), "tied.yaml"), **kw)


def test_a_tied_layer_counts_none_of_the_weights_it_shares():
    r = analyze_text(CONVS)
    # torch 2.13: c1 = nn.Conv2d(8, 8, 3); c2 with c2.weight = c1.weight; c3 holding c1.weight and
    # c2.bias; three more holding c1's weight and bias: sum(p.numel()) = 592 (584 + c2's own bias 8)
    assert r.totals.params == 592
    assert [x.params for x in r.layers] == [584, 8, 0, 0, 0, 0]
    assert r.layer("c3").tied == (("weight", "c1", 576), ("bias", "c2", 8))   # a tie to a tie leads to the owner
    assert r.layer("step.2").tied == (("weight", "c1", 576), ("bias", "c1", 8))
    # FLOPs and memory do not change: each copy still convolves, 8 x 4 x 4 x (8 x 9 + 1) = 9,344
    assert [x.flops for x in r.layers] == [9344] * 6


def test_training_counts_a_tied_weights_gradient_and_adam_state_once():
    t = analyze_text(CONVS).training_memory("adam")
    # 592 parameters (torch 2.13 sum(p.numel())): 592 x 4 bytes of gradient, 2 x 592 x 4 of Adam state
    assert (t.weights, t.gradients, t.optimizer_state) == (2368, 2368, 4736)
    # every tied layer still computes its weights' gradient: backward as without the tie
    assert all(x.backward_flops for x in t.layers)


def test_table_json_and_explain_say_where_a_tied_weight_is_counted():
    r = analyze_text(CONVS)
    from archcost.render.explain import explain_layer
    from archcost.render.table import render_table
    text = explain_layer(r, "c2")
    assert "parameters       8 x 8 x 3 x 3 + 8 - 576 = 8" in text
    assert "tied: its weight (576) is c1's, counted there, not here" in text
    assert "tied weights: 5 layers use another's (c2 -> c1, c3 -> c1/c2" in render_table(r)
    assert r.layer("c2").to_dict()["tied"] == [{"tensor": "weight", "layer": "c1", "params": 576}]


@pytest.mark.parametrize("tie, message", [
    ("c9", "'tie' names 'c9', which is not an earlier layer here"),
    ("{bias: fc}", "its bias (8 values) cannot be fc's (10 values)"),
    ("{gamma: c1}", "it has no 'gamma' to tie (its parameters: weight, bias)"),
    ("[c1]", "'tie' must name a layer or map tensors to layers"),
])
def test_a_tie_that_cannot_hold_is_a_located_error(tie, message):
    text = ("{name: t, input: [8, 4, 4], layers: [{name: c1, op: conv, out: 8, kernel: 3},"
            " {name: fc, op: fc, out: 10}, {name: p, op: fc, out: 8, input: c1}, "
            "{name: c2, op: conv, out: 8, kernel: 1, input: c1, tie: " + tie + "}]}")
    with pytest.raises(ArchcostError, match=__import__("re").escape(message)) as info:
        analyze_text(text)
    assert info.value.layer == "c2"


def test_a_tie_on_a_layer_without_weights_is_an_error():
    with pytest.raises(ArchcostError, match="'tie' on a layer without parameters"):
        analyze_text("{name: t, input: [8, 4, 4], layers: [{name: c1, op: conv, out: 8, kernel: 3},"
                     " {name: r, op: relu, tie: c1}]}")


def test_the_spec_of_a_tied_network_writes_the_ties_and_loads_back():
    from archcost.frontends.spec_export import spec_yaml
    g = archcost.build_graph(spec_from_data(parse_yaml(CONVS), "tied.yaml"))
    text = spec_yaml(g)
    assert "- {name: c2, op: conv, out: 8, kernel: 3, pad: 1, tie: {weight: c1}}" in text
    assert "- {name: step.0, op: conv, out: 8, kernel: 3, pad: 1, tie: c1}" in text
    assert analyze_text(text).totals.params == 592


# ---------------------------------------------------------------- ONNX
def _conv_graph(w2="w", b2="b2", extra_nodes=(), inits=None, inputs=()):
    """x -> Conv(w, b1) -> Conv(w2, b2): two 8 -> 8 3x3 convs (584 parameters each untied)."""
    onnx = pytest.importorskip("onnx")
    h, T = onnx.helper, onnx.TensorProto
    x = h.make_tensor_value_info("x", T.FLOAT, [1, 8, 4, 4])
    y = h.make_tensor_value_info("y", T.FLOAT, None)
    zeros = lambda name, shape: h.make_tensor(name, T.FLOAT, shape, [0.0] * __import__("math").prod(shape))  # noqa: E731
    inits = inits if inits is not None else [zeros("w", [8, 8, 3, 3]), zeros("b1", [8]), zeros("b2", [8])]
    nodes = list(extra_nodes) + [
        h.make_node("Conv", ["x", "w", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        h.make_node("Conv", ["c1", w2, b2], ["y"], name="conv2", pads=[1, 1, 1, 1])]
    return h.make_model(h.make_graph(nodes, "g", [x, *inputs], [y], inits),
                        opset_imports=[h.make_opsetid("", 17)]), zeros


def _analyze_model(model, tmp_path):
    onnx = pytest.importorskip("onnx")
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    return archcost.analyze(str(path))


def test_onnx_one_initializer_read_by_two_convs_is_one_weight(tmp_path):
    model, _ = _conv_graph()
    r = _analyze_model(model, tmp_path)
    # torch 2.13: two nn.Conv2d(8, 8, 3) with conv2.weight = conv1.weight: sum(p.numel()) = 592
    assert r.totals.params == 592
    assert r.layer("conv2").tied == (("weight", "conv1", 576),)


def test_onnx_weight_and_bias_both_shared_tie_the_whole_layer(tmp_path):
    model, _ = _conv_graph(b2="b1")
    from archcost.frontends.onnx_import import spec_data
    assert spec_data(model, "m.onnx")["layers"][1]["tie"] == "conv1"
    assert _analyze_model(model, tmp_path).totals.params == 584   # torch 2.13: one module called twice


def test_onnx_a_weight_given_as_a_graph_input_and_read_twice_is_one_weight(tmp_path):
    onnx = pytest.importorskip("onnx")
    w = onnx.helper.make_tensor_value_info("w", onnx.TensorProto.FLOAT, [8, 8, 3, 3])
    model, zeros = _conv_graph(inits=[], inputs=[w])
    model.graph.initializer.extend([zeros("b1", [8]), zeros("b2", [8])])
    assert _analyze_model(model, tmp_path).totals.params == 592


def test_onnx_a_constant_passed_through_identity_and_read_twice_is_one_weight(tmp_path):
    onnx = pytest.importorskip("onnx")
    h = onnx.helper
    _, zeros = _conv_graph()
    const = h.make_node("Constant", [], ["wc"], name="wc", value=zeros("wc", [8, 8, 3, 3]))
    ident = h.make_node("Identity", ["wc"], ["w"], name="same_w")
    model, _ = _conv_graph(extra_nodes=[const, ident], inits=[zeros("b1", [8]), zeros("b2", [8])])
    assert _analyze_model(model, tmp_path).totals.params == 592


def test_onnx_an_identity_of_an_initializer_is_a_parameter_of_its_own(tmp_path):
    """torch's exporter writes Identity(w) for a distinct parameter equal in value to w (every fresh
    LayerNorm's ones): sum(p.numel()) counts both, and so does the import."""
    onnx = pytest.importorskip("onnx")
    model, _ = _conv_graph(w2="w_copy", extra_nodes=[onnx.helper.make_node("Identity", ["w"], ["w_copy"])])
    assert _analyze_model(model, tmp_path).totals.params == 584 + 584


def test_onnx_a_shape_initializer_two_reshapes_read_is_no_weight(tmp_path):
    """One initializer holding a target shape (and an axis list) read by two layers that have no weights:
    nothing to tie; the figures are those of each layer alone (two 8 -> 8 3x3 convs: 1,168)."""
    onnx = pytest.importorskip("onnx")
    h, T = onnx.helper, onnx.TensorProto
    model, _ = _conv_graph(b2="b1")
    g = model.graph
    g.output[0].name = "z"
    g.initializer.append(h.make_tensor("shape", T.INT64, [2], [1, 128]))
    g.initializer.append(h.make_tensor("back", T.INT64, [4], [1, 8, 4, 4]))
    g.node.extend([h.make_node("Reshape", ["y", "shape"], ["r1"], name="flat1"),
                   h.make_node("Reshape", ["r1", "back"], ["r2"], name="map"),
                   h.make_node("Reshape", ["r2", "shape"], ["z"], name="flat2")])
    r = _analyze_model(model, tmp_path)
    assert r.totals.params == 584 and not any(x.tied for x in r.layers if x.op != "conv")


def test_onnx_export_of_a_tied_spec_reads_one_initializer_and_imports_back(tmp_path):
    onnx = pytest.importorskip("onnx")
    from archcost.frontends.onnx_export import export_model
    g = archcost.build_graph(spec_from_data(parse_yaml(CONVS), "tied.yaml"))
    for weights in ("zeros", "none"):
        model = export_model(g, weights)
        onnx.checker.check_model(model)
        convs = [list(n.input) for n in model.graph.node]
        assert convs[1][1:] == ["c1.weight", "c2.bias"] and convs[3][1:] == ["c1.weight", "c1.bias"]
        assert _analyze_model(model, tmp_path).totals.params == 592


def test_a_tied_layer_whose_op_the_export_notes_keeps_its_tie(tmp_path):
    # a linear layer on a vector is a Gemm, read back as an fc: the export's note restores 'linear', and the
    # tie with it (torch 2.13: b.weight = a.weight, b.bias = a.bias: sum(p.numel()) = 64 x 64 + 64 = 4,160)
    pytest.importorskip("onnx")
    from archcost.frontends.onnx_export import export_model
    text = "name: tl\ninput: [64]\nlayers:\n  - {name: a, op: linear, out: 64}\n  - {name: r, op: relu}\n" \
           "  - {name: b, op: linear, out: 64, tie: a}\n"
    back = _analyze_model(export_model(archcost.build_graph(spec_from_data(parse_yaml(text), "tl.yaml"))), tmp_path)
    assert [(x.op, x.params) for x in back.layers] == [("linear", 4_160), ("relu", 0), ("linear", 0)]
    assert back.totals.params == 4_160


# ---------------------------------------------------------------- PyTorch
def _tied_net():
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class TiedNet(nn.Module):
        """A conv sharing its weight, a linear called twice, a linear holding another's weight."""

        def __init__(self):
            super().__init__()
            self.c1, self.c2 = nn.Conv2d(8, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1)
            self.c2.weight = self.c1.weight
            self.ln1, self.ln2 = nn.LayerNorm(8), nn.LayerNorm(8)
            self.fc1, self.fc2 = nn.Linear(8, 8), nn.Linear(8, 8)
            self.fc2.weight = self.fc1.weight

        def forward(self, x):
            x = self.c2(self.c1(x)).mean((2, 3))
            x = self.fc1(self.fc1(self.ln1(x)))
            return self.fc2(self.ln2(x))

    return torch, TiedNet().eval()


def test_from_torch_counts_a_shared_parameter_once():
    _, net = _tied_net()
    r = archcost.from_torch(net, input=(8, 4, 4))
    assert r.totals.params == sum(p.numel() for p in net.parameters()) == 704   # torch 2.13
    assert r.layer("fc2").tied == (("weight", "fc1", 64),)
    assert r.layer("fc1_2").params == 0


def test_torch_onnx_export_of_tied_weights_imports_to_sum_numel(tmp_path):
    torch, net = _tied_net()
    pytest.importorskip("onnx")
    path = str(tmp_path / "tied.onnx")
    torch.onnx.export(net, (torch.zeros(1, 8, 4, 4),), path, dynamo=False, opset_version=17)
    r = archcost.analyze(path)
    # the exporter writes one initializer for each shared parameter (both nodes read it) and an
    # Identity for ln2's weight and bias, distinct parameters equal in value to ln1's
    assert r.totals.params == sum(p.numel() for p in net.parameters()) == 704
    assert r.layer("/c2/Conv").tied == (("weight", "/c1/Conv", 576),)


def test_a_worksheet_says_which_weights_are_tied_so_its_blank_can_be_answered():
    from archcost.worksheet import make_sheets
    from archcost.worksheet.render import render

    sheet = make_sheets(spec_from_data(parse_yaml(CONVS), "tied.yaml"), rate=1.0)[0]
    text = render(sheet, "markdown")
    # c3 holds c1's weight and c2's bias: the row says so, and the rules say what a tie does to the count
    assert "weight tied to c1; bias tied to c2" in text and "bias tied to c1" not in text.split("| c3")[1].split("\n")[0]
    assert "tied (notes 'weight tied to L'): a layer whose weights are another layer's counts them once" in text
    key = {b.id: b.exact for b in sheet.blanks()}
    assert key["c1.params"] == 584 and key["c3.params"] == 0 and key["c2.params"] == 8   # torch 2.13's counts above
