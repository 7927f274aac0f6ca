"""ONNX import of multi-head self-attention as one ``attention`` layer (registered into ``FUSE`` after Swin's
window attention), as ``archcost export`` writes the op and as torch's exporter writes nn.MultiheadAttention
(torchvision's ViT: self-attention, batch first) and F.scaled_dot_product_attention on one Q, K, V linear:

- found from its Softmax: the scores' ``MatMul`` before it (through scalings and additions), A V after it, the
  three operands (Q, K^T, V) each reached from one linear (``MatMul`` by a weight, ``+ Add`` of its bias)
  through the reshapes, transposes, gathers and scalings that split the heads;
- after A V, the heads joined (Transpose, Reshape), the output projection (``MatMul`` + ``Add``, or a
  ``Gemm`` on the flattened tokens and a Reshape back); when the batch axis was moved before the Q, K, V
  linear (nn.MultiheadAttention works on L x N x D: a Transpose), the Transpose that moves it back;
- a bias added to the scores is allowed when it is a learned table gathered by a constant index (MaxViT's
  relative position bias, as ``archcost export`` writes ``rel_pos``): the table's (2S - 1)^2 rows give S;
  any other addition to the scores (a mask, a bias archcost's op has no term for) leaves the nodes to the
  ordinary handlers.

The attributes are read at walk time from the shapes (computed with stand-ins through the region, as
Swin's): heads from the scores (h x L x L per window; torch folds the batch of 1 into the heads), the bias
from the linears, rel_pos from the table. A region the op cannot express (its output not of its input's
shape, weights not D x 3D and D x D, a table not of S x S windows) is read node by node as before.
The layer is named after the module's scope (``/encoder/layers/encoder_layer_0/self_attention``) or, for
``archcost export``'s files, after the layer.
"""

from __future__ import annotations

import math

from ..errors import ArchcostError
from .onnx_import import _attrs, add_fusion
from .onnx_windows import SCORE_PATH, _Region, _stand_in

BIAS_PATH = {"Transpose", "Reshape", "Unsqueeze", "Squeeze", "Identity"}   # from a gathered table to the scores


class _Decline(Exception):
    """The region is not one ``attention``: its nodes are read one by one."""


