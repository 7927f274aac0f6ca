"""ONNX export of Swin's ops as the standard nodes torch's exporter writes for torchvision's
``shifted_window_attention``, ``_patch_merging_pad`` and ``torch.roll`` (opset 17), with static
shapes: the import (:mod:`archcost.frontends.onnx_windows`) reads them back as the same layers.

- ``window_attention``: ``Pad`` to whole windows, the roll by -shift (``Slice`` + ``Concat`` per
  axis), the partition (``Reshape -> Transpose -> Reshape``), the Q, K, V linear, the heads
  (``Reshape -> Transpose -> Gather``), Q K^T (v1: Q scaled; v2: Q and K normalised, the scores
  times exp(min(logit scale, log 100))), the relative position bias (v1: the table gathered by
  torchvision's constant index; v2: the position bias MLP on the constant log-spaced coordinates,
  16 x sigmoid), the shifted windows' mask (a constant, as torchvision builds it), softmax, A V, the
  output linear, the windows put back, the roll back and the unpadding.
- ``patch_merge``: ``Pad`` of odd sides, four ``Slice`` with steps 2 and a ``Concat`` on the last axis.
- ``roll``: ``Concat(Slice(x, s'), Slice(x, 0, s'))`` per axis.
"""

from __future__ import annotations

import math

import numpy as np

from .onnx_export import EXPORT

BIG = np.iinfo(np.int64).max


def _slice(w, name, x, starts, ends, axes, steps=None):
    ins = [x, w.const(f"{name}/starts", starts), w.const(f"{name}/ends", ends), w.const(f"{name}/axes", axes)]
    if steps is not None:
        ins.append(w.const(f"{name}/steps", steps))
    return w.node("Slice", ins, name, name)


def _roll_axis(w, name, x, axis, shift, size):
    """torch.roll(x, shift, axis) as torch's exporter writes it: Concat(x[start:], x[:start])."""
    start = (-shift) % size
    tail = _slice(w, f"{name}/tail", x, [start], [BIG], [axis])
    head = _slice(w, f"{name}/head", x, [0], [start], [axis])
    return w.node("Concat", [tail, head], name, name, axis=axis)


def _roll(w, name, a, ins, shapes, out):
    x = ins[0]
    for i, (shift, dim) in enumerate(zip(a["shifts"], a["dims"])):
        axis = dim % len(shapes[0]) + 1
        x = _roll_axis(w, name if i == len(a["dims"]) - 1 else f"{name}/roll{i}", x, axis, shift, shapes[0][axis - 1])


def _pad_end(w, name, x, rank, ends):
    """Zero padding at the end of H and W (N x H x W x C)."""
    return w.node("Pad", [x, w.const(f"{name}/pads", [0] * rank + [0, *ends, 0])], name, name)


def _patch_merge(w, name, a, ins, shapes, out):
    """torchvision's _patch_merging_pad: odd sides padded, x[:, i::2, j::2, :] for (0,0), (1,0), (0,1), (1,1)."""
    h, wd, _ = shapes[0]
    x = ins[0]
    if h % 2 or wd % 2:
        x = _pad_end(w, f"{name}/pad", x, 4, [h % 2, wd % 2])
    parts = [_slice(w, f"{name}/x{k}", x, [i, j], [BIG, BIG], [1, 2], [2, 2])
             for k, (i, j) in enumerate(((0, 0), (1, 0), (0, 1), (1, 1)))]
    w.node("Concat", parts, name, name, axis=-1)


def relative_position_index(mh, mw):
    """torchvision's relative_position_index: for each pair of a window's tokens, their offset's entry in
    the (2M_h - 1) x (2M_w - 1) table."""
    coords = np.stack(np.meshgrid(np.arange(mh), np.arange(mw), indexing="ij")).reshape(2, -1)
    rel = (coords[:, :, None] - coords[:, None, :]).transpose(1, 2, 0)
    return ((rel[:, :, 0] + mh - 1) * (2 * mw - 1) + rel[:, :, 1] + mw - 1).reshape(-1)


def relative_coords_table(mh, mw):
    """Swin v2's relative_coords_table: offsets normalised to [-8, 8], then sign(x) log2(|x| + 1) / 3."""
    t = np.stack(np.meshgrid(np.arange(-(mh - 1), mh), np.arange(-(mw - 1), mw), indexing="ij"), -1)
    t = t.astype(np.float32) / np.array([max(mh - 1, 1), max(mw - 1, 1)], np.float32) * 8
    return (np.sign(t) * np.log2(np.abs(t) + 1.0) / 3.0)[None].astype(np.float32)


