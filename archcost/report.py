"""The report: per-layer records and totals, what every renderer reads.

A :class:`Report` is immutable. ``layers`` holds every layer (not the input);
``rows()`` folds in-place layers (activations, batch norm, dropout) into the
row of the layer they follow, as the lecture's table does, and
``rows(all=True)`` shows each on its own. Totals are sums over the layers, so
they equal the sum of the rows either way.

>>> import archcost
>>> r = archcost.analyze("alexnet")
>>> r.layer("conv1").memory_kb, r.layer("conv1").params, r.layer("conv1").flops
(784.0, 23296, 73056256)
>>> [row.name for row in r.rows()][:3]
['conv1', 'pool1', 'conv2']
>>> r.rows()[0].folded
('relu1',)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Mapping, NamedTuple

import networkx as nx

from .conventions import Conventions
from .errors import ArchcostError
from .ops import get_op
from .ops.base import suggest


def _jsonable(v):
    """A value as JSON holds it: tuples become lists; what JSON has no word for (a date, a set, an
    infinite float, all possible in a spec's parameters) becomes its text, so to_json() never fails
    and json.loads(to_json()) == to_dict().

    >>> _jsonable((1, (2, 3))), _jsonable(float("inf")), _jsonable({"a": {1}})
    ([1, [2, 3]], 'inf', {'a': '{1}'})
    """
    if isinstance(v, (tuple, list)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if v is None or isinstance(v, (str, int)) or isinstance(v, float) and math.isfinite(v):
        return v
    return str(v)


class Layer(NamedTuple):
    """One layer's facts: shapes, memory (KB), parameters and multiply-add FLOPs.

    Immutable, and a named tuple rather than a dataclass: a 100,000-layer report builds
    100,000 of them, and a tuple is made several times faster."""

    name: str
    op: str
    kind: str
    inputs: tuple
    input_shapes: tuple
    output_shape: tuple
    memory_kb: float
    params: int
    flops: int
    attrs: Mapping = MappingProxyType({})
    cells: Mapping = MappingProxyType({})
    inplace: bool = False
    line: int | None = None
    file: str | None = None
    folded: tuple = ()
    layout: str = ""          # the output's axes: CHW, HWC (channels last), LD (tokens x dim), N
    input_layout: str = ""    # the first input's
    memory_bytes: int = 0       # exact; memory_kb = memory_bytes / 1024 is a float for JSON's sake
    tied: tuple = ()            # ((tensor, owner layer, elements), ...): weights counted at their owner

    def folding(self, others) -> "Layer":
        """This layer's row with the in-place layers that follow it folded in: their costs added."""
        kb, params, flops, nbytes, names, tied = self.memory_kb, self.params, self.flops, self.memory_bytes, [], self.tied
        for x in others:   # one loop, not six sums: a 100,000-layer table folds tens of thousands of rows
            kb, params, flops, nbytes = kb + x.memory_kb, params + x.params, flops + x.flops, nbytes + x.memory_bytes
            names.append(x.name)
            tied += x.tied
        return Layer(self.name, self.op, self.kind, self.inputs, self.input_shapes, self.output_shape, kb, params,
                     flops, self.attrs, self.cells, self.inplace, self.line, self.file, self.folded + tuple(names),
                     self.layout, self.input_layout, nbytes, tied)

    @property
    def input_shape(self) -> tuple:
        return self.input_shapes[0] if self.input_shapes else ()

    def to_dict(self) -> dict:
        d = {"name": self.name, "op": self.op, "inputs": list(self.inputs),
             "input_shape": list(self.input_shape), "input_shapes": [list(s) for s in self.input_shapes],
             "output_shape": list(self.output_shape), "memory_kb": self.memory_kb,
             "memory_bytes": self.memory_bytes, "params": self.params, "flops": self.flops}
        if self.folded:
            d["folded"] = list(self.folded)
        if self.tied:
            d["tied"] = [{"tensor": t, "layer": o, "params": n} for t, o, n in self.tied]
        if self.layout:
            d["layout"], d["input_layout"] = self.layout, self.input_layout
        for k, v in self.attrs.items():
            if v is not None:  # an unset optional attribute (a conv's connection table) is not data
                d.setdefault(k, _jsonable(v))
        return d


@dataclass(frozen=True)
class Totals:
    memory_kb: float
    params: int
    flops: int
    memory_bytes: int = 0

    def to_dict(self) -> dict:
        return {"memory_kb": self.memory_kb, "memory_bytes": self.memory_bytes, "params": self.params,
                "flops": self.flops}


def totals_of(layers) -> Totals:
    nbytes = sum(x.memory_bytes for x in layers)
    return Totals(nbytes / 1024, sum(x.params for x in layers), sum(x.flops for x in layers), nbytes)


@dataclass(frozen=True)
class Report:
    network: str
    title: str
    source: str
    family: str
    file: str | None
    input: tuple
    settings: Mapping
    conventions: Conventions
    layers: tuple
    warnings: tuple = ()
    # the folded rows, made by build_report while the layers are fresh (rows() folds otherwise)
    table_rows: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def totals(self) -> Totals:
        return totals_of(self.layers)

    def layer(self, name: str) -> Layer:
        """The layer called ``name``; an unknown name is an ArchcostError naming the nearest layer."""
        try:
            return self._by_name[name]
        except (KeyError, TypeError):
            names = [x.name for x in self.layers]
            raise ArchcostError(f"{self.network} has no layer {name!r}",
                                suggest(name, names, n=3) or f"its layers are: {', '.join(names[:12])}"
                                + (", ..." if len(names) > 12 else "")) from None

    @cached_property
    def _by_name(self) -> dict:
        return {x.name: x for x in self.layers}

    def rows(self, all: bool = False) -> tuple:
        """The table's rows: in-place layers folded into their producer unless ``all``."""
        if all:
            return self.layers
        return self.table_rows if self.table_rows is not None else fold(self.layers)

    def to_dict(self, all: bool = False) -> dict:
        return {
            "network": self.network, "title": self.title, "source": self.source,
            "input": list(self.input), "conventions": self.conventions.to_dict(),
            "settings": {k: _jsonable(v) for k, v in self.settings.items()},
            "layers": [x.to_dict() for x in self.rows(all)],
            "totals": self.totals.to_dict(),
            "warnings": [str(w) for w in self.warnings],
        }

    def to_json(self, all: bool = False, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(all), indent=indent)

    # ---- budgets as engineers ask them (README "Will it fit?"): passes/training.py, liveness.py, roofline.py
    def training_memory(self, optimizer: str = "adam", dtype: str | None = None, batch: int | None = None):
        """Bytes of a training step: weights, gradients, optimizer state, saved activations, peak.

        >>> import archcost
        >>> m = archcost.analyze("resnet18", batch=2).training_memory(optimizer="sgd")
        >>> m.activations + m.buffers      # PyTorch 2.13 (saved_tensors_hooks): 44,436,480
        44436480
        >>> archcost.analyze("resnet50").training_memory("adamw", "bf16", batch=64).peak
        3188241920
        """
        from .passes.training import training_memory
        return training_memory(self, optimizer, dtype, batch)

    def inference_peak(self, dtype: str | None = None, batch: int | None = None, scope: str = "block"):
        """The most activation memory alive at once in a forward pass, where, and what is live.

        >>> import archcost
        >>> p = archcost.analyze("resnet50").inference_peak()
        >>> p.peak, p.layer                # PyTorch 2.13 eager: 11,038,720 bytes
        (11038720, 'layer1.0.downsample.1')
        """
        from .passes.liveness import inference_peak
        return inference_peak(self, dtype, batch, scope)

    def time(self, device, dtype: str | None = None, batch: int | None = None, train: bool = False,
             optimizer: str = "adam", devices=None):
        """Roofline time per layer on ``device`` (a key of ``archcost devices``), forward and backward.

        >>> import archcost
        >>> t = archcost.analyze("resnet50").time("a100-40gb", "bf16", batch=64, train=True)
        >>> round(t.inference * 1000, 2), round(t.train_step * 1000, 2)     # milliseconds
        (7.24, 18.55)
        """
        from .passes.roofline import roofline
        return roofline(self, device, dtype, batch, train, optimizer, devices)

    def largest_batch(self, device, mode: str = "train", optimizer: str = "adam", dtype: str | None = None,
                      devices=None) -> int:
        """The largest batch that trains (``mode="train"``) or infers in ``device``'s memory.

        >>> import archcost
        >>> archcost.analyze("resnet50").largest_batch("a100-40gb", dtype="bf16", optimizer="adamw")
        964
        """
        from .devices import find_device
        from .passes.training import largest_batch
        capacity = find_device(device, devices).memory_bytes
        if mode == "train":
            return largest_batch(lambda b: self.training_memory(optimizer, dtype, b).peak, capacity)
        return largest_batch(lambda b: self.inference_peak(dtype, b).total, capacity)


def fold(layers) -> tuple:
    """Fold each in-place layer into the row of the layer it follows (the lecture's table).

    >>> import archcost
    >>> [(x.name, x.folded) for x in fold(archcost.analyze("alexnet").layers)][:2]
    [('conv1', ('relu1',)), ('pool1', ())]
    """
    groups: list[list[Layer]] = []
    owner: dict[str, list[Layer]] = {}
    for x in layers:
        group = owner.get(x.inputs[0]) if x.inplace and x.inputs else None
        if group is None:
            group = [x]
            groups.append(group)
        else:
            group.append(x)
        owner[x.name] = group
    return tuple(g[0] if len(g) == 1 else g[0].folding(g[1:]) for g in groups)


def build_report(g: nx.DiGraph, conv: Conventions) -> Report:
    """Collect the facts the passes wrote on ``g`` into an immutable report."""
    layers = []
    input_shape = ()
    cells: dict[int, MappingProxyType] = {}   # shared attributes (repeated blocks) share their cells
    layouts: dict[str, str] = {}   # each node's, as met: an input's layout without a look-up in the graph
    for name, d in g.nodes(data=True):
        layouts[name] = d.get("layout", "")
        op = get_op(d["op"])
        if op.kind == "io":
            input_shape = d["shape"]
            continue
        a = d["attrs"]
        if id(a) not in cells:
            cells[id(a)] = MappingProxyType(op.cells(a))
        first = d["inputs"][0] if d["inputs"] else None
        layers.append(Layer(name, d["op"], op.kind, d["inputs"], d["input_shapes"], d["shape"], d["memory_kb"],
                            d["params"], d["flops"], a, cells[id(a)], op.inplace, d.get("line"), d.get("file"), (),
                            layouts[name], (layouts[first] if first in layouts else g.nodes[first].get("layout", ""))
                            if first else "",
                            memory_bytes=d["memory_bytes"], tied=d.get("tied", ())))
    meta = g.graph
    return Report(network=meta["name"], title=meta.get("title", meta["name"]), source=meta.get("source", ""),
                  family=meta.get("family", meta["name"]), file=meta.get("file"), input=tuple(input_shape),
                  settings=MappingProxyType(dict(meta.get("settings") or {})), conventions=conv,
                  layers=tuple(layers), warnings=tuple(meta.get("warnings") or ()), table_rows=fold(layers))
