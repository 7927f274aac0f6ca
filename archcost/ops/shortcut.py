"""The ResNet paper's parameter-free shortcut: ``zeropad_shortcut`` (He et al. 2016, option A).

When a residual stage doubles the channels and halves the map, option A keeps the shortcut an
identity: it takes every stride-th pixel and pads the new channels with zeros (Section 3.3, "the
shortcut still performs identity mapping, with extra zero entries padded for increasing
dimensions"; Section 4.2 uses it for every CIFAR-10 ResNet). The common PyTorch form (e.g.
akamaster/pytorch_resnet_cifar10's LambdaLayer) is ``F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, p, p))``
with p = planes // 4 zero channels on each side. No weight, no multiply-add: 0 parameters and
0 FLOPs; its output is a new tensor, so it counts as memory.

>>> from archcost.ops import get_op
>>> z = get_op("zeropad_shortcut")
>>> z.shape(z.coerce({"out": 32, "stride": 2}), [(16, 32, 32)])
(32, 16, 16)
>>> z.shape(z.coerce({"out": 64, "stride": 2}), [(32, 15, 15)])   # x[::2] keeps ceil(15 / 2) rows
(64, 8, 8)
"""

from __future__ import annotations

from ..arith import ceil_div, value
from ..errors import ArchcostError
from .base import Attr, Op, need_rank, register
from .layout import no_backward_flops, saves_nothing


@register
class ZeroPadShortcut(Op):
    name = "zeropad_shortcut"
    kind = "reshape"
    doc = ("ResNet option A shortcut: every stride-th pixel (x[:, :, ::s, ::s]) and zero channels padded up to "
           "`out`; 0 parameters, 0 FLOPs (He et al. 2016)")
    attrs = {
        "out": Attr("size", doc="output channels: the input's plus the zero-padded ones"),
        "stride": Attr("size", 1, "keep every stride-th row and column"),
    }

    def shape(self, a, ins, warn=lambda m: None):
        (x,) = ins
        need_rank(self.name, x, 3)
        c, h, w = x
        if a["out"] < value(c):
            raise ArchcostError(f"zeropad_shortcut: out {a['out']} is fewer than the {value(c)} input channels",
                                "zero-padding only adds channels: give out >= the input's channels")
        s = a["stride"]
        return (a["out"], ceil_div(h, s) if s != 1 else h, ceil_div(w, s) if s != 1 else w)

    def counts(self, a, ins, out):
        """No count any FLOP convention weighs: a strided slice and a pad move data."""
        return {}

    def rules(self, a, bias_flops=True, flops=True):
        return (("zeropad_shortcut", "zeropad_shortcut (notes 'zeropad_shortcut'; filters = its C out, stride s) "
                                     "keeps every s-th row and column (H' = ceil(H / s)) and pads the channels "
                                     "with zeros up to C out: no parameters, no FLOPs; its output counts as "
                                     "memory."),)

    def cells(self, a):
        return {"filters": a["out"], "stride": a["stride"]}

    # ---- training (README "Will it fit?"): the reference code (akamaster/pytorch_resnet_cifar10's
    # LambdaLayer) is F.pad(x[:, :, ::2, ::2], ...): a strided view, then a padded copy; their backward
    # (derivatives.yaml: slice, constant_pad_nd) needs the sizes only and makes no multiply-adds
    aliases = ""
    saves = saves_nothing
    backward_flops = no_backward_flops
