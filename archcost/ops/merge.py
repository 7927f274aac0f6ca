"""Ops that join branches: ``concat`` (channel axis), ``add`` (residual), ``sub`` (a difference),
``mul`` (SE scaling)."""

from __future__ import annotations

from ..arith import elements, step, value
from ..errors import ArchcostError
from .base import Op, Saved, register


def _show(shape):
    return "x".join(str(value(d)) for d in shape)


def per_channel(op: str, ins, fix: str) -> tuple:
    """The output shape of ``x (op) y`` where y is x's shape or one value per channel (C or C x 1 x 1)."""
    x, s = (tuple(value(d) for d in t) for t in ins)
    if s != x and s not in ((x[0],), (x[0], 1, 1)):
        raise ArchcostError(f"{op} of {_show(x)} by {_show(s)}: the second input must be {x[0]}, "
                            f"{x[0]}x1x1 or {_show(x)}", fix)
    return tuple(ins[0])


@register
class Concat(Op):
    name = "concat"
    kind = "merge"
    doc = "stack the inputs on the channel axis: spatial sizes must agree (a copy: 0 FLOPs)"
    inputs = (1, None)
    attrs = {}

    def shape(self, a, ins, warn=lambda m: None):
        first = ins[0]
        for x in ins[1:]:
            if len(x) != len(first) or tuple(x[1:]) != tuple(first[1:]):
                raise ArchcostError(
                    f"concat of mismatched shapes {', '.join(_show(s) for s in ins)}: "
                    "all inputs must have the same H x W",
                    "fix the branches' strides or padding so their outputs line up")
        return (sum(x[0] for x in ins),) + tuple(first[1:])

    def rules(self, a, bias_flops=True, flops=True):
        return (("concat", "concat: stacks its inputs' channels (C out = the sum of their C); no parameters"
                           + (", no FLOPs" if flops else "") + "; its output counts as memory."),)

    def saves(self, a, ins, out):
        return ()   # derivatives.yaml, cat: cat_tensors_backward needs the sizes only

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return 0    # the gradient is sliced back to the inputs


@register
class Add(Op):
    name = "add"
    kind = "merge"
    doc = "element-wise sum of equal shapes (a residual connection): one addition per element per extra input"
    inputs = (2, None)
    attrs = {}

    def shape(self, a, ins, warn=lambda m: None):
        if any(tuple(x) != tuple(ins[0]) for x in ins[1:]):
            raise ArchcostError(f"add of mismatched shapes {', '.join(_show(s) for s in ins)}",
                                "give the shortcut a 1x1 conv (stride, filters) so both sides agree")
        return tuple(ins[0])

    def flops(self, a, ins, out, bias_flops=True):
        return elements(out) * (len(ins) - 1)

    def counts(self, a, ins, out):
        """additions: the rule above (tools that trace x + y see it; module hooks do not)."""
        return {"additions": self.flops(a, ins, out)}

    def rules(self, a, bias_flops=True, flops=True):
        return (("add", "add: the sum of its inputs (named in its notes), same shape out; no parameters"
                        + ("; one addition per element per extra input (C x H x W for two inputs)." if flops
                           else ".")),)

    aliases = "inplace"   # torchvision's `out += identity`: when nothing reads the first input later

    def saves(self, a, ins, out):
        return ()   # derivatives.yaml, add: self: grad, other: grad * alpha

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return 0


@register
class Sub(Add):
    """add's counts for two inputs, with mul's broadcasting of the second."""

    name = "sub"
    doc = ("element-wise difference x - y of two activations: y of x's shape or one value per channel "
           "(C or C x 1 x 1); one subtraction per element")
    inputs = (2, 2)
    aliases = ""    # torch's x - y writes a new tensor

    def shape(self, a, ins, warn=lambda m: None):
        return per_channel("sub", ins, "give y the shape of x, or one value per channel")

    def flops(self, a, ins, out, bias_flops=True):
        return elements(out)

    def rules(self, a, bias_flops=True, flops=True):
        return (("sub", "sub: x - y (named in its notes), x's shape out, y of x's shape or one value per channel; "
                        "no parameters" + ("; one subtraction per element (C x H x W)." if flops else ".")),)

    # derivatives.yaml, sub: self: grad, other: -grad * alpha: no tensor is read (add's rule, inherited).
    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        # y's gradient is -grad: a sign, not counted; summed over H x W when y is one value per channel
        return 0 if tuple(ins[1]) == tuple(ins[0]) else step(elements(out), "per-channel gradient sums")


@register
class Mul(Op):
    name = "mul"
    kind = "merge"
    doc = ("x times per-channel weights (squeeze-and-excitation's rescale): the second input is "
           "C, C x 1 x 1 or x's own shape; one multiplication per element")
    inputs = (2, 2)
    attrs = {}

    def shape(self, a, ins, warn=lambda m: None):
        return per_channel("mul", ins, "check the excitation branch's output channels")

    def flops(self, a, ins, out, bias_flops=True):
        return elements(out)

    def counts(self, a, ins, out):
        return {"elements": self.flops(a, ins, out)}

    def saves(self, a, ins, out):
        # derivatives.yaml, mul: self's gradient is grad * other, other's is grad * self
        return (Saved("input", elements(ins[0], "input elements"), "the weights' gradient reads x"),
                Saved("input1", elements(ins[1], "weights"), "x's gradient reads the weights"))

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        # x's gradient: a multiplication per element; the weights' gradient: a multiply-add per element
        n = elements(out)
        return step(n, "weights gradient") + (step(n, "input gradient") if input_grad else 0)
