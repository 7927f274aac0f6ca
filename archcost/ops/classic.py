"""Ops of the classic networks: LeNet-5's trainable ``subsample`` and its ``rbf`` output units.

Both from LeCun et al. 1998, "Gradient-Based Learning Applied to Document
Recognition", Section II-B (LeNet-5's C3 partial connections are the ``table``
attribute of ``conv``).

``subsample`` (layers S2, S4): each output sums the K x K window of its map,
multiplies the sum by the map's trainable coefficient and adds the map's
trainable bias (a sigmoidal squashing follows as its own layer). Parameters: 2
per map (C with ``bias: false``). FLOPs: K_h x K_w multiply-adds per output (the
window's inputs each times the map's shared coefficient, as a conv with one
tied K x K kernel counts them), + 1 for the bias add under the default
convention. That is the paper's count of connections: S2 6 x 14 x 14 x (4 + 1)
= 5,880.

``rbf`` (the output layer): Euclidean radial basis function units,
``y_i = sum_j (x_j - w_ij)^2``, one unit per class, each with a weight per input
and no bias: out x in parameters. FLOPs: 2 per weight, the subtraction
``x_j - w_ij`` and the multiply-add that squares and accumulates it
(2 x out x in; there is no bias add to leave out).

>>> from archcost.ops import get_op
>>> s2 = get_op("subsample")
>>> a = s2.coerce({})
>>> out = s2.shape(a, [(6, 28, 28)]); out
(6, 14, 14)
>>> s2.params(a, [(6, 28, 28)], out), s2.flops(a, [(6, 28, 28)], out)
(12, 5880)
>>> rbf = get_op("rbf")
>>> a = rbf.coerce({"out": 10})
>>> rbf.params(a, [(84,)], (10,)), rbf.flops(a, [(84,)], (10,))
(840, 1680)
"""

from __future__ import annotations

from ..arith import elements
from .base import Attr, Op, Saved, bias_rule, register, weight_backward, window_rules
from .pool import _WindowPool

SUBTRACT_AND_SQUARE = 2   # operations per RBF weight: x - w, then a multiply-add


@register
class Subsample(_WindowPool):
    name = "subsample"
    doc = ("LeNet-5's trainable subsampling (S2, S4): K x K window sum x one coefficient + one bias per map; "
           "K x K multiply-adds (+ 1 bias add) per output")
    attrs = {
        **{k: v for k, v in _WindowPool.attrs.items() if k != "call"},
        "kernel": Attr("pair", 2, "window size K or [K_h, K_w] (LeNet-5: 2)"),
        "bias": Attr("bool", True, "one trainable bias per map (besides its coefficient)"),
    }

    def rules(self, a, bias_flops=True, flops=True):
        doc = self.doc if flops else self.doc.split("; K x K multiply-adds")[0]
        return window_rules(a) + [(self.name, f"{self.name}: {doc}; parameters 2C (C with 'no bias').")] \
            + ([bias_rule(bias_flops and flops)] if not a["bias"] else [])

    def notes(self, a):
        return super().notes(a) + (() if a["bias"] else ("no bias",))

    def params(self, a, ins, out):
        maps = ins[0][0]
        return 2 * maps if a["bias"] else maps

    def flops(self, a, ins, out, bias_flops=True):
        per_output = a["kernel"][0] * a["kernel"][1]
        if a["bias"] and bias_flops:
            per_output = per_output + 1
        return elements(out) * per_output

    def counts(self, a, ins, out):
        """macs: the window's multiply-adds by the map's coefficient; bias: one add per output."""
        return {"macs": elements(out) * a["kernel"][0] * a["kernel"][1], "bias": elements(out) if a["bias"] else 0}

    def saves(self, a, ins, out):
        # a window sum times a coefficient: the coefficient's gradient reads the window sums, the
        # input's gradient only the coefficient (LeCun et al. 1998; as avg_pool2d, then mul)
        return (Saved("sums", elements(out), "the coefficient's gradient reads the window sums"),)

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return weight_backward(self.flops(a, ins, out, bias_flops=False), elements(out), a["bias"], input_grad,
                               bias_flops)


@register
class RBF(Op):
    name = "rbf"
    kind = "fc"
    doc = ("Euclidean RBF units (LeNet-5's output): y_i = sum_j (x_j - w_ij)^2; out x in weights, no bias; "
           "2 operations per weight (subtract, multiply-add)")
    attrs = {"out": Attr("size", doc="number of units (one per class)")}

    def shape(self, a, ins, warn=lambda m: None):
        return (a["out"],)

    def params(self, a, ins, out):
        return a["out"] * elements(ins[0], "inputs")

    def flops(self, a, ins, out, bias_flops=True):
        return SUBTRACT_AND_SQUARE * a["out"] * elements(ins[0], "inputs")

    def cells(self, a):
        return {"filters": a["out"]}

    def saves(self, a, ins, out):
        return (Saved("input", elements(ins[0], "input elements"), "the weights' gradient reads x - w"),)

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return weight_backward(self.flops(a, ins, out), out[0], False, input_grad, bias_flops)
