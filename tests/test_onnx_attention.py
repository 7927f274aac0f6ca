"""Multi-head self-attention read from ONNX as one ``attention`` layer (archcost/frontends/onnx_attention.py):
small torch modules exported with torch.onnx.export(dynamo=False, opset 17). Their parameters must be torch's
sum(p.numel()) and their multiply-adds (torchvision's convention: linear, Q K^T and A V) those of the modules'
arithmetic, written out below; ViT's nn.MultiheadAttention is checked in test_onnx_transformers.py and
archcost's own export of every zoo network in test_onnx_export.py.
"""

import io

import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

import archcost  # noqa: E402
from archcost.frontends.onnx_import import spec_data  # noqa: E402
from archcost.spec.loader import spec_from_data  # noqa: E402
from tiny_transformers import matmul_flops  # noqa: E402

nn, F = torch.nn, torch.nn.functional

# 17 tokens of 32 features, 4 heads of 8: Q, K, V 17 x 96 x 32 = 52,224, output 17 x 32 x 32 = 17,408,
# Q K^T and A V 2 x 4 x 17 x 17 x 8 = 18,496 multiply-adds
ATTENTION_MACS = 52_224 + 17_408 + 18_496


class SDPAttention(nn.Module):
    """timm's vision_transformer.Attention: one qkv linear, the heads split by reshape and permute, unbind,
    F.scaled_dot_product_attention, the heads joined, the output linear."""

    def __init__(self, dim=32, heads=4, bias=True, out=None, unbind=True):
        super().__init__()
        self.heads, self.unbind = heads, unbind
        self.qkv = nn.Linear(dim, 3 * dim, bias=bias)
        self.proj = nn.Linear(dim, out or dim, bias=bias)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0) if self.unbind else (qkv[0], qkv[1], qkv[2])
        x = F.scaled_dot_product_attention(q, k, v)
        return self.proj(x.transpose(1, 2).reshape(b, n, c))


class SequenceFirst(nn.Module):
    """nn.MultiheadAttention as written before batch_first: the tokens moved to L x N x D and back."""

    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(32, 4)

    def forward(self, x):
        y = x.transpose(0, 1)
        return self.attn(y, y, y, need_weights=False)[0].transpose(0, 1)


class Normed(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.ln, self.inner = nn.LayerNorm(32), inner

    def forward(self, x):
        return self.inner(self.ln(x))


def imported(module):
    net = Normed(module).eval()
    buf = io.BytesIO()
    torch.onnx.export(net, (torch.zeros(1, 17, 32),), buf, dynamo=False, opset_version=17)
    model = onnx.load_from_string(buf.getvalue())
    return net, archcost.analyze(spec_from_data(spec_data(model, "attn.onnx"), "attn.onnx"))


@pytest.mark.parametrize("module, params, macs", [
    (SDPAttention(), 64 + 4 * (32 * 32 + 32), ATTENTION_MACS),              # layer norm 64; Q, K, V and out
    (SDPAttention(bias=False), 64 + 4 * 32 * 32, ATTENTION_MACS),
    (SequenceFirst(), 64 + 4 * (32 * 32 + 32), ATTENTION_MACS),
])
def test_one_self_attention_is_one_attention_layer(module, params, macs):
    net, r = imported(module)
    assert [(x.name, x.op) for x in r.layers] == [("/ln/LayerNormalization", "layernorm"), ("/inner", "attention")]
    att = r.layers[1]
    assert att.attrs["heads"] == 4 and att.attrs["bias"] == (params == 4288) and att.output_shape == (17, 32)
    assert r.totals.params == sum(p.numel() for p in net.parameters()) == params
    assert matmul_flops(r) == macs
    assert att.memory_kb == 17 * 32 * 4 / 1024        # its output only, as the zoo's attention rows


def test_an_attention_the_op_cannot_express_is_read_node_by_node():
    # the output linear widens to 48 features: not archcost's attention (D x D), so its nodes are read as
    # before, a linear, the heads' reshapes and selects, two matmuls, the softmax, the output linear
    net, r = imported(SDPAttention(out=48, unbind=False))
    ops = [x.op for x in r.layers]
    assert "attention" not in ops and ops.count("matmul") == 2 and ops.count("softmax") == 1
    assert r.totals.params == sum(p.numel() for p in net.parameters()) == 64 + 32 * 96 + 96 + 32 * 48 + 48
    assert r.layers[-1].output_shape == (17, 48)
    # Q, K, V 52,224, Q K^T and A V 18,496, output 17 x 48 x 32 = 26,112
    assert matmul_flops(r) == 52_224 + 18_496 + 26_112
