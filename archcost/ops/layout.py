"""Layout ops: ``reshape``, ``permute``, ``transpose``, ``roll``, ``pad``.

They move data and multiply nothing: 0 parameters, 0 FLOPs. Like ``flatten`` their output is a
layer of its own whose memory counts (torch often makes a view: an upper bound). ``permute``
and ``transpose`` carry the layout along (C x H x W permuted by [1, 2, 0] is channels-last
H x W x C); ``reshape`` says the layout it makes with ``layout`` (default: by rank).

>>> from archcost.ops import get_op
>>> r, p = get_op("reshape"), get_op("permute")
>>> r.shape(r.coerce({"shape": [768, -1]}), [(768, 14, 14)])
(768, 196)
>>> a = p.coerce({"dims": [1, 2, 0]})
>>> p.shape(a, [(96, 56, 56)]), p.layout(a, ["CHW"], (56, 56, 96))
((56, 56, 96), 'HWC')
"""

from __future__ import annotations

from ..arith import prod, value
from ..errors import ArchcostError
from .base import COERCE, LAYOUTS, Attr, Op, SameShape, register, show_big
from .merge import _show


def _ints(name, v):
    """A list of integers, negatives allowed (-1: the rest, in reshape)."""
    if not isinstance(v, (list, tuple)) or not v:
        raise ArchcostError(f"attribute '{name}' must be a list of integers, got {v!r}", "write e.g. [1, 2, 0]")
    out = []
    for x in v:
        if isinstance(x, bool) or not isinstance(x, int) or abs(x) > 2**48:
            raise ArchcostError(f"attribute '{name}' must list integers, got {x!r}", "write whole numbers")
        out.append(x)
    return tuple(out)


COERCE["ints"] = _ints


# training rules of ops that only move data (README "Will it fit?"): their backward moves the gradient back
# (derivatives.yaml: view, permute, select, roll, constant_pad_nd, cat: sizes and shifts only), so they
# keep nothing and multiply nothing; `aliases` says whether torch makes a view or a new tensor
def saves_nothing(self, a, ins, out):
    """Nothing kept for backward: the gradient is moved back, not computed from the activations."""
    return ()


def no_backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
    """No multiply-adds in the backward of an op that moves data."""
    return 0


