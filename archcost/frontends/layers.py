"""What every importer builds: spec rows, one per archcost layer, with each activation's shape
computed as it goes by the archcost op's own rule (so an importer knows every shape without
running anything, and the spec loader later computes the very same ones).

>>> rows = Layers({"x": Act("input", (3, 32, 32))})
>>> rows.add("Conv", "conv1", "conv", {"out": 8, "kernel": 3}, ["x"], "c")
'conv1'
>>> rows.acts["c"], rows.layers
(Act(layer='conv1', shape=(8, 30, 30)), [{'name': 'conv1', 'op': 'conv', 'out': 8, 'kernel': 3}])
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ..errors import ArchcostError
from ..ops import get_op

GATED = {"sigmoid": "silu", "hardsigmoid": "hardswish"}   # x * gate(x): one layer


def _hashable(v):
    """An attribute as a key: lists (a conv's connection table: lists of lists) as tuples."""
    return tuple(_hashable(x) for x in v) if isinstance(v, list) else v


class Act(NamedTuple):
    """An activation: the layer that makes it and its archcost shape (no batch axis)."""

    layer: str
    shape: tuple


_act = tuple.__new__


class Layers:
    def __init__(self, acts: dict | None = None):
        self.acts: dict = dict(acts or {})    # the importer's value (a tensor name, an fx node) -> Act
        self.layers: list[dict] = []
        self.by_name: dict[str, dict] = {}
        self.shapes: dict[tuple, tuple] = {}

    def act(self, key) -> Act:
        return self.acts[key]

    def new_name(self, base: str) -> str:
        """A layer name not taken yet ('input' and 'in' are the spec's own words)."""
        name = base if base not in ("input", "in") else f"{base}_"
        k = 2
        while name in self.by_name:
            name = f"{base}_{k}"
            k += 1
        return name

    def add(self, what: str, name: str, op: str, attrs: dict, inputs: list, out) -> str:
        """One layer reading the activations ``inputs``, its shape from the op's rule; ``what`` names
        the source's construct in errors."""
        acts = self.acts
        if len(inputs) == 1:   # most layers: no comprehension (each is a call of its own)
            ins = [acts[inputs[0]] if inputs[0] in acts else self.act(inputs[0])]
            key = (op, tuple(attrs.items()), (ins[0].shape,))
        else:
            ins = [acts[t] if t in acts else self.act(t) for t in inputs]   # act() explains a missing one
            key = (op, tuple(attrs.items()), tuple(x.shape for x in ins))
        try:
            shape = self.shapes.get(key)
        except TypeError:   # an attribute holds a list ([3, 1], a connection table): the key holds tuples
            key = (op, tuple((k, _hashable(v)) for k, v in attrs.items()), key[2])
            shape = self.shapes.get(key)
        if shape is None:   # rules are pure: the copies of a repeated block are computed once
            the_op = get_op(op)
            try:
                shape = self.shapes[key] = tuple(the_op.shape(the_op.coerce(attrs), [x.shape for x in ins]))
            except ArchcostError as exc:
                raise ArchcostError(f"{what} as archcost's '{op}': {exc.what}", exc.fix) from None
        if name in self.by_name or name in ("input", "in"):
            name = self.new_name(name)
        layer = {"name": name, "op": op, **attrs}
        layers = self.layers
        if len(ins) != 1 or ins[0].layer != (layers[-1]["name"] if layers else "input"):   # not the previous layer
            sources = [x.layer for x in ins]
            layer["input"] = sources[0] if len(sources) == 1 else sources
        layers.append(layer)
        self.by_name[name] = layer
        self.acts[out] = _act(Act, (name, shape))   # Act(name, shape) without its __new__'s call
        return name

    def alias(self, out, source) -> None:
        self.acts[out] = self.act(source)

    def gate(self, x, gate, out, name: str, made_from) -> bool:
        """``x * sigmoid(x)``: when ``gate`` is a sigmoid (or hard sigmoid) layer of ``x`` read by nothing
        else (``made_from`` is the input it was made from, or None), it becomes one silu (hardswish)
        layer, named as the product. True when fused."""
        layer = self.by_name.get(self.act(gate).layer)
        if layer is None or layer["op"] not in GATED or made_from != x:
            return False
        layer["op"] = GATED[layer["op"]]
        del self.by_name[layer["name"]]
        layer["name"] = self.new_name(name)
        self.by_name[layer["name"]] = layer
        self.acts[gate] = self.acts[out] = Act(layer["name"], self.act(gate).shape)
        return True

    def larger_first(self, a, b) -> tuple:
        """archcost's mul scales the larger input by the smaller (x by its per-channel weights)."""
        return (a, b) if math.prod(self.act(a).shape) >= math.prod(self.act(b).shape) else (b, a)

    def spec(self, name: str, title: str, source: str, shape) -> dict:
        if not self.layers:
            raise ArchcostError("the network has no layer archcost counts", "check that it is a network")
        return {"name": name, "title": title, "source": source, "input": list(shape), "layers": self.layers}
