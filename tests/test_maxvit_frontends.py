"""MaxViT and Swin v2 through from_torch, and MaxViT through ONNX: small modules written after torchvision
0.28's maxvit.py and swin_transformer.py (tests/tiny_transformers.py). Parameters must be torch's
sum(p.numel()) and the multiply-adds (torchvision's convention: weights and the two attention matmuls, no
bias adds) the zoo spec's with the same settings (specs/maxvit.yaml, specs/swin.yaml, each checked against
torchvision 0.28).

torchvision's own models, checked by hand with torch 2.13.0 and torchvision 0.28.0 (torchvision is no test
dependency): from_torch(swin_v2_t(), input=(3, 256, 256)) 28,351,570 parameters / 5,939,690,496
multiply-adds and from_torch(maxvit_t(), input=(3, 224, 224)) 30,919,624 / 5,558,046,720, as REFERENCES.md
and torchvision's model pages; maxvit_t exported by torch.onnx.export(dynamo=False, opset_version=17,
do_constant_folding=False) reads back to 30,919,624 / 5,558,046,720 too.
"""

import io

import pytest

torch = pytest.importorskip("torch")

import archcost  # noqa: E402
from archcost import ArchcostError  # noqa: E402
from tiny_transformers import TinyMaxViT, TinySwin, matmul_flops  # noqa: E402

nn = torch.nn
MAXVIT = {"resolution": 64, "stem_channels": 8, "block_channels": [8, 16, 16, 32], "block_layers": [1, 1, 2, 1],
          "head_dim": 8, "partition_size": 2, "classes": 10}
SWIN_V2 = {"embed_dim": 8, "depths": [2, 1, 1, 1], "heads": [1, 2, 2, 4], "window": 4, "block": "block_v2",
           "merging": "merging_v2", "resolution": 64, "classes": 10}


def test_a_maxvit_module_maps_to_partitions_and_attention_with_its_relative_position_table():
    net = TinyMaxViT()
    r = archcost.from_torch(net, input=(3, 64, 64))
    spec = archcost.analyze("maxvit", settings=MAXVIT)
    assert r.totals.params == sum(p.numel() for p in net.parameters()) == spec.totals.params == 71_484
    assert matmul_flops(r) == matmul_flops(spec) == 2_809_280
    assert r.totals.flops == spec.totals.flops     # and the lecture's count, bias and position bias adds included
    attention = r.layer("blocks.0.layers.0.layers.grid_attention.attn_layer.1")
    # 16 x 16 map: 64 groups of 2 x 2 tokens 8 apart; one head of 8: Q, K, V and output 4 x (8 x 8 + 8), the
    # table (2 x 2 - 1)^2 x 1
    assert (attention.op, attention.input_shapes[0], attention.params) == ("attention", (64, 4, 8), 288 + 9)
    ops = [(x.name.rsplit(".", 1)[-1], x.op, x.output_shape) for x in r.layers
           if x.name.startswith("blocks.0.layers.0.layers.grid_attention.") and x.op in ("partition", "transpose",
                                                                                        "departition")]
    assert ops == [("partition_op", "partition", (4, 64, 8)), ("partition_swap", "transpose", (64, 4, 8)),
                   ("departition_swap", "transpose", (4, 64, 8)), ("departition_op", "departition", (8, 16, 16))]
    assert r.layer("blocks.0.layers.0.layers.grid_attention.partition_op").attrs["grid"]


def test_a_swin_v2_module_counts_its_position_bias_mlp_in_the_window_attention():
    net = TinySwin(depths=(2, 1, 1, 1), window=4, v2=True)   # torchvision's swin_v2 blocks, small
    r = archcost.from_torch(net, input=(3, 64, 64))
    spec = archcost.analyze("swin", settings=SWIN_V2)
    assert r.totals.params == sum(p.numel() for p in net.parameters()) == spec.totals.params == 92_684
    assert matmul_flops(r) == matmul_flops(spec) == 2_091_648
    assert r.totals.flops == spec.totals.flops
    attn = r.layer("shifted_window_attention")     # features.1.0.attn: a wrapped function, named by fx
    # one head of 8: Q, K, V and output 4 x (8 x 8 + 8), the MLP 2 x 512 + 512 + 512 x 1, one logit scale
    assert (attn.op, attn.params, attn.attrs["v2"], attn.attrs["cpb_hidden"]) == ("window_attention", 288 + 2_048 + 1,
                                                                                   True, 512)
    assert "cpb_mlp" not in " ".join(x.name for x in r.layers)      # no layer of its own: counted by the attention


def test_a_module_computing_from_buffers_only_is_refused_when_nothing_counts_it():
    class Stray(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("coords", torch.zeros(4, 2))
            self.mlp = nn.Linear(2, 8)
            self.fc = nn.Linear(8, 8)

        def forward(self, x):
            self.mlp(self.coords)        # its parameters count in torch's sum, but no layer reads its result
            return self.fc(x)

    with pytest.raises(ArchcostError, match="the module 'mlp' computes from buffers only"):
        archcost.from_torch(Stray(), input=(8,))


def test_a_maxvit_exported_by_torch_reads_back_with_its_parameters_and_multiply_adds():
    pytest.importorskip("onnx")
    from archcost.frontends.onnx_import import spec_data
    from archcost.spec.loader import spec_from_data
    import onnx

    net = TinyMaxViT().eval()
    spec = archcost.analyze("maxvit", settings=MAXVIT)
    for folding in (False, True):
        buf = io.BytesIO()
        torch.onnx.export(net, (torch.zeros(1, 3, 64, 64),), buf, dynamo=False, opset_version=17,
                          do_constant_folding=folding)
        r = archcost.analyze(spec_from_data(spec_data(onnx.load_from_string(buf.getvalue()), "tiny.onnx"),
                                            "tiny.onnx"))
        ops = {x.op for x in r.layers}
        # without folding, the partitions' reshape targets are computed by the graph (Shape, Gather, Div): they
        # come back as reshape and permute layers (no FLOPs either way)
        assert {"rel_pos_bias", "matmul"} <= ops and ({"partition", "departition"} <= ops) == folding
        assert matmul_flops(r) == matmul_flops(spec) == 2_809_280
        # folding, torch's exporter writes each batch norm that follows a conv into the conv (a bias of C for its
        # 2C: the stem's 8 and each MBConv's two of 4 x out), and table[index] as a constant, recognised as the
        # table it was gathered from ((2 x 2 - 1)^2 entries per head)
        folded = 8 + 2 * 4 * (8 + 16 + 2 * 16 + 32) if folding else 0
        assert r.totals.params == sum(p.numel() for p in net.parameters()) - folded == 71_484 - folded
