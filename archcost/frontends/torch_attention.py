"""from_torch for torchvision's MaxViT and Swin v2 (registered into torch_import's tables).

MaxViT's modules are known by class name (archcost does not import torchvision) and kept whole by the
tracer: ``RelativePositionalMultiHeadAttention`` is an ``attention`` over G groups of L tokens with its
relative position table (``rel_pos``: the window side), ``WindowPartition`` a ``partition``,
``WindowDepartition`` its ``departition``
back into the map the partition cut, ``SwapAxes`` a ``transpose`` (after a partition: a grid partition).

Swin v2's continuous position bias MLP runs on a buffer (the relative coordinates), not on the input: the
nodes computed from buffers only are no layers, and the ``window_attention`` (v2) that reads their result
counts the MLP's parameters and multiply-adds. A module with parameters computing from buffers that no
such op reads is refused (its parameters would be lost).
"""

from __future__ import annotations

from ..errors import ArchcostError
from .torch_import import BY_CLASS, _attr, nn


def from_buffers(rows, node) -> bool:
    """Is ``node`` computed from buffers only (and other such nodes)? Then it is no layer: its modules with
    parameters are remembered until an op that counts them claims them."""
    inputs = node.all_input_nodes
    consts = vars(rows).setdefault("_from_buffers", {})
    if not inputs or not all(i in consts or (i.op == "get_attr" and not isinstance(_attr(rows.gm, i.target),
                                                                                  nn.Parameter)) for i in inputs):
        return False
    weighted = set().union(*(consts.get(i, set()) for i in inputs))
    if node.op == "call_module" and any(True for _ in rows.gm.get_submodule(node.target).parameters()):
        weighted.add(node.target)
    consts[node] = weighted
    return True


def check_claimed(rows) -> None:
    consts = vars(rows).get("_from_buffers", {})
    left = set().union(set(), *consts.values()) - vars(rows).get("_claimed", set())
    if left:
        raise ArchcostError(f"the module '{sorted(left)[0]}' computes from buffers only, never from the input, and "
                            "no layer archcost knows reads its result: its parameters would not be counted",
                            "archcost maps Swin v2's position bias MLP (read by shifted_window_attention)")


def swin_v2_attrs(rows, node, bias) -> dict:
    """Swin v2's window attention: the position bias MLP (Linear 2 -> N with bias, ReLU, Linear N -> heads
    without) that computed ``bias`` from the relative coordinates, claimed here and counted by the op."""
    modules = sorted(vars(rows).get("_from_buffers", {}).get(bias, ()))
    linears = [rows.gm.get_submodule(t) for t in modules]
    if len(linears) != 2 or not all(isinstance(m, nn.Linear) for m in linears) or \
            linears[0].in_features != 2 or linears[0].bias is None or linears[1].bias is not None or \
            linears[1].in_features != linears[0].out_features:
        raise ArchcostError("Swin v2's attention whose position bias is not made by torchvision's MLP (Linear 2 -> N "
                            "with bias, ReLU, Linear N -> heads without)", "")
    vars(rows).setdefault("_claimed", set()).update(modules)
    return {"v2": True, "cpb_hidden": linears[0].out_features}


def _relative_attention(rows, node, m):
    """torchvision's RelativePositionalMultiHeadAttention on G x L x D: attention with rel_pos."""
    x = rows.act(node.args[0])
    if len(x.shape) != 3 or m.to_qkv.bias is None or m.merge.bias is None:
        raise ArchcostError("MaxViT's attention on other than groups x tokens x dim, or without biases", "")
    rows.emit(node, "attention", {"heads": m.n_heads, "rel_pos": m.size})


def _swaps(rows, node) -> bool:
    """Is ``node`` torchvision's SwapAxes (the grid partition's swap of groups and tokens)?"""
    return node.op == "call_module" and type(rows.gm.get_submodule(node.target)).__name__ == "SwapAxes"


def _partition_attrs(p, h, grid):
    """size and grid of a partition by P (its block side): a grid's size is H / P (tokens per group side)."""
    return {"size": h // p, "grid": True} if grid else {"size": p}


def _partition(rows, node, m):
    """WindowPartition(x, p); a SwapAxes after it makes it a grid (the grid attention's partition_swap)."""
    x = rows.act(node.args[0])
    grid = len(node.users) == 1 and _swaps(rows, next(iter(node.users)))
    rows.emit(node, "partition", _partition_attrs(node.args[1], x.shape[1], grid))
    vars(rows).setdefault("_maps", {})[node.target.rpartition(".")[0]] = node.args[0]


def _departition(rows, node, m):
    """WindowDepartition(x, p, h/p, w/p) back into the map the partition of the same layer cut."""
    where = vars(rows).get("_maps", {}).get(node.target.rpartition(".")[0])
    if where is None:
        raise ArchcostError("a WindowDepartition without a WindowPartition in the same layer", "")
    h = rows.act(where).shape[1]
    rows.emit(node, "departition", _partition_attrs(node.args[1], h, _swaps(rows, node.args[0])),
              [node.args[0], where])


def _swap_axes(rows, node, m):
    rank = len(rows.act(node.args[0]).shape) + 1
    i, j = m.a % rank, m.b % rank
    if 0 in (i, j):
        raise ArchcostError("a transpose of the batch axis", "archcost's shapes have the batch first")
    rows.emit(node, "transpose", {"dims": sorted([i - 1, j - 1])})


BY_CLASS.update({"RelativePositionalMultiHeadAttention": _relative_attention, "WindowPartition": _partition,
                 "WindowDepartition": _departition, "SwapAxes": _swap_axes})
