"""ONNX's Resize (opsets 11 to 21) and Upsample -> archcost's ``upsample``; Sub of two activations ->
``sub``; and back, for ``archcost export``. Registered into :data:`~archcost.frontends.onnx_import.HANDLERS`
here, and into the exporter's table by :mod:`~archcost.frontends.onnx_export`.

Resize's ``scales`` (or ``sizes``, or ``axes`` with either, opset 18) must be constants, as torch's
exporter writes them (a Constant, or a Shape -> Concat chain folded on import). ``mode`` nearest is
``upsample``'s nearest whatever its ``nearest_mode`` (the pixel chosen differs, the count does not);
``linear`` is bilinear, ``coordinate_transformation_mode`` align_corners its ``align_corners: true``.
What torch's exporter writes (torch 2.13, opsets 11 to 20): nn.Upsample(scale_factor=2) -> Resize
nearest, asymmetric, floor; mode='bilinear' -> linear, half_pixel; align_corners=True -> align_corners.

>>> import onnx
>>> from onnx import helper as h, TensorProto as T
>>> x = h.make_tensor_value_info("x", T.FLOAT, [1, 8, 7, 7])
>>> scales = h.make_tensor("scales", T.FLOAT, [4], [1, 1, 2, 2])
>>> up = h.make_node("Resize", ["x", "", "scales"], ["y"], name="up", mode="linear")
>>> model = h.make_model(h.make_graph([up], "g", [x], [h.make_tensor_value_info("y", T.FLOAT, None)], [scales]))
>>> from archcost.frontends.onnx_import import spec_data
>>> spec_data(model, "up.onnx")["layers"]
[{'name': 'up', 'op': 'upsample', 'scale': 2, 'mode': 'bilinear'}]
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ArchcostError
from ..ops.upsample import compact_factor, factor_pair
from .onnx_import import HANDLERS, _need_2d, _or_unknown

UNKNOWN = "pass --allow-unknown to count it as 0"


def _constant(imp, node, i):
    """The i-th input as a flat numpy array, None when absent or empty."""
    t = node.input[i] if len(node.input) > i else ""
    if not t:
        return None
    if t not in imp.consts:
        raise ArchcostError(f"the {('roi', 'scales', 'sizes')[i - 1] if node.op_type == 'Resize' else 'scales'} "
                            "input is computed from the data", "archcost needs Resize's scales or sizes as constants")
    v = imp.value(t).reshape(-1)
    return v if v.size else None


def _full(values, axes, rank, fill):
    """Resize's per-axis values of ``axes`` (opset 18) on all ``rank`` axes, ``fill`` elsewhere."""
    if axes is None:
        return list(values)
    out = list(fill)
    for axis, v in zip(axes, values):
        out[axis % rank] = v
    return out


def _scale_or_size(imp, node, a, full, scales, sizes) -> dict:
    """``scale`` when it gives the output ONNX gives (floor(H x scale)), else the output's ``size``."""
    if scales is not None:
        if scales[0] != 1 or scales[1] != 1:
            raise ArchcostError(f"Resize by {list(map(float, scales))}: archcost's upsample resizes H and W only",
                                UNKNOWN)
        out = [math.floor(d * float(s)) for d, s in zip(full[2:], scales[2:])]
        short = compact_factor([float(f"{float(s):.7g}") for s in scales[2:]])   # 1.5, not 1.5000000x
        if all(math.floor(d * s) == o for d, s, o in zip(full[2:], factor_pair("scale", short), out)):
            return {"scale": short}
        return {"size": out[0] if out[0] == out[1] else out}
    if sizes is None:
        raise ArchcostError("Resize without scales or sizes", "give one of them")
    sizes = [int(v) for v in sizes]
    if sizes[:2] != list(full[:2]):
        raise ArchcostError(f"Resize to {sizes} from {list(full)}: archcost's upsample resizes H and W only", UNKNOWN)
    policy = a.get("keep_aspect_ratio_policy", "stretch")
    if policy != "stretch":   # one scale for both axes, the smaller (not_larger) or the larger, rounded
        pick = min if policy == "not_larger" else max
        s = pick(want / d for want, d in zip(sizes[2:], full[2:]))
        sizes[2:] = [math.floor(s * d + 0.5) for d in full[2:]]
    return {"size": sizes[2] if sizes[2] == sizes[3] else sizes[2:]}


