"""Tied weights in an import: one tensor read by the weight slots of two nodes (ONNX), one
``nn.Parameter`` held by two modules or a module called twice (``from_torch``).

An initializer (or a weight given as a graph input, or a Constant) that two layers read by the
same name is one parameter: the first layer owns it, the later ones get ``tie:`` (all their
weights are the owner's) or ``tie: {weight: owner}`` (the weight shared, the bias their own), and
the ties pass counts it once (passes/ties.py). This is how torch's exporter writes a parameter that
two modules hold (a tied embedding and LM head, a weight reused in a loop): both nodes read one
initializer. An ``Identity`` makes a new tensor: torch's exporter writes one for two distinct
parameters that happen to hold equal values (every fresh LayerNorm's weight of ones), which
``sum(p.numel())`` counts twice, and so does archcost.

>>> class Imp: consts, params, weight_of, roles, ties = {"w": 1}, {"w"}, {}, {}, {}
>>> imp = Imp()
>>> reads(imp, "conv1", "weight", "w"); reads(imp, "conv2", "weight", "w"); imp.ties
{'conv2': {'weight': 'conv1'}}
"""

from __future__ import annotations

# the weight slots of each op, in input order from its second input
ROLES = {"Conv": ("weight", "bias"), "ConvTranspose": ("weight", "bias"), "Gemm": ("weight", "bias"),
         "MatMul": ("weight",), "PRelu": ("weight",), "BatchNormalization": ("weight", "bias"),
         "LayerNormalization": ("weight", "bias")}
NORMS = ("BatchNormalization", "LayerNormalization")   # scale and shift count only as initializers


def reads(imp, layer: str, role: str, t: str) -> None:
    """``layer`` reads the constant ``t`` as its ``role`` tensor: the first reader owns it, a later one is tied."""
    first = imp.weight_of.setdefault(t, (layer, role))
    imp.roles.setdefault(layer, set()).add(role)
    if first[0] != layer and first[1] == role:
        imp.ties.setdefault(layer, {})[role] = first[0]


def share(imp, node, layer: str) -> None:
    """Record the constants ``node`` (now the archcost layer ``layer``) reads in its weight slots."""
    roles = ROLES.get(node.op_type)
    if roles is None:   # a learned tensor an Add, Mul or Concat reads (position embedding, layer scale, token)
        for t in node.input:
            if t in imp.params:
                reads(imp, layer, "weight", t)
        return
    for role, t in zip(roles, node.input[1:]):
        if t and t in imp.consts and (t in imp.params or node.op_type not in NORMS):
            reads(imp, layer, role, t)


def write_ties(imp) -> None:
    """Each tied layer's ``tie``: the owner's name when every weight it reads is that layer's, else per tensor."""
    for layer, tie in imp.ties.items():
        owners = set(tie.values())
        whole = len(owners) == 1 and set(tie) == imp.roles[layer]
        imp.by_name[layer]["tie"] = next(iter(owners)) if whole else dict(tie)
