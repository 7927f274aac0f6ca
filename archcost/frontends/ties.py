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

>>> class Imp: consts, params, multi, weight_of, roles, ties = {"w": 1}, {"w"}, {"w"}, {}, {}, {}
>>> imp = Imp()
>>> reads(imp, "conv1", "weight", "w"); reads(imp, "conv2", "weight", "w"); imp.ties
{'conv2': {'weight': 'conv1'}}
"""

from __future__ import annotations

# the weight slots of each op, in input order from its second input
ROLES = {"Conv": ("weight", "bias"), "ConvTranspose": ("weight", "bias"), "Gemm": ("weight", "bias"),
         "MatMul": ("weight",), "PRelu": ("weight",), "BatchNormalization": ("weight", "bias"),
         "LayerNormalization": ("weight", "bias")}
LEARNED = ("Add", "Mul", "Concat")   # ops whose constant operand may be a learned tensor
NORMS = ("BatchNormalization", "LayerNormalization")   # scale and shift count only as initializers


def reads(imp, layer: str, role: str, t) -> None:
    """``layer`` reads the constant ``t`` as its ``role`` tensor: the first reader owns it, a later one is tied."""
    first = imp.weight_of.setdefault(t, (layer, role))
    if first[0] != layer:   # rare: kept apart so that an untied graph pays one dict operation per weight
        imp.roles.setdefault(layer, set()).add(role)
        if first[1] == role:
            imp.ties.setdefault(layer, {})[role] = first[0]


def share(imp, node, layer: str) -> None:
    """Record the constants ``node`` (now the archcost layer ``layer``) reads in its weight slots."""
    multi = imp.multi   # only a tensor that two nodes read can be tied: the others are skipped at once
    roles = ROLES.get(node.op_type)
    if roles is None:   # a learned tensor an Add, Mul or Concat reads (position embedding, layer scale, token);
        if node.op_type not in LEARNED:   # a shape or an axis two Reshapes read is no weight
            return
        for t in node.input:
            if t in multi and t in imp.params:
                reads(imp, layer, "weight", t)
        return
    consts, params, norm = imp.consts, imp.params, node.op_type in NORMS
    for role, t in zip(roles, node.input[1:]):
        if t in multi and t in consts and (not norm or t in params):
            reads(imp, layer, role, t)
    if layer in imp.ties:   # a tied layer: which tensors it reads decides 'tie: owner' or 'tie: {weight: owner}'
        imp.roles[layer].update(role for role, t in zip(roles, node.input[1:])
                                if t in consts and (not norm or t in params))


def write_ties(imp) -> None:
    """Each tied layer's ``tie``: the owner's name when every weight it reads is that layer's, else per tensor."""
    if not imp.ties:
        return
    for owner, role in imp.weight_of.values():   # the roles each tied layer owns, besides those it reads
        if owner in imp.ties:
            imp.roles[owner].add(role)
    for layer, tie in imp.ties.items():
        owners = set(tie.values())
        whole = len(owners) == 1 and set(tie) == imp.roles[layer]
        imp.by_name[layer]["tie"] = next(iter(owners)) if whole else dict(tie)
