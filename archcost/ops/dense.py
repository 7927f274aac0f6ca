"""Fully connected and reshaping ops: ``fc``, ``flatten``, ``input``."""

from __future__ import annotations

from ..arith import elements, prod
from .base import Attr, Op, register


@register
class Input(Op):
    name = "input"
    kind = "io"
    doc = "the network's input tensor (not a row of the table)"
    inputs = (0, 0)
    attrs = {"shape": Attr("sizes", doc="C x H x W (or N)")}

    def shape(self, a, ins, warn=lambda m: None):
        return tuple(a["shape"])


@register
class Flatten(Op):
    name = "flatten"
    kind = "reshape"
    doc = "C x H x W -> C*H*W"
    attrs = {}

    def shape(self, a, ins, warn=lambda m: None):
        return (prod(ins[0]),)


@register
class FC(Op):
    name = "fc"
    kind = "fc"
    doc = "fully connected: every output sees every input element (a C x H x W input is flattened)"
    attrs = {
        "out": Attr("size", doc="number of outputs"),
        "bias": Attr("bool", True, "one bias per output"),
    }

    def shape(self, a, ins, warn=lambda m: None):
        return (a["out"],)

    def params(self, a, ins, out):
        weights = a["out"] * elements(ins[0], "inputs")
        return weights + a["out"] if a["bias"] else weights

    def flops(self, a, ins, out, bias_flops=True):
        per_output = elements(ins[0], "inputs")
        if a["bias"] and bias_flops:
            per_output = per_output + 1
        return a["out"] * per_output

    def counts(self, a, ins, out):
        """macs: out x in multiply-adds; bias: one add per output."""
        return {"macs": a["out"] * elements(ins[0], "inputs"), "bias": a["out"] if a["bias"] else 0}

    def cells(self, a):
        return {"filters": a["out"]}
