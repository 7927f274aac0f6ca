"""from_torch on transformers: small ViT and ConvNeXt modules written after torchvision 0.28's
(tests/tiny_transformers.py), traced with torch.fx. Parameters must be torch's sum(p.numel()) and the
multiply-adds of weights and of two activations (torchvision's convention) the zoo spec's with the same
settings (specs/vit.yaml, specs/convnext.yaml, each checked against torchvision 0.28).

torchvision's own vit_b_16, convnext_tiny and swin_t, checked by hand with torch 2.13.0 and torchvision
0.28.0 (torchvision is no test dependency): 86,567,656 / 17,563,828,224, 28,589,128 / 4,455,531,264 and
28,288,354 / 4,490,566,656 parameters / multiply-adds, as REFERENCES.md and torchvision's model pages.
"""

import pytest

torch = pytest.importorskip("torch")

import archcost  # noqa: E402
from archcost import ArchcostError  # noqa: E402
from tiny_transformers import TinyConvNeXt, TinyViT, matmul_flops  # noqa: E402

nn = torch.nn


def test_a_vit_module_maps_to_attention_class_token_and_position_embedding():
    net = TinyViT()
    r = archcost.from_torch(net, input=(3, 32, 32))
    assert r.totals.params == sum(p.numel() for p in net.parameters()) == 24_234
    spec = archcost.analyze("vit", settings={"image_size": 32, "patch_size": 8, "num_layers": 2, "num_heads": 4,
                                             "hidden_dim": 32, "mlp_dim": 64, "classes": 10})
    # conv 16 x 32 x 192; per block Q, K, V 17 x 96 x 32, Q K^T and A V 2 x 4 x 17 x 17 x 8, out 17 x 32 x 32,
    # MLP 2 x 17 x 64 x 32; head 32 x 10
    assert matmul_flops(r) == matmul_flops(spec) == 98_304 + 2 * (52_224 + 18_496 + 17_408 + 69_632) + 320
    assert [(x.op, x.output_shape) for x in r.layers[:6]] == [
        ("conv", (32, 4, 4)), ("reshape", (32, 16)), ("permute", (16, 32)), ("class_token", (17, 32)),
        ("pos_embedding", (17, 32)), ("layernorm", (17, 32))]
    assert r.layer("blocks.0.attn").params == 4_224           # in_proj 3 x 32 x 32 + 96, out_proj 32 x 32 + 32
    assert [x.output_shape for x in r.layers[-2:]] == [(32,), (10,)]    # x[:, 0], then the head


def test_a_convnext_module_maps_layer_norms_permutes_and_layer_scale():
    net = TinyConvNeXt()
    r = archcost.from_torch(net, input=(3, 32, 32))
    assert r.totals.params == sum(p.numel() for p in net.parameters()) == 16_346
    assert matmul_flops(r) == 49_152 + 50_176 + 131_072 + 32_768 + 25_088 + 131_072 + 320
    assert [(x.name, x.op) for x in r.layers[:2]] == [("stem.0", "conv"), ("stem.1", "layernorm2d")]
    block = [(x.op, x.output_shape) for x in r.layers[2:10]]    # stage1
    assert block == [("conv", (16, 8, 8)), ("permute", (8, 8, 16)), ("layernorm", (8, 8, 16)),
                     ("linear", (8, 8, 64)), ("gelu", (8, 8, 64)), ("linear", (8, 8, 16)),
                     ("permute", (16, 8, 8)), ("layer_scale", (16, 8, 8))]


def test_cross_attention_is_refused_by_name():
    class Cross(nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = nn.Linear(8, 8)
            self.attn = nn.MultiheadAttention(8, 2, batch_first=True)

        def forward(self, x):
            return self.attn(x, self.proj(x), x)[0]

    with pytest.raises(ArchcostError, match="layer 'attn': nn.MultiheadAttention other than self-attention"):
        archcost.from_torch(Cross(), input=(5, 8))


def test_scaled_dot_product_attention_is_its_two_matmuls():
    class SelfAttention(nn.Module):     # the usual hand-written attention: heads by view and transpose
        def __init__(self, dim=32, heads=4):
            super().__init__()
            self.heads = heads
            self.q, self.k, self.v, self.proj = (nn.Linear(dim, dim) for _ in range(4))

        def forward(self, x):
            n, length, dim = x.shape
            q, k, v = (f(x).view(n, length, self.heads, dim // self.heads).transpose(1, 2)
                       for f in (self.q, self.k, self.v))
            y = nn.functional.scaled_dot_product_attention(q, k, v)
            return self.proj(y.transpose(1, 2).reshape(n, length, dim))

    net = SelfAttention()
    r = archcost.from_torch(net, input=(17, 32))
    assert r.totals.params == sum(p.numel() for p in net.parameters()) == 4 * (32 * 32 + 32)
    scores = [x for x in r.layers if x.op == "matmul"]
    assert [x.output_shape for x in scores] == [(4, 17, 17), (4, 17, 8)]
    # Q K^T and A V: 4 heads x 17 x 17 x 8 each, as archcost's attention counts them (tests/test_ops_transformer)
    assert [x.flops for x in scores] == [9_248, 9_248]
    # the four projections 17 x 32 x 32 and the two matmuls: the attention op's matmul_flops for 17 x 32, 4 heads
    assert matmul_flops(r) == 4 * 17 * 32 * 32 + 2 * 9_248
