"""Small transformer modules written after torchvision 0.28's (vision_transformer.py, convnext.py), for the
front-end tests: the same module structure and calls, a few channels wide."""

import math
from collections import OrderedDict

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


# ---------------------------------------------------------------- Swin (torchvision 0.28 swin_transformer.py)
F = torch.nn.functional


def _patch_merging_pad(x):
    H, W, _ = x.shape[-3:]
    x = F.pad(x, (0, 0, 0, W % 2, 0, H % 2))
    return torch.cat([x[..., 0::2, 0::2, :], x[..., 1::2, 0::2, :], x[..., 0::2, 1::2, :], x[..., 1::2, 1::2, :]], -1)


class PatchMerging(nn.Module):
    def __init__(self, dim, v2=False):
        super().__init__()
        self.v2 = v2
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = nn.LayerNorm(2 * dim if v2 else 4 * dim)

    def forward(self, x):
        x = _patch_merging_pad(x)
        return self.norm(self.reduction(x)) if self.v2 else self.reduction(self.norm(x))


def shifted_window_attention(input, qkv_weight, proj_weight, relative_position_bias, window_size, num_heads,
                             shift_size, qkv_bias=None, proj_bias=None, logit_scale=None, training=False):
    """torchvision's, line for line (eval: no dropout)."""
    B, H, W, C = input.shape
    pad_r = (window_size[1] - W % window_size[1]) % window_size[1]
    pad_b = (window_size[0] - H % window_size[0]) % window_size[0]
    x = F.pad(input, (0, 0, 0, pad_r, 0, pad_b))
    _, pad_H, pad_W, _ = x.shape
    shift_size = shift_size.copy()
    if window_size[0] >= pad_H:
        shift_size[0] = 0
    if window_size[1] >= pad_W:
        shift_size[1] = 0
    if sum(shift_size) > 0:
        x = torch.roll(x, shifts=(-shift_size[0], -shift_size[1]), dims=(1, 2))
    num_windows = (pad_H // window_size[0]) * (pad_W // window_size[1])
    x = x.view(B, pad_H // window_size[0], window_size[0], pad_W // window_size[1], window_size[1], C)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(B * num_windows, window_size[0] * window_size[1], C)
    if logit_scale is not None and qkv_bias is not None:
        qkv_bias = qkv_bias.clone()
        length = qkv_bias.numel() // 3
        qkv_bias[length:2 * length].zero_()
    qkv = F.linear(x, qkv_weight, qkv_bias)
    qkv = qkv.reshape(x.size(0), x.size(1), 3, num_heads, C // num_heads).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    if logit_scale is not None:
        attn = F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).transpose(-2, -1)
        attn = attn * torch.clamp(logit_scale, max=math.log(100.0)).exp()
    else:
        q = q * (C // num_heads) ** -0.5
        attn = q.matmul(k.transpose(-2, -1))
    attn = attn + relative_position_bias
    if sum(shift_size) > 0:
        attn_mask = x.new_zeros((pad_H, pad_W))
        h_slices = ((0, -window_size[0]), (-window_size[0], -shift_size[0]), (-shift_size[0], None))
        w_slices = ((0, -window_size[1]), (-window_size[1], -shift_size[1]), (-shift_size[1], None))
        count = 0
        for h in h_slices:
            for w in w_slices:
                attn_mask[h[0]:h[1], w[0]:w[1]] = count
                count += 1
        attn_mask = attn_mask.view(pad_H // window_size[0], window_size[0], pad_W // window_size[1], window_size[1])
        attn_mask = attn_mask.permute(0, 2, 1, 3).reshape(num_windows, window_size[0] * window_size[1])
        attn_mask = attn_mask.unsqueeze(1) - attn_mask.unsqueeze(2)
        attn_mask = attn_mask.masked_fill(attn_mask != 0, float(-100.0)).masked_fill(attn_mask == 0, float(0.0))
        attn = attn.view(x.size(0) // num_windows, num_windows, num_heads, x.size(1), x.size(1))
        attn = attn + attn_mask.unsqueeze(1).unsqueeze(0)
        attn = attn.view(-1, num_heads, x.size(1), x.size(1))
    attn = F.softmax(attn, dim=-1)
    x = attn.matmul(v).transpose(1, 2).reshape(x.size(0), x.size(1), C)
    x = F.linear(x, proj_weight, proj_bias)
    x = x.view(B, pad_H // window_size[0], pad_W // window_size[1], window_size[0], window_size[1], C)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(B, pad_H, pad_W, C)
    if sum(shift_size) > 0:
        x = torch.roll(x, shifts=(shift_size[0], shift_size[1]), dims=(1, 2))
    return x[:, :H, :W, :].contiguous()


def _get_relative_position_bias(table, index, window_size):
    n = window_size[0] * window_size[1]
    return table[index].view(n, n, -1).permute(2, 0, 1).contiguous().unsqueeze(0)


torch.fx.wrap("shifted_window_attention")    # as torchvision: from_torch maps the calls fx keeps whole
torch.fx.wrap("_get_relative_position_bias")
torch.fx.wrap("_patch_merging_pad")


class ShiftedWindowAttention(nn.Module):
    """ShiftedWindowAttention (v1: a relative position bias table) or ShiftedWindowAttentionV2 (v2: the
    position bias MLP on log-spaced coordinates, a logit scale per head)."""

    def __init__(self, dim, window_size, shift_size, num_heads, v2=False):
        super().__init__()
        self.window_size, self.shift_size, self.num_heads, self.v2 = window_size, shift_size, num_heads, v2
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        mh, mw = window_size
        coords = torch.flatten(torch.stack(torch.meshgrid(torch.arange(mh), torch.arange(mw), indexing="ij")), 1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).contiguous()
        rel[:, :, 0] += mh - 1
        rel[:, :, 1] += mw - 1
        rel[:, :, 0] *= 2 * mw - 1
        self.register_buffer("relative_position_index", rel.sum(-1).flatten())
        if not v2:
            self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * mh - 1) * (2 * mw - 1), num_heads))
            return
        table = torch.stack(torch.meshgrid([torch.arange(-(mh - 1), mh, dtype=torch.float32),
                                            torch.arange(-(mw - 1), mw, dtype=torch.float32)], indexing="ij"))
        table = table.permute(1, 2, 0).contiguous().unsqueeze(0)
        table[:, :, :, 0] /= mh - 1
        table[:, :, :, 1] /= mw - 1
        table *= 8
        self.register_buffer("relative_coords_table", torch.sign(table) * torch.log2(torch.abs(table) + 1.0) / 3.0)
        self.logit_scale = nn.Parameter(torch.log(10 * torch.ones((num_heads, 1, 1))))
        self.cpb_mlp = nn.Sequential(nn.Linear(2, 512), nn.ReLU(inplace=True), nn.Linear(512, num_heads, bias=False))

    def forward(self, x):
        table = self.cpb_mlp(self.relative_coords_table).view(-1, self.num_heads) if self.v2 else \
            self.relative_position_bias_table
        bias = _get_relative_position_bias(table, self.relative_position_index, self.window_size)
        if self.v2:
            bias = 16 * torch.sigmoid(bias)
        return shifted_window_attention(x, self.qkv.weight, self.proj.weight, bias, self.window_size, self.num_heads,
                                        shift_size=self.shift_size, qkv_bias=self.qkv.bias, proj_bias=self.proj.bias,
                                        logit_scale=self.logit_scale if self.v2 else None, training=self.training)


class SwinBlock(nn.Module):
    """SwinTransformerBlock (v1: pre-norm) and SwinTransformerBlockV2 (post-norm); stochastic depth is the
    identity in eval."""

    def __init__(self, dim, heads, window, shift, v2=False):
        super().__init__()
        self.v2 = v2
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = ShiftedWindowAttention(dim, window, shift, heads, v2)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Dropout(0.0), nn.Linear(4 * dim, dim),
                                 nn.Dropout(0.0))

    def forward(self, x):
        if self.v2:
            x = x + self.norm1(self.attn(x))
            return x + self.norm2(self.mlp(x))
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class TinySwin(nn.Module):
    """torchvision's SwinTransformer, small: a 4 x 4 patch conv, channels last and a layer norm, four stages
    of blocks (shifted by window // 2 in every other one) with patch merging between them, the head."""

    def __init__(self, embed_dim=8, depths=(2, 2, 2, 2), heads=(1, 2, 2, 4), window=3, classes=10, v2=False):
        super().__init__()
        layers = [nn.Sequential(nn.Conv2d(3, embed_dim, 4, 4), Permute([0, 2, 3, 1]), nn.LayerNorm(embed_dim))]
        for i, (depth, h) in enumerate(zip(depths, heads)):
            dim = embed_dim * 2 ** i
            layers.append(nn.Sequential(*(SwinBlock(dim, h, [window, window], [0, 0] if j % 2 == 0 else
                                                    [window // 2, window // 2], v2) for j in range(depth))))
            if i < len(depths) - 1:
                layers.append(PatchMerging(dim, v2))
        self.features = nn.Sequential(*layers)
        self.norm = nn.LayerNorm(embed_dim * 2 ** (len(depths) - 1))
        self.permute = Permute([0, 3, 1, 2])
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(embed_dim * 2 ** (len(depths) - 1), classes)

    def forward(self, x):
        return self.head(torch.flatten(self.avgpool(self.permute(self.norm(self.features(x)))), 1))


class Permute(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return torch.permute(x, self.dims)


# ---------------------------------------------------------------- MaxViT (torchvision 0.28, maxvit.py)
def _relative_position_index(size):
    coords = torch.stack(torch.meshgrid([torch.arange(size), torch.arange(size)], indexing="ij")).flatten(1)
    relative = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).contiguous()
    relative[:, :, 0] += size - 1
    relative[:, :, 1] += size - 1
    relative[:, :, 0] *= 2 * size - 1
    return relative.sum(-1)


class SqueezeExcitation(nn.Module):
    def __init__(self, channels, squeeze):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1, self.fc2 = nn.Conv2d(channels, squeeze, 1), nn.Conv2d(squeeze, channels, 1)
        self.activation, self.scale_activation = nn.SiLU(), nn.Sigmoid()

    def forward(self, x):
        return self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x))))) * x


class MBConv(nn.Module):
    def __init__(self, inp, out, stride):
        super().__init__()
        proj = [nn.Conv2d(inp, out, 1)] if stride != 1 or inp != out else [nn.Identity()]
        self.proj = nn.Sequential(*([nn.AvgPool2d(3, stride, 1)] if stride == 2 else []), *proj)
        mid = 4 * out
        self.layers = nn.Sequential(OrderedDict([
            ("pre_norm", nn.BatchNorm2d(inp, eps=1e-3)),
            ("conv_a", nn.Sequential(nn.Conv2d(inp, mid, 1, bias=False), nn.BatchNorm2d(mid, eps=1e-3), nn.GELU())),
            ("conv_b", nn.Sequential(nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False),
                                     nn.BatchNorm2d(mid, eps=1e-3), nn.GELU())),
            ("squeeze_excitation", SqueezeExcitation(mid, out // 4)),
            ("conv_c", nn.Conv2d(mid, out, 1))]))

    def forward(self, x):
        return self.proj(x) + self.layers(x)


class RelativePositionalMultiHeadAttention(nn.Module):
    def __init__(self, feat_dim, head_dim, max_seq_len):
        super().__init__()
        self.n_heads, self.head_dim = feat_dim // head_dim, head_dim
        self.size, self.max_seq_len = int(math.sqrt(max_seq_len)), max_seq_len
        self.to_qkv = nn.Linear(feat_dim, 3 * feat_dim)
        self.scale_factor = feat_dim ** -0.5
        self.merge = nn.Linear(feat_dim, feat_dim)
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * self.size - 1) ** 2, self.n_heads))
        self.register_buffer("relative_position_index", _relative_position_index(self.size))

    def forward(self, x):
        B, G, P, D = x.shape
        H, DH = self.n_heads, self.head_dim
        q, k, v = torch.chunk(self.to_qkv(x), 3, dim=-1)
        q, k, v = (t.reshape(B, G, P, H, DH).permute(0, 1, 3, 2, 4) for t in (q, k, v))
        dot_prod = torch.einsum("B G H I D, B G H J D -> B G H I J", q, k * self.scale_factor)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
        bias = bias.view(self.max_seq_len, self.max_seq_len, -1).permute(2, 0, 1).contiguous().unsqueeze(0)
        out = torch.einsum("B G H I J, B G H J D -> B G H I D", torch.softmax(dot_prod + bias, dim=-1), v)
        return self.merge(out.permute(0, 1, 3, 2, 4).reshape(B, G, P, D))


