"""ONNX export and import of the classic CNN ops that no single ONNX op computes: LeNet-5's ``subsample``,
C3's ``conv`` with a connection ``table`` and the ``rbf`` output units (LeCun et al. 1998), ResNet option A's
``zeropad_shortcut`` (He et al. 2016) and the ``deform_conv`` of Dai et al. 2017.

Each is written as the standard ONNX nodes that compute it, and the import recognises those nodes by their
structure (which node feeds which, the shapes of the weights), so a graph built by hand or by another tool
in the same form imports as the same one layer, named as its last node:

- ``subsample`` (the K x K window sum x one coefficient + one bias per map): AveragePool -> Mul by a
  C x 1 x 1 weight (K_h x K_w x the coefficient, as the pool averages) -> Add of a C x 1 x 1 bias;
- a ``conv`` with a connection ``table``: its filters in runs of equal fan-in, each run a Gather of the
  maps its filters read (filter after filter) and a Conv with one group per filter, joined by a Concat
  (LeNet-5's C3: runs of 6, 9 and 1 filters reading 3, 4 and 6 maps);
- ``rbf`` (y_i = sum_j (x_j - w_ij)^2): Unsqueeze -> Sub of the out x in weights -> Mul by itself (or
  Pow 2) -> ReduceSum over the inputs;
- ``zeropad_shortcut``: Slice with steps s on H and W (one Slice, or one per axis as torch writes
  ``x[:, :, ::s, ::s]``) -> Pad of the channels with zeros;
- ``deform_conv``: the offset Conv of the input (2 x K_h x K_w x deform_groups filters, the same window)
  -> DeformConv reading the input and the offsets. DeformConv is in ONNX from opset 19: the exporter
  writes opset 19 only for a graph that has one, opset 17 (readable by older runtimes) otherwise.

>>> import archcost
>>> from archcost.frontends.onnx_export import export_model
>>> model = export_model(archcost.build_graph("lenet5"), weights="none")
>>> [n.op_type for n in model.graph.node if n.op_type != "Constant"][:8]
['Conv', 'Tanh', 'AveragePool', 'Mul', 'Add', 'Tanh', 'Gather', 'Conv']
"""

from __future__ import annotations

import math

from ..errors import ArchcostError
from ..ops.deform import DeformConv
from .onnx_import import HANDLERS, INTERNAL, WEIGHT_SLOTS, _attrs, add_fusion, _awaits, _conv_attrs, _pool_attrs, _put

DEFORM_OPSET = 19   # DeformConv's first opset


