"""Resampling a map: ``upsample`` (torch's nn.Upsample and F.interpolate, ONNX's Resize).

The output is ``H' = floor(H x S)`` for a factor S (torch's and ONNX's rule), or the size given.
``nearest`` copies the input pixel each output pixel falls on: a copy, 0 FLOPs (as ``concat``).
``bilinear`` weighs the 4 pixels around each output pixel: 4 multiply-adds per output element,
the rule archcost's deformable conv uses for its bilinear samples.

>>> from archcost.ops import get_op
>>> up = get_op("upsample")
>>> a = up.coerce({"scale": 2, "mode": "bilinear"})
>>> out = up.shape(a, [(64, 28, 28)]); out
(64, 56, 56)
>>> up.flops(a, [(64, 28, 28)], out)                 # 64 x 56 x 56 x 4
802816

The tools count it each its own way (measured on nn.Upsample(scale_factor=2) and F.interpolate on
1 x 64 x 28 x 28 with torch 2.13.0, ``tests/measure_upsample.py``): ``FlopCounterMode``, torchinfo
1.8.0 and calflops 0.3.2's MACs count 0; fvcore 0.1.5 1 per output element for nearest, 4 for
bilinear (``neighbours``: 200,704 and 802,816); thop 0.1.1 1 and 11 per output element
(``interpolation``: 200,704 and 2,207,744) and nothing for F.interpolate; ptflops 0.7.5 one per
output element, twice for nn.Upsample (its module hook and the patched F.interpolate it calls).

>>> sorted(up.counts(a, [(64, 28, 28)], out).items())
[('interpolation', 2207744), ('neighbours', 802816), ('outputs', 200704)]
"""

from __future__ import annotations

import math

from ..arith import elements, step, value
from ..errors import ArchcostError
from .base import CALL, COERCE, MAX_SIZE, Attr, Op, _float, need_rank, register, show_big, show_pair
from .deform import BILINEAR_NEIGHBOURS

THOP_BILINEAR = 11   # thop 0.1.1's calculate_upsample: operations per output element of a bilinear upsample


def factor_pair(name, v):
    """A positive number or a pair [S_h, S_w]; whole numbers stay integers (2, not 2.0)."""
    pair = v if isinstance(v, (list, tuple)) else [v, v]
    if len(pair) != 2:
        raise ArchcostError(f"attribute '{name}' must be one number or a pair [h, w], got {list(v)}",
                            "give one factor for both axes or two [S_h, S_w]")
    out = []
    for x in pair:
        x = _float(name, x)
        if x <= 0 or x > MAX_SIZE:
            raise ArchcostError(f"attribute '{name}' must be a positive factor, got {x:g}", "write e.g. 2 or 1.5")
        out.append(int(x) if x.is_integer() else x)
    return tuple(out)


def compact_factor(v):
    """A factor or pair as a spec writes it: 2.0 -> 2, [1.5, 1.5] -> 1.5, [2, 3] stays.

    >>> compact_factor(2.0), compact_factor([1.5, 1.5]), compact_factor((2.0, 3.0))
    (2, 1.5, [2, 3])
    """
    h, w = factor_pair("scale", list(v) if isinstance(v, (list, tuple)) else v)
    return h if h == w else [h, w]


COERCE["factor"] = factor_pair


@register
class Upsample(Op):
    name = "upsample"
    kind = "reshape"
    accepts = ("CHW",)
    doc = ("resize the map by a factor or to a size (nn.Upsample, F.interpolate): nearest copies "
           "(0 FLOPs), bilinear weighs 4 neighbours (4 multiply-adds per output element)")
    attrs = {
        "scale": Attr("factor", None, "factor S or [S_h, S_w], H' = floor(H x S); 2 unless size is given"),
        "size": Attr("pair", None, "the output size H' or [H', W'], instead of a scale"),
        "mode": Attr("str", "nearest", "nearest (copy the pixel it falls on) or bilinear (weigh 4)",
                     ("nearest", "bilinear")),
        "align_corners": Attr("bool", False, "bilinear: the corner pixels of input and output aligned "
                                             "(torch's align_corners=True; values only, not counts)"),
        "call": CALL,
    }

    def finish(self, a):
        if a["scale"] is not None and a["size"] is not None:
            raise ArchcostError("upsample takes a scale or a size, not both", "remove one of them")
        if a["scale"] is None and a["size"] is None:
            a["scale"] = (2, 2)
        if a["align_corners"] and a["mode"] == "nearest":   # torch raises the same
            raise ArchcostError("align_corners applies to bilinear upsampling only",
                                "remove align_corners, or use mode: bilinear")

    def shape(self, a, ins, warn=lambda m: None):
        (x,) = ins
        need_rank(self.name, x, 3)
        c, h, w = x
        if a["size"] is not None:
            return (c, a["size"][0], a["size"][1])
        sizes = []
        for axis, size, s in (("H", h, a["scale"][0]), ("W", w, a["scale"][1])):
            out = size * s if isinstance(value(s), int) else math.floor(value(size) * value(s))
            if not 1 <= value(out) <= MAX_SIZE:
                raise ArchcostError(f"upsampling {value(size)} by {value(s)} along {axis} gives "
                                    f"{show_big(value(out))} pixels", "use a factor that keeps 1 to 2**48 pixels")
            sizes.append(out)
        return (c, sizes[0], sizes[1])

    def flops(self, a, ins, out, bias_flops=True):
        return elements(out) * BILINEAR_NEIGHBOURS if a["mode"] == "bilinear" else 0

    def counts(self, a, ins, out):
        """outputs: one per output element (ptflops); neighbours: the pixels each output reads, 1 or 4
        (fvcore); interpolation: thop's operations per output, 1 (nearest) or 11 (bilinear)."""
        n = elements(out)
        if a["mode"] == "nearest":
            return {"outputs": n, "neighbours": n, "interpolation": n}
        return {"outputs": n, "neighbours": n * BILINEAR_NEIGHBOURS, "interpolation": n * THOP_BILINEAR}

    def rules(self, a, bias_flops=True, flops=True):
        counted = ("; nearest copies (0 FLOPs), bilinear weighs 4 neighbours: 4 multiply-adds per output element."
                   if flops else ".")
        return (("upsample", "Upsample (notes 'x S nearest', 'to H'xW' bilinear'): H' = floor(H x S), W' = "
                             "floor(W x S), or the size given; C unchanged; no parameters" + counted),)

    def notes(self, a):
        how = f"x {show_pair(a['scale'])}" if a["size"] is None else f"to {a['size'][0]}x{a['size'][1]}"
        return (f"{how} {a['mode']}" + (", align_corners" if a["align_corners"] else ""),)

    # ---- training (README "Will it fit?")
    def saves(self, a, ins, out):
        # derivatives.yaml, upsample_nearest2d / upsample_bilinear2d: the backward reads output_size, the
        # input's sizes, align_corners and the scales, no tensor (saved_tensors_hooks sees none, torch 2.13)
        return ()

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        # each output's gradient goes back to the pixels it read: added into the one it copied (nearest),
        # spread over its 4 neighbours with the forward's weights (bilinear). FlopCounterMode counts 0.
        if not input_grad:
            return 0
        n = elements(out)
        return step(n * BILINEAR_NEIGHBOURS, "input gradient") if a["mode"] == "bilinear" else n

