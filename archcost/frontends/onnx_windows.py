"""ONNX import of Swin's constructs, as torch's exporter writes torchvision's Swin (and ``archcost
export`` writes the zoo's): patterns found before the walk, each becoming one archcost layer.

- **window attention** (``shifted_window_attention``): the map padded to windows, rolled (two
  ``Slice`` + ``Concat`` per axis), partitioned (``Reshape -> Transpose -> Reshape``), the Q, K, V
  linear, the heads, Q K^T (v2: of the normalised Q and K, times the logit scale), the relative
  position bias and the shifted windows' mask added to the scores (constants computed from the
  table, the index and the map's shape: ``ScatterND``, ``Where``... folded, never layers), softmax,
  A V, the output linear, the windows put back, rolled back and unpadded -> one
  ``window_attention`` whose heads, window, shift and v2 are read from the graph; its rule counts the
  projections, the bias table (v1) or the position bias MLP and logit scales (v2), as the zoo's
  spec does. Found from its softmax: the scores' ``MatMul`` before it, A V after, both fed by one
  linear; anything else is left to the ordinary handlers.
- **patch merging**: four strided slices (``x[:, 0::2, 0::2]``...) of one map concatenated on the
  last axis, after an optional pad of odd sides -> ``patch_merge``.
- **roll**: ``Concat(x[s:], x[:s])`` on one axis (torch.roll) -> ``roll``.

The shapes inside a window attention are computed from its input's shape with stand-ins (an int8
array of zeros broadcast to the shape) through the data-movement ops and shape rules for the rest:
nothing is computed on data.
"""

from __future__ import annotations

import numpy as np

from ..errors import ArchcostError
from .onnx_fold import FOLD
from .onnx_import import _attrs, add_fusion

