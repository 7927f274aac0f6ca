"""Token ops of vision transformers: ``class_token``, ``pos_embedding``, ``select``, ``patch_merge``.

The class token and the position embedding are learned parameters with no multiply-adds:
``class_token`` prepends one learned D-vector to the L x D sequence (D parameters), and
``pos_embedding`` adds a learned L x D table (L x D parameters: it follows the input size, so
ViT at 384 x 384 has 577 x 768). ``select`` takes one index of an axis (ViT's classifier
reads token 0: torch's ``x[:, 0]``). ``patch_merge`` is Swin's 2 x 2 patch merging gather:
H x W x C -> ceil(H/2) x ceil(W/2) x 4C (odd sides padded by one), before its norm and linear.
All are data movement or parameter reads: 0 FLOPs; their outputs count as memory.

>>> from archcost.ops import get_op
>>> cls, pos = get_op("class_token"), get_op("pos_embedding")
>>> cls.shape({}, [(196, 768)]), cls.params({}, [(196, 768)], (197, 768)), pos.params({}, [(197, 768)], (197, 768))
((197, 768), 768, 151296)
>>> get_op("patch_merge").shape({}, [(25, 25, 192)])
(13, 13, 768)
"""

from __future__ import annotations

from ..arith import ceil_div, step, value
from ..errors import ArchcostError
from .base import Attr, Op, need_rank, register
from .merge import _show
from .layernorm import no_matmul
from .layout import no_backward_flops, saves_nothing


@register
class ClassToken(Op):
    name = "class_token"
    kind = "token"
    accepts = ("LD",)
    doc = "prepend a learned token: L x D -> (L + 1) x D; D parameters, 0 FLOPs"
    attrs = {}

    def shape(self, a, ins, warn=lambda m: None):
        need_rank(self.name, ins[0], 2, "tokens x dim")
        return (ins[0][0] + 1, ins[0][1])

    def params(self, a, ins, out):
        return ins[0][1]

    matmul_flops = no_matmul

    aliases = ""   # torch.cat([token, x], dim=1): a new tensor; cat's backward slices the gradient
    saves = saves_nothing
    backward_flops = no_backward_flops


@register
class PosEmbedding(Op):
    name = "pos_embedding"
    kind = "token"
    accepts = ("LD",)
    doc = "add a learned position embedding: L x D parameters (they follow the input size), 0 FLOPs"
    attrs = {}

    def shape(self, a, ins, warn=lambda m: None):
        need_rank(self.name, ins[0], 2, "tokens x dim")
        return tuple(ins[0])

    def params(self, a, ins, out):
        return step(ins[0][0] * ins[0][1], "L x D")

    matmul_flops = no_matmul

    aliases = ""   # x + pos_embedding: a new tensor; add's backward passes the gradient on (and sums it
    saves = saves_nothing        # over the batch for the table: adds, not multiply-adds)
    backward_flops = no_backward_flops


@register
class Select(Op):
    name = "select"
    kind = "reshape"
    doc = "one index of an axis, the axis dropped (ViT's classifier token: x[:, 0]); 0 FLOPs"
    attrs = {
        "axis": Attr("count", 0, "the axis (from 0, the batch not counted)"),
        "index": Attr("count", 0, "the index taken"),
    }

    def shape(self, a, ins, warn=lambda m: None):
        (x,) = ins
        if a["axis"] >= len(x) or a["index"] >= value(x[a["axis"]]):
            raise ArchcostError(f"select index {a['index']} of axis {a['axis']} is outside "
                                f"{_show(x)}", "choose an axis and index inside the input")
        return tuple(x[:a["axis"]]) + tuple(x[a["axis"] + 1:])

    def layout(self, a, layouts, out):
        first = layouts[0] if layouts else ""
        return first[:a["axis"]] + first[a["axis"] + 1:] if len(first) == len(out) + 1 else super().layout(a, layouts, out)

    aliases = "view"   # x[:, 0] is a view; select_backward needs the sizes only
    saves = saves_nothing
    backward_flops = no_backward_flops


@register
class PatchMerge(Op):
    name = "patch_merge"
    kind = "reshape"
    accepts = ("HWC",)
    doc = ("Swin's patch merging gather: each 2 x 2 neighbourhood concatenated, H x W x C -> "
           "ceil(H/2) x ceil(W/2) x 4C (odd sides padded); 0 FLOPs")
    attrs = {}

    def shape(self, a, ins, warn=lambda m: None):
        need_rank(self.name, ins[0], 3, "H x W x C")
        h, w, c = ins[0]
        return (ceil_div(h, 2), ceil_div(w, 2), 4 * c)

    aliases = ""   # F.pad (a copy), four strided slices, torch.cat(..., -1): a new tensor; nothing kept
    saves = saves_nothing
    backward_flops = no_backward_flops
