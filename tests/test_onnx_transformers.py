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
nn = torch.nn

import archcost  # noqa: E402
from archcost.frontends.onnx_import import spec_data  # noqa: E402
from archcost.ops import get_op  # noqa: E402
from archcost.spec.loader import spec_from_data  # noqa: E402


def matmul_flops(report):
    """Multiply-adds of weights and of two activations, no bias adds (torchvision's published count): each
    transformer op's ``matmul_flops`` rule, and the conv's and fc's own rule without the bias add."""
    total = 0
    for x in report.layers:
        op = get_op(x.op)
        rule = getattr(op, "matmul_flops", None)
        ins = [tuple(s) for s in x.input_shapes]
        if rule is not None:
            total += rule(op.coerce(dict(x.attrs)), ins, x.output_shape)
        elif x.op in ("conv", "fc"):
            total += op.flops(op.coerce(dict(x.attrs)), ins, x.output_shape, False)
    return total


class TinyViT(nn.Module):
    """torchvision's VisionTransformer, small: a patch conv, class token, position embedding, pre-norm
    encoder blocks with nn.MultiheadAttention, the head on the class token."""

    def __init__(self, size=32, patch=8, dim=32, heads=4, mlp=64, layers=2, classes=10):
        super().__init__()
        self.conv_proj = nn.Conv2d(3, dim, patch, patch)
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embedding = nn.Parameter(torch.zeros(1, (size // patch) ** 2 + 1, dim))
        self.blocks = nn.ModuleList(nn.ModuleDict({
            "ln_1": nn.LayerNorm(dim, eps=1e-6), "attn": nn.MultiheadAttention(dim, heads, batch_first=True),
            "ln_2": nn.LayerNorm(dim, eps=1e-6),
            "mlp": nn.Sequential(nn.Linear(dim, mlp), nn.GELU(), nn.Linear(mlp, dim))}) for _ in range(layers))
        self.ln = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.conv_proj(x)
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        x = torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embedding
        for b in self.blocks:
            y = b["ln_1"](x)
            x = x + b["attn"](y, y, y, need_weights=False)[0]
            x = x + b["mlp"](b["ln_2"](x))
        return self.head(self.ln(x)[:, 0])


class LayerNorm2d(nn.LayerNorm):
    """torchvision.models.convnext.LayerNorm2d: a layer norm over the channels of each pixel."""

    def forward(self, x):
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class CNBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.block = nn.Sequential(nn.Conv2d(dim, dim, 7, padding=3, groups=dim), nn.Identity(),
                                   nn.LayerNorm(dim, eps=1e-6), nn.Linear(dim, 4 * dim), nn.GELU(),
                                   nn.Linear(4 * dim, dim))
        self.layer_scale = nn.Parameter(torch.full((dim, 1, 1), 1e-6))

    def forward(self, x):
        y = self.block[0](x).permute(0, 2, 3, 1)
        for m in self.block[2:]:
            y = m(y)
        return x + self.layer_scale * y.permute(0, 3, 1, 2)


class TinyConvNeXt(nn.Module):
    """torchvision's ConvNeXt, small: patchify stem + LayerNorm2d, CNBlocks, downsampling, the head."""

    def __init__(self, dims=(16, 32), classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, dims[0], 4, 4), LayerNorm2d(dims[0], eps=1e-6))
        self.stage1 = CNBlock(dims[0])
        self.down = nn.Sequential(LayerNorm2d(dims[0], eps=1e-6), nn.Conv2d(dims[0], dims[1], 2, 2))
        self.stage2 = CNBlock(dims[1])
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Sequential(LayerNorm2d(dims[1], eps=1e-6), nn.Flatten(1), nn.Linear(dims[1], classes))

    def forward(self, x):
        return self.head(self.pool(self.stage2(self.down(self.stage1(self.stem(x))))))


def imported(module, size):
    buf = io.BytesIO()
    torch.onnx.export(module.eval(), (torch.zeros(1, 3, size, size),), buf, dynamo=False, opset_version=17)
    model = onnx.load_from_string(buf.getvalue())
    return archcost.analyze(spec_from_data(spec_data(model, "tiny.onnx"), "tiny.onnx"))


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
    assert ops.count("matmul") == 4 and ops.count("layernorm") == 5 and ops.count("class_token") == 1
    assert r.layer("/Gather").output_shape == (32,)        # the head reads the class token: x[:, 0]


def test_a_convnext_exported_by_torch_has_its_parameters_and_layer_norms_over_channels():
    net = TinyConvNeXt()
    r = imported(net, 32)
    assert r.totals.params == sum(p.numel() for p in net.parameters()) == 16_346
    assert [x.op for x in r.layers if x.op in ("layernorm2d", "layer_scale")] == [
        "layernorm2d", "layer_scale", "layernorm2d", "layer_scale", "layernorm2d"]
    # stem 64 x 48 x 16 = 49,152; block 1: dw 64 x 16 x 49 = 50,176, MLP 2 x 64 x 16 x 64 = 131,072;
    # down 16 x 64 x 32 = 32,768; block 2: 16 x 32 x 49 = 25,088, 2 x 16 x 32 x 128 = 131,072; head 320
    assert matmul_flops(r) == 49_152 + 50_176 + 131_072 + 32_768 + 25_088 + 131_072 + 320
