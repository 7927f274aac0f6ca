"""`archcost compare`: budgets of several networks side by side, with ratios, ranks and stages.

Networks are zoo names or spec paths, optionally at their own input (``vgg16@3x160x160``,
``resnet50@160``). Options that name one network take a ``NET:`` prefix, NET being the
network as written or its position (1, 2, ...): ``--set resnet:layers=[2,2,2,2]``,
``--until googlenet:pool2``; without a prefix they apply to every network.

>>> nets = load_networks(["vgg16", "googlenet"], reach="28")
>>> [(n.label, n.budget.layers) for n in nets]
[('vgg16', 10), ('googlenet', 7)]
>>> print(render_compare(nets, "csv").splitlines()[2])
total,,googlenet,3x224x224,up to the first output of 28 or less,7,3,10780.0,124416,486456320,0.2052...
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..errors import ArchcostError
from .formats import emit, num
from .parts import Budget, budget, part, ratio, ratio_text, reach as reach_, scale_for, stage_label, stage_order, stages, until as until_
from .table import shape_text
from .units import memory_in, units_note

BUDGETS = (("memory", "memory_kb"), ("params", "params"), ("flops", "flops"))
CSV_HEADERS = ["section", "stage", "network", "input", "part", "layers", "depth", "memory_kb", "params", "flops",
               "memory_ratio", "params_ratio", "flops_ratio", "memory_rank", "params_rank", "flops_rank"]


@dataclass(frozen=True)
class Network:
    """One compared network: its label, full report, the selected layers and their budget."""

    label: str
    report: object
    layers: tuple
    part: str
    budget: Budget


def _split(token: str) -> tuple[str, str | None]:
    name, _, shape = token.partition("@")
    if not name or (shape == "" and "@" in token):
        raise ArchcostError(f"'{token}' is not NETWORK or NETWORK@CxHxW", "write e.g. vgg16@3x224x224")
    return name, shape or None


def per_network(values, labels, tokens=None) -> list[list[str]]:
    """Distribute option values: 'NET:value' to that network (label, name or 1-based position),
    plain 'value' to all. A NET that names several networks (``resnet resnet``) is an error.

    >>> per_network(["width=2", "2:depth=3"], ["a", "b@160"])
    [['width=2'], ['width=2', 'depth=3']]
    """
    out: list[list[str]] = [[] for _ in labels]
    names = [_split(t)[0] for t in tokens or labels]
    for v in values:
        prefix, sep, rest = v.partition(":")
        hits = [i for i, (lab, nm) in enumerate(zip(labels, names))
                if sep and prefix in (lab, nm, str(i + 1))]
        if len(hits) > 1:
            raise ArchcostError(f"'{v}': '{prefix}' names networks {', '.join(str(i + 1) for i in hits)} alike",
                                f"use a position instead: {hits[0] + 1}:{rest} or {hits[1] + 1}:{rest}")
        for i in hits or range(len(labels)):
            out[i].append(rest if hits else v)
    return out


def _selection(report, until: list[str], reach: list[str], part_name: str) -> tuple[tuple, str]:
    if len(until) > 1 or len(reach) > 1 or (until and reach):
        raise ArchcostError(f"{report.network}: more than one of --until/--reach applies",
                            "give each network one cut, e.g. --until vgg16:28 --until googlenet:pool2")
    layers = part(report, part_name)
    text = {"all": "whole network", "features": "features", "classifier": "classifier"}[part_name]
    kept = {id(x) for x in layers}   # 'x in layers' on a tuple would be quadratic in the layer count
    if until:
        layers = tuple(x for x in until_(report, until[0]) if id(x) in kept)
        text = (f"before the size drops below {until[0]}" if until[0].isdigit() else f"up to {until[0]}")
    elif reach:
        layers = tuple(x for x in reach_(report, reach[0]) if id(x) in kept)
        text = f"up to the first output of {reach[0]} or less"
    if not layers:
        raise ArchcostError(f"{report.network}: the selection ({text}) holds no layer", "choose another cut")
    return layers, text


def load_networks(tokens, settings=(), until=(), reach=(), part_name="all", input=None, **analysis) -> list[Network]:
    """Analyze each network token (``input`` for those without their own ``@CxHxW``);
    ``analysis`` are :func:`archcost.analyze` keywords."""
    from .. import analyze
    from ..spec.loader import parse_setting

    if isinstance(until, str):
        until = [until]
    if isinstance(reach, str):
        reach = [reach]
    labels = list(tokens)
    for i, lab in enumerate(labels):
        if labels.index(lab) != i:
            labels[i] = f"{lab}#{labels[:i].count(lab) + 1}"
    sets, cuts, reaches = (per_network(v, labels, tokens) for v in (settings, until, reach))
    out = []
    for token, label, s, u, r in zip(tokens, labels, sets, cuts, reaches):
        name, shape = _split(token)
        report = analyze(name, input=shape or input, settings=dict(parse_setting(x) for x in s), **analysis)
        layers, text = _selection(report, u, r, part_name)
        out.append(Network(label, report, layers, text, budget(layers)))
    return out


def _ranks(values) -> list[int]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0] * len(values)
    for r, i in enumerate(order, 1):
        ranks[i] = r
    return ranks


def _records(nets) -> list[dict]:
    """One record per network (section 'total') and per network and stage (section 'stage')."""
    first = nets[0].budget
    ranks = {b: _ranks([n.budget.get(f) for n in nets]) for b, f in BUDGETS}
    recs = []
    for i, n in enumerate(nets):
        recs.append(_record("total", "", n, n.budget, first, {b: ranks[b][i] for b, _ in BUDGETS}))
    firsts = {k: budget(v) for k, v in stages(nets[0].layers).items()}
    keys = list(dict.fromkeys(k for n in nets for k in stages(n.layers)))
    keys.sort(key=stage_order)
    for key in keys:
        for n in nets:
            layers = stages(n.layers).get(key)
            if layers:
                recs.append(_record("stage", stage_label(key), n, budget(layers), firsts.get(key), {}))
    return recs


def _record(section, stage, n, b: Budget, first: Budget | None, ranks) -> dict:
    rec = {"section": section, "stage": stage, "network": n.label, "input": shape_text(n.report.input),
           "part": n.part, "layers": b.layers, "depth": b.depth, "memory_kb": b.memory_kb, "params": b.params,
           "flops": b.flops}
    for name, field in BUDGETS:
        rec[f"{name}_ratio"] = ratio(b.get(field), first.get(field)) if first else None
        rec[f"{name}_rank"] = ranks.get(name)
    return rec


def _people(recs, section, units, base) -> tuple[list, list]:
    rows = [r for r in recs if r["section"] == section]
    pd, pp = scale_for([r["params"] for r in rows])
    fd, fp = scale_for([r["flops"] for r in rows])
    vs = f"vs {base}"
    headers = (["stage"] if section == "stage" else []) + ["network"] + (["input"] if section == "total" else []) + [
        "layers", "depth", f"memory ({units})", vs, f"params ({pp})" if pp else "params", vs,
        f"FLOPs ({fp})" if fp else "FLOPs", vs]
    body = []
    for r in rows:
        mem = memory_in(r["memory_kb"], units)
        body.append(([r["stage"]] if section == "stage" else []) + [r["network"]]
                    + ([r["input"]] if section == "total" else [])
                    + [r["layers"], r["depth"], num(mem) if units == "KB" else f"{mem:,.2f}",
                       ratio_text(r["memory_ratio"]), f"{r['params'] / pd:,.2f}", ratio_text(r["params_ratio"]),
                       f"{r['flops'] / fd:,.2f}", ratio_text(r["flops_ratio"])])
    return headers, body


def _ranking(recs, units) -> tuple[list, list]:
    totals = [r for r in recs if r["section"] == "total"]
    body = []
    for name, field in BUDGETS:
        ordered = sorted(totals, key=lambda r: r[f"{name}_rank"])
        body.append([name] + [r["network"] for r in ordered])
    return ["budget (smallest first)"] + [str(i) for i in range(1, len(totals) + 1)], body


def describe(nets, units="KB") -> tuple[str, list[str]]:
    c = nets[0].report.conventions
    same = len({n.part for n in nets}) == 1
    title = ("compare: " + ", ".join(n.label if same else f"{n.label} ({n.part})" for n in nets)
             + (f": {nets[0].part}" if same else ""))
    flops = c.flops_text()
    notes = [f"ratios against {nets[0].label}; FLOPs: {flops}; memory: {c.dtype} outputs, {units_note(units)}"
             f"{'; batch ' + str(c.batch) if c.batch != 1 else ''}; "
             "depth = weight layers (conv, fc, attention) on the longest path; stage = output resolution"]
    return title, notes


def render_compare(nets, fmt: str = "text", units: str = "KB", show_stages: bool = True,
                   memory: str | None = None, optimizer: str = "adam") -> str:
    """Totals, ranks and (unless ``show_stages`` is false) per-stage budgets, in any format; with
    ``memory`` ("train" or "inference") also the memory budgets (render/memory.py)."""
    recs = _records(nets)
    if memory:
        from .memory import compare_section, memory_budget

        for r, n in zip(recs, nets):   # the first records are the networks' totals, in order
            r.update({f"{memory}_{k}_bytes": v for k, v in memory_budget(n.report, memory, optimizer).items()})
    if not show_stages:
        recs = [r for r in recs if r["section"] == "total"]
    title, notes = describe(nets, units)
    if fmt == "json":
        doc = {"networks": [{"label": n.label, "network": n.report.network, "input": list(n.report.input),
                             "part": n.part, "settings": dict(n.report.settings)} for n in nets],
               "conventions": nets[0].report.conventions.to_dict(), "units": units, "records": recs}
        return json.dumps(doc, indent=2, default=str) + "\n"
    if fmt == "csv":
        headers = CSV_HEADERS + ([f"{memory}_{k}_bytes" for k in ("state", "activations", "peak")] if memory else [])
        return emit(headers, [[r.get(h) if r.get(h) is not None else "" for h in headers] for r in recs], "csv")
    base = nets[0].label
    parts = [emit(*_people(recs, "total", units, base), fmt, title=title)]
    if memory:
        parts.append(compare_section(nets, memory, optimizer, "MB" if units == "KB" else units, fmt))
    if len(nets) > 1:
        parts.append(emit(*_ranking(recs, units), fmt, title="ranked on each budget"))
    if show_stages:
        parts.append(emit(*_people(recs, "stage", units, base), fmt, title="per stage (output resolution)",
                          notes=notes))
    else:
        parts[-1] = parts[-1] + "".join(f"\n{n}\n" for n in notes)
    return "\n".join(parts)
