"""The graph IR: a networkx DiGraph of named nodes, each an op with attributes.

Node data (written by the loader): ``op`` (a registered op name), ``attrs``
(read-only, checked against the op's schema), ``inputs`` (ordered input node
names: edges alone do not keep the order a concat needs), ``line`` and ``file``
(where the layer is written). Passes add facts to the same node data:
``shape`` and ``input_shapes`` (shapes pass), ``params``, ``flops`` and
``memory_kb`` (costs pass); ``tie`` (a layer whose weights are another's) and ``tied`` (the ties
resolved: passes/ties.py). Graph data: ``name``, ``title``, ``source``,
``file``, ``settings``.

>>> g = new_graph("tiny")
>>> add_node(g, "input", "input", {"shape": [3, 32, 32]})
>>> add_node(g, "conv1", "conv", {"out": 8, "kernel": 3}, ["input"])
>>> topo_order(g)
['input', 'conv1']
"""

from __future__ import annotations

from functools import lru_cache

import networkx as nx

from .errors import ArchcostError
from .ops import get_op


def new_graph(name: str, **meta) -> nx.DiGraph:
    g = nx.DiGraph()
    g.graph.update(name=name, title=meta.pop("title", name), source=meta.pop("source", ""),
                   file=meta.pop("file", None), **meta)
    return g


def add_node(g: nx.DiGraph, name: str, op: str, attrs: dict, inputs=(), line=None, file=None,
             tie: dict | None = None) -> None:
    """Add a node; its attributes are checked against the op's schema here. ``tie`` maps its tensors
    to the earlier layers whose tensors they are (``{"weight": "conv1"}``; ``"*"``: all of them)."""
    file = file or g.graph.get("file")
    where = lambda: dict(file=file, line=line, layer=name)  # noqa: E731  (built only for an error)
    if name in g:
        raise ArchcostError(f"the name '{name}' is used twice", "give each layer its own name", **where())
    try:
        the_op = get_op(op)
        checked = _checked(op, attrs)
        the_op.check_inputs(len(inputs))
    except ArchcostError as exc:
        raise exc.located(**where())
    for src in inputs:
        if src not in g:
            raise ArchcostError(f"input '{src}' is not a layer of the network",
                                "name an existing layer in 'input:'", **where())
    for target in (tie or {}).values():
        if target not in g or target == name:
            raise ArchcostError(f"'tie' names '{target}', which is not an earlier layer",
                                "tie to a layer written above this one", **where())
    g.add_node(name, op=op, attrs=checked, inputs=tuple(inputs), line=line, file=file)
    if tie:
        g.nodes[name]["tie"] = dict(tie)
        g.graph["ties"] = True
    for src in inputs:
        g.add_edge(src, name)


def _checked(op: str, attrs: dict):
    """The op's coerce(attrs), memoised: a repeated block checks the same attributes
    thousands of times. Attributes holding lists are not hashable and are checked afresh."""
    try:  # the value's type is part of the key: True == 1, yet 'groups: true' is an error
        return _checked_cached((op, tuple([(k, type(v), v) for k, v in attrs.items()])))
    except TypeError:   # the key is not hashable (lru_cache hashes it before any check runs)
        return get_op(op).coerce(attrs)


@lru_cache(maxsize=4096)
def _checked_cached(key):
    op, items = key
    return get_op(op).coerce({k: v for k, _, v in items})


def walk(g: nx.DiGraph):
    """Yield ``(name, data)`` in a topological order, checking the graph on the way: one input
    node, no cycles. Nodes come in the order they were written whenever that is valid (specs only
    refer back), so a spec's graph is walked once with no sort; otherwise the rest follows
    networkx's topological order, and a cycle is an error.

    >>> g = new_graph("tiny")
    >>> add_node(g, "input", "input", {"shape": [4]})
    >>> add_node(g, "fc", "fc", {"out": 2}, ["input"])
    >>> [name for name, _ in walk(g)]
    ['input', 'fc']
    """
    seen: set[str] = set()
    inputs = 0
    for name, data in g.nodes(data=True):
        if not seen.issuperset(data["inputs"]):
            break
        seen.add(name)
        inputs += data["op"] == "input"
        yield name, data
    else:
        return _one_input(g, inputs)
    try:
        rest = [n for n in nx.topological_sort(g) if n not in seen]
    except nx.NetworkXUnfeasible:
        cycle = " -> ".join(u for u, _ in nx.find_cycle(g))
        raise ArchcostError(f"the graph has a cycle: {cycle}",
                            "a layer cannot depend on its own output; fix the 'input:' lists",
                            file=g.graph.get("file")) from None
    for name in rest:
        data = g.nodes[name]
        inputs += data["op"] == "input"
        yield name, data
    _one_input(g, inputs)


def _one_input(g: nx.DiGraph, count: int) -> None:
    if count != 1:
        raise ArchcostError(f"the network has {count} input nodes", "give it exactly one input",
                            file=g.graph.get("file"))


def topo_order(g: nx.DiGraph) -> list[str]:
    """The node names in the order :func:`walk` visits them (the graph checked)."""
    return [name for name, _ in walk(g)]
