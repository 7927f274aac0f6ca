"""Layer normalisation: ``layernorm`` over the last axis and ``layernorm2d`` over C of C x H x W.

y = (x - mean) / sqrt(var + eps) x gamma + beta, the mean and variance taken over one token's
(or one pixel's) features. Parameters: gamma and beta, 2 x dim. FLOPs as batch norm's: one
multiply-add per element for the scale and shift (the statistics are not multiply-adds of
weights and are not counted, as softmax's exponentials are not); torchvision's convention
counts none (archcost/counting.py). Unlike batch norm at inference, it cannot be folded into
the layer before it, so it is a row of its own with its own memory.

>>> from archcost.ops import get_op
>>> ln = get_op("layernorm")
>>> a = ln.coerce({})
>>> ln.params(a, [(197, 768)], (197, 768)), ln.flops(a, [(197, 768)], (197, 768))
(1536, 151296)
>>> get_op("layernorm2d").params(a, [(96, 56, 56)], (96, 56, 56))
192
"""

from __future__ import annotations

from ..arith import elements, step
from .base import Attr, Saved, SameShape, need_rank, register


@register
class LayerNorm(SameShape):
    name = "layernorm"
    kind = "norm"
    doc = ("normalise each token over its last axis (dim): params 2 x dim (gamma, beta); FLOPs one "
           "multiply-add per element (scale and shift)")
    attrs = {
        "eps": Attr("float", 1e-5, "added to the variance"),
        "affine": Attr("bool", True, "learn gamma and beta"),
    }
    axis = -1

    def params(self, a, ins, out):
        return 2 * ins[0][self.axis] if a["affine"] else 0

    def tensors(self, a, ins, out):
        """gamma ('weight') and beta ('bias'), as torch names them: what a tie shares."""
        return {"weight": ins[0][self.axis], "bias": ins[0][self.axis]} if a["affine"] else {}

    def flops(self, a, ins, out, bias_flops=True):
        return elements(out)

    def counts(self, a, ins, out):
        """elements: one per element (the normalisation); affine: one more per element with gamma and beta."""
        n = elements(out)
        return {"elements": n, "affine": n if a["affine"] else 0}

    def rules(self, a, bias_flops=True, flops=True):
        return (("layernorm", "Layer norm (notes 'layernorm', or 'layernorm2d' over the C of each pixel) "
                              "normalises the D features of each token (or pixel): parameters 2D (gamma and "
                              "beta; 0 with 'no affine'); FLOPs one per element (the scale and shift)."),)

    def notes(self, a):
        return () if a["affine"] else ("no affine",)

    # ---- training (README "Will it fit?")
    def rows(self, ins):
        """The vectors normalised one by one: every axis but the normalised one."""
        x = ins[0]
        return elements(tuple(d for i, d in enumerate(x) if i != self.axis % len(x)), "rows")

    def saves(self, a, ins, out):
        # derivatives.yaml, native_layer_norm: native_layer_norm_backward(grad, input, normalized_shape,
        # result1, result2, weight, bias, ...): the input, and per row its mean and 1 / sqrt(var + eps),
        # float32 (ConvNeXt's LayerNorm2d permutes to channels-last first: the saved input is that view)
        return (Saved("input", elements(ins[0], "input elements"), "x-hat is recomputed from it"),
                Saved("mean", self.rows(ins), "result1 (mean), one per row", "float32"),
                Saved("rstd", self.rows(ins), "result2 (rstd), one per row", "float32"))

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        # as batch norm's (a convention; FlopCounterMode counts none): gamma's gradient sum(dy x x-hat), a
        # multiply-add per element; the input's gradient one more per element
        n = elements(out)
        return (step(n, "gamma gradient") if a["affine"] else 0) + (step(n, "input gradient") if input_grad else 0)


@register
class LayerNorm2d(LayerNorm):
    name = "layernorm2d"
    accepts = ("CHW",)
    doc = ("layer norm over the channels of each pixel of C x H x W (ConvNeXt's LayerNorm2d): "
           "params 2C; FLOPs one multiply-add per element")
    axis = 0

    def shape(self, a, ins, warn=lambda m: None):
        need_rank(self.name, ins[0], 3)
        return tuple(ins[0])