@register
class Reshape(Op):
    name = "reshape"
    kind = "reshape"
    doc = "the same elements in another shape (one entry may be -1: the rest); 0 FLOPs"
    attrs = {
        "shape": Attr("ints", doc="the new shape, batch not included; one -1 at most"),
        "layout": Attr("str", None, f"the new layout ({', '.join(LAYOUTS)}); default by rank"),
    }

    def shape(self, a, ins, warn=lambda m: None):
        (x,) = ins
        want = [value(d) for d in a["shape"]]
        total, known = prod(value(d) for d in x), prod(d for d in want if d != -1)
        free = [d for d in want if d <= 0]
        if free not in ([], [-1]) or (free and total % known) or (not free and total != known):
            raise ArchcostError(f"cannot reshape {_show(x)} ({show_big(value(total))} elements) to {want}",
                                "give sizes whose product is the element count, with at most one -1")
        return tuple(total // known if d == -1 else d for d in want)

    def layout(self, a, layouts, out):
        lay = a["layout"]
        if lay is not None and len(lay) != len(out):
            raise ArchcostError(f"layout '{lay}' has {len(lay)} axes, the shape {len(out)}",
                                "give one letter per axis (C, H, W, L, D, N)")
        return lay if lay is not None else super().layout(a, [], out)

    def rules(self, a, bias_flops=True, flops=True):
        return (("reshape", "reshape (notes 'reshape; to S') puts the same elements in the shape S of its notes "
                            "(-1: the rest of the elements; 'dim x tokens' or 'tokens x dim': a token sequence); "
                            "no parameters, no FLOPs; its output counts as memory."),)

    def notes(self, a):
        lay = a["layout"]
        return ("to " + " x ".join(map(str, a["shape"])) + (f" ({LAYOUTS[lay]})" if lay in LAYOUTS else ""),)

    # torch's reshape is a view of a contiguous tensor (every zoo network's is: a conv's output, ViT's
    # x.reshape(n, hidden, n_h * n_w)); the copy it makes of a non-contiguous one is not modelled
    aliases = "view"
    saves = saves_nothing
    backward_flops = no_backward_flops


def _check_dims(name, dims, rank):
    if sorted(dims) != list(range(rank)):
        raise ArchcostError(f"{name} dims {list(dims)} are not an order of the {rank} axes",
                            f"list each of 0 .. {rank - 1} once")


@register
class Permute(Op):
    name = "permute"
    kind = "reshape"
    doc = "reorder the axes (torch's permute, batch not included): [1, 2, 0] makes C x H x W channels-last"
    attrs = {"dims": Attr("ints", doc="the input axis each output axis takes")}

    def shape(self, a, ins, warn=lambda m: None):
        (x,) = ins
        _check_dims(self.name, a["dims"], len(x))
        return tuple(x[d] for d in a["dims"])

    def layout(self, a, layouts, out):
        first = layouts[0] if layouts else ""
        return "".join(first[d] for d in a["dims"]) if len(first) == len(out) else super().layout(a, [], out)

    def rules(self, a, bias_flops=True, flops=True):
        return (("permute", "permute and transpose (notes 'permute', 'transpose') reorder the axes (C x H x W "
                            "to channels-last H x W x C, dim x tokens to tokens x dim and back): C (or D) and "
                            "H/W (or the tokens) keep their sizes; no parameters, no FLOPs; the output counts as "
                            "memory."),)

    aliases = "view"   # torch's permute and transpose are views (strides swapped, nothing moved)
    saves = saves_nothing
    backward_flops = no_backward_flops


@register
class Transpose(Permute):
    name = "transpose"
    doc = "swap two axes (torch's transpose, batch not included)"
    attrs = {"dims": Attr("ints", doc="the two axes swapped")}

    def _order(self, a, rank):
        if len(a["dims"]) != 2 or not all(0 <= d < rank for d in a["dims"]) or a["dims"][0] == a["dims"][1]:
            raise ArchcostError(f"transpose needs two different axes of {rank}, got {list(a['dims'])}",
                                "write dims: [0, 1]")
        order = list(range(rank))
        i, j = a["dims"]
        order[i], order[j] = j, i
        return {"dims": tuple(order)}

    def shape(self, a, ins, warn=lambda m: None):
        return super().shape(self._order(a, len(ins[0])), ins, warn)

    def layout(self, a, layouts, out):
        return super().layout(self._order(a, len(out)), layouts, out)


@register
class Roll(SameShape):
    name = "roll"
    kind = "reshape"
    doc = "cyclic shift along axes (Swin's shifted windows: torch.roll); same shape, 0 FLOPs"
    attrs = {"shifts": Attr("ints", doc="shift per axis listed in dims"),
             "dims": Attr("ints", doc="the axes shifted")}

    def rules(self, a, bias_flops=True, flops=True):
        return (("roll", "roll (notes 'roll') shifts the map cyclically (Swin's shifted windows): same shape, no "
                         "parameters, no FLOPs; its output counts as memory."),)

    aliases = ""   # torch.roll copies (Swin's shifted windows)
    saves = saves_nothing
    backward_flops = no_backward_flops


@register
class Pad(Op):
    name = "pad"
    kind = "reshape"
    doc = "zero padding, torch's F.pad order: [before, after] of the last axis, then of the one before...; 0 FLOPs"
    attrs = {"pads": Attr("ints", doc="[last_before, last_after, prev_before, prev_after, ...] (torch's F.pad)")}

    def shape(self, a, ins, warn=lambda m: None):
        (x,) = ins
        p = a["pads"]
        if len(p) % 2 or len(p) > 2 * len(x) or min(p) < 0:
            raise ArchcostError(f"pad needs pairs of non-negative entries, at most {2 * len(x)} for "
                                f"{_show(x)}, got {list(p)}", "give [before, after] for the last axes, last first")
        out = list(x)
        for i in range(len(p) // 2):
            out[-1 - i] = out[-1 - i] + p[2 * i] + p[2 * i + 1]
        return tuple(out)

    def rules(self, a, bias_flops=True, flops=True):
        return (("pad", "pad (notes 'pads [...]') adds zeros: [before, after] for the last axis, then for the "
                        "one before it (torch's F.pad order); no parameters, no FLOPs."),)

    def notes(self, a):
        return ("pads [" + ", ".join(map(str, a["pads"])) + "]",)

    aliases = ""   # constant_pad_nd writes a new tensor (a copy even when every pad is 0)
    saves = saves_nothing
    backward_flops = no_backward_flops
