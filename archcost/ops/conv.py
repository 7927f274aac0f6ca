"""Convolution: ``conv`` (with groups and dilation; depthwise is groups = C_in)."""

from __future__ import annotations

from ..arith import elements, floor_div
from ..errors import ArchcostError
from .base import Attr, Op, need_rank, register, show_pair, spatial


def conv_weights_per_output(a, c_in):
    """C_in / groups x K_h x K_w: the weights one output element uses."""
    g = a["groups"]
    per_group = c_in if g == 1 else floor_div(c_in, g)
    return per_group * a["kernel"][0] * a["kernel"][1]


@register
class Conv(Op):
    name = "conv"
    kind = "conv"
    doc = "2-D convolution: out filters of kernel K over C_in/groups channels"
    attrs = {
        "out": Attr("size", doc="number of filters (output channels)"),
        "kernel": Attr("pair", doc="kernel size K or [K_h, K_w]"),
        "stride": Attr("pair", 1, "stride S"),
        "pad": Attr("pad", 0, "zero padding P per side, [P_h, P_w], or 'same'"),
        "dilation": Attr("pair", 1, "dilation D: the kernel spans D x (K - 1) + 1"),
        "groups": Attr("size", 1, "channel groups (C_in for a depthwise conv)"),
        "bias": Attr("bool", True, "one bias per filter"),
    }

    def shape(self, a, ins, warn=lambda m: None):
        (x,) = ins
        need_rank(self.name, x, 3)
        c, h, w = x
        g = a["groups"]
        if int(c) % g or a["out"] % g:
            raise ArchcostError(f"groups {g} must divide both the input channels {int(c)} and the filters {a['out']}",
                                "change 'groups' or the channel counts")
        oh, ow = spatial(a, h, w, warn)
        return (a["out"], oh, ow)

    def params(self, a, ins, out):
        weights = a["out"] * conv_weights_per_output(a, ins[0][0])
        return weights + a["out"] if a["bias"] else weights

    def flops(self, a, ins, out, bias_flops=True):
        per_output = conv_weights_per_output(a, ins[0][0])
        if a["bias"] and bias_flops:
            per_output = per_output + 1
        return elements(out) * per_output

    def cells(self, a):
        return {"filters": a["out"], "kernel": show_pair(a["kernel"]),
                "stride": show_pair(a["stride"]), "pad": show_pair(a["pad"])}
