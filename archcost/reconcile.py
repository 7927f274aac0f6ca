"""Why figures disagree: a network under every convention, beside what its sources publish.

:func:`reconcile` computes, for one network,

- its FLOPs under every convention of :mod:`archcost.counting`, and each convention's difference
  from torchvision's (conv and fc multiply-adds) itemized by op, with the rule that makes it;
- each published figure of its spec (:mod:`archcost.published`) beside ours, counted the way the
  source counts (its convention, input and settings); where the source's network is ours under
  other settings, the layers that those settings change; where ours differs, the spec's note
  says why, and a difference without a note is reported as unexplained.

>>> r = reconcile("resnet50")
>>> [(c.name, c.total) for c in r.conventions][:3]
[('lecture', 4107725288), ('torchvision', 4089184256), ('fvcore', 4111512576)]
>>> [(d.op, d.difference) for d in r.conventions[2].items]
[('batchnorm', 22227968), ('globalavgpool', 100352)]
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .counting import CONVENTIONS, layer_rule
from .published import figure_value

BASE = "torchvision"   # the common core: conv and fc multiply-adds, what papers and model pages count


@dataclass(frozen=True)
class OpDifference:
    op: str           # the op (and how it is called, when that matters: 'globalavgpool@method')
    layers: int
    difference: int
    rule: str         # the convention's rule for it: '2 x elements'
    why: str


@dataclass(frozen=True)
class ConventionFigure:
    name: str
    tool: str
    total: int
    items: tuple      # OpDifference from the base convention
    leaves_out: str


@dataclass(frozen=True)
class LayerDifference:
    layer: str
    op: str
    ours: int | None      # under the spec's default settings (None: the layer is not there)
    source: int | None    # in the source's network (its settings)


@dataclass(frozen=True)
class FigureCheck:
    source: str
    quantity: str         # params, flops, outputs, shape
    counted: str          # how: 'multiply-adds, torchvision convention, input 3x288x288, stride_1x1=true'
    layer: str | None
    published: str        # as printed
    ours: object          # int, or a shape text
    agrees: bool
    note: str             # why ours differs (the spec's note), or ''
    default: object       # ours in the spec's own network, when the source's settings or input differ
    changes: tuple        # LayerDifference: the layers the source's settings change

    @property
    def status(self) -> str:
        if self.agrees:
            return "agrees"
        return "explained" if self.note else "UNEXPLAINED"


@dataclass(frozen=True)
class Reconciliation:
    network: str
    title: str
    input: tuple
    conventions: tuple
    figures: tuple

    def to_dict(self) -> dict:
        from .report import _jsonable
        from dataclasses import asdict
        return _jsonable({"network": self.network, "title": self.title, "input": list(self.input),
                          "conventions": [asdict(c) for c in self.conventions],
                          "published": [{**asdict(f), "status": f.status} for f in self.figures]})


def _key(layer) -> str:
    call = layer.attrs.get("call")
    return f"{layer.op}@{call}" if call and call != "module" else layer.op


def _by_op(report, base, convention) -> tuple:
    """The difference of ``report`` from ``base``, summed by op (layer by layer: same graph)."""
    from .ops import get_op

    sums: dict[str, list] = {}
    for x, b in zip(report.layers, base.layers):
        if x.flops != b.flops:
            entry = sums.setdefault(_key(x), [0, 0, x])
            entry[0] += 1
            entry[1] += x.flops - b.flops
    out = []
    for key, (n, diff, x) in sums.items():
        op = get_op(x.op)
        rule, _ = layer_rule(convention, op, x.attrs, x.input_shapes, x.output_shape)
        why = f"{rule.why}: {op.doc}" if "rule" in rule.weights else rule.why   # the op's own rule says itself
        out.append(OpDifference(key, n, diff, rule.text(), why))
    return tuple(sorted(out, key=lambda d: -abs(d.difference)))


def _figure(report, quantity: str, layer: str | None):
    """Our figure for a published one: a total, or a table row's (the layer and the layers inside it)."""
    if layer is None:
        return getattr(report.totals, quantity) if quantity in ("params", "flops") else None
    rows = [x for x in report.layers if any(x.name == n or x.name.startswith(n + ".") for n in layer)]
    if not rows:
        return None
    if quantity in ("params", "flops"):
        return sum(getattr(x, quantity) for x in rows)
    named = [x for x in rows if x.name == layer[-1]]
    out = (named or rows)[-1].output_shape
    if quantity == "outputs":
        n = 1
        for d in out:
            n *= d
        return n
    return "x".join(map(str, out))


def _agrees(quantity, printed, ours) -> bool:
    if ours is None:
        return False
    if quantity == "shape":
        dims = ours.split("x")
        return printed in ("x".join(dims), "x".join(dims[1:] + dims[:1]))   # C x H x W or H x W x C
    value, unit = figure_value(printed)
    return abs(ours - value) < unit


def _changes(ours, theirs, quantity) -> tuple:
    mine = {x.name: x for x in ours.layers}
    other = {x.name: x for x in theirs.layers}
    out = []
    for name in list(mine) + [n for n in other if n not in mine]:
        a, b = mine.get(name), other.get(name)
        va, vb = (None if x is None else getattr(x, quantity) for x in (a, b))
        if va != vb:
            out.append(LayerDifference(name, (a or b).op, va, vb))
    return tuple(out)


def reconcile(network: str, input=None, settings=None) -> Reconciliation:
    from . import analyze, load_spec

    spec, variant = load_spec(network)
    name = variant or spec.name
    reports = {c: analyze(network, input=input, settings=settings, convention=c) for c in CONVENTIONS}
    base = reports[BASE]
    conventions = tuple(ConventionFigure(c, conv.tool, reports[c].totals.flops,
                                         () if c == BASE else _by_op(reports[c], base, conv), conv.leaves_out)
                        for c, conv in CONVENTIONS.items())
    figures = []
    for pub in spec.published:
        if pub.network != name:
            continue
        theirs = analyze(network, input=pub.input or input, settings={**(settings or {}), **pub.settings},
                         convention=pub.convention, count=pub.count)
        mine = None
        if pub.settings or pub.input:
            mine = analyze(network, input=input, settings=settings, convention=pub.convention, count=pub.count)
        for quantity, printed in pub.figures.items():
            ours = _figure(theirs, quantity, pub.layer)
            how = []
            if quantity == "flops":
                how.append(("FLOPs, 2 per multiply-add" if pub.count == "flops" else "multiply-adds")
                           + f", {pub.convention} convention")
            if pub.input:
                how.append("input " + "x".join(map(str, pub.input)))
            how += [f"{k}={json.dumps(v)}" for k, v in pub.settings.items()]   # as --set takes them: true, 1.4
            default = _figure(mine, quantity, pub.layer) if mine is not None else None
            changes = ()
            if pub.settings and default != ours and quantity in ("params", "flops") and not pub.input:
                changes = _changes(mine, theirs, quantity)
            figures.append(FigureCheck(pub.source, quantity, ", ".join(how),
                                       None if pub.layer is None else "+".join(pub.layer), str(printed), ours,
                                       _agrees(quantity, printed, ours), pub.note,
                                       default if default != ours else None, changes))
    return Reconciliation(name, base.title, base.input, conventions, tuple(figures))
