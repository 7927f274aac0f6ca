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
>>> c = att.counts(a, [(197, 768)], (197, 768))
>>> c["macs"] + c["matmuls"]     # 197 x 768 x 3072 + 2 x 197 x 197 x 768: torchvision's count
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
                  "scores (heads x L x L)" if windows is None else "scores (windows x heads x L x L)")
    return step(scores * hd, "Q K^T"), step(scores * hd, "A V"), scores


def _sequences(x):
    """(sequences, L, D) of tokens x dim (one sequence: None) or of windows x tokens x dim."""
    return (None, x[0], x[1]) if len(x) == 2 else (x[0], x[1], x[2])


def attention_counts(tokens, d, heads, bias, scores, qk, av) -> dict:
    """The named counts of an attention layer (see :mod:`archcost.counting`): macs, the Q, K, V and
    output projections' weights (4 x tokens x D x D); bias, their bias adds (4 x tokens x D); qk and av,
    the multiply-adds of Q K^T and A V, matmuls their sum; scores, the softmax's inputs; queries,
    the tokens x D scaling of Q by 1 / sqrt(D / h)."""
    return {"macs": step(tokens * 4 * d * d, "projections (4 x tokens x D x D)"),
            "bias": step(tokens * 4 * d, "projection bias adds (4 x tokens x D)") if bias else 0,
            "qk": qk, "av": av, "matmuls": step(qk + av, "Q K^T + A V"), "scores": scores,
            "queries": step(tokens * d, "queries scaled (tokens x D)")}


