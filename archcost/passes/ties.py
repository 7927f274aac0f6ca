"""Tied weights: a layer whose weights are another layer's counts none of them.

A spec says it with ``tie:`` (``tie: conv1``: all of this layer's parameters are conv1's;
``tie: {weight: conv1}``: its weight is conv1's, its bias its own), the ONNX import when one
initializer feeds two layers, ``from_torch`` when two modules hold one ``nn.Parameter``. Each
tensor is counted once, at the first layer that has it (its owner): the tied layer's parameters
are its op's count less the tied tensors, so a network's total is ``sum(p.numel() for p in
model.parameters())``, which counts a shared parameter once, and gradients and optimizer state,
which follow the parameters, are counted once too. FLOPs and memory do not change: the tied layer
still multiplies by its weights.

Runs after :func:`~archcost.passes.costs.compute_costs` (which calls it); writes ``params`` (less
the tied tensors) and ``tied``: ``((tensor, owner, elements), ...)`` on each tied node.

>>> from archcost.spec.yamlread import parse_yaml
>>> from archcost.spec.loader import spec_from_data, load_graph
>>> from archcost.passes import infer_shapes, compute_costs
>>> g = load_graph(spec_from_data(parse_yaml(
...     "{name: t, input: [8, 8, 8], layers: [{name: c1, op: conv, out: 8, kernel: 3, pad: 1},"
...     " {name: c2, op: conv, out: 8, kernel: 3, pad: 1, tie: {weight: c1}}]}")))
>>> _ = infer_shapes(g); compute_costs(g)
>>> g.nodes["c1"]["params"], g.nodes["c2"]["params"], g.nodes["c2"]["tied"]
(584, 8, (('weight', 'c1', 576),))
"""

from __future__ import annotations

import networkx as nx

from ..errors import ArchcostError
from ..ops import get_op


def layer_tensors(data: dict) -> dict:
    """A layer's parameter tensors (name -> elements) by its op's rule."""
    return get_op(data["op"]).tensors(data["attrs"], list(data["input_shapes"]), data["shape"])


def tie_weights(g: nx.DiGraph) -> None:
    """Resolve every ``tie`` of ``g`` to the tensors' owners and take the tied tensors off the
    tied layers' parameters (a tie to a tied tensor leads to its owner)."""
    owner: dict[tuple, str] = {}      # (layer, tensor) -> the layer that owns the tensor
    for name, data in g.nodes(data=True):
        tie = data.get("tie")
        if not tie:
            continue
        where = dict(file=data.get("file"), line=data.get("line"), layer=name)
        mine = layer_tensors(data)
        pairs = [(t, tie["*"]) for t in mine] if "*" in tie else list(tie.items())
        if not pairs:
            raise ArchcostError(f"'tie' on a layer without parameters ('{data['op']}')", "remove the 'tie'", **where)
        tied = []
        for tensor, target in pairs:
            theirs = layer_tensors(g.nodes[target])
            if tensor not in mine:
                raise ArchcostError(f"it has no '{tensor}' to tie (its parameters: {', '.join(mine) or 'none'})",
                                    "tie 'weight' or 'bias', or the whole layer ('tie: LAYER')", **where)
            if theirs.get(tensor) != mine[tensor]:
                got = f"{theirs[tensor]:,} values" if tensor in theirs else f"no '{tensor}'"
                raise ArchcostError(f"its {tensor} ({mine[tensor]:,} values) cannot be {target}'s ({got})",
                                    "tie layers whose weights have the same shape", **where)
            root = owner.get((target, tensor), target)
            owner[(name, tensor)] = root
            tied.append((tensor, root, int(mine[tensor])))
        data["tied"] = tuple(tied)
        data["params"] = data["params"] - sum(n for _, _, n in tied)


def untied(params, tied):
    """A layer's parameters less its tied tensors (``archcost explain`` shows the subtraction).

    >>> from archcost.arith import Term
    >>> untied(Term(64) * 9 + 64, (("weight", "c1", 576),)).result()
    '64 x 9 + 64 - 576 = 64'
    """
    for _, _, n in tied:
        params = params - n
    return params


def tied_text(tied) -> str:
    """'its weight (576) is c1's; its bias (8) is c2's'; a whole layer tied to one: 'all its 584 parameters are c1's'."""
    owners = {o for _, o, _ in tied}
    if len(tied) > 1 and len(owners) == 1:
        return f"all its {sum(n for _, _, n in tied):,} parameters are {tied[0][1]}'s"
    return "; ".join(f"its {t} ({n:,}) is {o}'s" for t, o, n in tied)


def tied_note(layers, shown: int = 4) -> str:
    """The table's note on tied layers: the first few by name, each tensor counted once at its owner."""
    tied = [x for x in layers if x.tied]
    listed = ", ".join(f"{x.name} -> {'/'.join(dict.fromkeys(o for _, o, _ in x.tied))}" for x in tied[:shown])
    more = f" and {len(tied) - shown:,} more" if len(tied) > shown else ""
    total = sum(n for x in tied for _, _, n in x.tied)
    return (f"tied weights: {len(tied):,} layer{'s' * (len(tied) > 1)} {'use' if len(tied) > 1 else 'uses'} another's ({listed}{more}); "
            f"each tensor counted once, at the first layer that has it ({total:,} parameters not counted twice)")
