"""Small transformer modules written after torchvision 0.28's (vision_transformer.py, convnext.py), for the
front-end tests: the same module structure and calls, a few channels wide."""

import torch

from archcost.ops import get_op

nn = torch.nn


def matmul_flops(report):
    """Multiply-adds of weights and of two activations, no bias adds (torchvision's published count): each
    layer under archcost's torchvision convention (archcost.counting), summed."""
    from archcost.counting import get_convention, layer_flops

    torchvision = get_convention("torchvision")
    return sum(int(layer_flops(torchvision, get_op(x.op), x.attrs, [tuple(s) for s in x.input_shapes],
                               x.output_shape)) for x in report.layers)


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