class SwapAxes(nn.Module):
    def __init__(self, a, b):
        super().__init__()
        self.a, self.b = a, b

    def forward(self, x):
        return torch.swapaxes(x, self.a, self.b)


class WindowPartition(nn.Module):
    def forward(self, x, p):
        B, C, H, W = x.shape
        x = x.reshape(B, C, H // p, p, W // p, p).permute(0, 2, 4, 3, 5, 1)
        return x.reshape(B, (H // p) * (W // p), p * p, C)


class WindowDepartition(nn.Module):
    def forward(self, x, p, h_partitions, w_partitions):
        B, G, PP, C = x.shape
        x = x.reshape(B, h_partitions, w_partitions, p, p, C).permute(0, 5, 1, 3, 2, 4)
        return x.reshape(B, C, h_partitions * p, w_partitions * p)


class PartitionAttentionLayer(nn.Module):
    def __init__(self, dim, head_dim, partition_size, partition_type, grid_size):
        super().__init__()
        n_partitions = grid_size // partition_size
        self.p = partition_size if partition_type == "window" else n_partitions
        self.grid_size = grid_size
        self.partition_op, self.departition_op = WindowPartition(), WindowDepartition()
        self.partition_swap = SwapAxes(-2, -3) if partition_type == "grid" else nn.Identity()
        self.departition_swap = SwapAxes(-2, -3) if partition_type == "grid" else nn.Identity()
        self.attn_layer = nn.Sequential(nn.LayerNorm(dim), RelativePositionalMultiHeadAttention(
            dim, head_dim, partition_size ** 2), nn.Dropout(0.0))
        self.mlp_layer = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim),
                                       nn.Dropout(0.0))

    def forward(self, x):
        g = self.grid_size // self.p
        x = self.partition_swap(self.partition_op(x, self.p))
        x = x + self.attn_layer(x)
        x = x + self.mlp_layer(x)
        return self.departition_op(self.departition_swap(x), self.p, g, g)


class TinyMaxViT(nn.Module):
    """torchvision's MaxVit, small: a stem of two 3x3 convs, blocks of MaxViT layers (MBConv, block attention,
    grid attention, each with its relative position table), the head (pool, layer norm, linear + tanh,
    linear). Stochastic depth (p = 0 here) is left out: it is the identity at inference."""

    def __init__(self, size=64, stem=8, channels=(8, 16, 16, 32), layers=(1, 1, 2, 1), head_dim=8, partition=2,
                 classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Sequential(nn.Conv2d(3, stem, 3, 2, 1, bias=False), nn.BatchNorm2d(stem, eps=1e-3),
                                                nn.GELU()), nn.Sequential(nn.Conv2d(stem, stem, 3, 1, 1)))
        self.blocks, inp, grid = nn.ModuleList(), stem, size // 2
        for out, n in zip(channels, layers):
            grid //= 2
            block = nn.Module()
            block.layers = nn.ModuleList()
            for i in range(n):
                layer = nn.Module()
                layer.layers = nn.Sequential(OrderedDict([
                    ("MBconv", MBConv(inp if i == 0 else out, out, 2 if i == 0 else 1)),
                    ("window_attention", PartitionAttentionLayer(out, head_dim, partition, "window", grid)),
                    ("grid_attention", PartitionAttentionLayer(out, head_dim, partition, "grid", grid))]))
                block.layers.append(layer)
            self.blocks.append(block)
            inp = out
        self.classifier = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.LayerNorm(inp), nn.Linear(inp, inp),
                                        nn.Tanh(), nn.Linear(inp, classes, bias=False))

    def forward(self, x):
        x = self.stem(x)
        for block in self.blocks:
            for layer in block.layers:
                x = layer.layers(x)
        return self.classifier(x)