@register
class Attention(Op):
    name = "attention"
    kind = "attention"
    accepts = ("LD", "GLD")
    doc = ("multi-head self-attention over L tokens x D (ViT), or within each of G windows of L tokens "
           "(MaxViT): Q, K, V projections L x 3D x D, Q K^T and A V heads x L x L x D/heads each, output "
           "projection L x D x D; rel_pos adds a learned relative position bias table")
    attrs = {
        "heads": Attr("size", doc="attention heads h (D / h features each)"),
        "bias": Attr("bool", True, "biases of the Q, K, V and output projections"),
        "rel_pos": Attr("count", 0, "window side S of a relative position bias table, (2S - 1)^2 x heads "
                                    "parameters (MaxViT); 0: none"),
    }

    def shape(self, a, ins, warn=lambda m: None):
        (x,) = ins
        if len(x) not in (2, 3):
            need_rank(self.name, x, 2, "tokens x dim (or windows x tokens x dim)")
        head_dim(x[-1], a["heads"])
        side = value(a["rel_pos"])
        if side and value(x[-2]) != side * side:
            raise ArchcostError(f"a relative position table for {side} x {side} windows needs "
                                f"{side * side} tokens per window, got {value(x[-2])}",
                                "make rel_pos the window side")
        return tuple(x)

    def params(self, a, ins, out):
        d = ins[0][-1]
        qkv = 3 * d * d + 3 * d if a["bias"] else 3 * d * d
        proj = d * d + d if a["bias"] else d * d
        total = step(qkv, "Q, K, V projection params") + step(proj, "output projection params")
        if a["rel_pos"]:
            total = total + step((2 * a["rel_pos"] - 1) * (2 * a["rel_pos"] - 1) * a["heads"],
                                 "relative position bias table")
        return total

    def flops(self, a, ins, out, bias_flops=True):
        windows, tokens, d = _sequences(ins[0])
        hd = head_dim(d, a["heads"])
        every = tokens if windows is None else step(windows * tokens, "tokens (windows x L)")
        qkv = projection(every, d, 3 * d, a["bias"], bias_flops, "Q, K, V (L x 3D x D)")
        qk, av, scores = scores_and_values(windows, a["heads"], tokens, hd)
        proj = projection(every, d, d, a["bias"], bias_flops, "output projection (L x D x D)")
        total = qkv + qk + av + proj
        if a["rel_pos"] and bias_flops:   # the relative position bias is added to every score
            total = total + step(scores, "position bias adds")
        return total

    def activation_flops(self, a, ins, out):
        """Q K^T and A V alone: the matmuls of two activations (fvcore's count leaves them out)."""
        windows, tokens, d = _sequences(ins[0])
        qk, av, _ = scores_and_values(windows, a["heads"], tokens, head_dim(d, a["heads"]))
        return qk + av

    def counts(self, a, ins, out):
        """macs: the Q, K, V and output projections' weights (4 x L x D x D); bias: their bias adds
        (4 x L x D); matmuls: Q K^T and A V; scores: the h x L x L softmax inputs."""
        windows, tokens, d = _sequences(ins[0])
        every = tokens if windows is None else step(windows * tokens, "tokens (windows x L)")
        qk, av, scores = scores_and_values(windows, a["heads"], tokens, head_dim(d, a["heads"]))
        counts = attention_counts(every, d, a["heads"], a["bias"], scores, qk, av)
        if a["rel_pos"]:   # MaxViT: the relative position bias is added to every score, a bias add
            counts["bias"] = counts["bias"] + step(scores, "position bias adds")
        return counts

    def rules(self, a, bias_flops=True, flops=True):
        add = " + 1" if a["bias"] and bias_flops else ""
        params = "4 x (D x D + D) (the Q, K, V and output projections with their biases)" if a["bias"] else \
            "4 x D x D (the Q, K, V and output projections, no biases)"
        return (("attention", "Attention (notes 'attention'; filters 'h heads') over L tokens of D features, h "
                              f"heads of D / h: parameters {params}; FLOPs L x 3D x (D{add}) for Q, K and V, + 2 x "
                              f"h x L x L x D / h for Q K^T and A V, + L x D x (D{add}) for the output projection"
                              + (", the + 1s being bias adds." if add else ".")),) + self._rel_pos_rules(a, bias_flops)

    def _rel_pos_rules(self, a, bias_flops):
        if not a["rel_pos"]:
            return ()
        adds = ", + G x h x L x L position bias adds (one per score)" if bias_flops else ""
        return (("attention.rel_pos", "MaxViT's attention (notes 'rel_pos S') attends within each of G groups of "
                                      "L = S x S tokens ('G x L tok'): its FLOPs are G times one group's (the rule "
                                      f"above with L tokens){adds}; parameters + (2S - 1)^2 x h (the relative "
                                      "position bias table)."),)

    def notes(self, a):
        return (() if a["bias"] else ("no bias",)) + ((f"rel_pos {a['rel_pos']}",) if a["rel_pos"] else ())

    def cells(self, a):
        return {"filters": f"{a['heads']} heads"}

    # ---- training (README "Will it fit?"). nn.MultiheadAttention in train mode on CPU (torch 2.13, measured
    # with benchmarks/measure_torch.py --by-module vit_b_16) runs F.multi_head_attention_forward: in_proj
    # (a linear: keeps its input), one contiguous Q, K, V tensor, then scaled_dot_product_attention, which
    # picks the fused _scaled_dot_product_flash_attention_for_cpu: it keeps query, key, value, its output and
    # the logsumexp of each head's row (float32), not the L x L probabilities (its backward recomputes them);
    # out_proj reads a view of that output
    def saves(self, a, ins, out):
        windows, tokens, d = _sequences(ins[0])
        if windows is not None:
            return self._plain_saves(a, windows, tokens, d)
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
        windows, tokens, d = _sequences(ins[0])
        every = tokens if windows is None else step(windows * tokens, "tokens (windows x L)")
        qk, av, _ = scores_and_values(windows, a["heads"], tokens, head_dim(d, a["heads"]))
        return (projections_backward(a, every, d, input_grad, bias_flops) + step(2 * qk, "Q K^T gradients")
                + step(2 * av, "A V gradients"))

    def _plain_saves(self, a, windows, tokens, d):
        """MaxViT's RelativePositionalMultiHeadAttention (torchvision 0.28) is plain tensor code over G windows
        of L tokens, as Swin's: the Q, K, V linear keeps its input; q x scale and k (bmm), the softmax's
        probabilities (G x h x L x L), v (A V) and the heads' output (the output linear) are kept; the relative
        position bias is a gather whose backward keeps its int64 index (L x L, once per layer). A convention
        by analogy with Swin's measured rule: not measured on MaxViT itself."""
        gld = step(windows * tokens * d, "windows x L x D")
        kept = (Saved("input", gld, "the Q, K, V linear (addmm): the weights' gradient reads it"),
                Saved("q", gld, "q x scale (a new tensor): bmm (q x k^T) reads it"),
                Saved("k", gld, "bmm (q x k^T): q's gradient reads k"),
                Saved("probabilities", step(windows * a["heads"] * tokens * tokens, "windows x heads x L x L"),
                      "softmax: _softmax_backward_data(grad, result) and bmm (attn x v)"),
                Saved("v", gld, "bmm (attn x v): attn's gradient reads v"),
                Saved("heads output", gld, "the output linear (addmm) reads it"))
        if a["rel_pos"]:
            kept += (Saved("index", step(tokens * tokens, "L x L"), "index (derivatives.yaml: index): the relative "
                           "position index", "int64", False),)
        return kept

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

    def counts(self, a, ins, out):
        """As attention's, over the padded map's tokens and per window; qk_call: Q K^T when the reference
        code calls .matmul() for it (v1; v2 writes the @ operator, which tools that patch
        torch.Tensor.matmul do not see: 0); and, in v2, cpb_macs, the position bias MLP's
        multiply-adds, and cpb_hidden, its hidden elements (one bias add and one ReLU each), run
        once on the (2M - 1)^2 relative positions; cpb_params, that MLP's parameters."""
        c, (mh, mw) = ins[0][2], a["window"]
        windows, tokens = self._windows(a, ins)
        qk, av, scores = scores_and_values(windows, a["heads"], mh * mw, head_dim(c, a["heads"]))
        out = attention_counts(tokens, c, a["heads"], a["bias"], scores, qk, av)
        entries, hidden = self._table_entries(a), a["cpb_hidden"]
        v2 = a["v2"]
        out["qk_call"] = 0 if v2 else qk
        out["cpb_macs"] = step(entries * hidden * 2 + entries * a["heads"] * hidden, "position bias MLP") if v2 else 0
        out["cpb_hidden"] = step(entries * hidden, "position bias MLP hidden elements") if v2 else 0
        out["cpb_params"] = 3 * hidden + hidden * a["heads"] if v2 else 0   # Linear(2, hidden), Linear(hidden, heads)
        return out

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
            first = entries * hidden * 2 + entries * hidden if bias_flops else entries * hidden * 2   # Linear(2, hidden)
            total = total + step(first + entries * a["heads"] * hidden, "position bias MLP")
        if bias_flops:   # the relative position bias is added to every score
            total = total + step(scores, "position bias adds")
        return total

    def rules(self, a, bias_flops=True, flops=True):
        add = " + 1" if a["bias"] and bias_flops else ""
        proj = "4 x (C x C + C)" if a["bias"] else "4 x C x C"
        out = [("window_attention",
                "Window attention (notes 'window_attention'; filters 'h heads', kernel 'win M', stride 'shift s', "
                "a cyclic shift that costs nothing) pads the H x W map up to multiples of M (Hp x Wp) and splits it "
                "into Hp/M x Wp/M windows of M x M tokens, h heads of C / h attending within each window. "
                f"FLOPs Hp x Wp x 3C x (C{add}) for Q, K and V, + 2 x windows x h x M^2 x M^2 x C / h for Q K^T and "
                f"A V, + Hp x Wp x C x (C{add}) for the output projection"
                + (", + windows x h x M^2 x M^2 position bias adds (one per score)" if bias_flops else "")
                + (f". Parameters {proj} + (2M - 1)^2 x h (the relative position bias table)." if not a["v2"]
                   else f". Parameters {proj} + the v2 terms below."))]
        if a["v2"]:
            out.append(("window_attention.v2",
                        "Swin V2's window attention (notes 'v2; MLP hidden N') has no bias table: a position bias MLP "
                        "(2 -> N with biases, N -> h without) runs once on the (2M - 1)^2 relative positions, adding "
                        "3N + N x h parameters and h logit scales, and (2M - 1)^2 x N x "
                        + ("(2 + 1)" if bias_flops else "2") + " + (2M - 1)^2 x N x h FLOPs."))
        return tuple(out)

    def notes(self, a):
        return (() if a["bias"] else ("no bias",)) + (("v2", f"MLP hidden {a['cpb_hidden']}") if a["v2"] else ())

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
