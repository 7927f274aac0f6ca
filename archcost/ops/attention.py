"""Attention: ``attention`` (ViT's multi-head self-attention) and ``window_attention`` (Swin v1/v2).

Multi-head self-attention over L tokens of width D, with h heads of D/h features (torch's
nn.MultiheadAttention): a linear layer makes Q, K and V (3D outputs per token), each head
scores every pair of tokens (Q K^T: h x L x L scores, D/h multiply-adds each), the softmax of
the scores weights the values (A V: again h x L x L x D/h), and a linear layer projects the
heads back to D. Parameters: 3D x D + 3D and D x D + D (with biases). The h x L x L score
matrix is shown by ``archcost explain`` but, as the lecture's rule says, a layer's memory is its
output (L x D); the scores belong to training memory. The softmax is not counted.

>>> from archcost.ops import get_op
>>> att = get_op("attention")
>>> a = att.coerce({"heads": 12})
>>> att.params(a, [(197, 768)], (197, 768))
2362368
>>> att.matmul_flops(a, [(197, 768)], (197, 768))     # 197 x 768 x 3072 + 2 x 197 x 197 x 768
524391936

Swin's window attention does the same inside M x M windows of an H x W x C map, padded to a
multiple of the window, with a learned bias for each relative position (v1: a table of
(2M - 1)^2 x h parameters) or cosine attention with a continuous position bias computed by a
small MLP from the relative coordinates (v2: 2 x 512 + 512 + 512 x h parameters, and its
multiply-adds, plus one logit scale per head).
"""

from __future__ import annotations

from ..arith import elements, floor_div, step, value
from ..errors import ArchcostError
from .base import Attr, Op, Saved, need_rank, register, show_pair
from .linear import weight_flops


def head_dim(d, heads):
    if value(d) % value(heads):
        raise ArchcostError(f"{value(heads)} heads do not divide the width {value(d)}",
                            "choose a number of heads that divides the width")
    return step(floor_div(d, heads), "head dim (D / heads)")


def projection(tokens, d_in, d_out, bias, bias_flops, name):
    """tokens x d_out x (d_in (+ 1 bias add)): one linear layer applied to every token."""
    per_output = d_in + 1 if bias and bias_flops else d_in
    return step(tokens * d_out * per_output, name)


def projections_backward(a, tokens, d, input_grad, bias_flops):
    """Backward multiply-adds of the Q, K, V and output projections (as a linear layer's: the weights'
    gradient, the input's; the output projection's input always needs one)."""
    bias = a["bias"] and bias_flops
    qkv = step(tokens * 3 * d * d, "Q, K, V weights' gradient")
    if input_grad:
        qkv = qkv + step(tokens * 3 * d * d, "Q, K, V input gradient")
    if bias:
        qkv = qkv + step(tokens * 3 * d, "Q, K, V bias gradient")
    proj = step(tokens * d * d, "output projection weights' gradient") + step(tokens * d * d, "heads' gradient")
    if bias:
        proj = proj + step(tokens * d, "output projection bias gradient")
    return qkv + proj


def inner_traffic(op, a, ins, out):
    """Elements read and written (per image) by an attention op, a convention: the input read and the output
    written once, and each tensor it makes and keeps for backward (``saves``, the per-image ones besides its
    input) written once and read once; what a fused kernel keeps on chip (the L x L scores of ViT's) moves
    nothing."""
    inner = sum(int(s.elements) for s in op.saves(a, ins, out) if s.batched and s.tensor != "input")
    return elements(ins[0], "input elements") + inner, elements(out) + inner


def scores_and_values(windows, heads, n, hd):
    """Q K^T and A V: heads x N x N scores per window, each D/h multiply-adds, twice."""
    scores = step(heads * n * n if windows is None else windows * heads * n * n,
                  "scores (heads x L x L)" if windows is None else "scores (windows x heads x M^2 x M^2)")
    return step(scores * hd, "Q K^T"), step(scores * hd, "A V"), scores


