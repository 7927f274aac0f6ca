"""``rel_pos_bias``: a learned relative position bias added to attention scores, as an imported graph
spells it (an ONNX file, where MaxViT's attention comes back as its matmuls).

The scores of h heads over L tokens (``[..., h, L, L]``, e.g. G windows x h x L x L) get one learned
bias per head and pair of tokens, read from a table of T entries per head by a constant index: the
relative position of the two tokens (MaxViT and Swin v1: T = (2S - 1)^2 for S x S windows; a table
as large as the scores, T = L x L, when nothing is shared). Parameters T x h; one add per score,
a bias add (counted under the lecture's convention, not by the tools' conventions, as the
``attention`` op's ``rel_pos`` adds are not). The zoo's specs count the same table and adds inside
``attention`` (``rel_pos``) and ``window_attention``.

>>> from archcost.ops import get_op
>>> op = get_op("rel_pos_bias")
>>> a = op.coerce({"entries": 169})
>>> op.params(a, [(64, 2, 49, 49)], (64, 2, 49, 49)), op.flops(a, [(64, 2, 49, 49)], (64, 2, 49, 49))
(338, 307328)
"""

from __future__ import annotations

from ..arith import elements, step, value
from ..errors import ArchcostError
from .base import Attr, Op, Saved, register
from .layout import no_backward_flops
from .merge import _show


@register
class RelPosBias(Op):
    name = "rel_pos_bias"
    kind = "token"
    doc = ("add a learned relative position bias to h x L x L attention scores: a table of T entries per "
           "head read by a constant index (T = (2S - 1)^2 for S x S windows); T x h parameters, one add per score")
    attrs = {"entries": Attr("size", doc="entries of the table per head (relative positions: (2S - 1)^2 for "
                                         "S x S windows)")}

    def shape(self, a, ins, warn=lambda m: None):
        (x,) = ins
        if len(x) < 3 or value(x[-1]) != value(x[-2]):
            raise ArchcostError(f"a relative position bias is added to [..., heads, L, L] scores, got {_show(x)}",
                                "give it the Q K^T scores")
        return tuple(x)

    def params(self, a, ins, out):
        return step(a["entries"] * ins[0][-3], "table (entries x heads)")

    def flops(self, a, ins, out, bias_flops=True):
        return elements(out, "position bias adds (one per score)") if bias_flops else 0

    def counts(self, a, ins, out):
        """bias: one add per score (what the tools' conventions leave out, as for attention's rel_pos)."""
        return {"bias": elements(out, "position bias adds (one per score)")}

    def rules(self, a, bias_flops=True, flops=True):
        adds = "; FLOPs one add per score (a bias add)" if bias_flops else "; no FLOPs without the bias add"
        return (("rel_pos_bias", "Relative position bias (notes 'table T') adds to the h x L x L scores of each "
                                 "group a learned bias read from a table of T entries per head by each pair's "
                                 f"relative position: parameters T x h{adds if flops else ''}."),)

    def notes(self, a):
        return (f"table {a['entries']}",)

    aliases = ""   # scores + bias: a new tensor

    def saves(self, a, ins, out):
        # the gather from the table keeps its int64 index (derivatives.yaml: index), once per layer; the add
        # keeps nothing
        n = ins[0][-1]
        return (Saved("index", step(n * n, "L x L"), "index (derivatives.yaml: index): the relative position index",
                      "int64", False),)

    backward_flops = no_backward_flops   # the table's gradient sums the scores' gradient: adds