MOVES = {"Reshape", "Transpose", "Slice", "Concat", "Gather", "Squeeze", "Unsqueeze", "Identity", "Flatten", "Split"}
ELEMENTWISE = {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min"}
SAME = {"Softmax", "Relu", "Sigmoid", "Erf", "Exp", "Clip", "Dropout", "Sqrt", "Neg", "Abs", "Tanh", "Cast",
        "LayerNormalization", "LpNormalization"}
REDUCE = {"ReduceL2", "ReduceSum", "ReduceMean", "ReduceMax", "ReduceSumSquare"}
SCORE_PATH = {"Add", "Mul", "Div", "Reshape", "Squeeze", "Unsqueeze", "Identity"}     # between Q K^T and softmax
HEAD_PATH = {"Gather", "Transpose", "Reshape", "Mul", "Div", "Squeeze", "Unsqueeze", "Split", "Slice", "Add",
             "Identity"}                                                           # from the Q, K, V linear


def _scatter_nd(a, xs):
    out = np.array(xs[0], copy=True)
    index, updates = xs[1], xs[2]
    k = index.shape[-1]
    for idx, u in zip(index.reshape(-1, k), updates.reshape((-1,) + out.shape[k:])):
        out[tuple(idx)] = u
    return [out]


FOLD.setdefault("ScatterND", _scatter_nd)   # torchvision's shift mask: attn_mask[h0:h1, w0:w1] = count
FOLD.setdefault("Exp", lambda a, xs: [np.exp(xs[0])])              # v2's logit scale, exp(clamp(s))
FOLD.setdefault("ReduceL2", lambda a, xs: [np.sqrt(FOLD["ReduceSum"](a, [xs[0] * xs[0], *xs[1:]])[0])])


def _stand_in(shape):
    return np.broadcast_to(np.zeros((), np.int8), tuple(int(d) for d in shape))


def _dynamic(imp) -> set:
    """Tensors computed from the network's input (a Shape of one is a constant)."""
    dyn = getattr(imp, "_dynamic", None)
    if dyn is None:
        dyn = set(imp.acts)
        seen = set()
        for node in imp.producer.values():
            if id(node) in seen:
                continue
            seen.add(id(node))
            if node.op_type not in ("Shape", "Size") and any(t in dyn for t in node.input):
                dyn.update(node.output)
        imp._dynamic = dyn
    return dyn


class _Region:
    """One window attention found in the graph, its nodes and the tensors the attributes are read from."""

    def __init__(self, imp, softmax):
        self.imp, self.softmax = imp, softmax
        self.dyn = _dynamic(imp)

    def dyn_inputs(self, node):
        return [t for t in node.input if t in self.dyn]

    def static(self, t) -> bool:
        return bool(t) and t not in self.dyn

    def values_matmul(self):
        """A V: the MatMul of two activations the softmax feeds (through dropout), or None."""
        av = self.imp.sole_consumer(self.softmax.output[0])
        while av is not None and av.op_type in ("Dropout", "Identity"):
            av = self.imp.sole_consumer(av.output[0])
        return av if av is not None and av.op_type == "MatMul" and len(self.dyn_inputs(av)) == 2 else None

    def find(self) -> bool:
        imp, prod = self.imp, self.imp.producer.get
        av = self.values_matmul()
        if av is None:
            return False
        node, self.cosine = prod(self.softmax.input[0]), False
        while node is not None and node.op_type in SCORE_PATH and len(self.dyn_inputs(node)) == 1:
            node = prod(self.dyn_inputs(node)[0])
        if node is None or node.op_type != "MatMul" or len(self.dyn_inputs(node)) != 2:
            return False
        self.qk = node
        qkv = {self.linear_before(t) for t in (node.input[0], node.input[1], av.input[1])}
        if len(qkv) != 1 or None in qkv:
            return False
        self.qkv = qkv.pop()
        after = imp.sole_consumer(self.qkv.output[0])
        self.bias = after is not None and after.op_type == "Add" and any(self.static(t) for t in after.input)
        # the window partition before the Q, K, V linear, then the roll and the pad
        t, self.partition = self.qkv.input[0], None
        for op in ("Reshape", "Transpose", "Reshape"):
            node = prod(t)
            if node is None or node.op_type != op or imp.sole_consumer(t) is None and t != self.qkv.input[0]:
                return False
            self.partition, t = node if op == "Reshape" else self.partition, node.input[0]
        self.rolls = []
        while True:
            node = prod(t)
            pair = _roll_pair(imp, node) if node is not None else None
            if pair is not None:
                self.rolls.append(pair[0])
                t = pair[1]
            elif node is not None and node.op_type == "Pad" and t in self.dyn:
                t = node.input[0]
            else:
                break
        self.x = t
        # after A V: the heads joined, the output linear, the windows reversed, rolled back, unpadded
        node = imp.sole_consumer(av.output[0])
        while node is not None and node.op_type in ("Transpose", "Reshape"):
            node = imp.sole_consumer(node.output[0])
        if node is None or node.op_type != "MatMul" or not self.static(node.input[1]):
            return False
        self.proj, t = node, node.output[0]
        node = imp.sole_consumer(t)
        if node is not None and node.op_type == "Add" and any(self.static(i) for i in node.input):
            t = node.output[0]
        for op in ("Reshape", "Transpose", "Reshape"):
            node = imp.sole_consumer(t)
            if node is None or node.op_type != op:
                return False
            t = node.output[0]
        while True:
            uses = imp.consumers.get(t, [])
            joined = {imp.sole_consumer(n.output[0]) for n in uses} if len(uses) == 2 else set()
            if len(joined) == 1 and all(n.op_type == "Slice" for n in uses) and \
                    _roll_pair(imp, next(iter(joined))) is not None:
                t = next(iter(joined)).output[0]
            elif imp.sole_consumer(t) is not None and imp.sole_consumer(t).op_type == "Slice":
                t = imp.sole_consumer(t).output[0]
            else:
                break
        self.y = t
        return self.collect()

    def linear_before(self, t):
        """The Q, K, V linear a head's Q, K or V comes from (through gathers, transposes, scalings and, in
        v2, F.normalize: a ReduceL2 and a Div by it)."""
        node = self.imp.producer.get(t)
        while node is not None:
            ins = self.dyn_inputs(node)
            if node.op_type == "MatMul" and ins == [node.input[0]] and self.static(node.input[1]):
                return node
            if node.op_type not in HEAD_PATH or not ins:
                return None
            if node.op_type == "Div" and len(ins) == 2:
                self.cosine = True     # q / ||q||: Swin v2's cosine attention
            node = self.imp.producer.get(ins[0])
        return None

    def collect(self) -> bool:
        """The nodes between the input and the output (every path from one to the other), and the constants
        only they read; False if anything else reads an inner tensor or an inner node reads another input."""
        imp, prod = self.imp, self.imp.producer
        nodes, stack = {}, [self.y]
        while stack:
            t = stack.pop()
            if t == self.x:
                continue
            node = prod.get(t)
            if node is None:
                return False      # a path that does not start at the attention's input
            if id(node) in nodes:
                continue
            nodes[id(node)] = node
            stack.extend(i for i in node.input if i in self.dyn)
        # the constants' makers only the region reads (a Shape of an inner tensor and the arithmetic on it
        # included), whatever order they are met in: taken until none more is
        stack, makers = [t for n in list(nodes.values()) for t in n.input if self.static(t)], {}
        while stack:
            node = prod.get(stack.pop())
            if node is not None and id(node) not in nodes and id(node) not in makers:
                makers[id(node)] = node
                stack.extend(i for i in node.input if self.static(i))
        grew = True
        while grew:
            grew = False
            for k, node in list(makers.items()):
                if all(id(c) in nodes for o in node.output for c in imp.consumers.get(o, [])) and \
                        not any(o in imp.outputs for o in node.output):
                    nodes[k] = makers.pop(k)
                    grew = True
        for node in list(nodes.values()):
            for t in node.output:
                if t != self.y and (t in imp.outputs or any(id(c) not in nodes for c in imp.consumers.get(t, []))):
                    return False
        self.nodes = nodes
        return True

    # ------------------------------------------------------------ at walk time
    def attrs(self) -> dict:
        imp = self.imp
        x = imp.act(self.x)
        if imp.batch_at.get(self.x, 0) != 0 or len(x.shape) != 3:
            raise ArchcostError(f"window attention over a tensor of shape {list(imp.full(self.x))}",
                                "archcost's window_attention reads an N x H x W x C map")
        self.memo = {self.x: _stand_in(imp.full(self.x))}
        scores = self.shape(self.qk.output[0])
        windows = self.shape(self.partition.output[0])
        if len(scores) != 4 or len(windows) != 6 or scores[-1] != windows[2] * windows[4]:
            raise ArchcostError(f"window attention whose scores {list(scores)} do not match its windows "
                                f"{list(windows)}", "export torchvision's shifted_window_attention unchanged")
        y = self.shape(self.y)
        if tuple(y) != imp.full(self.x):
            raise ArchcostError(f"window attention from {list(imp.full(self.x))} to {list(y)}",
                                "archcost's window_attention keeps the map's shape")
        c = x.shape[2]
        for node, want in ((self.qkv, (c, 3 * c)), (self.proj, (c, c))):
            if tuple(imp.const_shape(node.input[1])) != want:
                raise ArchcostError(f"a window attention over {c} channels with a weight of shape "
                                    f"{list(imp.const_shape(node.input[1]))}", f"its weights are {list(want)}")
        attrs = {"heads": int(scores[1]), "window": _pair(windows[2], windows[4])}
        shift = max((self.shift(s) for s in self.rolls), default=0)
        if shift:
            attrs["shift"] = shift
        if self.cosine:
            attrs["v2"] = True
            hidden = self.cpb_hidden()
            if hidden and hidden != 512:
                attrs["cpb_hidden"] = hidden
        if not self.bias:
            attrs["bias"] = False
        return attrs

    def shift(self, first_slice) -> int:
        starts = self.value(first_slice.input[1]).reshape(-1)
        axis = int(self.value(first_slice.input[3]).reshape(-1)[0]) if len(first_slice.input) > 3 else 0
        size = self.shape(first_slice.input[0])[axis]
        return int(starts[0]) % size

    def cpb_hidden(self):
        """v2's position bias MLP: the width of its first linear (2 -> hidden), applied to a constant table."""
        for node in self.nodes.values():
            if node.op_type == "MatMul" and not self.dyn_inputs(node) and node.input[1] in self.imp.consts:
                shape = tuple(self.imp.const_shape(node.input[1]))
                if len(shape) == 2 and shape[0] == 2:
                    return int(shape[1])
        return None

    def shape(self, t) -> tuple:
        return tuple(self.value(t).shape)

    def value(self, t):
        """The tensor ``t``: a constant's value, or a stand-in of an activation's shape."""
        if t in self.memo:
            return self.memo[t]
        imp = self.imp
        if t in imp.consts:
            return imp.value(t)
        node = imp.producer[t]
        ins = [self.value(i) if i else None for i in node.input]
        op, a = node.op_type, _attrs(node)
        a["_outputs"] = len(node.output)
        if op in FOLD and (op in ("Constant", "Shape", "Size") or op in MOVES or
                           not any(i in self.dyn for i in node.input)):
            outs = FOLD[op](a, ins)
        else:
            outs = [_stand_in(_shape_rule(op, a, ins))]
        for o, v in zip(node.output, outs):
            self.memo[o] = v
        return self.memo[t]


def _shape_rule(op, a, ins) -> tuple:
    x = ins[0]
    if op in ELEMENTWISE:
        return np.broadcast_shapes(*(v.shape for v in ins if v is not None))
    if op in SAME:
        return x.shape
    if op == "MatMul":
        a_, b = x.shape, ins[1].shape
        return tuple(np.broadcast_shapes(a_[:-2], b[:-2])) + (a_[-2], b[-1])
    if op in REDUCE:
        axes = a.get("axes")
        if axes is None and len(ins) > 1 and ins[1] is not None:
            axes = ins[1].reshape(-1).tolist()
        axes = [v % x.ndim for v in (axes if axes else range(x.ndim))]
        keep = a.get("keepdims", 1)
        return tuple((1 if i in axes else d) for i, d in enumerate(x.shape) if keep or i not in axes)
    if op == "Pad":
        pads = ins[1].reshape(-1).tolist()
        n = x.ndim
        return tuple(d + int(pads[i]) + int(pads[n + i]) for i, d in enumerate(x.shape))
    if op == "Expand":
        return np.broadcast_shapes(x.shape, tuple(int(v) for v in ins[1]))
    raise ArchcostError(f"a window attention with a '{op}' node inside", "archcost reads torchvision's "
                        "shifted_window_attention as torch's exporter writes it")


def _pair(h, w):
    return int(h) if h == w else [int(h), int(w)]


def _roll_pair(imp, concat):
    """``Concat(Slice(x), Slice(x))`` on the axis both slice (torch.roll as torch's exporter writes it) ->
    (the first slice, x), else None."""
    if concat.op_type != "Concat" or len(concat.input) != 2:
        return None
    slices = [imp.producer.get(t) for t in concat.input]
    if any(s is None or s.op_type != "Slice" or len(s.input) < 4 or imp.sole_consumer(s.output[0]) is not concat
           for s in slices) or slices[0].input[0] != slices[1].input[0]:
        return None
    axes = [imp.static_value(s.input[3]) for s in slices]
    axis = _attrs(concat)["axis"]
    if any(v is None or v.size != 1 for v in axes) or len({int(v.reshape(-1)[0]) for v in axes}) != 1:
        return None
    if int(axes[0].reshape(-1)[0]) != axis and int(axes[0].reshape(-1)[0]) % 4 != axis % 4:
        return None
    return slices[0], slices[0].input[0]


def _window_attention(imp, softmax) -> bool:
    region = _Region(imp, softmax)
    if not region.find():
        return False
    last = imp.producer[region.y]
    imp.skip.update(k for k in region.nodes if k != id(last))
    name = imp.node_name(last)
    if "/" in name:     # torch's scope names: the attention module's, e.g. /features/features.1/features.1.1/attn
        common = name.rsplit("/", 1)[0]
        name = common if imp.node_name(softmax).startswith(common + "/") else name
    imp.fused[id(last)] = ("window_attention", region.attrs, region.x, name)
    return True


def _patch_merge(imp, concat) -> bool:
    """Four strided slices (step 2 on H and W) of one map, concatenated on the last axis; an odd side's pad
    before them is the op's own."""
    if len(concat.input) != 4 or _attrs(concat).get("axis") not in (-1, 3) or id(concat) in imp.fused:
        return False
    chains, sources = [], set()
    for t in concat.input:
        chain, node = [], imp.producer.get(t)
        while node is not None and node.op_type == "Slice" and len(node.input) > 4:
            steps = imp.static_value(node.input[4])
            if steps is None or set(steps.reshape(-1).tolist()) != {2}:
                return False
            chain.append(node)
            node = imp.producer.get(node.input[0])
        if not chain:
            return False
        chains += chain
        sources.add(chain[-1].input[0])
    if len(sources) != 1:
        return False
    inner = {id(n) for n in chains}
    if any(id(c) not in inner and c is not concat for n in chains for c in imp.consumers.get(n.output[0], [])):
        return False
    source = sources.pop()
    pad = imp.producer.get(source)
    if pad is not None and pad.op_type == "Pad" and all(id(c) in inner for c in imp.consumers.get(source, [])):
        inner.add(id(pad))
        source = pad.input[0]
    imp.skip.update(inner)
    imp.fused[id(concat)] = ("patch_merge", {}, source)
    return True


def _roll(imp, concat) -> bool:
    pair = _roll_pair(imp, concat) if id(concat) not in imp.skip and id(concat) not in imp.fused else None
    if pair is None:
        return False
    first, x = pair

    def attrs():
        axis = int(imp.value(first.input[3]).reshape(-1)[0]) % len(imp.full(x))
        size = imp.full(x)[axis]
        start = int(imp.value(first.input[1]).reshape(-1)[0])
        return {"shifts": [(size - start % size) % size], "dims": [axis - 1]}
    imp.skip.update(id(imp.producer[t]) for t in concat.input)
    imp.fused[id(concat)] = ("roll", attrs, x)
    return True


add_fusion("Softmax", _window_attention)
add_fusion("Concat", _patch_merge, _roll)
