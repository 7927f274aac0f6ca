"""Element-wise ops that run in place: activations and dropout; and softmax.

Activations are not multiply-adds: 0 FLOPs, 0 parameters, and no memory of
their own (they overwrite their input), so the table folds them into the row
of the layer they follow, as the lecture's table does. ``prelu`` learns one
slope per channel.
"""

from __future__ import annotations

from ..arith import elements
from .base import CALL, Attr, SameShape, register


class _Elementwise(SameShape):
    kind = "act"
    inplace = True
    attrs = {"call": CALL}

    def counts(self, a, ins, out):
        """elements: one per output element (what tools that count activations count)."""
        return {"elements": elements(out)}

    def rules(self, a, bias_flops=True):
        return (("inplace", "Activations (ReLU and the like) and dropout run in place: folded into the row "
                            "before them, with no memory, parameters or FLOPs of their own."),)


ACTIVATIONS = {
    "relu": "max(0, x)",
    "relu6": "min(max(0, x), 6) (MobileNet)",
    "leakyrelu": "max(0.01x, x)",
    "elu": "x if x > 0 else exp(x) - 1",
    "sigmoid": "1 / (1 + exp(-x))",
    "tanh": "tanh(x)",
    "gelu": "x * Phi(x)",
    "silu": "x * sigmoid(x), a.k.a. swish (EfficientNet)",
    "hardswish": "x * relu6(x + 3) / 6 (MobileNetV3)",
    "hardsigmoid": "relu6(x + 3) / 6 (MobileNetV3)",
}

for _name, _doc in ACTIVATIONS.items():
    register(type(_name.capitalize(), (_Elementwise,), {"name": _name, "doc": _doc}))
register(type("Swish", (_Elementwise,), {"name": "swish", "doc": ACTIVATIONS["silu"]}))


@register
class PReLU(_Elementwise):
    name = "prelu"
    doc = "max(0, x) + a * min(0, x) with a learned slope a per channel (or one shared)"
    attrs = {"shared": Attr("bool", False, "one slope for all channels"), "call": CALL}

    def params(self, a, ins, out):
        return 1 if a["shared"] else ins[0][0]

    def rules(self, a, bias_flops=True):
        return super().rules(a, bias_flops) + (("prelu", "PReLU ('+ prelu' in a row's notes) adds one learned "
                                                          "slope per channel (C parameters; 1 when shared)."),)


@register
class Dropout(_Elementwise):
    name = "dropout"
    kind = "dropout"
    doc = "identity at inference (drops units with probability p in training)"
    attrs = {"p": Attr("float", 0.5, "drop probability"), "call": CALL}


@register
class Softmax(SameShape):
    name = "softmax"
    kind = "act"
    doc = "normalised exponentials over the channels (not multiply-adds: 0 FLOPs)"
    attrs = {"call": CALL}

    def counts(self, a, ins, out):
        return {"elements": elements(out)}