class _SelfAttention(_Region):
    def find(self) -> bool:
        imp, prod = self.imp, self.imp.producer.get
        av = self.values_matmul()
        if av is None:
            return False
        node, tables = prod(self.softmax.input[0]), []
        while node is not None and node.op_type in SCORE_PATH and len(self.dyn_inputs(node)) == 1:
            if node.op_type == "Add":
                tables += [self.gathered_table(t) for t in node.input if self.static(t)]
            node = prod(self.dyn_inputs(node)[0])
        if node is None or node.op_type != "MatMul" or len(self.dyn_inputs(node)) != 2 or None in tables or \
                len(tables) > 1:
            return False
        self.qk, self.table, self.cosine = node, tables[0] if tables else None, False
        qkv = {self.linear_before(t) for t in (node.input[0], node.input[1], av.input[1])}
        if len(qkv) != 1 or None in qkv or self.cosine:
            return False
        self.qkv = qkv.pop()
        after = imp.sole_consumer(self.qkv.output[0])
        self.bias = after is not None and after.op_type == "Add" and any(self.static(t) for t in after.input)
        # the batch axis moved out of the way before the linear (nn.MultiheadAttention: L x N x D)
        self.x, perm = self.qkv.input[0], None
        moved = prod(self.x)
        if moved is not None and moved.op_type == "Transpose" and imp.sole_consumer(self.x) is self.qkv:
            self.x, perm = moved.input[0], list(_attrs(moved).get("perm", []))
        # after A V: the heads joined, the output projection, the batch axis moved back
        node = imp.sole_consumer(av.output[0])
        while node is not None and node.op_type in ("Transpose", "Reshape"):
            node = imp.sole_consumer(node.output[0])
        if node is None or node.op_type not in ("MatMul", "Gemm") or len(node.input) < 2 or \
                not self.static(node.input[1]) or self.dyn_inputs(node) != [node.input[0]]:
            return False
        self.proj, t = node, node.output[0]
        self.gemm = node.op_type == "Gemm"
        if self.gemm:
            a = _attrs(node)
            if a.get("transA", 0) or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0:
                return False
            proj_bias = len(node.input) > 2 and bool(node.input[2])
        else:
            node = imp.sole_consumer(t)
            proj_bias = node is not None and node.op_type == "Add" and any(self.static(i) for i in node.input)
            t = node.output[0] if proj_bias else t
        if proj_bias != self.bias:
            return False
        while self.gemm and imp.sole_consumer(t) is not None and imp.sole_consumer(t).op_type == "Reshape":
            t = imp.sole_consumer(t).output[0]
        if perm is not None:
            node = imp.sole_consumer(t)
            back = list(_attrs(node).get("perm", [])) if node is not None and node.op_type == "Transpose" else None
            if back is None or [perm[i] for i in back] != list(range(len(perm))):
                return False
            t = node.output[0]
        self.y = t
        return self.collect()

    def gathered_table(self, t):
        """The learned table a bias added to the scores gathers rows of by a constant index, or None."""
        node = self.imp.producer.get(t)
        while node is not None and node.op_type in BIAS_PATH:
            node = self.imp.producer.get(node.input[0])
        if node is None or node.op_type != "Gather" or _attrs(node).get("axis", 0) != 0 or \
                not self.static(node.input[1]):
            return None
        table = node.input[0]
        while table not in self.imp.consts and table in self.imp.producer and \
                self.imp.producer[table].op_type == "Identity":
            table = self.imp.producer[table].input[0]
        if table not in self.imp.params or len(self.imp.const_shape(table)) != 2:
            return None
        return table

    # ------------------------------------------------------------ at walk time
    def attrs(self) -> dict:
        imp = self.imp
        x = imp.act(self.x)
        if imp.batch_at.get(self.x, 0) != 0 or len(x.shape) not in (2, 3):
            raise _Decline
        self.memo = {self.x: _stand_in(imp.full(self.x))}
        try:
            scores, y = self.shape(self.qk.output[0]), self.shape(self.y)
            qkv_w, proj_w = self.shape(self.qkv.input[1]), self.shape(self.proj.input[1])
        except (ArchcostError, ValueError, IndexError, KeyError):
            raise _Decline from None
        length, d = x.shape[-2], x.shape[-1]
        if self.gemm and _attrs(self.proj).get("transB", 0):
            proj_w = proj_w[::-1]
        if tuple(y) != imp.full(self.x) or tuple(qkv_w) != (d, 3 * d) or tuple(proj_w) != (d, d) or \
                len(scores) < 3 or tuple(scores[-2:]) != (length, length) or d % scores[-3]:
            raise _Decline
        attrs = {"heads": int(scores[-3])}
        if not self.bias:
            attrs["bias"] = False
        if self.table is not None:
            rows, heads = imp.const_shape(self.table)
            side = math.isqrt(length)
            if side * side != length or rows != (2 * side - 1) ** 2 or heads != attrs["heads"]:
                raise _Decline
            attrs["rel_pos"] = side
        return attrs

    def value(self, t):
        node = self.imp.producer.get(t)
        if node is not None and node.op_type == "Gemm" and t not in self.memo:    # on the flattened tokens
            a, m, w = _attrs(node), self.value(node.input[0]).shape, self.value(node.input[1]).shape
            self.memo[t] = _stand_in((m[0], w[0] if a.get("transB", 0) else w[1]))
        return super().value(t)


def _order(imp) -> dict:
    order = vars(imp).get("_node_order")
    if order is None:
        order = imp._node_order = {}
        for node in imp.producer.values():
            order.setdefault(id(node), len(order))
    return order


def _layer_name(imp, last, softmax) -> str:
    """The attention module's scope, the one its output node and its softmax share (torch's names:
    /encoder/layers/encoder_layer_0/self_attention), which for ``archcost export``'s files is the layer's
    name (its output projection's bias add is ``NAME/bias``, its softmax ``NAME/softmax``)."""
    name, inner = imp.node_name(last), imp.node_name(softmax)
    if inner.startswith(name + "/"):
        return name
    common = []
    for a, b in zip(name.split("/")[:-1], inner.split("/")[:-1]):
        if a != b:
            break
        common.append(a)
    return "/".join(common) if any(common) else name


def _self_attention(imp, softmax) -> bool:
    if id(softmax) in imp.skip:
        return False
    region = _SelfAttention(imp, softmax)
    if not region.find():
        return False
    last = imp.producer[region.y]
    taken = {k for k in region.nodes if k != id(last) and k not in imp.skip}
    before = imp.fused.get(id(last))
    imp.skip.update(taken)
    name = _layer_name(imp, last, softmax)

    def emit(imp, node):
        try:
            attrs = region.attrs()
        except _Decline:       # not one attention op: the nodes, in the graph's order, as the handlers read them
            imp.skip.difference_update(taken)
            if before is None:
                imp.fused.pop(id(last))
            else:
                imp.fused[id(last)] = before
            order = _order(imp)
            for n in sorted((region.nodes[k] for k in taken), key=lambda n: order[id(n)]):
                imp.visit(n)
            imp.visit(last)
            return
        imp.emit(node, "attention", attrs, [region.x], name=name)
    imp.fused[id(last)] = emit
    return True


add_fusion("Softmax", _self_attention)
