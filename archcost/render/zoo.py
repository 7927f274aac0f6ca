"""`archcost list`: every network of the zoo with its source, input, parameters and FLOPs."""

from __future__ import annotations

from ..errors import ArchcostError
from .formats import emit

HEADERS = ["network", "family", "input", "params (M)", "GFLOPs", "title", "source"]


def zoo_records(family: str | None = None, convention: str = "lecture", count: str = "macs") -> list[dict]:
    from .. import analyze
    from ..spec import zoo

    out = []
    for name, spec, variant in zoo.entries():
        if family and spec.family != family:
            continue
        r = analyze(spec if variant is None else name, convention=convention, count=count)
        out.append({"network": name, "family": spec.family, "input": list(r.input), "params": r.totals.params,
                    "flops": r.totals.flops, "convention": convention, "count": count, "memory_kb": r.totals.memory_kb, "title": r.title, "source": r.source})
    if family and not out:
        fams = sorted({s.family for _, s, _ in zoo.entries()})
        raise ArchcostError(f"no family called '{family}'", f"the families are: {', '.join(fams)}")
    return out


def render_zoo(family: str | None = None, fmt: str = "text", convention: str = "lecture", count: str = "macs") -> str:
    from ..conventions import Conventions

    said = Conventions(convention=convention, count=count)   # checks the names before the zoo is analyzed
    recs = zoo_records(family, convention, count)
    if fmt == "json":
        import json
        return json.dumps(recs, indent=2) + "\n"
    if fmt == "csv":
        rows = [[r["network"], r["family"], "x".join(map(str, r["input"])), r["params"], r["flops"], r["title"],
                 r["source"]] for r in recs]
        return emit(["network", "family", "input", "params", "flops", "title", "source"], rows, "csv")
    rows = [[r["network"], r["family"], "x".join(map(str, r["input"])), f"{r['params'] / 1e6:,.2f}",
             f"{r['flops'] / 1e9:,.2f}", r["title"], r["source"]] for r in recs]
    headers = HEADERS[:4] + [f"{'GFLOPs' if count == 'flops' else 'GMACs'} ({convention})"] + HEADERS[5:]
    return emit(headers, rows, fmt, notes=[f"{headers[4]}: {said.flops_text()}, at each network's own input"])
