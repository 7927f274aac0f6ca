"""ONNX import and export of Swin (archcost/frontends/onnx_windows.py, onnx_swin_export.py): a small Swin written
after torchvision 0.28's swin_transformer.py (tests/tiny_transformers.py: shifted_window_attention line for line,
PatchMerging, torch.roll) exported with torch.onnx.export(dynamo=False, opset 17) imports with torch's
parameters, sum(p.numel()), and the multiply-adds of the zoo spec built with the same settings
(specs/swin.yaml, checked against torchvision 0.28's swin_t ... swin_v2_b). Its maps need padding to whole
windows (14, 7 and 4 tokens in windows of 3) and an odd side merged (7 -> 4), and every other block shifts.
"""

import io

import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

import archcost  # noqa: E402
from archcost.frontends.onnx_export import export_model  # noqa: E402
from archcost.frontends.onnx_import import spec_data  # noqa: E402
from archcost.spec.loader import spec_from_data  # noqa: E402
from tiny_transformers import TinySwin, matmul_flops  # noqa: E402

SETTINGS = {"embed_dim": 8, "depths": [2, 2, 2, 2], "heads": [1, 2, 2, 4], "window": 3, "resolution": 56,
            "classes": 10}


def imported(module, size=56):
    buf = io.BytesIO()
    torch.onnx.export(module.eval(), (torch.zeros(1, 3, size, size),), buf, dynamo=False, opset_version=17)
    model = onnx.load_from_string(buf.getvalue())
    return archcost.analyze(spec_from_data(spec_data(model, "tiny_swin.onnx"), "tiny_swin.onnx"))


@pytest.mark.parametrize("v2, zoo, params, macs", [
    # sum(p.numel()) of TinySwin() and TinySwin(v2=True) (torch 2.13); the multiply-adds are the zoo spec's
    # (swin_t / swin_v2_t with SETTINGS) under the torchvision convention
    (False, "swin_t", 146_516, 2_136_800),
    (True, "swin_v2_t", 167_364, 2_572_000),
])
def test_a_swin_exported_by_torch_has_its_parameters_and_the_zoo_specs_multiply_adds(v2, zoo, params, macs):
    net = TinySwin(v2=v2)
    r = imported(net)
    spec = archcost.analyze(zoo, settings=SETTINGS)
    assert r.totals.params == sum(p.numel() for p in net.parameters()) == spec.totals.params == params
    assert matmul_flops(r) == matmul_flops(spec) == macs
    assert r.totals.flops == spec.totals.flops          # archcost's own count too: bias adds, v2's MLP
    attn = [x for x in r.layers if x.op == "window_attention"]
    # torchvision shifts by window // 2 in every other block, but not a window as large as the padded map (2 x 2
    # tokens padded to 3 x 3 in the last stage)
    assert [x.attrs["shift"] for x in attn] == [0, 1, 0, 1, 0, 1, 0, 0]
    assert [x.attrs["heads"] for x in attn] == [1, 1, 2, 2, 2, 2, 4, 4] and all(x.attrs["v2"] == v2 for x in attn)
    assert attn[0].name == "/features/features.1/features.1.0/attn"      # the module's scope
    merges = [x.output_shape for x in r.layers if x.op == "patch_merge"]
    assert merges == [(7, 7, 32), (4, 4, 64), (2, 2, 128)]              # 14 -> 7, 7 (odd, padded) -> 4, 4 -> 2


def test_a_roll_exported_by_torch_is_a_roll():
    class Shift(torch.nn.Module):
        def forward(self, x):
            return torch.roll(x, shifts=(-2, 1), dims=(2, 3))

    layers = imported(Shift(), 8).layers
    # torch.roll over two axes: one Slice + Slice + Concat per axis; archcost's axes count without the batch
    assert [(x.op, x.attrs["shifts"], x.attrs["dims"]) for x in layers] == [("roll", (6,), (1,)), ("roll", (1,), (2,))]


@pytest.mark.parametrize("name, params", [
    ("swin_t", 28_288_354),     # torchvision 0.28 model page, Swin_T_Weights.IMAGENET1K_V1
    ("swin_v2_t", 28_351_570),  # torchvision 0.28 model page, Swin_V2_T_Weights.IMAGENET1K_V1
])
def test_exported_swin_holds_torchvisions_parameters_as_weights(name, params):
    """The position bias table (v1), the MLP and logit scales (v2) are weights; the relative position index,
    the coordinates table and the shift mask are constants."""
    model = export_model(archcost.build_graph(name), weights="zeros")
    assert sum(int(onnx.numpy_helper.to_array(t).size) for t in model.graph.initializer) == params
    types = [n.op_type for n in model.graph.node]
    assert types.count("Softmax") == 12 and "ScatterND" not in types
