"""Dense ops on any rank: ``linear`` over the last axis and ``matmul`` of two activations.

``linear`` is torch's ``nn.Linear``: it maps the last axis (``in``) to ``out`` and keeps the
leading axes, so a ViT token sequence 197 x 768 becomes 197 x 3072. ``fc`` flattens its input
instead (the lecture's fc6 reads 256 x 6 x 6 as 9216 inputs). Both count one multiply-add per
weight used, plus a bias add per output element in the lecture's convention.

Every op of the transformer modules names, in ``counts``, which part of its FLOPs are
multiply-adds of weights (``macs``) or of two activations (``matmuls``), which the FLOP
conventions of archcost/counting.py weigh; the rest of ``flops`` are bias adds and element-wise work.

>>> from archcost.ops import get_op
>>> lin = get_op("linear")
>>> a = lin.coerce({"out": 3072})
>>> out = lin.shape(a, [(197, 768)]); out
(197, 3072)
>>> lin.params(a, [(197, 768)], out), lin.flops(a, [(197, 768)], out), lin.counts(a, [(197, 768)], out)["macs"]
(2362368, 465386496, 464781312)
"""

from __future__ import annotations

from ..arith import elements, step, value
from ..errors import ArchcostError
from .base import Attr, Op, Saved, bias_rule, register, weight_backward
from .dense import FC
from .merge import _show


@register
class Linear(Op):
    name = "linear"
    kind = "fc"
    doc = ("fully connected over the last axis of any-rank input (torch's nn.Linear): "
           "params out x in (+ out), FLOPs output elements x (in (+ 1 bias add))")
    attrs = {
        "out": Attr("size", doc="output features (the last axis' new size)"),
        "bias": Attr("bool", True, "one bias per output feature"),
    }

    def shape(self, a, ins, warn=lambda m: None):
        (x,) = ins
        return tuple(x[:-1]) + (a["out"],)

    def params(self, a, ins, out):
        weights = a["out"] * ins[0][-1]
        return weights + a["out"] if a["bias"] else weights

    def flops(self, a, ins, out, bias_flops=True):
        per_output = ins[0][-1]
        if a["bias"] and bias_flops:
            per_output = per_output + 1
        return elements(out) * per_output

    def counts(self, a, ins, out):
        """macs: output elements x in; bias: one add per output element."""
        return {"macs": elements(out) * ins[0][-1], "bias": elements(out) if a["bias"] else 0}

    def rules(self, a, bias_flops=True, flops=True):
        add = " + 1" if bias_flops else ""
        return (("linear", "Linear (notes 'linear'; filters = its outputs) maps the D features (the C column) of "
                           "every token, or every pixel of a map, to out: parameters out x D + out; FLOPs "
                           f"positions x out x (D{add}), positions being its tokens (or H x W)"
                           + (", the + 1 being the bias add." if bias_flops else ", without the bias add.")),) \
            + (() if a["bias"] else (bias_rule(bias_flops),))

    # a linear layer is fc over the last axis: the same notes and table cells
    notes = FC.notes
    cells = FC.cells

    # ---- training (README "Will it fit?")
    def saves(self, a, ins, out):
        # derivatives.yaml, addmm / mm (F.linear flattens the leading axes into a view: addmm(bias, x, W^T)):
        # mat2's gradient mat1^T x grad reads the input; mat1's reads the weight (a parameter)
        return (Saved("input", elements(ins[0], "input elements"),
                      "addmm: the weights' gradient is input^T x grad (derivatives.yaml: addmm, mm)"),)

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return weight_backward(self.flops(a, ins, out, bias_flops=False), elements(out), a["bias"], input_grad,
                               bias_flops)


@register
class MatMul(Op):
    name = "matmul"
    kind = "matmul"
    doc = ("product of two activations [..., M, K] x [..., K, N] -> [..., M, N] (transpose_b: the second "
           "is [..., N, K]); 0 params, FLOPs output elements x K")
    inputs = (2, 2)
    attrs = {"transpose_b": Attr("bool", False, "multiply by the second input's transpose (Q K^T)")}

    def shape(self, a, ins, warn=lambda m: None):
        x, y = ins
        if len(x) < 2 or len(y) != len(x):
            raise ArchcostError(f"matmul needs two inputs of the same rank (at least 2), got "
                                f"{_show(x)} and {_show(y)}",
                                "reshape the inputs to [..., M, K] and [..., K, N]")
        k_y, n = (y[-1], y[-2]) if a["transpose_b"] else (y[-2], y[-1])
        if value(x[-1]) != value(k_y) or tuple(map(value, x[:-2])) != tuple(map(value, y[:-2])):
            raise ArchcostError(f"matmul of {_show(x)} by "
                                f"{_show(y)}{' transposed' if a['transpose_b'] else ''}: "
                                "the inner sizes or the leading axes differ", "check transpose_b and the shapes")
        return tuple(x[:-1]) + (n,)

    def flops(self, a, ins, out, bias_flops=True):
        return elements(out) * ins[0][-1]

    def counts(self, a, ins, out):
        """matmuls: multiply-adds of two activations (no weights)."""
        return {"matmuls": self.flops(a, ins, out)}

    def rules(self, a, bias_flops=True, flops=True):
        return (("matmul", "matmul (notes 'matmul'): the product of two activations [..., M, K] x [..., K, N] "
                           "(notes 'transposed': the second is [..., N, K]); no parameters; FLOPs output "
                           "elements x K."),)

    def notes(self, a):
        return ("transposed",) if a["transpose_b"] else ()

    # ---- training (README "Will it fit?")
    def saves(self, a, ins, out):
        # derivatives.yaml, bmm / mm: self's gradient is grad x mat2^T, mat2's is self^T x grad: both kept
        # (no zoo network has a matmul layer: this rule is not measured; torch's matmul also copies an
        # operand it cannot view as 3-D, as Swin's attention shows, which is not modelled here)
        return (Saved("input", elements(ins[0], "first operand"), "bmm: mat2's gradient reads self"),
                Saved("input1", elements(ins[1], "second operand"), "bmm: self's gradient reads mat2"))

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        # each operand's gradient is one matmul of the forward's size (grad x B^T, A^T x grad)
        forward = self.flops(a, ins, out)
        return step(forward, "first operand's gradient") + step(forward, "second operand's gradient")