# ---------------------------------------------------------------- export: one function per archcost op
def exporters(export: dict) -> dict:
    """The writers of this module's ops, given the exporter's table (their plain forms: conv, avgpool, pad)."""
    plain_conv, pool, pad = export["conv"], export["avgpool"], export["pad"]

    def conv(w, name, a, ins, shapes, out):
        if a["table"] is None:
            return plain_conv(w, name, a, ins, shapes, out)
        runs = _runs(a["table"])
        parts = []
        for k, rows in enumerate(runs):
            part = name if len(runs) == 1 else f"{name}/run{k}"
            index = w.const(f"{part}/maps_index", [m for row in rows for m in row])
            maps = w.node("Gather", [ins[0], index], f"{part}/maps", f"{part}/maps", axis=1)
            plain_conv(w, part, {**a, "table": None, "groups": len(rows), "out": len(rows)}, [maps],
                       [(len(rows) * len(rows[0]), *shapes[0][1:])], None)
            parts.append(part)
        if len(parts) > 1:
            w.node("Concat", parts, name, name, axis=1)

    def subsample(w, name, a, ins, shapes, out):
        maps = shapes[0][0]
        window = f"{name}/window"
        pool(w, window, a, ins, shapes, out)
        scaled = f"{name}/scale" if a["bias"] else name
        w.node("Mul", [window, w.weight(f"{name}.weight", [maps, 1, 1])], scaled, scaled)
        if a["bias"]:
            w.node("Add", [scaled, w.weight(f"{name}.bias", [maps, 1, 1])], name, name)

    def rbf(w, name, a, ins, shapes, out):
        x = ins[0]
        if len(shapes[0]) != 1:
            x = w.node("Flatten", [x], f"{name}/flatten", f"{name}/flatten", doc=INTERNAL, axis=1)
        rows = w.node("Unsqueeze", [x, w.const(f"{name}/rows_axes", [1])], f"{name}/rows", f"{name}/rows")
        weights = w.weight(f"{name}.weight", [a["out"], math.prod(shapes[0])])
        diff = w.node("Sub", [rows, weights], f"{name}/diff", f"{name}/diff")
        square = w.node("Mul", [diff, diff], f"{name}/square", f"{name}/square")
        w.node("ReduceSum", [square, w.const(f"{name}/sum_axes", [2])], name, name, keepdims=0)

    def zeropad_shortcut(w, name, a, ins, shapes, out):
        c, h, wd = shapes[0]
        s = a["stride"]
        strided = w.node("Slice", [ins[0], w.const(f"{name}/starts", [0, 0]), w.const(f"{name}/ends", [h, wd]),
                                   w.const(f"{name}/axes", [2, 3]), w.const(f"{name}/steps", [s, s])],
                         f"{name}/strided", f"{name}/strided")
        extra = a["out"] - c    # half before, half after, as F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, p, p))
        pad(w, name, {"pads": [0, 0, 0, 0, extra // 2, extra - extra // 2]}, [strided], [out], out)

    def deform_conv(w, name, a, ins, shapes, out):
        offsets = f"{name}/offset"
        plain_conv(w, offsets, DeformConv.offset_branch(a), ins, shapes, None)
        w.opset = max(w.opset, DEFORM_OPSET)
        plain_conv(w, name, a, [ins[0], offsets], shapes, out, op_type="DeformConv",
                   offset_group=a["deform_groups"])

    return {"conv": conv, "subsample": subsample, "rbf": rbf, "zeropad_shortcut": zeropad_shortcut,
            "deform_conv": deform_conv}


def _runs(table) -> list:
    """A connection table's filters in runs of equal fan-in: [[row, row, ...], ...] in filter order."""
    runs = []
    for row in table:
        if runs and len(runs[-1][0]) == len(row):
            runs[-1].append(list(row))
        else:
            runs.append([list(row)])
    return runs


# ---------------------------------------------------------------- import: patterns found before the walk
def _taken(imp, node) -> bool:
    return id(node) in imp.skip or id(node) in imp.fused


def _only(imp, t, op_type):
    """The node reading ``t``, when it is the only one and of ``op_type`` (it may read ``t`` twice)."""
    uses = imp.consumers.get(t, [])
    if not uses or t in imp.outputs or any(u is not uses[0] for u in uses) or uses[0].op_type != op_type:
        return None
    return uses[0]


def _made_by(imp, t, op_type):
    node = imp.producer.get(t)
    return node if node is not None and node.op_type == op_type else None


def _ints(imp, node, index: int, attr: str):
    """An integer list given as an attribute (older opsets) or as a constant input, or None."""
    a = _attrs(node)
    if attr in a:
        return [int(v) for v in a[attr]]
    t = node.input[index] if len(node.input) > index else ""
    v = imp.static_value(t) if t else None
    return None if v is None else [int(x) for x in v.reshape(-1)]


def _other(node, t) -> str:
    """The input of a two-input node besides ``t`` (``t`` itself when it reads ``t`` twice)."""
    return node.input[1] if node.input[0] == t else node.input[0]


def _per_map(imp, t):
    """The number of maps of a learned C x 1 x 1 (or 1 x C x 1 x 1) constant, or None."""
    if t not in imp.params:
        return None
    shape = tuple(imp.const_shape(t))
    return shape[-3] if shape[-2:] == (1, 1) and len(shape) in (3, 4) and math.prod(shape[:-3]) == 1 else None


def _subsample(imp, pool):
    """AveragePool -> Mul by a learned C x 1 x 1 -> (Add of a learned C x 1 x 1) -> one ``subsample``."""
    mul = _only(imp, pool.output[0], "Mul")
    if _taken(imp, pool) or mul is None or len(pool.output) > 1:
        return
    maps = _per_map(imp, _other(mul, pool.output[0]))
    if maps is None:
        return
    add = _only(imp, mul.output[0], "Add")
    bias = add is not None and _per_map(imp, _other(add, mul.output[0])) == maps
    chain = [pool, mul, add] if bias else [pool, mul]

    def build(imp, node):
        x = pool.input[0]
        if imp.act(x).shape[0] != maps:
            raise ArchcostError(f"a trainable subsampling (AveragePool, Mul, Add) with {maps} coefficients for "
                                f"{imp.act(x).shape[0]} maps", "give one coefficient and one bias per map")
        attrs = _pool_attrs(imp, pool, _attrs(pool))
        _put(attrs, "bias", bias, True)
        imp.emit(node, "subsample", attrs, [x])

    imp.skip.update(id(n) for n in chain[:-1])
    imp.fused[id(chain[-1])] = build


def _table_run(imp, gather):
    """Gather of channels by a constant list -> a grouped Conv: (the conv, each filter's maps), or None."""
    conv = _only(imp, gather.output[0], "Conv")
    index = imp.static_value(gather.input[1])
    if conv is None or conv.input[0] != gather.output[0] or index is None or index.ndim != 1 or \
            _attrs(gather).get("axis", 0) not in (1, -3) or len(conv.input) < 2 or conv.input[1] not in imp.consts:
        return None
    filters, fan_in = (int(d) for d in imp.const_shape(conv.input[1])[:2])
    groups = int(_attrs(conv).get("group", 1))
    if index.size != groups * fan_in or filters % groups:
        return None
    maps = [int(m) for m in index]
    per_group = filters // groups
    return conv, [maps[(f // per_group) * fan_in:(f // per_group + 1) * fan_in] for f in range(filters)]


def _run_into(imp, t):
    """The Gather -> Conv run that makes ``t``: (the gather, the conv, each filter's maps), or None."""
    conv = _made_by(imp, t, "Conv")
    gather = _made_by(imp, conv.input[0], "Gather") if conv is not None else None
    run = _table_run(imp, gather) if gather is not None else None
    return (gather, *run) if run is not None and run[0] is conv else None


def _window_of(conv) -> dict:
    """A conv's window attributes, to tell convs that differ only in their filters."""
    return {k: v for k, v in _attrs(conv).items() if k != "group"}


def _table_conv(imp, gather):
    """Gather -> grouped Conv (one run of filters), several joined by a Concat of channels -> one ``conv``
    with a connection table, named as the Concat (or the Conv of a single run)."""
    first = _table_run(imp, gather)
    if _taken(imp, gather) or first is None:
        return
    conv, _ = first
    parts, last, source = [(gather, *first)], conv, gather.input[0]
    concat = _only(imp, conv.output[0], "Concat")
    if concat is not None and not _taken(imp, concat) and _attrs(concat).get("axis") in (1, -3):
        joined = [_run_into(imp, t) for t in concat.input]
        if all(p is not None and p[0].input[0] == source and _window_of(p[1]) == _window_of(conv) and
               (len(p[1].input) > 2) == (len(conv.input) > 2) for p in joined):
            parts, last = joined, concat
    table = [row for _, _, rows in parts for row in rows]

    def build(imp, node):
        attrs = _conv_attrs(imp, conv, _attrs(conv), source)
        attrs.pop("groups", None)
        attrs["out"] = len(table)
        attrs["table"] = table
        imp.emit(node, "conv", attrs, [source])

    imp.skip.update(id(n) for g, c, _ in parts for n in (g, c) if n is not last)
    imp.fused[id(last)] = build


def _rbf(imp, total):
    """Unsqueeze(x) -> Sub of learned out x in weights -> square (Mul by itself, Pow 2) -> ReduceSum over the
    inputs -> one ``rbf`` of x (LeNet-5's output units)."""
    square = imp.producer.get(total.input[0])
    if _taken(imp, total) or square is None or _only(imp, square.output[0], "ReduceSum") is not total or \
            _ints(imp, total, 1, "axes") not in ([2], [-1]) or _attrs(total).get("keepdims", 1) != 0:
        return
    diff = square.input[0]
    two = imp.static_value(square.input[1]) if square.op_type == "Pow" else None
    if not ((square.op_type == "Mul" and square.input[1] == diff) or (two is not None and two.size == 1 and
                                                                      float(two.reshape(-1)[0]) == 2.0)):
        return
    sub = _made_by(imp, diff, "Sub")
    if sub is None or _only(imp, diff, square.op_type) is not square:
        return
    weights = [t for t in sub.input if t in imp.params and len(imp.const_shape(t)) == 2]
    rows = [_made_by(imp, t, "Unsqueeze") for t in sub.input if t not in weights]
    if len(weights) != 1 or len(rows) != 1 or rows[0] is None or _ints(imp, rows[0], 1, "axes") not in ([1], [-2]) \
            or _only(imp, rows[0].output[0], "Sub") is not sub:
        return
    out, fan_in = (int(d) for d in imp.const_shape(weights[0]))
    x = rows[0].input[0]

    def build(imp, node):
        if math.prod(imp.act(x).shape) != fan_in:
            raise ArchcostError(f"RBF units with {fan_in} weights each for {math.prod(imp.act(x).shape)} inputs",
                                "give each unit one weight per input")
        imp.emit(node, "rbf", {"out": out}, [x])

    imp.skip.update((id(rows[0]), id(sub), id(square)))
    imp.fused[id(total)] = build


def _zeropad_shortcut(imp, pad):
    """Slice(s) with steps s on H and W -> Pad of the channels with zeros -> one ``zeropad_shortcut``. The
    pads may be computed by the graph (torch's exporter), so they are read in the walk; a Pad of other axes
    falls back to the Slice and Pad handlers."""
    if _taken(imp, pad):
        return
    slices, node = [], pad
    while len(slices) < 2:    # one Slice of H and W, or one per axis
        step = _made_by(imp, node.input[0], "Slice")
        if step is None or _only(imp, step.output[0], node.op_type) is not node:
            break
        slices.append(step)
        node = step
    t, ends, stride = node.input[0], {}, set()
    for n in slices:
        starts, stop, on, steps = (_ints(imp, n, i, "") for i in (1, 2, 3, 4))
        given = [len(n.input) > i and bool(n.input[i]) for i in (3, 4)]
        if None in (starts, stop) or (given[0] and on is None) or (given[1] and steps is None):
            return
        on, steps = on or list(range(len(starts))), steps or [1] * len(starts)
        if any(starts) or not {a % 4 for a in on} <= {2, 3}:
            return
        ends.update((a % 4, e) for a, e in zip(on, stop))
        stride.update(steps)
    if set(ends) != {2, 3} or len(stride) != 1 or min(stride) < 1:
        return
    (s,) = stride
    plain = [*reversed(slices), pad]

    def build(imp, node):
        x = imp.act(t)
        pads = _attrs(pad).get("pads") or (imp.value(pad.input[1]).tolist() if len(pad.input) > 1 else None)
        fill = imp.scalar(pad.input[2]) if len(pad.input) > 2 and pad.input[2] else 0.0
        if pads is None or len(pads) != 8 or any(pads[i] for i in (0, 2, 3, 4, 6, 7)) or fill != 0.0 or \
                _attrs(pad).get("mode", "constant") != "constant" or any(ends[a] < x.shape[a - 1] for a in (2, 3)):
            for n in plain:     # not a zero-padded shortcut: each node as it is
                HANDLERS[n.op_type](imp, n, _attrs(n))
            return
        imp.emit(node, "zeropad_shortcut", {"out": x.shape[0] + int(pads[1]) + int(pads[5]), "stride": s}, [t])

    imp.skip.update(id(n) for n in slices)
    imp.fused[id(pad)] = build


class _Seen:
    """A node seen with other inputs (DeformConv's X, W, B as a Conv's)."""

    def __init__(self, node, inputs):
        self.op_type, self.name, self.input, self.output = node.op_type, node.name, inputs, node.output


def _deform_conv(imp, dc):
    """Conv of x giving the offsets -> DeformConv(x, W, offsets, B) -> one ``deform_conv``, named as the
    DeformConv. A mask input (modulated, DCNv2) has no archcost op."""
    offsets = _made_by(imp, dc.input[2], "Conv") if len(dc.input) > 2 else None
    if offsets is None or offsets.input[0] != dc.input[0] or _only(imp, offsets.output[0], "DeformConv") is not dc \
            or (len(dc.input) > 4 and dc.input[4]) or _window_of(offsets) != \
            {k: v for k, v in _attrs(dc).items() if k not in ("group", "offset_group")}:
        return
    x = dc.input[0]

    def build(imp, node):
        attrs = _conv_attrs(imp, _Seen(dc, [x, dc.input[1], *dc.input[3:4]]), _attrs(dc), x)
        groups = int(_attrs(dc).get("offset_group", 1))
        kh, kw = imp.const_shape(dc.input[1])[2:]
        field = _conv_attrs(imp, offsets, _attrs(offsets), x)
        if field["out"] != 2 * kh * kw * groups or field.get("groups", 1) != 1:
            raise ArchcostError(f"the offset conv has {field['out']} filters (groups {field.get('groups', 1)}) for "
                                f"a {kh} x {kw} DeformConv with offset_group {groups}",
                                f"give it 2 x {kh} x {kw} x {groups} = {2 * kh * kw * groups} filters over all "
                                "the input channels")
        _put(attrs, "deform_groups", groups, 1)
        _put(attrs, "offset_bias", field.get("bias", True), True)
        imp.emit(node, "deform_conv", attrs, [x])

    imp.skip.add(id(offsets))
    imp.fused[id(dc)] = build


for _op, _fuse in (("AveragePool", _subsample), ("Gather", _table_conv), ("ReduceSum", _rbf),
                   ("Pad", _zeropad_shortcut), ("DeformConv", _deform_conv)):
    add_fusion(_op, _fuse)
HANDLERS["DeformConv"] = _awaits("a DeformConv whose offsets are not a Conv of its input with its window, or "
                                 "with a mask (modulated deformable conv)")
WEIGHT_SLOTS.add("DeformConv")