@register
class Attention(Op):
    name = "attention"
    kind = "attention"
    accepts = ("LD",)
    doc = ("multi-head self-attention over L tokens x D (ViT): Q, K, V projections L x 3D x D, "
           "Q K^T and A V heads x L x L x D/heads each, output projection L x D x D")
    attrs = {
        "heads": Attr("size", doc="attention heads h (D / h features each)"),
        "bias": Attr("bool", True, "biases of the Q, K, V and output projections"),
    }

    def shape(self, a, ins, warn=lambda m: None):
        (x,) = ins
        need_rank(self.name, x, 2, "tokens x dim")
        head_dim(x[1], a["heads"])
        return tuple(x)

    def params(self, a, ins, out):
        d = ins[0][1]
        qkv = 3 * d * d + 3 * d if a["bias"] else 3 * d * d
        proj = d * d + d if a["bias"] else d * d
        return step(qkv, "Q, K, V projection params") + step(proj, "output projection params")

    def flops(self, a, ins, out, bias_flops=True):
        tokens, d = ins[0]
        hd = head_dim(d, a["heads"])
        qkv = projection(tokens, d, 3 * d, a["bias"], bias_flops, "Q, K, V (L x 3D x D)")
        qk, av, _ = scores_and_values(None, a["heads"], tokens, hd)
        proj = projection(tokens, d, d, a["bias"], bias_flops, "output projection (L x D x D)")
        return qkv + qk + av + proj

    matmul_flops = weight_flops

    def activation_flops(self, a, ins, out):
        """Q K^T and A V alone: the matmuls of two activations (fvcore's count leaves them out)."""
        qk, av, _ = scores_and_values(None, a["heads"], ins[0][0], head_dim(ins[0][1], a["heads"]))
        return qk + av

    def cells(self, a):
        return {"filters": f"{a['heads']} heads"}

    # ---- training (README "Will it fit?"). nn.MultiheadAttention in train mode on CPU (torch 2.13, measured
    # with benchmarks/measure_torch.py --by-module vit_b_16) runs F.multi_head_attention_forward: in_proj
    # (a linear: keeps its input), one contiguous Q, K, V tensor, then scaled_dot_product_attention, which
    # picks the fused _scaled_dot_product_flash_attention_for_cpu: it keeps query, key, value, its output and
    # the logsumexp of each head's row (float32), not the L x L probabilities (its backward recomputes them);
    # out_proj reads a view of that output
    def saves(self, a, ins, out):
        tokens, d = ins[0]
        why = ("the fused kernel's backward reads it: _scaled_dot_product_flash_attention_for_cpu_backward(grad, "
               "query, key, value, output, logsumexp, ...) (derivatives.yaml)")
        return (Saved("input", elements(ins[0], "input elements"), "in_proj (addmm): the weights' gradient reads it"),
                Saved("qkv", step(3 * tokens * d, "Q, K, V (3 x L x D)"), "query, key and value in one tensor; " + why),
                Saved("heads output", elements(out, "L x D"), "out_proj's input is a view of it; " + why),
                Saved("logsumexp", step(a["heads"] * tokens, "heads x L"), "one per head and row, float32; " + why,
                      "float32"))

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        # projections as linear layers; Q K^T and A V twice each (the gradients of both operands); softmax's
        # backward is element-wise (not multiply-adds). Convention: the fused kernel's backward also recomputes
        # Q K^T (a third pass), which is not counted, as FlopCounterMode's formula for it does not
        tokens, d = ins[0]
        qk, av, _ = scores_and_values(None, a["heads"], tokens, head_dim(d, a["heads"]))
        return (projections_backward(a, tokens, d, input_grad, bias_flops) + step(2 * qk, "Q K^T gradients")
                + step(2 * av, "A V gradients"))

    traffic = inner_traffic


