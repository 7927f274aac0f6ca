"""ONNX export of MaxViT's ops (registered into :data:`~archcost.frontends.onnx_export.EXPORT`): the window
or grid ``partition`` and its ``departition`` as Reshape + Transpose + Reshape, as torchvision's
WindowPartition and WindowDepartition write them, and the relative position bias of MaxViT's attention
(the table gathered by a constant index, added to Q K^T), which ``attention`` writes with ``rel_pos``.

>>> import archcost
>>> from archcost.frontends.onnx_export import export_model
>>> model = export_model(archcost.build_graph("maxvit_t"), weights="none")
>>> [n.op_type for n in model.graph.node if n.name.startswith("blocks.0.layers.0.layers.window_attention.partition_op")]
['Constant', 'Reshape', 'Transpose', 'Constant', 'Reshape']
"""

from __future__ import annotations

from ..arith import value
from ..ops.tokens import _partition_side
from .onnx_export import EXPORT
from .onnx_maxvit import relative_position_index


def relative_position_bias(w, name, side, heads, scores):
    """scores + table[index] (the table (2S - 1)^2 x heads, a weight; heads x L x L after the gather),
    broadcast over the batch and the groups. Returns the biased scores."""
    side, length = int(side), int(side) * int(side)
    table = w.weight(f"{name}.relative_position_bias_table", [(2 * side - 1) ** 2, heads])
    index = w.const(f"{name}/relative_position_index", relative_position_index(side))
    rows = w.node("Gather", [table, index], f"{name}/pos_gather", f"{name}/pos_gather", axis=0)
    square = w.node("Reshape", [rows, w.const(f"{name}/pos_shape", [length, length, heads])], f"{name}/pos_square",
                    f"{name}/pos_square")
    bias = w.node("Transpose", [square], f"{name}/pos_heads", f"{name}/pos_heads", perm=[2, 0, 1])
    return w.node("Add", [scores, bias], f"{name}/pos_bias", f"{name}/pos_bias")


def _partition(w, name, a, ins, shapes, out):
    """C x H x W -> (H/P x W/P) x P^2 x C: torchvision's WindowPartition (reshape, permute, reshape)."""
    c, h, wd = map(value, shapes[0])
    p = _partition_side(a, h, wd)
    blocks = w.node("Reshape", [ins[0], w.const(f"{name}/blocks_shape", [1, c, h // p, p, wd // p, p])], f"{name}/blocks",
                    f"{name}/blocks")
    moved = w.node("Transpose", [blocks], f"{name}/permute", f"{name}/permute", perm=[0, 2, 4, 3, 5, 1])
    w.node("Reshape", [moved, w.const(f"{name}/shape", [1, (h // p) * (wd // p), p * p, c])], name, name)


def _departition(w, name, a, ins, shapes, out):
    """(H/P x W/P) x P^2 x C -> C x H x W of the map (the second input, read for its shape only):
    torchvision's WindowDepartition."""
    c, h, wd = map(value, shapes[1])
    p = _partition_side(a, h, wd)
    blocks = w.node("Reshape", [ins[0], w.const(f"{name}/blocks_shape", [1, h // p, wd // p, p, p, c])], f"{name}/blocks",
                    f"{name}/blocks")
    moved = w.node("Transpose", [blocks], f"{name}/permute", f"{name}/permute", perm=[0, 5, 1, 3, 2, 4])
    w.node("Reshape", [moved, w.const(f"{name}/shape", [1, c, h, wd])], name, name)


EXPORT.update({"partition": _partition, "departition": _departition})