def shift_mask(hp, wp, mh, mw, sh, sw):
    """torchvision's attention mask of the shifted windows: 0 within a region, -100 across, 1 x nW x 1 x N x N."""
    regions = np.zeros((hp, wp), np.float32)
    count = 0
    for h0, h1 in ((0, -mh), (-mh, -sh), (-sh, None)):
        for w0, w1 in ((0, -mw), (-mw, -sw), (-sw, None)):
            regions[h0:h1, w0:w1] = count
            count += 1
    flat = regions.reshape(hp // mh, mh, wp // mw, mw).transpose(0, 2, 1, 3).reshape(-1, mh * mw)
    mask = np.where(flat[:, None, :] - flat[:, :, None] != 0, -100.0, 0.0).astype(np.float32)
    return mask[None, :, None]


def _linear(w, name, x, d_in, d_out, bias):
    y = w.node("MatMul", [x, w.weight(f"{name}.weight", [d_in, d_out])], f"{name}/matmul", f"{name}/matmul")
    return w.node("Add", [y, w.weight(f"{name}.bias", [d_out])], name, name) if bias else y


def _position_bias(w, name, a, heads, mh, mw):
    """1 x heads x N x N: the table (v1) or the MLP's output (v2) gathered by the relative position index."""
    n = mh * mw
    entries = (2 * mh - 1) * (2 * mw - 1)
    if a["v2"]:
        hidden = a["cpb_hidden"]
        coords = w.const(f"{name}/relative_coords_table", relative_coords_table(mh, mw), np.float32)
        mid = w.node("Relu", [_linear(w, f"{name}.cpb_mlp.0", coords, 2, hidden, True)], f"{name}/cpb_relu",
                     f"{name}/cpb_relu")
        out = w.node("MatMul", [mid, w.weight(f"{name}.cpb_mlp.2.weight", [hidden, heads])], f"{name}/cpb_mlp",
                     f"{name}/cpb_mlp")
        table = w.node("Reshape", [out, w.const(f"{name}/table_shape", [entries, heads])], f"{name}/table",
                       f"{name}/table")
    else:
        table = w.weight(f"{name}.relative_position_bias_table", [entries, heads])
    index = w.const(f"{name}/relative_position_index", relative_position_index(mh, mw))
    bias = w.node("Gather", [table, index], f"{name}/bias_gather", f"{name}/bias_gather", axis=0)
    bias = w.node("Reshape", [bias, w.const(f"{name}/bias_shape", [n, n, heads])], f"{name}/bias_nnh",
                  f"{name}/bias_nnh")
    bias = w.node("Transpose", [bias], f"{name}/bias_hnn", f"{name}/bias_hnn", perm=[2, 0, 1])
    if a["v2"]:
        bias = w.node("Sigmoid", [bias], f"{name}/bias_sigmoid", f"{name}/bias_sigmoid")
        bias = w.node("Mul", [bias, w.const(f"{name}/sixteen", 16.0, np.float32)], f"{name}/bias_16",
                      f"{name}/bias_16")
    return w.node("Unsqueeze", [bias, w.const(f"{name}/bias_axes", [0])], f"{name}/position_bias",
                  f"{name}/position_bias")


def _normalised(w, name, x):
    """F.normalize(x, dim=-1) as torch's exporter writes it: x / max(||x||, 1e-12)."""
    norm = w.node("ReduceL2", [x], f"{name}/norm", f"{name}/norm", axes=[-1], keepdims=1)
    norm = w.node("Clip", [norm, w.const(f"{name}/eps", 1e-12, np.float32)], f"{name}/clip", f"{name}/clip")
    return w.node("Div", [x, norm], f"{name}/normalised", f"{name}/normalised")


def _window_attention(w, name, a, ins, shapes, out):
    h, wd, c = shapes[0]
    heads, (mh, mw) = a["heads"], a["window"]
    hp, wp = h + (-h) % mh, wd + (-wd) % mw
    n, nw, hd = mh * mw, (hp // mh) * (wp // mw), c // heads
    # torchvision shifts only a window smaller than the padded map
    shifts = [a["shift"] if m < p else 0 for m, p in ((mh, hp), (mw, wp))]
    x = ins[0]
    if (hp, wp) != (h, wd):
        x = _pad_end(w, f"{name}/pad", x, 4, [hp - h, wp - wd])
    for axis, s, size in ((1, shifts[0], hp), (2, shifts[1], wp)):
        if s:
            x = _roll_axis(w, f"{name}/shift{axis}", x, axis, -s, size)
    x = w.node("Reshape", [x, w.const(f"{name}/grid_shape", [1, hp // mh, mh, wp // mw, mw, c])], f"{name}/grid",
               f"{name}/grid")
    x = w.node("Transpose", [x], f"{name}/gather_windows", f"{name}/gather_windows", perm=[0, 1, 3, 2, 4, 5])
    x = w.node("Reshape", [x, w.const(f"{name}/windows_shape", [nw, n, c])], f"{name}/windows", f"{name}/windows")
    qkv = _linear(w, f"{name}.qkv", x, c, 3 * c, a["bias"])
    qkv = w.node("Reshape", [qkv, w.const(f"{name}/heads_shape", [nw, n, 3, heads, hd])], f"{name}/heads",
                 f"{name}/heads")
    qkv = w.node("Transpose", [qkv], f"{name}/parts", f"{name}/parts", perm=[2, 0, 3, 1, 4])
    q, k, v = (w.node("Gather", [qkv, w.const(f"{name}/{t}_index", i)], f"{name}/{t}", f"{name}/{t}", axis=0)
               for i, t in enumerate("qkv"))
    if a["v2"]:
        q, k = _normalised(w, f"{name}/q", q), _normalised(w, f"{name}/k", k)
    else:
        q = w.node("Mul", [q, w.const(f"{name}/scale", hd ** -0.5, np.float32)], f"{name}/q_scaled",
                   f"{name}/q_scaled")
    kt = w.node("Transpose", [k], f"{name}/k_t", f"{name}/k_t", perm=[0, 1, 3, 2])
    scores = w.node("MatMul", [q, kt], f"{name}/scores", f"{name}/scores")
    if a["v2"]:
        scale = w.node("Clip", [w.weight(f"{name}.logit_scale", [heads, 1, 1]), "",
                                w.const(f"{name}/log100", math.log(100.0), np.float32)],
                       f"{name}/logit_clip", f"{name}/logit_clip")
        scale = w.node("Exp", [scale], f"{name}/logit_scale", f"{name}/logit_scale")
        scores = w.node("Mul", [scores, scale], f"{name}/scores_scaled", f"{name}/scores_scaled")
    scores = w.node("Add", [scores, _position_bias(w, name, a, heads, mh, mw)], f"{name}/scores_biased",
                    f"{name}/scores_biased")
    if any(shifts):
        scores = w.node("Reshape", [scores, w.const(f"{name}/by_window_shape", [1, nw, heads, n, n])],
                        f"{name}/by_window", f"{name}/by_window")
        mask = w.const(f"{name}/mask", shift_mask(hp, wp, mh, mw, *shifts), np.float32)
        scores = w.node("Add", [scores, mask], f"{name}/masked", f"{name}/masked")
        scores = w.node("Reshape", [scores, w.const(f"{name}/masked_shape", [nw, heads, n, n])],
                        f"{name}/scores_masked", f"{name}/scores_masked")
    attn = w.node("Softmax", [scores], f"{name}/softmax", f"{name}/softmax", axis=-1)
    x = w.node("MatMul", [attn, v], f"{name}/mixed", f"{name}/mixed")
    x = w.node("Transpose", [x], f"{name}/join", f"{name}/join", perm=[0, 2, 1, 3])
    x = w.node("Reshape", [x, w.const(f"{name}/flat_heads_shape", [nw, n, c])], f"{name}/flat_heads", f"{name}/flat_heads")
    x = _linear(w, f"{name}.proj", x, c, c, a["bias"])
    x = w.node("Reshape", [x, w.const(f"{name}/ungrid_shape", [1, hp // mh, wp // mw, mh, mw, c])], f"{name}/ungrid",
               f"{name}/ungrid")
    x = w.node("Transpose", [x], f"{name}/unwindows", f"{name}/unwindows", perm=[0, 1, 3, 2, 4, 5])
    x = w.node("Reshape", [x, w.const(f"{name}/map_shape", [1, hp, wp, c])], f"{name}/map", f"{name}/map")
    for axis, s, size in ((1, shifts[0], hp), (2, shifts[1], wp)):
        if s:
            x = _roll_axis(w, f"{name}/unshift{axis}", x, axis, s, size)
    if (hp, wp) != (h, wd):
        x = _slice(w, f"{name}/unpad", x, [0, 0], [h, wd], [1, 2])
    last = w.nodes[-1]            # the last node is the layer: its name and output are the layer's
    last.name, last.output[0] = name, name


EXPORT.update({"window_attention": _window_attention, "patch_merge": _patch_merge, "roll": _roll})
