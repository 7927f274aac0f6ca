"""Transposed convolution: ``conv_transpose`` (torch's ConvTranspose2d, ONNX's ConvTranspose).

Each input element is multiplied by a kernel of out/groups x K_h x K_w weights and the
products are added into the output window it scatters to, so the multiply-adds are counted
per input element (fvcore's and torch's ``FlopCounterMode`` rule for a transposed conv):
``C_in x H x W x out/groups x K_h x K_w`` (+ one bias add per output element). Output size:
``H' = (H - 1) S - 2P + D (K - 1) + output_padding + 1``.

>>> from archcost.ops import get_op
>>> ct = get_op("conv_transpose")
>>> a = ct.coerce({"out": 64, "kernel": 4, "stride": 2, "pad": 1})
>>> out = ct.shape(a, [(128, 16, 16)]); out          # DCGAN's upsampling step: 16 -> 32
(64, 32, 32)
>>> ct.params(a, [(128, 16, 16)], out)               # 128 x 64 x 4 x 4 + 64
131136
>>> ct.flops(a, [(128, 16, 16)], out, bias_flops=False)   # 128 x 16 x 16 x 64 x 4 x 4
33554432

Tools count it differently (measured on this layer with torch 2.13.0): fvcore 0.1.5 and
torch's FlopCounterMode / 2 count those 33,554,432 (``macs``); ptflops 0.7.5 adds the bias,
one per output element (33,619,968); thop 0.1.1 and torchinfo 1.8.0 count it as a conv of
the output, output elements x C_in/groups x K_h x K_w (``output_macs``: 134,217,728; torchinfo
with the bias, 134,283,264).

>>> sorted(ct.counts(a, [(128, 16, 16)], out).items())
[('bias', 65536), ('macs', 33554432), ('output_macs', 134217728)]
"""

from __future__ import annotations

from ..arith import elements, floor_div, value
from ..errors import ArchcostError
from .base import Attr, Op, need_rank, register, show_pair
from .conv import Conv, conv_weights_per_output, need_groups


@register
class ConvTranspose(Op):
    name = "conv_transpose"
    kind = "conv"
    doc = "2-D transposed convolution (upsampling conv): each input element scatters out/groups x K x K products"
    attrs = {   # conv's attributes (no connection table), the padding read the other way, output_padding
        **{k: v for k, v in Conv.attrs.items() if k != "table"},
        "pad": Attr("pad", 0, "P rows and columns taken off each side of the full output, or [P_h, P_w]"),
        "output_padding": Attr("pad", 0, "extra rows and columns added at the end (smaller than the stride)"),
    }

    def finish(self, a):
        if a["pad"] == "same" or a["output_padding"] == "same":
            raise ArchcostError("conv_transpose takes explicit padding, not 'same'", "give pad: P or [P_h, P_w]")
        for extra, s, d in zip(a["output_padding"], a["stride"], a["dilation"]):
            if extra >= max(s, d):
                raise ArchcostError(f"output_padding {extra} must be smaller than the stride or the dilation",
                                    "use output_padding < stride (torch's rule)")

    def shape(self, a, ins, warn=lambda m: None):
        (x,) = ins
        need_rank(self.name, x, 3)
        c, h, w = x
        need_groups(a, c)
        sizes = []
        for axis, size in enumerate((h, w)):
            k, s, p = a["kernel"][axis], a["stride"][axis], a["pad"][axis]
            d, extra = a["dilation"][axis], a["output_padding"][axis]
            span = k if d == 1 else d * (k - 1) + 1
            out = (size - 1) * s - 2 * p + span + extra if p or extra else (size - 1) * s + span
            if value(out) <= 0:
                raise ArchcostError(f"the padding {p} takes the whole output away along {'HW'[axis]}",
                                    "use less padding")
            sizes.append(out)
        return (a["out"], sizes[0], sizes[1])

    def per_input(self, a):
        """out/groups x K_h x K_w: the products each input element makes."""
        g = a["groups"]
        per_group = a["out"] if g == 1 else floor_div(a["out"], g)
        return per_group * a["kernel"][0] * a["kernel"][1]

    def params(self, a, ins, out):
        weights = ins[0][0] * self.per_input(a)
        return weights + a["out"] if a["bias"] else weights

    def flops(self, a, ins, out, bias_flops=True):
        products = elements(ins[0], "input elements") * self.per_input(a)
        return products + elements(out) if a["bias"] and bias_flops else products

    def counts(self, a, ins, out):
        """macs: the products each input element scatters (the rule without the bias); bias: one add per
        output; output_macs: the count of a conv of the output (thop's and torchinfo's rule)."""
        return {"macs": self.flops(a, ins, out, bias_flops=False), "bias": elements(out) if a["bias"] else 0,
                "output_macs": elements(out) * conv_weights_per_output(a, ins[0][0])}

    # derivatives.yaml, convolution (transposed=True goes through the same entry): the input is saved for the
    # weights' gradient, and the backward repeats the forward's products for each gradient, as a conv's
    saves = Conv.saves
    backward_flops = Conv.backward_flops

    def cells(self, a):
        return {"filters": a["out"], "kernel": show_pair(a["kernel"]),
                "stride": show_pair(a["stride"]), "pad": show_pair(a["pad"])}
