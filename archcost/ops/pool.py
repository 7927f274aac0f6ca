"""Pooling: ``maxpool``, ``avgpool`` (floor or ceil_mode), ``globalavgpool``, ``adaptiveavgpool``.

Pooling has no parameters; its FLOPs are output elements x kernel area (one
comparison or addition per input element of each window), as the lecture counts.
"""

from __future__ import annotations

import math

from ..arith import elements, value
from .base import (CALL, Attr, Op, Saved, need_rank, register, show_pair, spatial, window_notes,
                   window_rules)


def pool_counts(window, ins, out) -> dict:
    return {"window": window, "inputs": elements(ins[0], "input elements"), "outputs": elements(out)}


class _WindowPool(Op):
    kind = "pool"
    accepts = ("CHW",)
    attrs = {
        "kernel": Attr("pair", doc="window size K or [K_h, K_w]"),
        "stride": Attr("pair", None, "stride S (default: the kernel size)"),
        "pad": Attr("pad", 0, "padding P per side, [P_h, P_w], 'same' or 'valid' (= 0)"),
        "ceil_mode": Attr("bool", False, "round the output size up (Caffe, torchvision's GoogLeNet)"),
        "call": CALL,
    }

    def finish(self, a):
        if a["stride"] is None:
            a["stride"] = a["kernel"]

    def shape(self, a, ins, warn=lambda m: None):
        (x,) = ins
        need_rank(self.name, x, 3)
        c, h, w = x
        oh, ow = spatial(a, h, w, warn, ceil_mode=a["ceil_mode"])
        return (c, oh, ow)

    def flops(self, a, ins, out, bias_flops=True):
        return elements(out) * a["kernel"][0] * a["kernel"][1]

    def counts(self, a, ins, out):
        """window: the rule above; inputs: the input's elements; outputs: one per output element."""
        return pool_counts(self.flops(a, ins, out), ins, out)

    def rules(self, a, bias_flops=True, flops=True):
        return window_rules(a) + [("pool", "Pooling (max or average): no parameters"
                                   + ("; FLOPs are output elements x K x K (one operation per input of each window)."
                                      if flops else "."))]

    def notes(self, a):
        return window_notes(a)

    def cells(self, a):
        return {"kernel": show_pair(a["kernel"]), "stride": show_pair(a["stride"]), "pad": show_pair(a["pad"])}


@register
class MaxPool(_WindowPool):
    name = "maxpool"
    doc = "max pooling over K x K windows"

    def saves(self, a, ins, out):
        # derivatives.yaml, max_pool2d_with_indices: max_pool2d_with_indices_backward(grad, self, ..., result1)
        return (Saved("input", elements(ins[0], "input elements"), "max_pool2d_with_indices_backward reads self"),
                Saved("indices", elements(out), "the argmax of each window (result1), int64", "int64"))

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        # each output's gradient is added to its window's argmax
        return elements(out) if input_grad else 0

    def scratch(self, a, ins, out):
        # torch's max_pool2d calls max_pool2d_with_indices even without autograd, then drops the indices
        return (Saved("indices", elements(out), "max_pool2d_with_indices makes them even at inference", "int64"),)


@register
class AvgPool(_WindowPool):
    name = "avgpool"
    doc = "average pooling over K x K windows"

    def saves(self, a, ins, out):
        return (Saved("input", elements(ins[0], "input elements"),
                      "avg_pool2d_backward(grad, self, ...) reads self (derivatives.yaml: avg_pool2d)"),)

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        # each output's gradient is spread over its K x K window: the forward's count again
        return self.flops(a, ins, out) if input_grad else 0


@register
class GlobalAvgPool(Op):
    name = "globalavgpool"
    kind = "pool"
    accepts = ("CHW",)
    doc = "average of each channel over the whole map: C x H x W -> C x 1 x 1"
    attrs = {"call": CALL}

    def shape(self, a, ins, warn=lambda m: None):
        need_rank(self.name, ins[0], 3)
        return (ins[0][0], 1, 1)

    def flops(self, a, ins, out, bias_flops=True):
        # each of the C outputs sums its H x W inputs
        return elements(out) * ins[0][1] * ins[0][2]

    def counts(self, a, ins, out):
        return pool_counts(self.flops(a, ins, out), ins, out)

    def rules(self, a, bias_flops=True, flops=True):
        return ((self.name, "Global average pool (kernel 'global'): C x H x W -> C x 1 x 1; no parameters"
                            + ("; FLOPs C x H x W (each output sums its map)." if flops else ".")),)

    def cells(self, a):
        return {"kernel": "global"}

    def saves(self, a, ins, out):
        return ()   # torch computes it as mean(dim=(2, 3)): mean_backward needs the sizes only

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return elements(ins[0], "input elements") if input_grad else 0   # each input gets grad / (H x W)


def _adaptive_total(size: int, out: int) -> int:
    """Sum of torch's adaptive window lengths along one axis: window i spans
    floor(i*size/out) .. ceil((i+1)*size/out). Taking floors, the lengths add up to size;
    each of the out - gcd(size, out) window ends that fall inside a row adds that row once
    more. So the sum is size + out - gcd(size, out): constant time, whatever the sizes.

    >>> _adaptive_total(13, 6), sum(-(-(i + 1) * 13 // 6) - (i * 13 // 6) for i in range(6))
    (18, 18)
    """
    return size + out - math.gcd(size, out)


@register
class AdaptiveAvgPool(Op):
    name = "adaptiveavgpool"
    kind = "pool"
    accepts = ("CHW",)
    doc = "average pooling to a fixed output size (torch's AdaptiveAvgPool2d)"
    attrs = {"size": Attr("pair", doc="output size S or [S_h, S_w]"), "call": CALL}

    def shape(self, a, ins, warn=lambda m: None):
        need_rank(self.name, ins[0], 3)
        return (ins[0][0], a["size"][0], a["size"][1])

    def flops(self, a, ins, out, bias_flops=True):
        _, h, w = (value(d) for d in ins[0])
        # the windows may overlap (e.g. 13 -> 6), so add up their real lengths
        return ins[0][0] * _adaptive_total(h, value(a["size"][0])) * _adaptive_total(w, value(a["size"][1]))

    def counts(self, a, ins, out):
        return pool_counts(self.flops(a, ins, out), ins, out)

    def rules(self, a, bias_flops=True, flops=True):
        return ((self.name, "Adaptive average pool (kernel 'adaptive S'): C x H x W -> C x S x S; no parameters"
                            + ("; FLOPs C x (H + S - gcd(H, S)) x (W + S - gcd(W, S)), the total area of its "
                               "windows (C x H x W when S divides H and W)." if flops else ".")),)

    def cells(self, a):
        return {"kernel": f"adaptive {show_pair(a['size'])}"}

    def saves(self, a, ins, out):
        if tuple(value(s) for s in a["size"]) == (1, 1):
            return ()   # torch's adaptive_avg_pool2d to 1 x 1 is mean(dim=(2, 3)): sizes only
        return (Saved("input", elements(ins[0], "input elements"),
                      "_adaptive_avg_pool2d_backward(grad, self) reads self (derivatives.yaml)"),)

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return self.flops(a, ins, out) if input_grad else 0
