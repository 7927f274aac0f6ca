"""A readable YAML spec of any network's graph: one row per layer, as a person writes it.

Attributes equal to their defaults are left out, pairs such as ``[3, 3]`` are written ``3``,
and ``input:`` appears only where a layer does not read the layer above it. Loading the spec
back gives the same graph, hence the same figures (repeated blocks stay flat).

>>> import archcost
>>> text = spec_yaml(archcost.build_graph("alexnet"))
>>> print("\\n".join(text.splitlines()[5:8]))
layers:
- {name: conv1, op: conv, out: 64, kernel: 11, stride: 4, pad: 2}
- {name: relu1, op: relu}
"""

from __future__ import annotations

import yaml

from ..ops import get_op
from ..ops.base import REQUIRED


def plain(v):
    """A coerced attribute value as YAML writes it: (3, 3) -> 3, (3, 1) -> [3, 1], tuples as lists."""
    if isinstance(v, tuple):
        if len(v) == 2 and v[0] == v[1] and not isinstance(v[0], tuple):
            return v[0]
        return [plain(x) for x in v]
    return v


def layer_row(name: str, data: dict, prev: str) -> dict:
    """One layer's spec row: its name, op, the attributes that differ from the op's defaults, its inputs."""
    op = get_op(data["op"])
    full = data["attrs"]
    row = {k: plain(v) for k, v in full.items()}
    for key, spec in op.attrs.items():
        if spec.default is REQUIRED or key not in row:
            continue
        trial = {k: v for k, v in row.items() if k != key}
        if op.coerce(trial) == full:    # the default (or a default derived from another attribute) gives it
            row = trial
    out = {"name": name, "op": data["op"], **row}
    inputs = list(data["inputs"])
    if inputs != [prev]:
        out["input"] = inputs[0] if len(inputs) == 1 else inputs
    tie = data.get("tie")
    if tie:   # its weights are another layer's: 'tie: conv1', or per tensor 'tie: {weight: conv1}'
        out["tie"] = tie["*"] if list(tie) == ["*"] else dict(tie)
    return out


def spec_data_of(g) -> dict:
    """The graph -> spec data (header and one row per layer)."""
    meta = g.graph
    layers, prev, shape = [], None, None
    for name, data in g.nodes(data=True):
        if data["op"] == "input":
            shape, prev = list(data["attrs"]["shape"]), name
            continue
        layers.append(layer_row(name, data, prev))
        prev = name
    return {"name": meta["name"], "title": meta.get("title", meta["name"]), "source": meta.get("source", ""),
            "input": shape, "layers": layers}


def spec_yaml(g, origin: str | None = None) -> str:
    """The graph as a YAML spec, its header first and one flow-style row per layer."""
    data = spec_data_of(g)
    dump = lambda v: yaml.safe_dump(v, default_flow_style=True, width=10**6, sort_keys=False).strip()  # noqa: E731
    lines = [f"# archcost spec of {origin}: one row per layer, loads back to the same figures" if origin else
             "# archcost spec: one row per layer"]
    for key in ("name", "title", "source", "input"):
        lines.append(f"{key}: {dump([data[key]])[1:-1]}")   # a one-item list: a scalar without '...' after it
    lines.append("layers:")
    lines.extend(f"- {dump(row)}" for row in data["layers"])
    return "\n".join(lines) + "\n"
