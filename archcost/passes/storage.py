"""Which storage holds each layer's output: the facts the training and liveness passes share.

A layer writes a new tensor unless its op aliases its first input (its ``storage`` rule):
a view (flatten, a channel slice) always shares the input's storage; an in-place op
(ReLU, torchvision's ``out += identity``) shares it when no later layer reads that input,
and writes a new tensor otherwise. Storages are named after the layer that made them (the
network's input after the input node), so a tensor saved by two layers counts once.

>>> import archcost
>>> s = storages(archcost.analyze("resnet18"))
>>> s.owner["relu"], s.owner["maxpool"], s.input
('bn1', 'maxpool', 'input')
"""

from __future__ import annotations

from dataclasses import dataclass

from ..arith import prod
from ..conventions import DTYPE_ALIASES, DTYPE_BYTES
from ..errors import ArchcostError
from ..ops import get_op

EXTRA_BYTES = {"int64": 8, "bool": 1, "float32": 4}   # the dtypes of saved tensors that are not activations


@dataclass(frozen=True)
class Storages:
    """``owner``: layer -> the layer whose storage holds its output; ``elements``: per image, of each
    storage; ``input``: the network input's name; ``readers``: storage -> the indices of the layers
    that read it (through any alias)."""

    owner: dict
    elements: dict
    input: str
    readers: dict


def storages(report) -> Storages:
    layers = report.layers
    names = {x.name for x in layers}
    net_input = next((i for x in layers for i in x.inputs if i not in names), "input")
    last_read: dict[str, int] = {}
    for i, x in enumerate(layers):
        for src in x.inputs:
            last_read[src] = i
    owner = {net_input: net_input}
    elements = {net_input: prod(report.input)}
    readers: dict[str, list[int]] = {net_input: []}
    aliases: dict[str, list[str]] = {net_input: [net_input]}
    for i, x in enumerate(layers):
        for src in x.inputs:
            readers[owner[src]].append(i)
        kind = get_op(x.op).storage
        src = x.inputs[0] if x.inputs else None
        # in place only when no later layer reads the storage through any of its names
        shared = src is not None and (kind == "view" or kind == "inplace" and src != net_input
                                      and all(last_read.get(n, -1) <= i for n in aliases[owner[src]]))
        owner[x.name] = owner[src] if shared else x.name
        if shared:
            aliases[owner[src]].append(x.name)
        else:
            elements[x.name] = prod(x.output_shape)
            readers[x.name] = []
            aliases[x.name] = [x.name]
    return Storages(owner, elements, net_input, readers)


def dtype_bytes(dtype: str) -> tuple[str, int]:
    """The dtype's full name and bytes per element (aliases such as bf16 accepted).

    >>> dtype_bytes("bf16")
    ('bfloat16', 2)
    """
    name = DTYPE_ALIASES.get(dtype, dtype)
    if name not in DTYPE_BYTES:
        raise ArchcostError(f"unknown dtype '{dtype}'", f"use one of {', '.join(list(DTYPE_BYTES) + list(DTYPE_ALIASES))}")
    return name, DTYPE_BYTES[name]
