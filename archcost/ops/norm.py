"""Normalisation: ``batchnorm`` (folded, in place) and ``lrn`` (AlexNet's "Norm" rows)."""

from __future__ import annotations

from ..arith import elements, step
from .base import Attr, Saved, SameShape, register


@register
class BatchNorm(SameShape):
    name = "batchnorm"
    kind = "norm"
    inplace = True
    doc = ("y = gamma * (x - mean) / sqrt(var + eps) + beta; at inference one multiply-add per element; "
           "2C trainable parameters (gamma, beta); the running mean and variance are buffers, not parameters")
    attrs = {
        "eps": Attr("float", 1e-5, "added to the variance"),
        "affine": Attr("bool", True, "learn gamma and beta"),
    }

    def params(self, a, ins, out):
        return 2 * ins[0][0] if a["affine"] else 0

    def tensors(self, a, ins, out):
        """gamma ('weight') and beta ('bias'), as torch names them: what a tie shares."""
        return {"weight": ins[0][0], "bias": ins[0][0]} if a["affine"] else {}

    def rules(self, a, bias_flops=True, flops=True):
        return (("batchnorm", "Batch norm ('+ batchnorm' in a row's notes) runs in place, folded into that row: "
                              "no memory of its own; 2C parameters (gamma and beta"
                              + ("" if a["affine"] else "; none when 'no affine'") + ")"
                              + (" and one multiply-add per element (C x H x W)" if flops else "")
                              + ", added to the row's own."),)

    def notes(self, a):
        return () if a["affine"] else ("no affine",)

    def flops(self, a, ins, out, bias_flops=True):
        return elements(out)

    def counts(self, a, ins, out):
        """elements: one per element; affine: one more per element when gamma and beta are learned."""
        return {"elements": elements(out), "affine": elements(out) if a["affine"] else 0}

    aliases = ""   # folded in the table, yet torch's batch norm writes a new tensor

    def saves(self, a, ins, out):
        # derivatives.yaml, native_batch_norm: native_batch_norm_backward(grad, input, weight,
        # running_mean, running_var, result1, result2, ...): the input, the batch's mean and
        # 1 / sqrt(var + eps) per channel (float32 under mixed precision); the running statistics
        # are buffers, counted with the model's state
        c = ins[0][0]
        return (Saved("input", elements(ins[0], "input elements"), "x-hat is recomputed from it"),
                Saved("mean", c, "save_mean (result1), per channel", "float32", False),
                Saved("invstd", c, "save_invstd (result2), per channel", "float32", False))

    def buffers(self, a, ins, out):
        return 2 * ins[0][0]   # running mean and running variance

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        # gamma's gradient sum(dy x x-hat): a multiply-add per element (beta's sum(dy) is an add,
        # as a bias); the input's gradient one more per element
        n = elements(out)
        return step(n, "gamma gradient") + (step(n, "input gradient") if input_grad else 0)


@register
class LRN(SameShape):
    name = "lrn"
    kind = "norm"
    doc = ("local response normalisation across `size` neighbouring channels (AlexNet): "
           "`size` multiply-adds per element for the sum of squares")
    attrs = {
        "size": Attr("size", 5, "channels in the window (n)"),
        "alpha": Attr("float", 1e-4, "scale"),
        "beta": Attr("float", 0.75, "exponent"),
        "k": Attr("float", 2.0, "offset"),
    }

    def flops(self, a, ins, out, bias_flops=True):
        return elements(out) * a["size"]

    def counts(self, a, ins, out):
        return {"elements": elements(out), "window": self.flops(a, ins, out)}

    def cells(self, a):
        return {"kernel": a["size"]}

    def saves(self, a, ins, out):
        # torch's LocalResponseNorm is composite (pow, avg_pool3d, mul, add, pow, div): its backward
        # reads the input and the denominator (k + alpha/n sum x^2)^beta (an estimate: two tensors)
        return (Saved("input", elements(ins[0], "input elements"), "the gradient of x / d reads x"),
                Saved("denominator", elements(out), "the gradient of x / d reads d"))

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return self.flops(a, ins, out) if input_grad else 0
