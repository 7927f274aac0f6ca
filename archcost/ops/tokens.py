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

from ..arith import ceil_div, floor_div, step, value
from ..errors import ArchcostError
from .base import Attr, Op, need_rank, register
from .merge import _show
from .layout import no_backward_flops, saves_nothing


def no_counts(self, a, ins, out):
    """A parameter read: no count any FLOP convention weighs."""
    return {}


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

    counts = no_counts

    def rules(self, a, bias_flops=True, flops=True):
        return (("class_token", "Class token (notes 'class_token') prepends one learned token: L tokens become "
                                "L + 1; D parameters, no FLOPs."),)

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

    counts = no_counts

    def rules(self, a, bias_flops=True, flops=True):
        return (("pos_embedding", "Position embedding (notes 'pos_embedding') adds a learned table of L x D "
                                  "values to the L tokens: L x D parameters; no FLOPs counted (a parameter read)."),)

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
        if len(x) < 2:   # x[:, 0] of N x F would leave one number per image: a tensor without axes
            raise ArchcostError(f"select drops an axis, and its input {_show(x)} has only one",
                                "select from an input of two or more axes (L tokens x D)")
        if a["axis"] >= len(x) or a["index"] >= value(x[a["axis"]]):
            raise ArchcostError(f"select index {a['index']} of axis {a['axis']} is outside "
                                f"{_show(x)}", "choose an axis and index inside the input")
        return tuple(x[:a["axis"]]) + tuple(x[a["axis"] + 1:])

    def layout(self, a, layouts, out):
        first = layouts[0] if layouts else ""
        if len(first) != len(out) + 1:
            return super().layout(a, layouts, out)
        return first[:a["axis"]] + first[a["axis"] + 1:]

    def rules(self, a, bias_flops=True, flops=True):
        return (("select", "select (notes 'select; index i of axis a') keeps one index of an axis and drops the "
                           "axis: from L tokens x D, one token's D features (axis 0 counts the tokens); no "
                           "parameters, no FLOPs; its output counts as memory."),)

    def notes(self, a):
        return (f"index {a['index']} of axis {a['axis']}",)

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

    def rules(self, a, bias_flops=True, flops=True):
        return (("patch_merge", "Patch merging (notes 'patch_merge') concatenates the C features of each 2 x 2 "
                                "neighbourhood: H x W x C becomes ceil(H/2) x ceil(W/2) x 4C (an odd side padded "
                                "by one); no parameters, no FLOPs."),)

    aliases = ""   # F.pad (a copy), four strided slices, torch.cat(..., -1): a new tensor; nothing kept
    saves = saves_nothing
    backward_flops = no_backward_flops


def _partition_side(a, h, w):
    """The side P of the square blocks the map is cut into: the window itself, or for a grid the
    stride between the tokens of a group (H / size), so that each group has size x size tokens."""
    s = value(a["size"])
    p = s if not a["grid"] else (value(h) // s if value(h) % s == 0 else 0)
    if not p or value(h) % p or value(w) % p:
        raise ArchcostError(f"a {value(h)}x{value(w)} map cannot be cut into {'a grid of ' if a['grid'] else ''}"
                            f"{s} x {s} {'groups' if a['grid'] else 'windows'}",
                            f"use an input whose maps divide by {s} (MaxViT: 224, 448, ...)")
    return p


@register
class Partition(Op):
    name = "partition"
    kind = "reshape"
    accepts = ("CHW",)
    doc = ("MaxViT's window or grid partition: C x H x W -> (H/P x W/P) x P^2 x C, P the window side "
           "(block attention) or H / size (grid attention: tokens size apart, size^2 per group); 0 FLOPs")
    attrs = {"size": Attr("size", doc="tokens per group side (MaxViT's partition_size)"),
             "grid": Attr("bool", False, "grid partition (dilated, global) instead of windows")}

    def shape(self, a, ins, warn=lambda m: None):
        need_rank(self.name, ins[0], 3)
        c, h, w = ins[0]
        p = _partition_side(a, h, w)
        return (floor_div(h, p) * floor_div(w, p), p * p, c)

    def layout(self, a, layouts, out):
        return "LGD" if a["grid"] else "GLD"    # a grid's groups are the first axis only after a transpose

    def counts(self, a, ins, out):
        """No count any FLOP convention weighs: a reshape and a permute (torchvision's _partition)."""
        return {}

    def rules(self, a, bias_flops=True, flops=True):
        return (("partition", "partition (notes 'partition; windows S' or 'partition; grid S') regroups the tokens "
                              "of the C x H x W map into G groups of L tokens that attend to each other, shown as "
                              "'G x L tok' under H/W, C unchanged: G = H/S x W/S groups of L = S x S tokens, "
                              "either S x S windows or a grid of S x S tokens H/S apart; no parameters, no FLOPs; "
                              "its output counts as memory."),)

    def notes(self, a):
        return (f"{'grid' if a['grid'] else 'windows'} {a['size']}",)

    # training: torchvision's window/grid partition is view + permute + reshape of a non-contiguous tensor, a
    # copy; its backward is the inverse permutation (no multiply-adds) and keeps nothing (derivatives.yaml:
    # view, permute: sizes only)
    aliases = ""
    saves = saves_nothing
    backward_flops = no_backward_flops


@register
class Departition(Op):
    name = "departition"
    kind = "reshape"
    doc = ("undo a partition: windows x tokens x C back to the C x H x W of the map given as second "
           "input (read for its shape only); 0 FLOPs")
    inputs = (2, 2)
    attrs = Partition.attrs

    def shape(self, a, ins, warn=lambda m: None):
        x, m = ins
        need_rank(self.name, m, 3)
        if len(x) != 3 or value(x[0]) * value(x[1]) != value(m[1]) * value(m[2]) or value(x[2]) != value(m[0]):
            raise ArchcostError(f"cannot departition {_show(x)} into the map {_show(m)}",
                                "give the partition's output (swapped back) and the map it was cut from")
        return tuple(m)

    def layout(self, a, layouts, out):
        return layouts[1] if len(layouts) > 1 else "CHW"

    counts = Partition.counts

    def rules(self, a, bias_flops=True, flops=True):
        return (("departition", "departition (notes 'departition; from X + M') puts the blocks of X back into "
                                "the C x H x W of the map M (the partition's input); no parameters, no FLOPs; "
                                "its output counts as memory."),)

    # training: torchvision's departition (view + permute + reshape back) of a non-contiguous tensor, a
    # copy; its backward is the inverse permutation (no multiply-adds) and keeps nothing (derivatives.yaml:
    # view, permute: sizes only)
    aliases = ""
    saves = saves_nothing
    backward_flops = no_backward_flops
