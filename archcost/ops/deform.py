"""Deformable convolution: ``deform_conv`` (Dai et al. 2017, "Deformable Convolutional Networks").

A K x K conv whose taps read the input at learned fractional offsets instead of
on the fixed grid. The layer has two parts, both counted here:

- the **offset branch**: a plain conv with the main conv's kernel, stride, pad
  and dilation (so it has the same H' x W'), over all C_in channels, predicting
  ``2 x K_h x K_w x deform_groups`` offsets (a dy and a dx per tap) per output
  position, with a bias (as mmcv's ``conv_offset`` and Dai et al.'s MXNet code);
- the **main conv**: the same weights and rule as ``conv`` (groups allowed), but
  each of its C_in x K_h x K_w inputs per output position is a bilinear sample.

**Bilinear sampling cost.** A tap lands at p = p0 + p_n + dp with fractional
parts (a, b); its value is ``sum over the 4 neighbouring pixels q of G(q, p) x(q)``
with ``G = (1-a)(1-b), a(1-b), (1-a)b, ab``: 4 multiply-adds per sampled value.
One value is sampled per input channel, per tap, per output position (the
im2col buffer that every filter then shares), so

    sampling = H' x W' x C_in x K_h x K_w x 4

whatever the groups or the filter count. Not counted (as activations are not):
the 4 weights G themselves (4 products per tap per deformable group, shared by
the group's C_in / deform_groups channels: under 1 / C_in of the above) and the
coordinate additions. The offset field (2 K_h K_w dg x H' x W') is an
intermediate of the layer: its memory is not in the layer's memory column.

>>> from archcost.ops import get_op
>>> dc = get_op("deform_conv")
>>> a = dc.coerce({"out": 64, "kernel": 3, "pad": 1, "bias": False})
>>> out = dc.shape(a, [(64, 56, 56)]); out
(64, 56, 56)
>>> dc.params(a, [(64, 56, 56)], out)    # main 64x64x3x3 + offsets 18x64x3x3 + 18
47250
"""

from __future__ import annotations

from ..arith import elements, step, value
from ..errors import ArchcostError
from .base import Attr, Saved, register
from .conv import Conv

BILINEAR_NEIGHBOURS = 4   # multiply-adds per bilinearly sampled value


@register
class DeformConv(Conv):
    name = "deform_conv"
    doc = ("deformable conv (Dai et al. 2017): a conv predicting 2 x K x K offsets per position "
           "(x deform_groups), then a conv over bilinear samples (4 multiply-adds per sampled value)")
    attrs = {
        **Conv.attrs,
        "deform_groups": Attr("size", 1, "offset groups: channel groups that share one set of offsets"),
        "offset_bias": Attr("bool", True, "the offset conv's bias (mmcv, Dai et al.: yes)"),
    }

    @staticmethod
    def offset_branch(a) -> dict:
        """The offset conv's attributes: the main window, 2 x K_h x K_w x deform_groups filters,
        fully connected over the input channels (no groups, no connection table).

        >>> from archcost.ops import get_op
        >>> dc = get_op("deform_conv")
        >>> DeformConv.offset_branch(dc.coerce({"out": 8, "kernel": 3}))["out"]
        18
        """
        kh, kw = a["kernel"]
        filters = step(2 * kh * kw * a["deform_groups"], "offset filters")
        return {**a, "out": filters, "groups": 1, "table": None, "bias": a["offset_bias"]}

    def rules(self, a, bias_flops=True, flops=True):
        return super().rules(a, bias_flops, flops) + [(self.name, f"{self.name}: {self.doc}; its offset conv has "
                                                "2 x K x K x deform_groups filters over all C_in channels, "
                                                "counted by the conv rule, and the bilinear sampling costs "
                                                "H' x W' x C_in x K x K x 4 multiply-adds.")]

    def notes(self, a):
        return super().notes(a) + ((f"deform_groups {a['deform_groups']}",) if a["deform_groups"] != 1 else ()) \
            + (() if a["offset_bias"] else ("offset conv without bias",))

    def shape(self, a, ins, warn=lambda m: None):
        out = super().shape(a, ins, warn)
        c_in, dg = value(ins[0][0]), value(a["deform_groups"])
        if c_in % dg:
            raise ArchcostError(f"deform_groups {dg} must divide the input channels {c_in}",
                                "change 'deform_groups' (1 shares one offset field across all channels)")
        return out

    def params(self, a, ins, out):
        offsets = step(super().params(self.offset_branch(a), ins, None), "offset conv parameters")
        main = step(super().params(a, ins, out), "main conv parameters")
        return main + offsets

    def flops(self, a, ins, out, bias_flops=True):
        oa = self.offset_branch(a)
        positions = elements(out[1:], "output positions")
        # conv's rule only needs the count of its outputs: hand it the offset field's, named
        field = elements((oa["out"],) + tuple(out[1:]), "offset field elements")
        offsets = step(super().flops(oa, ins, (field,), bias_flops), "offset conv")
        main = step(super().flops(a, ins, out, bias_flops), "main conv")
        kh, kw = a["kernel"]
        sampling = step(positions * ins[0][0] * kh * kw * BILINEAR_NEIGHBOURS, "bilinear sampling")
        return offsets + main + sampling

    def counts(self, a, ins, out):
        """macs and bias: the offset conv's and the main conv's; sampling: the bilinear multiply-adds."""
        oa = self.offset_branch(a)
        offsets = super().counts(oa, ins, (oa["out"],) + tuple(out[1:]))
        main = super().counts(a, ins, out)
        kh, kw = a["kernel"]
        sampling = elements(out[1:], "output positions") * ins[0][0] * kh * kw * BILINEAR_NEIGHBOURS
        return {"macs": offsets["macs"] + main["macs"], "bias": offsets["bias"] + main["bias"], "sampling": sampling}

    def saves(self, a, ins, out):
        # torchvision.ops.deform_conv2d's backward reads input, offset, mask, weight and bias; the
        # offset conv (a plain conv) reads the same input
        field = elements((self.offset_branch(a)["out"],) + tuple(out[1:]), "offset field elements")
        return (Saved("input", elements(ins[0], "input elements"), "the offset conv and the sampling read it"),
                Saved("offsets", field, "the sampling's backward reads the offsets (torchvision deform_conv2d)"))

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        # both convs' gradients as conv's rule; the sampling's backward spreads each sampled value's
        # gradient to its 4 neighbours and to its offsets: twice the forward sampling (an estimate)
        oa = self.offset_branch(a)
        field = elements((oa["out"],) + tuple(out[1:]), "offset field elements")
        kh, kw = a["kernel"]
        sampling = elements(out[1:], "output positions") * ins[0][0] * kh * kw * BILINEAR_NEIGHBOURS
        return (step(super().backward_flops(oa, ins, (field,), input_grad, bias_flops), "offset conv backward")
                + step(super().backward_flops(a, ins, out, True, bias_flops), "main conv backward")
                + step(2 * sampling, "sampling backward"))
