"""`archcost ops [NAME ...]`: the registered ops, or one op's attributes, layouts and counting rules.

>>> print(render_ops(["layernorm"]).splitlines()[1])
  inputs: 1; any layout
"""

from __future__ import annotations

from ..ops import all_ops, get_op
from ..ops.base import LAYOUTS, REQUIRED


def _one(name: str) -> str:
    op = get_op(name)
    lo, hi = op.inputs
    lines = [f"{name} ({op.kind}): {op.doc}",
             f"  inputs: {lo if lo == hi else f'{lo} or more' if hi is None else f'{lo} to {hi}'}"
             + (f"; reads {' or '.join(LAYOUTS.get(x, x) for x in op.accepts)}" if op.accepts else "; any layout")
             + ("; in place (folded into the row it follows)" if op.inplace else "")]
    for key, attr in op.attrs.items():
        default = "required" if attr.default is REQUIRED else f"default {attr.default!r}"
        lines.append(f"  {key}: {attr.doc} ({attr.kind}, {default})")
    split = getattr(op, "matmul_flops", None)
    if split is not None:
        lines.append(f"  torchvision's convention counts: {(split.__doc__ or '').strip().splitlines()[0]}")
    return "\n".join(lines)


def render_ops(names=()) -> str:
    """Every op, one line each (no names), or the named ops in detail."""
    if names:
        return "\n\n".join(_one(n) for n in names) + "\n"
    return "".join(f"{name:16} {op.kind:8} {op.doc}\n" for name, op in sorted(all_ops().items()))
