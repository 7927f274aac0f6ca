"""`archcost sweep`: the grid of variants as a table (or csv, json...), and its curves.

>>> from archcost.sweep import sweep
>>> print(render_sweep("vgg16", sweep("vgg16", ["resolution=224:448:224"]), "csv"), end="")
resolution,input,layers,depth,memory_kb,params,flops
224,3x224x224,23,16,59129.90625,138357544,15489967592
448,3x448x448,23,16,235823.90625,138357544,61588941800
"""

from __future__ import annotations

import json

from .formats import emit, num
from .parts import scale_for
from .table import shape_text
from .units import memory_in, units_note


def _names(variants) -> list[str]:
    return list(variants[0].values) if variants else []


def render_sweep(network: str, variants, fmt: str = "text", units: str = "KB", conv=None) -> str:
    """One row per variant: the varied values, the input, layers, depth, memory, parameters, FLOPs."""
    names = _names(variants)
    if fmt == "json":
        doc = {"network": network, "units": units, "conventions": conv.to_dict() if conv else None,
               "variants": [{"values": v.values, "input": list(v.input), "layers": v.layers, "depth": v.depth,
                             "memory_kb": v.memory_kb, "params": v.params, "flops": v.flops} for v in variants]}
        return json.dumps(doc, indent=2) + "\n"
    if fmt == "csv":
        rows = [[v.values[n] for n in names] + [shape_text(v.input), v.layers, v.depth, v.memory_kb, v.params,
                                                v.flops] for v in variants]
        return emit(names + ["input", "layers", "depth", "memory_kb", "params", "flops"], rows, "csv")
    pd, pp = scale_for([v.params for v in variants])
    fd, fp = scale_for([v.flops for v in variants])
    rows = [[v.values[n] for n in names] + [shape_text(v.input), v.layers, v.depth,
            num(memory_in(v.memory_kb, units)) if units == "KB" else f"{memory_in(v.memory_kb, units):,.2f}",
            f"{v.params / pd:,.2f}", f"{v.flops / fd:,.2f}"] for v in variants]
    headers = names + ["input", "layers", "depth", f"memory ({units})", f"params ({pp})".replace(" ()", ""),
                       f"FLOPs ({fp})".replace(" ()", "")]
    notes = [f"{len(variants)} variants, each the totals of a full analysis; memory: "
             f"{units_note(units)}" + (f"; FLOPs: {conv.flops_text()}" if conv else "")]
    return emit(headers, rows, fmt, title=f"sweep {network}: " + ", ".join(names), notes=notes)
