"""ONNX import of MaxViT (registered into :data:`~archcost.frontends.onnx_import.HANDLERS` and ``FUSE``),
as ``archcost export`` writes it and as torch's exporter writes torchvision's ``maxvit_t``:

- ``Reshape -> Transpose(0, 2, 4, 3, 5, 1) -> Reshape`` of a map into (H/P x W/P) x P^2 x C is a
  ``partition`` (a grid one when a ``Transpose(0, 2, 1, 3)`` swaps its groups and tokens next), and
  ``Reshape -> Transpose(0, 5, 1, 3, 2, 4) -> Reshape`` back is its ``departition``;
- a table (a weight) gathered by a constant index, reshaped and transposed, added to the scores
  (``archcost export``, or torch's exporter without constant folding) is a ``rel_pos_bias`` with
  that table; torch's exporter folds the gather by default, leaving a constant heads x L x L bias:
  when its values are a relative position table gathered (each relative offset of two tokens of
  an S x S window has one value per head) it counts as that (2S - 1)^2 x heads table, else as a table
  of L x L entries (what the file holds);
- ``Einsum`` of two activations as a batched matmul (``...ik,...jk->...ij``: Q K^T; ``...ij,...jk->...ik``:
  A V) is a ``matmul``;
- a Slice of the last axis in equal chunks (torch's ``qkv.chunk(3, -1)``) is a ``select`` of a reshape
  into (chunks x size): a view, no FLOPs.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ArchcostError
from . import onnx_import as base
from .onnx_import import HANDLERS, _attrs, add_fusion


def relative_position_index(side: int) -> np.ndarray:
    """The L x L index (L = side^2) of each pair of tokens' relative position into a (2 side - 1)^2 table,
    as torchvision's maxvit._get_relative_position_index computes it, flattened.

    >>> relative_position_index(2).reshape(4, 4).tolist()
    [[4, 3, 1, 0], [5, 4, 2, 1], [7, 6, 4, 3], [8, 7, 5, 4]]
    """
    rows, cols = np.divmod(np.arange(side * side), side)
    dr = rows[:, None] - rows[None, :] + side - 1
    dc = cols[:, None] - cols[None, :] + side - 1
    return (dr * (2 * side - 1) + dc).reshape(-1).astype(np.int64)


def _perm(node):
    return list(_attrs(node).get("perm", []))


def _target(imp, node):
    """A Reshape's constant target shape (a list), or None."""
    if node is None or node.op_type != "Reshape" or len(node.input) < 2:
        return None
    v = imp.static_value(node.input[1])
    return None if v is None or (v <= 0).any() else [int(d) for d in v.reshape(-1)]


def _only(imp, t, op_type):
    n = imp.sole_consumer(t)
    return n if n is not None and n.op_type == op_type else None


def _partitions(imp) -> dict:
    """(C, H/P, P, W/P) -> the map a partition cut: a departition puts its tokens back into that map."""
    if "_maxvit_maps" not in vars(imp):
        imp._maxvit_maps = {}
    return imp._maxvit_maps


def _partition(imp, t):
    """Reshape (1, C, H/P, P, W/P, P) -> Transpose(0, 2, 4, 3, 5, 1) -> Reshape (1, G, P^2, C): torchvision's
    WindowPartition; a Transpose(0, 2, 1, 3) after it makes it a grid (torchvision's partition_swap)."""
    perm = _perm(t)
    if perm not in ([0, 2, 4, 3, 5, 1], [0, 5, 1, 3, 2, 4]):
        return
    before, after = imp.producer.get(t.input[0]), _only(imp, t.output[0], "Reshape")
    into, out = _target(imp, before), _target(imp, after)
    if into is None or out is None or len(into) != 6 or len(out) != 4 or imp.sole_consumer(before.output[0]) is not t:
        return
    if perm[1] == 2:      # partition: (1, C, H/P, P, W/P, P) -> (1, H/P x W/P, P x P, C)
        _, c, hp, p, wp, p2 = into
        if p != p2 or out != [1, hp * wp, p * p, c]:
            return
        swap = _only(imp, after.output[0], "Transpose")
        grid = swap is not None and _perm(swap) == [0, 2, 1, 3]
        _partitions(imp)[(c, hp, p, wp)] = before.input[0]
        fused = ("partition", {"size": hp, "grid": True} if grid else {"size": p}, before.input[0])
    else:                 # departition: (1, H/P, W/P, P, P, C) -> (1, C, H, W)
        _, hp, wp, p, p2, c = into
        where = _partitions(imp).get((c, hp, p, wp))
        if p != p2 or out != [1, c, hp * p, wp * p] or where is None:
            return
        swap = imp.producer.get(before.input[0])
        grid = swap is not None and swap.op_type == "Transpose" and _perm(swap) == [0, 2, 1, 3]
        fused = ("departition", {"size": hp, "grid": True} if grid else {"size": p}, [before.input[0], where])
    imp.skip.update((id(before), id(t)))
    imp.fused[id(after)] = fused + (imp.node_name(after),)


def _constant(imp, t, depth=0) -> bool:
    """Computed from initializers and Constant nodes only (the network's input reaches it nowhere)."""
    if t in imp.consts:
        return True
    maker = imp.producer.get(t)
    if maker is None or depth > 32:
        return False
    return maker.op_type == "Constant" or all(_constant(imp, x, depth + 1) for x in maker.input if x)


