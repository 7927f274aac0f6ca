"""Channel data movement: ``channel_shuffle`` and ``slice`` (ShuffleNet's shuffle and split).

Neither op multiplies or adds anything: both have 0 parameters and 0 FLOPs,
since they only move or select channels. Like ``flatten`` and ``concat``, each
is a layer of its own whose output counts as memory (torch's ``chunk`` is a
view, so for ``slice`` that is an upper bound). A channel split (torch's
``x.chunk(2, dim=1)``) is two ``slice`` layers reading the same input:

>>> from archcost.ops import get_op
>>> s = get_op("slice")
>>> s.shape(s.coerce({"start": 0, "end": 58}), [(116, 28, 28)])
(58, 28, 28)
>>> s.shape(s.coerce({"start": 58}), [(116, 28, 28)])    # 'end' defaults to the last channel
(58, 28, 28)
>>> sh = get_op("channel_shuffle")
>>> sh.shape(sh.coerce({"groups": 2}), [(116, 28, 28)])
(116, 28, 28)
"""

from __future__ import annotations

from ..arith import value
from ..errors import ArchcostError
from .base import Attr, Op, register


def _need_channels(op: str, shape):
    if len(shape) < 1:
        raise ArchcostError(f"op '{op}' needs an input with a channel axis", "check the layer's input")


@register
class ChannelShuffle(Op):
    name = "channel_shuffle"
    kind = "reshape"
    doc = ("interleave the channels of `groups` groups (ShuffleNet): reshape C to groups x C/groups, "
           "transpose, flatten; same shape, 0 FLOPs (data movement)")
    attrs = {"groups": Attr("size", doc="number of channel groups; must divide C")}

    def shape(self, a, ins, warn=lambda m: None):
        (x,) = ins
        _need_channels(self.name, x)
        g = a["groups"]
        if value(x[0]) % g:
            raise ArchcostError(f"channel_shuffle: groups {g} do not divide the {value(x[0])} input channels",
                                "use a number of groups that divides the channels")
        return tuple(x)

    def saves(self, a, ins, out):
        return ()   # view, transpose, contiguous (a copy): their backward needs the sizes only

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return 0


@register
class Slice(Op):
    name = "slice"
    kind = "reshape"
    doc = ("channels start .. end-1 of the input (torch's x[:, start:end]); a split or chunk is several "
           "slices of one input; 0 FLOPs (data movement)")
    attrs = {
        "start": Attr("count", 0, "first channel taken (from 0)"),
        "end": Attr("size", None, "one past the last channel taken (default: all the rest)"),
    }

    def shape(self, a, ins, warn=lambda m: None):
        (x,) = ins
        _need_channels(self.name, x)
        c, start = x[0], a["start"]
        end = c if a["end"] is None else a["end"]
        if not value(start) < value(end) <= value(c):
            raise ArchcostError(f"slice of channels {start}:{value(end)} does not fit the {value(c)} input channels",
                                f"choose 0 <= start < end <= {value(c)}")
        return (end - start if start else end,) + tuple(x[1:])

    def cells(self, a):
        return {"filters": f"{a['start']}:{'' if a['end'] is None else a['end']}"}

    aliases = "view"   # torch's chunk and x[:, a:b] are views of the input

    def saves(self, a, ins, out):
        return ()

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return 0
