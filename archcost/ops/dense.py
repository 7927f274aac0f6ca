"""Fully connected and reshaping ops: ``fc``, ``flatten``, ``input``."""

from __future__ import annotations

from ..arith import elements, prod
from .base import Attr, Op, Saved, bias_rule, register, weight_backward


@register
class Input(Op):
    name = "input"
    kind = "io"
    doc = "the network's input tensor (not a row of the table)"
    inputs = (0, 0)
    attrs = {"shape": Attr("sizes", doc="C x H x W (or N)"),
             "declared": Attr("sizes", None, "the spec's own shape, when --input replaced it")}

    def shape(self, a, ins, warn=lambda m: None):
        shape, spec = tuple(a["shape"]), a.get("declared")   # (a sweep sets only the shape)
        if spec and len(spec) == len(shape) == 3 and shape[0] != spec[0] and \
                (shape[2] == spec[0] or shape[2] <= 4 < shape[0]):
            c, h, w = shape
            warn(f"the input {c}x{h}x{w} has {c} channels where the spec has {spec[0]}, and its last size {w} "
                 f"looks like channels: an input is C x H x W (channels first); write {w}x{c}x{h} if that "
                 "is what you meant")
        return shape

    def saves(self, a, ins, out):
        return ()

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return 0


@register
class Flatten(Op):
    name = "flatten"
    kind = "reshape"
    doc = "C x H x W -> C*H*W"
    attrs = {}

    def shape(self, a, ins, warn=lambda m: None):
        return (prod(ins[0]),)

    def rules(self, a, bias_flops=True, flops=True):
        return (("flatten", "Flatten: C x H x W -> a vector of C x H x W elements (shown as its C out); no "
                            f"parameters{', no FLOPs' if flops else ''}; its output counts as memory."),)

    aliases = "view"   # torch's flatten is a view of its input

    def saves(self, a, ins, out):
        return ()      # derivatives.yaml: view/reshape backward needs the sizes only

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return 0


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

    def rules(self, a, bias_flops=True, flops=True):
        add = " + 1" if bias_flops else ""
        return (("fc", "FC (filters = its outputs): parameters out x in + out, in being every input element "
                       "(C x H x W of a map); " + (f"FLOPs out x (in{add})"
                       + (", the + 1 being the bias add." if bias_flops else ", without the bias add.")
                       if flops else "its multiply-adds are out x in.")),) \
            + (() if a["bias"] else (bias_rule(bias_flops and flops),))

    def notes(self, a):
        return () if a["bias"] else ("no bias",)

    def cells(self, a):
        return {"filters": a["out"]}

    def saves(self, a, ins, out):
        # nn.Linear is addmm(bias, input, weight.t()); derivatives.yaml, addmm: mat2's gradient
        # mm_mat2_backward(grad, mat1, ...) reads the input (mat1); mat1's reads the weight
        return (Saved("input", elements(ins[0], "input elements"),
                      "mm_mat2_backward reads it for the weights' gradient (derivatives.yaml: addmm)"),)

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return weight_backward(self.flops(a, ins, out, bias_flops=False), a["out"], a["bias"], input_grad, bias_flops)
