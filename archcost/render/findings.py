"""`archcost findings`: where memory, parameters and FLOPs sit, and the lecture's three findings.

Derived, not asserted: the shares come from the report's layers (by op kind, by position,
by stage), and each finding is checked against a threshold printed with it:

1. most of the memory is in the early conv layers: the fewest first conv layers (with the
   layers up to the next conv) that hold more than MOST of the memory are within the first
   EARLY of the convs;
2. nearly all parameters are in the fc layers: their share is more than MOST;
3. most FLOPs are in the conv layers: their share is more than MOST.

When a finding does not hold, the report says where the budget is instead and, for the
parameters, whether global pooling is why (the fc's own rule is run on the map it replaced).

>>> import archcost
>>> f = derive(archcost.analyze("alexnet"))
>>> [(x.number, x.holds, round(100 * x.share, 1)) for x in f.findings]
[(1, True, 70.1), (2, True, 96.0), (3, True, 91.7)]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from ..errors import one_line
from ..ops import get_op
from .formats import emit, num
from .parts import budget, part, side, stage_key, stage_label, stages
from .table import describe, shape_text
from .transformer import reasons
from .units import memory_in, units_note

MOST = 0.5     # "most": more than half
EARLY = 0.5    # "early": within the first half of the conv layers
FIELDS = (("memory", "memory_kb"), ("params", "params"), ("flops", "flops"))
CSV_HEADERS = ["section", "group", "layers", "memory_kb", "memory_share", "params", "params_share", "flops",
               "flops_share", "holds", "statement"]


@dataclass(frozen=True)
class Share:
    """A group of layers and its share of each budget."""

    section: str
    group: str
    layers: int
    memory_kb: float
    params: int
    flops: int
    memory_share: float
    params_share: float
    flops_share: float


@dataclass(frozen=True)
class Finding:
    number: int
    claim: str
    budget: str
    share: float
    holds: bool
    statement: str


@dataclass(frozen=True)
class Findings:
    report: object
    shares: tuple
    findings: tuple


def _share(section, group, layers, total) -> Share:
    """The group's budget and shares; 'layers' counts table rows, or every layer for an op kind
    (activations are folded into the rows they follow)."""
    b = budget(layers)
    frac = [b.get(f) / total.get(f) if total.get(f) else 0.0 for _, f in FIELDS]
    count = len(layers) if section == "kind" else b.layers
    return Share(section, group, count, b.memory_kb, b.params, b.flops, *frac)


def _names(layers) -> str:
    rows = [x.name for x in layers if not x.inplace]
    return ", ".join(rows) if len(rows) <= 6 else f"{rows[0]}, {rows[1]} ... {rows[-1]} ({len(rows)} layers)"


def _pct(x) -> str:
    return f"{100 * x:.1f}%"


def _early_convs(report, total):
    """(k, n, layers): the fewest first k of the n conv layers whose layers, up to the next conv,
    hold more than MOST of the memory (all n when none does); None without a conv layer.
    One pass over a running sum: a prefix per conv summed afresh would be quadratic."""
    layers = report.layers
    ends = [i for i, x in enumerate(layers) if x.kind == "conv"][1:] + [len(layers)]
    if not any(x.kind == "conv" for x in layers):
        return None
    running, end, k = 0, 0, 0
    for k, stop in enumerate(ends, 1):
        running += sum(x.memory_kb for x in layers[end:stop])
        end = stop
        if running > MOST * total.memory_kb:
            break
    return k, len(ends), layers[:end]


def _memory_finding(early, total, kb):
    claim = "most of the memory is in the early conv layers"
    if not total.memory_kb:
        return Finding(1, claim, "memory", 0.0, False,
                       "does not hold: the network has no activation memory (every layer works in place)")
    if early is None:
        return Finding(1, claim, "memory", 0.0, False, "does not hold: the network has no conv layer")
    k, n, layers = early
    memory = budget(layers).memory_kb
    share = memory / total.memory_kb
    holds = k <= EARLY * n
    verdict = "holds" if holds else "does not hold"
    return Finding(1, claim, "memory", share, holds,
                   f"{verdict}: {_names(layers)} (the first {k} of {n} conv layers and "
                   f"{'the layers up to the next conv' if k < n else 'every layer after the last'}) hold "
                   f"{_pct(share)} of the activation memory ({kb(memory)} of "
                   f"{kb(total.memory_kb)}); threshold: more than {_pct(MOST)} within the first "
                   f"{_pct(EARLY)} of the conv layers ({k} <= {EARLY * n:g}: {'yes' if holds else 'no'})")


def _global_pool(report):
    """(the last pool that averages a map down to 1x1 before the first fc, that fc), or None."""
    pool = None
    for x in report.layers:
        if x.kind == "fc" and (x.op == "fc" or len(x.input_shape) == 1):   # not a linear over tokens or a map
            return (pool, x) if pool else None
        if x.kind == "pool" and side(x) == 1 and len(x.input_shape) == 3 and min(x.input_shape[1:]) > 1:
            pool = x
    return None


def _params_finding(report, total):
    fc = [x for x in report.layers if x.kind == "fc"]
    share = sum(x.params for x in fc) / total.params if total.params else 0.0
    holds = share > MOST
    claim = "nearly all parameters are in the fully-connected layers"
    where = _names(fc) or "no fc layer"
    if not total.params:
        return Finding(2, claim, "params", 0.0, False, "does not hold: the network has no parameters")
    text = (f"{'holds' if holds else 'does not hold'}: the fc layers ({where}) hold {_pct(share)} of the "
            f"{total.params:,} parameters; threshold: more than {_pct(MOST)}")
    if not holds:
        conv = sum(x.params for x in report.layers if x.kind == "conv") / total.params
        text += f"; the conv layers hold {_pct(conv)}"
        gp = _global_pool(report)
        if gp:
            pool, first_fc = gp
            c, h, w = pool.input_shape
            op = get_op(first_fc.op)
            flat = op.params(first_fc.attrs, [(c * h * w,)], first_fc.output_shape)   # fc and linear alike
            text += (f". Why: global average pooling. {pool.name} averages each {shape_text(pool.input_shape)} map "
                     f"to {shape_text(pool.output_shape)}, so {first_fc.name} sees {first_fc.input_shape[0]:,} "
                     f"inputs and has {first_fc.params:,} parameters; on the flattened {c}x{h}x{w} map it "
                     f"would have {flat:,} ({flat / total.params:.1f} times the whole network)")
    return Finding(2, claim, "params", share, holds, text)


def _flops_finding(report, total):
    conv = [x for x in report.layers if x.kind == "conv"]
    share = sum(x.flops for x in conv) / total.flops if total.flops else 0.0
    holds = share > MOST
    if not total.flops:
        return Finding(3, "most floating-point operations are in the conv layers", "flops", 0.0, False,
                       "does not hold: the network does no multiply-add")
    return Finding(3, "most floating-point operations are in the conv layers", "flops", share, holds,
                   f"{'holds' if holds else 'does not hold'}: the {len(conv)} conv layers do {_pct(share)} of the "
                   f"{total.flops:,} multiply-adds; threshold: more than {_pct(MOST)}")


def derive(report, units: str = "KB") -> Findings:
    """Shares by op kind, position and stage, and the three findings checked on ``report``."""
    total = budget(report.layers)
    kb = lambda v: f"{memory_in(v, units):,.2f} {units}"  # noqa: E731
    shares = []
    for kind in dict.fromkeys(x.kind for x in report.layers):
        shares.append(_share("kind", kind, [x for x in report.layers if x.kind == kind], total))
    early = _early_convs(report, total)
    first = _memory_finding(early, total, kb)
    if early:
        k, n, layers = early
        after = "" if k < n else " and every layer after them"
        shares.append(_share("position", f"first {k} conv layers{after} ({_names(layers)})", layers, total))
    conv_stages = [key for key in stages(x for x in report.layers if x.kind == "conv") if key and min(key) > 1]
    if conv_stages:   # the smallest map (larger than 1x1: not SE's pooled vector) a conv works on
        last = [x for x in report.layers if stage_key(x) == conv_stages[-1]]
        shares.append(_share("position", f"last stage ({stage_label(conv_stages[-1])}: {_names(last)})", last, total))
    head = part(report, "classifier")
    if head:
        shares.append(_share("position", f"classifier ({_names(head)})", head, total))
    for key, layers in stages(report.layers).items():
        shares.append(_share("stage", stage_label(key), layers, total))
    found = (first, _params_finding(report, total), _flops_finding(report, total))
    why = reasons(report)   # a transformer's reasons, when it has attention layers
    found = tuple(replace(x, statement=f"{x.statement}. {why[x.number]}") if x.number in why else x for x in found)
    return Findings(report, tuple(shares), found)


def _table(f: Findings, section: str, units: str) -> tuple[list, list]:
    headers = [{"kind": "op kind", "position": "position", "stage": "stage"}[section], "layers",
               f"memory ({units})", "share", "params", "share", "FLOPs", "share"]
    rows = [[s.group, s.layers, num(memory_in(s.memory_kb, units)) if units == "KB" else
             f"{memory_in(s.memory_kb, units):,.2f}", _pct(s.memory_share), f"{s.params:,}", _pct(s.params_share),
             f"{s.flops:,}", _pct(s.flops_share)] for s in f.shares if s.section == section]
    return headers, rows


def render_findings(report, fmt: str = "text", units: str = "KB") -> str:
    """The shares and the three findings of ``report`` in any report format."""
    f = derive(report, units)
    c = report.conventions
    note = (f"memory: {c.dtype} activations, {units_note(units)}; FLOPs: {c.flops_text()}; thresholds: most = more than {_pct(MOST)}, "
            f"early = within the first {_pct(EARLY)} of the conv layers")
    if fmt == "json":
        doc = {"network": report.network, "input": list(report.input), "units": units,
               "conventions": c.to_dict(), "thresholds": {"most": MOST, "early": EARLY},
               "shares": [s.__dict__ for s in f.shares], "findings": [x.__dict__ for x in f.findings]}
        return json.dumps(doc, indent=2) + "\n"
    if fmt == "csv":
        rows = [[s.section, s.group, s.layers, s.memory_kb, s.memory_share, s.params, s.params_share, s.flops,
                 s.flops_share, "", ""] for s in f.shares]
        for x in f.findings:
            shares = {f"{x.budget}_share": x.share}
            rows.append(["finding", f"{x.number}. {x.claim}", "", "", shares.get("memory_share", ""), "",
                         shares.get("params_share", ""), "", shares.get("flops_share", ""), x.holds, x.statement])
        return emit(CSV_HEADERS, rows, "csv")
    claims = [[f"{x.number}. {x.claim}", "holds" if x.holds else "does not hold", _pct(x.share), x.statement]
              for x in f.findings]
    out = [emit(["finding", "verdict", "share", "the numbers"], claims, fmt, title=describe(report))]
    if fmt == "text":   # one finding per paragraph reads better than a wide table
        out = [describe(report) + "\n\n" + "\n\n".join(one_line(f"{x.number}. {x.claim.capitalize()}: {x.statement}.")
                                                        for x in f.findings) + "\n"]
    for section, title in (("kind", "by op kind"), ("position", "by position"), ("stage", "by stage")):
        out.append(emit(*_table(f, section, units), fmt, title=title, notes=[note] if section == "stage" else ()))
    return "\n".join(out)
