"""`archcost ops`: the registered ops, one line each, or one op in full (attributes, defaults,
layouts it reads, rules).

>>> print(render_ops(["maxpool"]).splitlines()[0])
maxpool (pool): max pooling over K x K windows
"""

from __future__ import annotations

from ..errors import ArchcostError
from ..ops import Op, all_ops, get_op
from ..ops.base import LAYOUTS, REQUIRED

# a stand-in for a required attribute, by kind, so an op's rules can be shown at its defaults
_STAND_IN = {"size": 1, "count": 0, "pair": 1, "pad": 0, "float": 1.0, "bool": False, "str": "x", "sizes": [1]}


def _default(spec) -> str:
    if spec.default is REQUIRED:
        return "required"
    if spec.default is None:
        return "none"
    return str(spec.default).lower() if isinstance(spec.default, bool) else str(spec.default)


def describe_op(name: str) -> str:
    """One op: what it computes, its attributes with their defaults, and the rules a student counts
    it by (its own :meth:`~archcost.ops.base.Op.rules`, at its defaults)."""
    op = get_op(name)
    lo, hi = op.inputs
    lines = [f"{op.name} ({op.kind}): {op.doc}",
             f"inputs: {lo if lo == hi else f'{lo} or more' if hi is None else f'{lo} to {hi}'}"
             + (f"; reads {' or '.join(LAYOUTS.get(x, x) for x in op.accepts)}" if op.accepts else "; any layout")
             + ("; runs in place (folded into the row before it)" if op.inplace else "")]
    if op.attrs:
        width = max(map(len, op.attrs)) + 2
        lines.append("attributes (default):")
        lines += [f"  {key:<{width}}{_default(spec):<10}  {spec.doc}" for key, spec in op.attrs.items()]
    else:
        lines.append("attributes: none")
    try:
        a = op.coerce({k: _STAND_IN[s.kind] for k, s in op.attrs.items() if s.default is REQUIRED})
        rules = [text for _, text in op.rules(a)]
    except (ArchcostError, KeyError, TypeError, ValueError):   # a user op whose rules need real attributes
        a, rules = None, []
    if a is not None:   # the convention is data: its rule for this op, as reconcile shows it
        from ..counting import get_convention

        named = type(op).counts is not Op.counts   # an op without named counts takes the fallback
        rule = get_convention("torchvision").rule(op, a, named, lambda: True)
        lines.append(f"torchvision's convention counts: {rule.text()}" + (f" ({rule.why})" if rule.why else ""))
    if rules:
        lines.append("rules (at the defaults; archcost explain works them on a layer):")
        lines += [f"  - {r}" for r in rules]
    return "\n".join(lines) + "\n"


def render_ops(names=()) -> str:
    """Every op, one line each (``names`` empty), or the named ops in full."""
    if names:
        return "\n".join(describe_op(n) for n in names)
    return "".join(f"{name:16} {op.kind:8} {op.doc}\n" for name, op in sorted(all_ops().items()))
