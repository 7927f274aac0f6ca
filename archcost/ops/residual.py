"""Residual-branch ops of modern networks: ``layer_scale`` and ``stochastic_depth``.

``layer_scale`` multiplies each channel by a learned factor (ConvNeXt, CaiT): one parameter per
channel, one multiplication per element, folded into the row it follows like batch norm.
``stochastic_depth`` drops a whole residual branch in training and is the identity at
inference: 0 parameters, 0 FLOPs, folded like dropout.

>>> from archcost.ops import get_op
>>> ls = get_op("layer_scale")
>>> a = ls.coerce({})
>>> ls.params(a, [(96, 56, 56)], (96, 56, 56)), ls.flops(a, [(96, 56, 56)], (96, 56, 56))
(96, 301056)
"""

from __future__ import annotations

from ..arith import elements, step
from .act import Dropout
from .base import Attr, SameShape, Saved, register


@register
class LayerScale(SameShape):
    name = "layer_scale"
    kind = "norm"
    inplace = True
    doc = "multiply each channel by a learned factor: params C (axis 0) or dim (axis -1); one multiply per element"
    attrs = {"axis": Attr("str", "channels", "where the channels are: channels (first) or last",
                          ("channels", "last"))}

    def params(self, a, ins, out):
        return ins[0][0] if a["axis"] == "channels" else ins[0][-1]

    def flops(self, a, ins, out, bias_flops=True):
        return elements(out)


    def counts(self, a, ins, out):
        """elements: one multiplication per element."""
        return {"elements": elements(out)}

    def rules(self, a, bias_flops=True, flops=True):
        return (("layer_scale", "Layer scale ('+ layer_scale' in a row's notes) multiplies each channel by a "
                                "learned factor: C parameters, one multiplication per element."),)

    # ---- training (README "Will it fit?"): torchvision's ConvNeXt writes `self.layer_scale * x`, a new tensor
    aliases = ""

    def saves(self, a, ins, out):
        # derivatives.yaml, mul: the factor's gradient is grad x x (x kept); x's is grad x factor (a parameter)
        return (Saved("input", elements(ins[0], "input elements"), "mul: the factors' gradient reads x"),)

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        # the factors' gradient sum(grad x x): a multiply-add per element; x's gradient a multiply per element
        # (a convention, as batch norm's: FlopCounterMode counts no element-wise work to check it against)
        n = elements(out)
        return step(n, "scale gradient") + (step(n, "input gradient") if input_grad else 0)


@register
class StochasticDepth(Dropout):
    name = "stochastic_depth"
    doc = "drops a residual branch in training (row mode); the identity at inference: 0 FLOPs"
    attrs = {"p": Attr("float", 0.0, "drop probability")}

    # ---- training (README "Will it fit?")
    def saves(self, a, ins, out):
        # torchvision.ops.stochastic_depth (row mode): p = 0 returns its input; else input x noise, the noise
        # one value per image ([N, 1, 1, 1]) that mul's gradient reads (derivatives.yaml: mul)
        if a["p"] == 0:
            return ()
        return (Saved("noise", 1, "mul: x's gradient is grad x noise (one value per image)"),)