@register
class WindowAttention(Op):
    name = "window_attention"
    kind = "attention"
    accepts = ("HWC",)
    doc = ("Swin's (shifted) window attention on H x W x C: the map padded to a multiple of the "
           "window M, multi-head attention inside each M x M window (Q K^T and A V heads x M^2 x M^2 x "
           "C/heads per window), with relative position bias (v1) or cosine attention and a continuous "
           "position bias MLP (v2)")
    attrs = {
        "heads": Attr("size", doc="attention heads"),
        "window": Attr("pair", doc="window size M or [M_h, M_w]"),
        "shift": Attr("count", 0, "cyclic shift of the windows (M // 2 in every other block; no FLOPs)"),
        "v2": Attr("bool", False, "Swin v2: cosine attention, continuous position bias MLP, logit scale"),
        "cpb_hidden": Attr("size", 512, "hidden width of the v2 position bias MLP"),
        "bias": Attr("bool", True, "biases of the Q, K, V and output projections"),
    }

    def shape(self, a, ins, warn=lambda m: None):
        (x,) = ins
        need_rank(self.name, x, 3, "H x W x C")
        head_dim(x[2], a["heads"])
        return tuple(x)

    def _table_entries(self, a):
        """Relative positions in a window: (2 M_h - 1) x (2 M_w - 1)."""
        return step((2 * a["window"][0] - 1) * (2 * a["window"][1] - 1), "relative positions ((2M - 1)^2)")

    def params(self, a, ins, out):
        c, heads = ins[0][2], a["heads"]
        total = step(3 * c * c + 3 * c if a["bias"] else 3 * c * c, "Q, K, V projection params")
        total = total + step(c * c + c if a["bias"] else c * c, "output projection params")
        entries = self._table_entries(a)
        if a["v2"]:   # the position bias MLP: Linear(2, hidden) with bias, Linear(hidden, heads) without
            mlp = step(2 * a["cpb_hidden"] + a["cpb_hidden"] + a["cpb_hidden"] * heads, "position bias MLP params")
            return total + mlp + step(heads, "logit scales")
        return total + step(entries * heads, "relative position bias table")

    def _windows(self, a, ins):
        """(windows, tokens) of the map padded to a multiple of the window, as torchvision pads it."""
        h, w, c = ins[0]
        mh, mw = a["window"]
        hp = step(h + (mh - h % mh) % mh, "padded H") if value(h) % value(mh) else h
        wp = step(w + (mw - w % mw) % mw, "padded W") if value(w) % value(mw) else w
        return step(floor_div(hp, mh) * floor_div(wp, mw), "windows"), step(hp * wp, "tokens (padded)")

    def activation_flops(self, a, ins, out):
        """Q K^T and A V alone: the matmuls of two activations (fvcore's count leaves them out)."""
        windows, _ = self._windows(a, ins)
        mh, mw = a["window"]
        qk, av, _ = scores_and_values(windows, a["heads"], mh * mw, head_dim(ins[0][2], a["heads"]))
        return qk + av

    def flops(self, a, ins, out, bias_flops=True):
        c = ins[0][2]
        mh, mw = a["window"]
        windows, tokens = self._windows(a, ins)
        hd = head_dim(c, a["heads"])
        qkv = projection(tokens, c, 3 * c, a["bias"], bias_flops, "Q, K, V (tokens x 3C x C)")
        qk, av, scores = scores_and_values(windows, a["heads"], mh * mw, hd)
        proj = projection(tokens, c, c, a["bias"], bias_flops, "output projection (tokens x C x C)")
        total = qkv + qk + av + proj
        if a["v2"]:   # the MLP runs once per forward on the (2M - 1)^2 relative coordinates
            entries = self._table_entries(a)
            hidden = a["cpb_hidden"]
            total = total + step(entries * hidden * (2 + 1 if bias_flops else 2) + entries * a["heads"] * hidden,
                                 "position bias MLP")
        if bias_flops:   # the relative position bias is added to every score
            total = total + step(scores, "position bias adds")
        return total

    matmul_flops = weight_flops

    def cells(self, a):
        return {"filters": f"{a['heads']} heads", "kernel": f"win {show_pair(a['window'])}",
                "stride": f"shift {a['shift']}" if a["shift"] else ""}

    # ---- training (README "Will it fit?"). torchvision's shifted_window_attention is plain tensor code (no
    # fused kernel; measured with benchmarks/measure_torch.py --by-module swin_t, torch 2.13): pad, roll and
    # the window partition copy the map; F.linear keeps that copy; v1 scales q (a new tensor) and multiplies
    # q by k^T (bmm keeps both; k^T is reshaped: a copy), softmax keeps its output (the probabilities,
    # windows x heads x M^2 x M^2), attn x v keeps both (v reshaped: a copy); the heads' output is
    # transposed and reshaped (a copy) which the output projection keeps; the relative position bias is a
    # gather from the table whose backward keeps the int64 index (M^2 x M^2, once per block, not per image)
    def saves(self, a, ins, out):
        c, heads = ins[0][2], a["heads"]
        windows, tokens = self._windows(a, ins)
        n = step(a["window"][0] * a["window"][1], "window tokens (M^2)")
        tc = step(tokens * c, "tokens x C")
        probs = step(windows * heads * n * n, "windows x heads x M^2 x M^2")
        common = (Saved("windows", tc, "the partitioned windows (a copy): the Q, K, V projection (addmm) reads them"),)
        tail = (Saved("probabilities", probs, "softmax: _softmax_backward_data(grad, result) and bmm (attn x v)"),
                Saved("v", tc, "bmm (attn x v): attn's gradient reads v (reshaped: a copy)"),
                Saved("heads output", tc, "the heads' output transposed and reshaped (a copy): the output "
                                          "projection (addmm) reads it"),
                Saved("index", n * n, "index (derivatives.yaml: index): the relative position index", "int64",
                      False))
        if not a["v2"]:
            return common + (Saved("q", tc, "q x scale (a new tensor): bmm (q x k^T) reads it"),
                             Saved("k", tc, "k^T reshaped (a copy): bmm (q x k^T) reads it")) + tail
        # v2, cosine attention: F.normalize(q) and F.normalize(k) keep the Q, K, V tensor (q and k are views),
        # each row's norm and its clamp; the normalised q and k (bmm); the scores (x logit scale: mul keeps
        # them) and the scale, exp'd; the position bias MLP's hidden layer (the coordinates table is a
        # buffer), its sigmoid
        entries = self._table_entries(a)
        return common + (
            Saved("qkv", step(3 * tc, "3 x tokens x C"), "linalg_vector_norm and div read q and k (views of it)"),
            Saved("norms", step(4 * tokens * heads, "2 x 2 x tokens x heads"),
                  "the norms of q's and k's rows and their clamp_min (norm, clamp_min, div)"),
            Saved("q normalised", tc, "bmm (q x k^T) reads it"), Saved("k normalised", tc, "bmm (q x k^T) reads it"),
            Saved("scores", probs, "mul (x logit scale): the scale's gradient reads the scores"),
            Saved("logit scale", heads, "exp(clamp(logit_scale)): exp_backward and mul read it", None, False),
            Saved("coords table", step(2 * entries, "(2M - 1)^2 x 2"), "the MLP's first linear reads the "
                  "relative coordinates (a buffer)", "float32", False),
            Saved("mlp hidden", step(entries * a["cpb_hidden"], "(2M - 1)^2 x hidden"), "the MLP's in-place ReLU "
                  "and second linear read it", None, False),
            Saved("bias sigmoid", step(heads * n * n, "heads x M^2 x M^2"), "sigmoid_backward reads its result",
                  None, False)) + tail

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        # as attention's: the projections as linear layers, Q K^T and A V twice each; v2's position bias MLP:
        # the weights' gradients of both its linears and the hidden layer's gradient (its input, the
        # coordinates, needs none); it runs once per batch, counted here per image as its forward is
        c, heads = ins[0][2], a["heads"]
        windows, tokens = self._windows(a, ins)
        qk, av, _ = scores_and_values(windows, heads, a["window"][0] * a["window"][1], head_dim(c, heads))
        total = (projections_backward(a, tokens, c, input_grad, bias_flops) + step(2 * qk, "Q K^T gradients")
                 + step(2 * av, "A V gradients"))
        if a["v2"]:
            entries, hidden = self._table_entries(a), a["cpb_hidden"]
            total = total + step(entries * hidden * 2 + 2 * entries * hidden * heads, "position bias MLP")
        return total

    traffic = inner_traffic

    def scratch(self, a, ins, out):
        # what is alive inside shifted_window_attention at its busiest point, attn x v (eval, measured with
        # benchmarks/measure_torch.py on swin_t: the eager peak, 15,131,788 bytes at batch 1, is this bmm in
        # features.1.1): the windows' copy, the Q, K, V tensor, v1's scaled q, the probabilities, v's copy,
        # the position bias (heads x M^2 x M^2, once) and, when the windows shift (torchvision shifts only a
        # window smaller than the padded map), the attention mask (windows x M^2 x M^2, once); the bmm's
        # output stands for the op's output. v2 is busiest at q x k^T (swin_v2_t's eager peak, 19,711,104
        # bytes, in features.1.1): the windows, Q, K, V, the normalised q and k, matmul's contiguous copies
        # of both (one stands for the output), the scores, the position bias and the Q, K, V bias' copy
        c, heads = ins[0][2], a["heads"]
        windows, tokens = self._windows(a, ins)
        n = a["window"][0] * a["window"][1]
        tc = tokens * c
        if a["v2"]:
            return (Saved("windows", tc, "the partitioned windows"), Saved("qkv", 3 * tc, "Q, K, V"),
                    Saved("q and k normalised", 2 * tc, "F.normalize's outputs"),
                    Saved("q copy", tc, "matmul's contiguous copy of q (k^T's stands for the output)"),
                    Saved("scores", windows * heads * n * n, "q x k^T"),
                    Saved("position bias", heads * n * n, "16 x sigmoid(the MLP's output)", None, False),
                    Saved("qkv bias copy", 3 * c, "the Q, K, V bias cloned (K's part zeroed)", None, False))
        hp, wp = (value(s) + (-value(s)) % m for s, m in zip(ins[0][:2], a["window"]))
        shifted = a["shift"] and any(m < s for m, s in zip(a["window"], (hp, wp)))
        return ((Saved("windows", tc, "the partitioned windows"), Saved("qkv", 3 * tc, "Q, K, V"))
                + (() if a["v2"] else (Saved("q", tc, "q x scale"),))
                + (Saved("probabilities", windows * heads * n * n, "softmax's output"), Saved("v", tc, "v reshaped"),
                   Saved("position bias", heads * n * n, "the relative position bias", None, False))
                + ((Saved("mask", windows * n * n, "the shifted windows' attention mask", None, False),)
                   if shifted else ()))