def _resize(imp, node, a):
    src = node.input[0]
    x = imp.act(src)
    _need_2d(node, x)
    if imp.batch_at.get(src, 0) != 0:
        raise ArchcostError("Resize of a tensor whose first axis is not the batch", UNKNOWN)
    full = imp.full(src)
    if node.op_type == "Upsample":   # opsets 7 to 9: scales as an attribute (7) or the second input (9)
        mode, ctm = a.get("mode", "nearest"), "asymmetric"
        scales = a.get("scales") or _constant(imp, node, 1)
        sizes = None
    else:
        mode, ctm = a.get("mode", "nearest"), a.get("coordinate_transformation_mode", "half_pixel")
        axes = a.get("axes")
        scales, sizes = _constant(imp, node, 2), _constant(imp, node, 3)
        if scales is not None:
            scales = _full(scales, axes, 4, [1.0] * 4)
        if sizes is not None:
            sizes = _full(sizes, axes, 4, full)
    if mode not in ("nearest", "linear", "bilinear"):
        raise ArchcostError(f"Resize in mode '{mode}': archcost's upsample is nearest or (bi)linear", UNKNOWN)
    if ctm == "tf_crop_and_resize":
        raise ArchcostError("Resize with tf_crop_and_resize (a crop of its roi, then a resize)", UNKNOWN)
    attrs = _scale_or_size(imp, node, a, full, scales, sizes)
    if mode != "nearest":
        if a.get("antialias", 0) and (scales is not None and min(scales) < 1 or
                                       sizes is not None and any(s < d for s, d in zip(sizes[2:], full[2:]))):
            raise ArchcostError("Resize down with antialias (a wider filter than 4 neighbours)", UNKNOWN)
        attrs["mode"] = "bilinear"
        if ctm == "align_corners":
            attrs["align_corners"] = True
    imp.emit(node, "upsample", attrs, [src])


def _sub(imp, node, a):
    left, right = node.input[:2]
    if left not in imp.acts or right not in imp.acts:
        raise ArchcostError("Sub of an activation and a constant: archcost's sub is the difference of two "
                            "activations", UNKNOWN)
    if imp.batch_at.get(left, 0) != imp.batch_at.get(right, 0):
        raise ArchcostError("Sub of tensors whose batch axes differ", UNKNOWN)
    imp.emit(node, "sub", {}, [left, right])


HANDLERS.update({"Resize": _or_unknown(_resize), "Upsample": _or_unknown(_resize), "Sub": _or_unknown(_sub)})


# ---------------------------------------------------------------- export (archcost export), opset 17
def write_upsample(w, name, a, ins, shapes, out):
    """torch's exporter's Resize: nearest (asymmetric, floor) or linear (half_pixel, or align_corners); the
    scales when their float32 gives archcost's output size, else the sizes."""
    c, h, wd = shapes[0]
    attrs = {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
    if a["mode"] == "bilinear":
        attrs = {"mode": "linear",
                 "coordinate_transformation_mode": "align_corners" if a["align_corners"] else "half_pixel"}
    scale = a["scale"]
    if scale is not None and all(math.floor(d * float(np.float32(s))) == o
                                 for d, s, o in zip((h, wd), scale, out[1:])):
        inputs = [ins[0], "", w.const(f"{name}/scales", [1, 1, *scale], np.float32)]
    else:
        inputs = [ins[0], "", "", w.const(f"{name}/sizes", [1, *out])]
    w.node("Resize", inputs, name, name, **attrs)


EXPORT = {"upsample": write_upsample}   # sub: onnx_export's per-channel writer, as mul
