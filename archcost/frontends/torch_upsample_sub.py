"""from_torch for nn.Upsample (and its subclasses UpsamplingNearest2d, UpsamplingBilinear2d) and
F.interpolate -> ``upsample`` (``call: functional`` for F.interpolate, which module-hooking tools count
differently); ``x - y``, torch.sub and Tensor.sub of two activations -> ``sub``. Registered into the
tables of :mod:`~archcost.frontends.torch_import`.

>>> import torch.nn as nn
>>> from archcost.frontends.torch_import import from_torch
>>> r = from_torch(nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear")), input=(8, 7, 7))
>>> [(x.op, x.output_shape, x.attrs["mode"], x.flops) for x in r.layers]     # 8 x 14 x 14 x 4
[('upsample', (8, 14, 14), 'bilinear', 6272)]
"""

from __future__ import annotations

import operator

from ..errors import ArchcostError
from ..ops.upsample import compact_factor
from .torch_import import F, FUNCTIONS, METHODS, MODULES, _arg, _binary, _shape, nn, torch

MODES = {"nearest": "nearest", "nearest-exact": "nearest", "bilinear": "bilinear"}


def _upsample(rows, node, size, scale, mode, align_corners, call=None):
    if mode not in MODES:
        raise ArchcostError(f"interpolation mode '{mode}': archcost's upsample is nearest or bilinear", "")
    attrs = {"size": list(size) if isinstance(size, (list, tuple)) else size} if size is not None else \
        {"scale": compact_factor(scale)}
    if MODES[mode] == "bilinear":
        attrs["mode"] = "bilinear"
        if align_corners:
            attrs["align_corners"] = True
    if call:
        attrs["call"] = call
    rows.emit(node, "upsample", attrs)
    if rows.act(node).shape != _shape(node):   # archcost's rule must give torch's own shape
        raise ArchcostError(f"upsampling to {'x'.join(map(str, _shape(node)))} in torch, "
                            f"{'x'.join(map(str, rows.act(node).shape))} by archcost's rule", "")


def _module(rows, node, m):
    _upsample(rows, node, m.size, m.scale_factor, m.mode, m.align_corners)


def _interpolate(rows, node, m):
    if _arg(node, 6, "antialias", False):
        raise ArchcostError("F.interpolate with antialias (a wider filter than 4 neighbours)", "")
    _upsample(rows, node, _arg(node, 1, "size"), _arg(node, 2, "scale_factor"), _arg(node, 3, "mode", "nearest"),
              _arg(node, 4, "align_corners"), call="functional")


def _sub(rows, node, m):
    if node.kwargs.get("alpha", 1) != 1 or len(node.args) > 2:
        raise ArchcostError("torch.sub with alpha: x - alpha y", "archcost's sub is x - y")
    _binary("sub")(rows, node, m)


MODULES[nn.Upsample] = _module
FUNCTIONS.update({F.interpolate: _interpolate, operator.sub: _sub, torch.sub: _sub})
METHODS["sub"] = _sub
