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

from ..arith import floor_div, step, value
from ..errors import ArchcostError
from .base import Attr, Op, need_rank, register, show_pair


def head_dim(d, heads):
    if value(d) % value(heads):
        raise ArchcostError(f"{value(heads)} heads do not divide the width {value(d)}",
                            "choose a number of heads that divides the width")
    return step(floor_div(d, heads), "head dim (D / heads)")


def projection(tokens, d_in, d_out, bias, bias_flops, name):
    """tokens x d_out x (d_in (+ 1 bias add)): one linear layer applied to every token."""
    per_output = d_in + 1 if bias and bias_flops else d_in
    return step(tokens * d_out * per_output, name)


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

    def rules(self, a, bias_flops=True):
        add = " + 1" if a["bias"] and bias_flops else ""
        params = "4 x (D x D + D) (the Q, K, V and output projections with their biases)" if a["bias"] else \
            "4 x D x D (the Q, K, V and output projections, no biases)"
        return (("attention", "Attention (notes 'attention'; filters 'h heads') over L tokens of D features, h "
                              f"heads of D / h: parameters {params}; FLOPs L x 3D x (D{add}) for Q, K and V, + 2 x "
                              f"h x L x L x D / h for Q K^T and A V, + L x D x (D{add}) for the output projection"
                              + (", the + 1s being bias adds." if add else ".")),)

    def notes(self, a):
        return () if a["bias"] else ("no bias",)

    def cells(self, a):
        return {"filters": f"{a['heads']} heads"}


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

    def rules(self, a, bias_flops=True):
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
