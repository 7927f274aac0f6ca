"""Element-wise ops that run in place: activations and dropout; and softmax.

Activations are not multiply-adds: 0 FLOPs, 0 parameters, and no memory of
their own (they overwrite their input), so the table folds them into the row
of the layer they follow, as the lecture's table does. ``prelu`` learns one
slope per channel.
"""

from __future__ import annotations

from ..arith import elements
from .base import Attr, CALL, REGISTRY, SameShape, Saved, register


class _Elementwise(SameShape):
    kind = "act"
    inplace = True
    attrs = {"call": CALL}

    def counts(self, a, ins, out):
        """elements: one per output element (what tools that count activations count)."""
        return {"elements": elements(out)}

    def rules(self, a, bias_flops=True, flops=True):
        return (("inplace", "Activations (ReLU and the like) and dropout run in place: folded into the row "
                            f"before them, with no memory{', parameters or FLOPs' if flops else ' or parameters'} "
                            "of their own."),)

    # what its backward reads: "input" or "output", and the derivatives.yaml entry (set per op below)
    reads: str | None = None
    why: str = ""

    def saves(self, a, ins, out):
        if self.reads is None:
            return None
        return (Saved(self.reads, elements(out), self.why),)

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return 0 if self.reads is not None else None   # element-wise: not multiply-adds, as forward


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


# What each activation's backward reads (PyTorch's tools/autograd/derivatives.yaml), and whether it
# overwrites its input as torchvision builds it (ReLU(inplace=True), ReLU6, Hardswish, SiLU) or writes
# a new tensor (the squeeze-and-excitation gates' Sigmoid and Hardsigmoid, GELU, Tanh): "inplace"/"".
TRAINING = {
    "relu": ("output", "inplace", "relu: threshold_backward(grad, result, 0)"),
    "relu6": ("input", "inplace", "hardtanh: hardtanh_backward(grad, self, min_val, max_val)"),
    "leakyrelu": ("input", "inplace", "leaky_relu: leaky_relu_backward(grad, self, negative_slope, false)"),
    "elu": ("input", "inplace", "elu: elu_backward(grad, alpha, scale, input_scale, false, self)"),
    "sigmoid": ("output", "", "sigmoid: sigmoid_backward(grad, result)"),
    "tanh": ("output", "", "tanh: tanh_backward(grad, result)"),
    "gelu": ("input", "", "gelu: gelu_backward(grad, self, approximate)"),
    "silu": ("input", "inplace", "silu: silu_backward(grad, self)"),
    "swish": ("input", "inplace", "silu: silu_backward(grad, self)"),
    "hardswish": ("input", "inplace", "hardswish: hardswish_backward(grad, self)"),
    "hardsigmoid": ("input", "", "hardsigmoid: hardsigmoid_backward(grad, self)"),
}


@register
class PReLU(_Elementwise):
    name = "prelu"
    doc = "max(0, x) + a * min(0, x) with a learned slope a per channel (or one shared)"
    attrs = {"shared": Attr("bool", False, "one slope for all channels"), "call": CALL}

    def params(self, a, ins, out):
        return 1 if a["shared"] else ins[0][0]

    def rules(self, a, bias_flops=True, flops=True):
        return super().rules(a, bias_flops, flops) + (("prelu", "PReLU ('+ prelu' in a row's notes) adds one learned "
                                                          "slope per channel (C parameters; 1 when shared)."),)

    aliases = ""
    reads = "input"
    why = "prelu: _prelu_kernel_backward(grad, self, weight)"

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return elements(out)   # the slope's gradient: sum of grad x min(0, x), a multiply-add per element


@register
class Dropout(_Elementwise):
    name = "dropout"
    kind = "dropout"
    doc = "identity at inference (drops units with probability p in training)"
    attrs = {"p": Attr("float", 0.5, "drop probability"), "call": CALL}

    # the identity at inference (an alias); in training native_dropout keeps its mask (result1, bool)
    def saves(self, a, ins, out):
        if a["p"] == 0:
            return ()   # at::dropout returns its input when p = 0 (ViT's and Swin's dropouts): nothing kept
        return (Saved("mask", elements(out), "native_dropout_backward(grad, result1, scale) reads the mask "
                      "(derivatives.yaml: native_dropout; bool, 1 byte)", "bool"),)

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return 0   # the mask's multiplication, not counted, as the forward's

    def traffic(self, a, ins, out):
        # the identity when p = 0 (at::dropout returns its input) and at inference: nothing moves
        return (0, 0) if a["p"] == 0 else super().traffic(a, ins, out)


@register
class Softmax(SameShape):
    name = "softmax"
    kind = "act"
    doc = "normalised exponentials over the channels (not multiply-adds: 0 FLOPs)"
    attrs = {"call": CALL}

    def counts(self, a, ins, out):
        return {"elements": elements(out)}


    def saves(self, a, ins, out):
        return (Saved("output", elements(out), "_softmax_backward_data(grad, result, dim) (derivatives.yaml)"),)

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return 0


for _name, (_reads, _aliases, _why) in TRAINING.items():
    _cls = type(REGISTRY[_name])
    _cls.reads, _cls.aliases, _cls.why = _reads, _aliases, _why
