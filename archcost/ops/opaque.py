"""``unknown``: a layer archcost does not understand, counted as 0 (an imported model's op
that no archcost op describes, kept with ``--allow-unknown`` so the rest can be analyzed).

Its output shape is given (read from the imported graph); it has no parameters and no
FLOPs, and every such layer is a warning, so a report never hides what it left out.

>>> from archcost.ops import get_op
>>> op = get_op("unknown")
>>> a = op.coerce({"type": "NonMaxSuppression", "shape": [100, 3]})
>>> notes = []
>>> op.shape(a, [(4, 7)], notes.append), notes
((100, 3), ["ONNX op 'NonMaxSuppression' is not understood: counted as 0 parameters and 0 FLOPs"])
"""

from __future__ import annotations

from ..errors import ArchcostError
from .base import Attr, Op, register


@register
class Unknown(Op):
    name = "unknown"
    kind = "other"
    doc = "an imported op archcost does not understand (--allow-unknown): its given shape, 0 parameters, 0 FLOPs"
    inputs = (0, None)
    attrs = {
        "type": Attr("str", doc="the op's type in the source (e.g. an ONNX op type)"),
        "shape": Attr("sizes", None, "its output shape, as the source gives it (default: its first input's)"),
    }

    def shape(self, a, ins, warn=lambda message: None):
        if a["shape"] is None and not ins:
            raise ArchcostError(f"the unknown op '{a['type']}' has no input to take its shape from",
                                "give its output shape, e.g. shape: [100, 4]")
        warn(f"ONNX op '{a['type']}' is not understood: counted as 0 parameters and 0 FLOPs")
        return tuple(ins[0] if a["shape"] is None else a["shape"])

    def counts(self, a, ins, out):
        return {}    # nothing known: every convention counts it as 0

    def saves(self, a, ins, out):
        return ()    # counted as 0 in training too (its warning says so)

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return 0

    def cells(self, a):
        return {"filters": a["type"]}