def _gathered_bias(imp, gather):
    """table[index] -> Reshape / Transpose / Unsqueeze -> Add to the scores: one ``rel_pos_bias``."""
    table = gather.input[0]
    while table not in imp.consts and table in imp.producer and imp.producer[table].op_type == "Identity":
        table = imp.producer[table].input[0]     # a table shared through Identity (equal-valued initializers)
    if table not in imp.params or not _constant(imp, gather.input[1]) or _attrs(gather).get("axis", 0) != 0 or \
            len(imp.const_shape(table)) != 2:
        return
    chain, t = [gather], gather.output[0]
    while True:
        n = imp.sole_consumer(t)
        if n is None:
            return
        if n.op_type == "Add":
            break
        if n.op_type not in ("Reshape", "Transpose", "Unsqueeze", "Squeeze", "Identity") or \
                not all(_constant(imp, x) for x in n.input[1:] if x):
            return
        chain.append(n)
        t = n.output[0]
    scores = [x for x in n.input if x != t]
    if len(scores) != 1 or _constant(imp, scores[0]):
        return
    imp.skip.update(id(x) for x in chain)
    imp.fused[id(n)] = ("rel_pos_bias", {"entries": int(imp.const_shape(table)[0])}, scores[0])


def _einsum(imp, node, a):
    """A batched matmul of two activations written as an Einsum (torchvision's MaxViT: Q K^T and A V)."""
    eq = a.get("equation", "").replace(" ", "")
    terms, _, result = eq.partition("->")
    left, _, right = terms.partition(",")
    x, y = node.input[:2] if len(node.input) == 2 else (None, None)
    n = len(result)
    if x in imp.acts and y in imp.acts and n >= 3 and len(left) == len(right) == n and \
            left[:-2] == right[:-2] == result[:-2]:
        i, k = left[-2:]
        if right[-2:] == result[-1] + k and result[-2] == i:       # ...ik, ...jk -> ...ij
            imp.emit(node, "matmul", {"transpose_b": True}, [x, y])
            return
        if right[-2:] == k + result[-1] and result[-2] == i:       # ...ik, ...kj -> ...ij
            imp.emit(node, "matmul", {}, [x, y])
            return
    raise ArchcostError(f"Einsum '{eq}': archcost maps a batched matmul of two activations (...ik,...kj->...ij, "
                        "or ...ik,...jk->...ij)", "pass --allow-unknown to count it as 0")


def _score_bias(imp, node, x, c) -> bool:
    """scores + a constant (1 x) heads x L x L bias (torch's exporter folded table[index]) -> rel_pos_bias."""
    full, shape = imp.full(x), tuple(imp.const_shape(c))
    if c not in imp.params or len(full) < 4 or len(shape) not in (3, 4) or shape[-3:] != full[-3:] or \
            math.prod(shape[:-3]) != 1 or full[-1] != full[-2]:
        return False
    heads, length = shape[-3], shape[-1]
    side = math.isqrt(length)
    entries = length * length
    if side * side == length:
        values = np.asarray(imp.value(c)).reshape(heads, entries).T
        index = relative_position_index(side)
        table = np.zeros(((2 * side - 1) ** 2, heads), values.dtype)
        table[index] = values
        if np.array_equal(table[index], values):   # one value per relative offset: a gathered table
            entries = (2 * side - 1) ** 2
    imp.emit(node, "rel_pos_bias", {"entries": entries}, [x])
    return True


def _add(handler):
    def handle(imp, node, a):
        acts = [t for t in node.input if t in imp.acts]
        consts = [t for t in node.input if t in imp.consts]
        if len(acts) == 1 and len(consts) == 1 and _score_bias(imp, node, acts[0], consts[0]):
            return
        handler(imp, node, a)
    return handle


def _chunk(handler):
    """A Slice of the last axis taking one of n equal chunks -> select of a (n x size) reshape (shared by the
    chunks of one tensor)."""
    def handle(imp, node, a):
        src = node.input[0]
        if node.op_type != "Slice" or src not in imp.acts or len(node.input) < 4 or not node.input[3]:
            return handler(imp, node, a)
        full = imp.full(src)
        starts, ends, axes = (imp.static_value(t) for t in node.input[1:4])
        steps = imp.static_value(node.input[4]) if len(node.input) > 4 and node.input[4] else np.ones(1)
        if any(v is None or v.size != 1 for v in (starts, ends, axes, steps)) or int(axes.reshape(-1)[0]) % len(full) \
                != len(full) - 1 or int(steps.reshape(-1)[0]) != 1 or len(full) < 3:
            return handler(imp, node, a)
        size = full[-1]
        r = range(*slice(int(starts.reshape(-1)[0]), int(ends.reshape(-1)[0])).indices(size))
        width = len(r)
        if not width or size % width or r.start % width or width == size:
            return handler(imp, node, a)
        chunks = vars(imp).setdefault("_maxvit_chunks", {})
        key = (src, width)
        if key not in chunks:
            shape = list(imp.act(src).shape[:-1]) + [size // width, width]
            chunks[key] = f"{src}/chunks{width}"
            imp.emit(node, "reshape", {"shape": shape}, [src], out=chunks[key], name=f"{imp.node_name(node)}.chunks")
        rank = len(imp.act(chunks[key]).shape)
        imp.emit(node, "select", {"axis": rank - 2, "index": r.start // width}, [chunks[key]])
    return handle


add_fusion("Transpose", _partition)
add_fusion("Gather", _gathered_bias)
HANDLERS["Einsum"] = base._or_unknown(_einsum)
HANDLERS["Add"] = _add(HANDLERS["Add"])
HANDLERS["Slice"] = _chunk(HANDLERS["Slice"])
