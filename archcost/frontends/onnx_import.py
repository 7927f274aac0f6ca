"""ONNX import: an ``.onnx`` file -> spec data -> the same graph IR a YAML spec gives.

Static: the file is read, never run (no onnxruntime). Nodes are visited in the file's
(topological) order; each is one of:

- **folded**: every input is a constant (an initializer, a ``Constant``, or the shape of an
  activation, which is known) and the op is in :data:`~archcost.frontends.onnx_fold.FOLD`: it
  is evaluated with numpy (the exporters' ``Shape -> Gather -> Concat -> Reshape`` chains);
- **mapped**: :data:`HANDLERS`, a dict from ONNX op type to a small function, turns it into one
  archcost layer (or an alias of its input: ``Identity``, a no-op ``Reshape``), computing its
  shape with the archcost op's own rule, so the import knows every activation's shape;
- **fused**: patterns the exporters spell in several nodes become one layer: ``x * sigmoid(x)``
  -> ``silu``, ``x * hardsigmoid(x)`` -> ``hardswish``, the ``Erf`` spelling of GELU -> ``gelu``,
  ``MatMul + Add`` (and a conv without bias + ``Add``) -> a layer with a bias,
  ``Reshape -> Transpose -> Reshape`` over channel groups -> ``channel_shuffle``.

Initializers are parameters where a weight goes (the archcost op's rule counts them: a conv's
weights and bias, a batch norm's scale and shift; its running mean and variance are buffers).
A weight given as a graph input (``archcost export --weights none``) counts like an initializer.

>>> import onnx
>>> from onnx import helper as h, TensorProto as T
>>> x = h.make_tensor_value_info("x", T.FLOAT, [1, 3, 32, 32])
>>> y = h.make_tensor_value_info("y", T.FLOAT, None)
>>> w = h.make_tensor("w", T.FLOAT, [8, 3, 3, 3], [0.0] * 216)
>>> conv = h.make_node("Conv", ["x", "w"], ["c"], name="conv1", pads=[1, 1, 1, 1])
>>> relu = h.make_node("Relu", ["c"], ["y"], name="relu1")
>>> model = h.make_model(h.make_graph([conv, relu], "tiny", [x], [y], [w]))
>>> spec_data(model, "tiny.onnx")["layers"]
[{'name': 'conv1', 'op': 'conv', 'out': 8, 'kernel': 3, 'pad': 1, 'bias': False}, {'name': 'relu1', 'op': 'relu'}]
"""

from __future__ import annotations

import math
import os
from collections import Counter
from typing import NamedTuple

import numpy as np

from ..errors import ArchcostError
from ..ops.base import same_pads
from . import need
from .layers import Act, Layers
from .onnx_fold import FOLD
from .ties import reads, share, write_ties
from .onnx_notes import restore as restore_notes

onnx = need("onnx", "onnx")   # the optional extra: this module is imported only for an ONNX file

# A node the exporter (archcost export) adds only to make a layer valid ONNX, e.g. the flatten an
# archcost ``fc`` does itself: its doc_string says so, and the import takes it as an alias.
INTERNAL = "archcost: internal to the next layer"
WEIGHT = "archcost: a weight"   # the doc_string of a weight given as a graph input (export --weights none)
MIN_OPSET = 11   # Clip's bounds and Pad's pads became inputs in 11; opsets 11 to 21 are tested
SQRT2 = math.sqrt(2.0)
EPS = float(np.float32(1e-5))   # ONNX's default epsilon of a batch norm, as the float32 the file holds


class _Node:
    """An ONNX node read once: protobuf's fields are slow to read again and again (a 100,000-node
    graph), so its names are kept as Python tuples; its attributes stay protobuf, read by _attrs."""

    __slots__ = ("op_type", "name", "input", "output", "attribute", "doc_string")

    def __init__(self, n, op_type):
        self.op_type, self.name, self.attribute, self.doc_string = op_type, n.name, n.attribute, n.doc_string
        self.input, self.output = tuple(n.input), tuple(n.output)


class View(NamedTuple):
    """A reshaped or transposed activation that only a known pattern may consume."""

    source: str     # the activation tensor it views
    kind: str       # 'groups' (C -> g x C/g) or 'grouped_t' (transposed groups)
    groups: int


def read_onnx_spec(path: str, allow_unknown: bool = False):
    """An .onnx file -> a :class:`~archcost.spec.loader.Spec` (the spec loader builds its graph)."""
    from ..spec.loader import spec_from_data

    if not os.path.isfile(path):
        raise ArchcostError(f"no such file: '{path}'", "check the path", file=path)
    try:
        model = onnx.load_model(path, load_external_data=False)
    except Exception as exc:  # protobuf's DecodeError and friends: the file is not an ONNX model
        raise ArchcostError(f"not an ONNX model ({type(exc).__name__}: {str(exc)[:200]})",
                            "give an .onnx file saved by onnx.save or an exporter", file=path) from None
    return spec_from_data(spec_data(model, path, allow_unknown), path)


def spec_data(model, path: str, allow_unknown: bool = False) -> dict:
    """An ONNX ModelProto -> spec data (what a YAML spec parses to)."""
    return _Importer(model, path, allow_unknown).run()


def _attrs(node) -> dict:
    """A node's attributes as Python values (tensors as numpy arrays)."""
    out = {}
    for at in node.attribute:
        t = at.type
        if t == 2:
            out[at.name] = at.i
        elif t == 1:
            out[at.name] = at.f
        elif t == 7:
            out[at.name] = list(at.ints)
        elif t == 6:
            out[at.name] = list(at.floats)
        elif t == 3:
            out[at.name] = at.s.decode("utf-8", "replace")
        elif t == 4:
            out[at.name] = onnx.numpy_helper.to_array(at.t)
        elif t == 8:
            out[at.name] = [s.decode("utf-8", "replace") for s in at.strings]
        else:
            out[at.name] = at
    return out


_bytes = onnx.AttributeProto.SerializeToString


def _compact(pair):
    """[3, 3] -> 3, [3, 1] -> [3, 1]: a spec as a person writes it."""
    pair = [int(v) for v in pair]
    return pair[0] if len(set(pair)) == 1 else pair


class _Importer(Layers):
    def __init__(self, model, path, allow_unknown):
        super().__init__()
        self.model, self.graph, self.path = model, model.graph, path
        self.allow_unknown = allow_unknown
        self.consts: dict = {}          # tensor name -> TensorProto (read lazily) or numpy array
        self.params: set[str] = set()   # initializers and weight inputs: parameters where a weight goes
        self.views: dict[str, View] = {}
        self.skip: set[int] = set()     # nodes a fusion already took
        self.fused: dict[int, tuple] = {}   # node -> (op, attrs, input tensor): the last node of a pattern
        self.producer: dict[str, object] = {}
        self.consumers: dict[str, list] = {}
        self.inferred = None            # onnx.shape_inference's shapes, for unknown ops only
        self.outputs = {o.name for o in self.graph.output}
        # where the batch axis is in each activation's ONNX shape (default 0; None: merged into another
        # axis, as torch's attention folds batch x heads): archcost's shape is the ONNX shape without it
        self.batch_at: dict[str, int | None] = {}
        self.weight_of, self.roles, self.ties = {}, {}, {}   # tied weights: ties.py
        self.signed: dict[tuple, dict] = {}   # a node's signature -> its layer's attributes (SIGNED)

    # ------------------------------------------------------------ the walk
    def run(self) -> dict:
        self.check_opset()
        for init in self.graph.initializer:
            self.consts[init.name] = init   # its name read once (a protobuf read builds a new string)
        self.params.update(self.consts)
        producer, consumers, consts, nodes = self.producer, self.consumers, self.consts, []
        for n in self.graph.node:
            op_type = n.op_type   # each protobuf field read once: every read builds a new Python object
            if op_type == "Constant" and (at := n.attribute[0]).name == "value":   # a third of an exported graph
                producer[out := n.output[0]] = n    # (a batch norm's statistics): no walk, its tensor read when asked
                consts[out] = at.t
                continue
            node = _Node(n, op_type)
            nodes.append(node)
            for t in node.output:
                producer[t] = node
            for t in node.input:
                if t in consumers:
                    consumers[t].append(node)
                else:
                    consumers[t] = [node]
        types = Counter(node.op_type for node in nodes)
        self.multi = {t for t, users in consumers.items() if len(users) > 1}   # what ties.py looks at:
        weights = {v.name for v in self.graph.input}.union(consts)   # the readers of a constant read twice
        self.tie_nodes = {id(n) for t in self.multi if t in weights
                          or getattr(producer.get(t), "op_type", "") in CARRY_PARAM for n in consumers[t]}
        shape = self.network_input()
        self.check_known_ops(nodes, types)
        for node in nodes:   # a weight shared through Identity (equal-valued initializers) is still a weight
            if node.op_type in CARRY_PARAM and node.input and node.input[0] in self.params:
                self.params.add(node.output[0])
        for node in nodes:
            if node.op_type in FUSE:
                FUSE[node.op_type](self, node)
        skip = self.skip
        for node in nodes:
            if skip and id(node) in skip:
                continue
            try:
                self.visit(node)
            except ArchcostError as exc:
                raise exc.located(file=self.path, layer=self.node_name(node))
        write_ties(self)
        return restore_notes(self, nodes, self.data(shape))   # archcost export's notes: op and call

    def visit(self, node) -> None:
        if self.fused and id(node) in self.fused:
            if callable(self.fused[id(node)]):   # a pattern whose attributes need the shapes the walk knows
                self.fused[id(node)](self, node)
                return
            op, attrs, source, *name = self.fused[id(node)]
            attrs = attrs() if callable(attrs) else attrs   # read at walk time, when the shapes are known
            self.emit(node, op, attrs, source if isinstance(source, list) else [source],
                      name=name[0] if name else None)
            return
        op_type = node.op_type
        if op_type in FOLD and self.foldable(node):
            values = [self.folding_value(t) if t else None for t in node.input]
            a = _attrs(node)
            a["_outputs"] = len(node.output)
            try:
                outs = FOLD[op_type](a, values)
            except Exception as exc:
                raise ArchcostError(f"{op_type} on constants could not be evaluated ({type(exc).__name__}: {exc})",
                                    "check the node's inputs") from None
            for t, v in zip(node.output, outs):
                self.consts[t] = v
            if op_type in CARRY_PARAM and node.input[0] in self.params:   # Expand(class_token, ...)
                self.params.add(node.output[0])
            return
        handler = HANDLERS.get(op_type)
        if handler is None:
            self.unknown(node)
            return
        handler(self, node, None if handler in SIGNED else _attrs(node))

    def signature(self, node, weight: int):
        """What a handler of :data:`SIGNED` reads of ``node``, as a key (None when it is not the plain case):
        equal keys give equal layers, so a graph's repeated blocks are mapped once. The attributes as their
        protobuf bytes (cheaper than reading them), the data input's shape, the weight's shape, which
        inputs are parameters and how many are left out (a conv's bias: its third input, named or '')."""
        inp = node.input
        x = self.acts.get(inp[0])
        w = inp[weight] if len(inp) > weight else ""
        if x is None or w not in self.consts:
            return None
        return (node.op_type, tuple(map(_bytes, node.attribute)), x.shape, self.const_shape(w),
                tuple(map(self.params.__contains__, inp)), inp.count(""))

    def foldable(self, node) -> bool:
        if node.op_type in ("Shape", "Size"):
            return node.input[0] in self.acts or node.input[0] in self.consts
        return all(not t or t in self.consts for t in node.input)

    def folding_value(self, t):
        if t in self.acts:  # Shape of an activation: a stand-in of its shape, batch 1, no memory
            return np.broadcast_to(np.zeros((), np.float32), self.full(t))
        return self.value(t)

    def full(self, t) -> tuple:
        """An activation's ONNX shape: archcost's with the batch axis (1) where it is."""
        shape, k = tuple(self.act(t).shape), self.batch_at.get(t, 0)
        return shape if k is None else shape[:k] + (1,) + shape[k:]

    # ------------------------------------------------------------ checks
    def check_opset(self) -> None:
        for imp in self.model.opset_import:
            if imp.domain in ("", "ai.onnx") and imp.version < MIN_OPSET:
                raise ArchcostError(f"the model uses ONNX opset {imp.version}; archcost reads opset "
                                    f"{MIN_OPSET} and later",
                                    "convert it with onnx.version_converter.convert_version(model, 17)",
                                    file=self.path)

    def check_known_ops(self, nodes, types: Counter) -> None:
        counts = Counter({t: k for t, k in types.items() if t not in HANDLERS and t not in FOLD})
        if counts and not self.allow_unknown:
            first = {}
            for n in nodes:
                first.setdefault(n.op_type, self.node_name(n))
            listed = ", ".join(f"'{t}' ({k} node{'s' * (k > 1)}, the first '{first[t]}')"
                               for t, k in counts.most_common())
            raise ArchcostError(f"archcost does not understand the ONNX op{'s' * (len(counts) > 1)} {listed}",
                                "pass --allow-unknown to count them as 0 (the share left out is reported)",
                                file=self.path)

    def network_input(self) -> list:
        real = [v for v in self.graph.input if v.name not in self.consts]
        data = [v for v in real if v.doc_string != WEIGHT and not self.weight_only(v.name)]
        if len(data) != 1:
            names = ", ".join(v.name for v in data) or "none"
            raise ArchcostError(f"the graph has {len(data)} data inputs ({names}); archcost analyzes networks "
                                "with one input", "export the model with a single input tensor", file=self.path)
        for v in real:
            if v.name != data[0].name:  # a weight given as a graph input (export --weights none): a parameter,
                self.consts[v.name] = v     # its shape read when a rule asks for it
                self.params.add(v.name)
        x = data[0]
        dims = self.dims(x, batch_ok=True)
        if len(dims) < 2:
            raise ArchcostError(f"the input '{x.name}' has shape {dims}; archcost expects a batch axis first "
                                "(N x C x H x W, N x features)", "export with a batch axis", file=self.path)
        self.acts[x.name] = Act("input", tuple(dims[1:]))
        return list(dims[1:])

    def weight_only(self, name: str) -> bool:
        """A graph input read only where weights go (the 2nd and later inputs of Conv, Gemm, ...)."""
        uses = self.consumers.get(name, [])
        return bool(uses) and all(n.op_type in WEIGHT_SLOTS and list(n.input).index(name) >= 1 for n in uses)

    def dims(self, value_info, batch_ok=False) -> list:
        tt = value_info.type.tensor_type
        if not tt.HasField("shape"):
            raise ArchcostError(f"the input '{value_info.name}' has no shape",
                                "export the model with a fixed input shape", file=self.path)
        dims = []
        for i, d in enumerate(tt.shape.dim):
            if d.HasField("dim_value") and d.dim_value > 0:
                dims.append(d.dim_value)
            elif i == 0 and batch_ok:
                dims.append(1)   # a symbolic batch: archcost counts one image (--batch N scales)
            else:
                raise ArchcostError(f"the input '{value_info.name}' has no fixed size on axis {i} "
                                    f"('{d.dim_param or '?'}')", "export the model with a fixed input size",
                                    file=self.path)
        return dims

    # ------------------------------------------------------------ tensors
    def value(self, t):
        v = self.consts[t]
        if isinstance(v, onnx.ValueInfoProto):   # a weight input: shape only, no values
            v = self.consts[t] = np.broadcast_to(np.zeros((), np.float32), self.dims(v))
        elif not isinstance(v, np.ndarray):
            v = self.consts[t] = onnx.numpy_helper.to_array(v)
        return v

    def static_value(self, t):
        """A constant known before the walk (an initializer or a Constant node's value), or None."""
        if t in self.consts:
            return self.value(t)
        maker = self.producer.get(t)
        if maker is not None and maker.op_type == "Constant":
            return FOLD["Constant"](_attrs(maker), [])[0]
        return None

    def const_shape(self, t) -> tuple:
        v = self.consts[t]
        if isinstance(v, np.ndarray):
            return v.shape
        return tuple(self.dims(v)) if isinstance(v, onnx.ValueInfoProto) else tuple(v.dims)

    def is_param(self, t) -> bool:
        return t in self.params

    def act(self, t) -> Act:
        if t in self.acts:
            return self.acts[t]
        if t in self.views:
            raise ArchcostError(f"'{t}' is a reshaped or transposed activation, which archcost has no op for yet",
                                "pass --allow-unknown to count such nodes as 0")
        if t in self.consts:
            raise ArchcostError(f"'{t}' is a constant where archcost needs an activation",
                                "archcost maps ops whose data input comes from the network input")
        raise ArchcostError(f"the tensor '{t}' is not produced by any earlier node", "check the graph's order")

    def weight(self, node, index: int, what: str) -> tuple:
        """The shape of a constant weight input, or an error naming it."""
        t = node.input[index] if len(node.input) > index else ""
        if not t or t not in self.consts:
            raise ArchcostError(f"its {what} is not a constant (an initializer or Constant)",
                                "archcost needs the weights given, not computed by the graph")
        return self.const_shape(t)

    def scalar(self, t):
        """A constant input as one float, or None."""
        if not t or t not in self.consts:
            return None
        v = self.value(t)
        return float(v.reshape(-1)[0]) if v.size == 1 else None

    # ------------------------------------------------------------ layers
    def node_name(self, node) -> str:
        return node.name or (node.output[0] if node.output else node.op_type)

    def emit(self, node, op: str, attrs: dict, inputs: list, out: str | None = None, name: str | None = None) -> str:
        """One archcost layer for ``node`` reading the activations ``inputs``."""
        out = out or node.output[0]
        self.batch_at[out] = self.batch_at.get(inputs[0], 0) if inputs else 0
        layer = self.add(node.op_type, name or node.name or self.node_name(node), op, attrs, inputs, out)
        if self.tie_nodes and id(node) in self.tie_nodes and op != "unknown" and id(node) not in self.fused:
            share(self, node, layer)   # it reads a constant another node reads too
        return layer

    def alias(self, out, source, batch_at=...) -> None:
        super().alias(out, source)
        self.batch_at[out] = self.batch_at.get(source, 0) if batch_at is ... else batch_at

    def reshaped(self, node, src, target: tuple, batch_at) -> None:
        """``src`` seen as the ONNX shape ``target`` with the batch axis at ``batch_at``: an alias when
        archcost's shape stays, else a reshape layer (a flatten when it makes a vector)."""
        x = self.act(src)
        shape = target if batch_at is None else target[:batch_at] + target[batch_at + 1:]
        if shape == tuple(x.shape):
            self.alias(node.output[0], src, batch_at)
        elif batch_at == 0 == self.batch_at.get(src, 0) and len(shape) == 1:
            self.emit(node, "flatten", {}, [src])
        else:
            attrs = {"shape": list(shape)}
            if len(x.shape) == 3 and len(shape) == 2 and shape[0] == x.shape[0]:
                attrs["layout"] = "DL"    # C x H x W -> C x HW: dim x tokens (ViT's patches), permuted next
            self.emit(node, "reshape", attrs, [src])
            self.batch_at[node.output[0]] = batch_at

    def sole_consumer(self, t):
        uses = self.consumers.get(t, [])
        return uses[0] if len(uses) == 1 and t not in self.outputs else None

    def unknown(self, node) -> None:
        if not self.allow_unknown:
            raise ArchcostError(f"archcost has no mapping for the ONNX op '{node.op_type}' here",
                                "pass --allow-unknown to count it as 0")
        shape = self.inferred_shape(node.output[0])
        inputs = [t for t in node.input if t in self.acts]
        self.emit(node, "unknown", {"type": node.op_type, "shape": list(shape)}, inputs)
        for t in node.output[1:]:
            if t in self.consumers:
                raise ArchcostError(f"the '{node.op_type}' node's output '{t}' is used, and archcost keeps only "
                                    "the first output of an op it does not understand", "")

    def inferred_shape(self, t) -> tuple:
        if self.inferred is None:
            g = onnx.shape_inference.infer_shapes(self.model).graph
            self.inferred = {v.name: v for v in list(g.value_info) + list(g.output)}
        v = self.inferred.get(t)
        dims = [d.dim_value for d in v.type.tensor_type.shape.dim] if v is not None else []
        if not dims or any(d <= 0 for d in dims[1:]):
            raise ArchcostError(f"the shape of '{t}' is unknown (ONNX shape inference cannot tell it)",
                                "archcost needs every unknown op's output shape")
        return tuple(dims[1:]) or (1,)

    def data(self, shape) -> dict:
        stem = os.path.splitext(os.path.basename(self.path))[0]
        opset = max((i.version for i in self.model.opset_import if i.domain in ("", "ai.onnx")), default=0)
        producer = " ".join(p for p in (self.model.producer_name, self.model.producer_version) if p)
        source = f"{os.path.basename(self.path)}: ONNX opset {opset}" + (f", from {producer}" if producer else "")
        unknown = Counter(layer["type"] for layer in self.layers if layer["op"] == "unknown")
        if unknown:   # --allow-unknown: say what share the figures leave out
            kinds = ", ".join(f"{t} x{k}" for t, k in unknown.most_common())
            source += (f"; {sum(unknown.values())} of {len(self.layers)} layers not understood and counted as 0 "
                       f"({kinds})")
        return self.spec(stem, self.graph.doc_string.strip() or self.graph.name or stem, source, shape)


# ---------------------------------------------------------------- helpers of the handlers
def _spatial_pads(imp, node, a, x: Act, kernel, strides, dilations):
    """ONNX pads [t, l, b, r] or auto_pad -> archcost's pad: [P_h, P_w], P, or 'same'."""
    auto = a.get("auto_pad", "NOTSET")
    if auto == "VALID":
        return 0
    pads = a.get("pads", [0, 0, 0, 0])
    begin, end = pads[:2], pads[2:]
    if auto == "NOTSET" and begin == end:
        return _compact(begin) if any(begin) else 0
    same = [same_pads(size, k, s, d) for size, k, s, d in zip(x.shape[1:], kernel, strides, dilations)]
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        if auto == "SAME_LOWER" and any(b != e for b, e in same):
            raise ArchcostError("SAME_LOWER padding puts the extra pixel first, archcost's 'same' puts it last",
                                "export with explicit symmetric pads or SAME_UPPER")
        return "same"
    if [tuple(p) for p in same] == list(zip(begin, end)):
        return "same"
    raise ArchcostError(f"pads {pads} differ at the two ends and are not 'same' padding",
                        "archcost pads both sides of an axis equally (or 'same', the extra pixel last)")


def _need_2d(node, x: Act) -> None:
    if len(x.shape) != 3:
        raise ArchcostError(f"{node.op_type} over a {len(x.shape) + 1}-D tensor; archcost maps the 2-D case "
                            "(N x C x H x W)", "export a 2-D model")


def _window(a, key, default):
    v = a.get(key)
    return list(v) if v else [default, default]


def _signed(op: str, attrs_of):
    """The handler of a node whose one ``op`` layer its signature decides (:meth:`_Importer.signature`): a
    node of a signature met before takes the layer attributes found then, its own attributes unread
    (``a`` is None: :meth:`_Importer.visit` leaves them to it), so a graph's repeated blocks map once."""
    def handle(imp, node, a):
        key = imp.signature(node, 1) if a is None else None
        attrs = imp.signed.get(key) if key else None
        if attrs is None:
            attrs = attrs_of(imp, node, _attrs(node) if a is None else a)
            if key:
                imp.signed[key] = attrs
        imp.emit(node, op, attrs, [node.input[0]])
    SIGNED.add(handle)
    return handle


SIGNED: set = set()   # the handlers _signed builds: visit does not read their nodes' attributes for them


def _conv_attrs(imp, node, a, data) -> dict:
    """A Conv node's archcost attributes, its data input being the activation ``data``."""
    x = imp.act(data)
    _need_2d(node, x)
    wshape = imp.weight(node, 1, "weight")
    kernel = list(a.get("kernel_shape") or wshape[2:])
    strides, dil = _window(a, "strides", 1), _window(a, "dilations", 1)
    attrs = {"out": int(wshape[0]), "kernel": _compact(kernel)}
    _put(attrs, "stride", _compact(strides), 1)
    _put(attrs, "pad", _spatial_pads(imp, node, a, x, kernel, strides, dil), 0)
    _put(attrs, "dilation", _compact(dil), 1)
    _put(attrs, "groups", int(a.get("group", 1)), 1)
    _put(attrs, "bias", len(node.input) > 2 and bool(node.input[2]), True)
    return attrs


def _conv_transpose(imp, node, a):
    x = imp.act(node.input[0])
    _need_2d(node, x)
    wshape = imp.weight(node, 1, "weight")     # C_in x out/groups x K_h x K_w
    groups = int(a.get("group", 1))
    kernel = list(a.get("kernel_shape") or wshape[2:])
    if a.get("output_shape") or a.get("auto_pad", "NOTSET") != "NOTSET":
        raise ArchcostError("ConvTranspose with output_shape or auto_pad", "export with explicit pads")
    pads = a.get("pads", [0, 0, 0, 0])
    if pads[:2] != pads[2:]:
        raise ArchcostError(f"pads {pads} differ at the two ends", "archcost pads both sides of an axis equally")
    attrs = {"out": int(wshape[1]) * groups, "kernel": _compact(kernel)}
    _put(attrs, "stride", _compact(_window(a, "strides", 1)), 1)
    _put(attrs, "pad", _compact(pads[:2]), 0)
    _put(attrs, "output_padding", _compact(_window(a, "output_padding", 0)), 0)
    _put(attrs, "dilation", _compact(_window(a, "dilations", 1)), 1)
    _put(attrs, "groups", groups, 1)
    _put(attrs, "bias", len(node.input) > 2 and bool(node.input[2]), True)
    imp.emit(node, "conv_transpose", attrs, [node.input[0]])


def _put(attrs, key, v, default):
    if v != default:
        attrs[key] = v


def _pool(op):
    return lambda imp, node, a: imp.emit(node, op, _pool_attrs(imp, node, a), [node.input[0]])


def _pool_attrs(imp, node, a) -> dict:
    x = imp.act(node.input[0])
    _need_2d(node, x)
    if any(d != 1 for d in a.get("dilations", [])):
        raise ArchcostError("a dilated pooling window", "archcost's pools are not dilated")
    if len(node.output) > 1 and node.output[1] in imp.consumers:
        raise ArchcostError("the max pool's indices output is used", "archcost counts the pooled values only")
    kernel, strides = list(a["kernel_shape"]), _window(a, "strides", 1)
    attrs = {"kernel": _compact(kernel)}
    _put(attrs, "stride", _compact(strides), attrs["kernel"])
    _put(attrs, "pad", _spatial_pads(imp, node, a, x, kernel, strides, [1, 1]), 0)
    _put(attrs, "ceil_mode", bool(a.get("ceil_mode", 0)), False)
    return attrs


def _global_pool(op):
    def handle(imp, node, a):
        x = imp.act(node.input[0])
        _need_2d(node, x)
        if op == "globalavgpool":
            imp.emit(node, op, {}, [node.input[0]])
        else:  # a max over the whole map: a max pool whose window is the map (same count, C x H x W)
            imp.emit(node, "maxpool", {"kernel": _compact(x.shape[1:])}, [node.input[0]])
    return handle


def _reduce_mean(imp, node, a):
    x = imp.act(node.input[0])
    rank = len(x.shape) + 1
    axes = a.get("axes")
    if axes is None and len(node.input) > 1 and node.input[1]:
        axes = imp.value(node.input[1]).tolist()
    if rank != 4 or sorted(v % rank for v in axes or []) != [2, 3]:
        raise ArchcostError(f"ReduceMean over axes {axes} of a rank-{rank} tensor: archcost maps the mean over H "
                            "and W (global average pooling)", "pass --allow-unknown to count it as 0")
    if a.get("keepdims", 1):
        imp.emit(node, "globalavgpool", {}, [node.input[0]])
    else:
        pooled = imp.emit(node, "globalavgpool", {}, [node.input[0]], out=node.output[0] + "/pooled")
        imp.emit(node, "flatten", {}, [node.output[0] + "/pooled"], name=f"{pooled}.flatten")


def _gemm(imp, node, a):
    imp.act(node.input[0])   # the data input must be an activation (an error naming it otherwise)
    if a.get("transA", 0):
        raise ArchcostError("Gemm with transA", "archcost maps x W^T + b with the activation first")
    wshape = imp.weight(node, 1, "weight")
    out = int(wshape[0] if a.get("transB", 0) else wshape[1])
    _fc(imp, node, out, node.input[2] if len(node.input) > 2 else "")


def _fc(imp, node, out: int, bias: str):
    """Gemm's input is 2-D (N x features), or the C x H x W map whose flatten the export left to the fc; a
    MatMul's or a Gemm's over rows without a batch axis (tokens x dim) is a ``linear`` over the last axis."""
    attrs = {"out": out}
    if bias:
        size = math.prod(imp.const_shape(bias)) if bias in imp.consts else 0
        if size != out:
            raise ArchcostError(f"the bias has {size} values for {out} outputs", "give one bias per output")
    else:
        attrs["bias"] = False
    x = node.input[0]
    rows = len(imp.act(x).shape) > 1 and (node.op_type == "MatMul" or imp.batch_at.get(x, 0) is None)
    imp.emit(node, "linear" if rows else "fc", attrs, [x])


def _matmul(imp, node, a):
    left, right = node.input[:2]
    if left in imp.acts and right in imp.consts and len(imp.const_shape(right)) == 2:
        _fc(imp, node, int(imp.const_shape(right)[1]), "")
        return
    if left in imp.acts and right in imp.acts:    # Q K^T, A V: a product of two activations
        imp.emit(node, "matmul", {}, [left, right])
        return
    raise ArchcostError("MatMul with a constant first operand: archcost maps x W and products of two activations",
                        "pass --allow-unknown to count it as 0")


def _batchnorm_attrs(imp, node, a) -> dict:
    x = imp.act(node.input[0])
    scale, shift = node.input[1:3]
    attrs = {}
    _put(attrs, "eps", float(np.float32(a["epsilon"])) if "epsilon" in a else EPS, EPS)
    if "eps" in attrs:
        attrs["eps"] = float(f"{attrs['eps']:.6g}")
    if not (imp.is_param(scale) or imp.is_param(shift)):
        attrs["affine"] = False    # scale and shift given as Constant nodes: not learned
    if x.shape and imp.weight(node, 1, "scale") != (x.shape[0],):
        raise ArchcostError(f"the scale has shape {imp.weight(node, 1, 'scale')} for {x.shape[0]} channels",
                            "give one scale per channel")
    return attrs


def _act(op):
    return lambda imp, node, a: imp.emit(node, op, {}, [node.input[0]])


def _clip(imp, node, a):
    lo = a.get("min") if "min" in a else imp.scalar(node.input[1] if len(node.input) > 1 else "")
    hi = a.get("max") if "max" in a else imp.scalar(node.input[2] if len(node.input) > 2 else "")
    op = {(0.0, 6.0): "relu6", (0.0, None): "relu"}.get((lo, hi))
    if op is None:
        raise ArchcostError(f"Clip to [{lo}, {hi}]: archcost maps Clip to [0, 6] (relu6) and [0, inf) (relu)",
                            "pass --allow-unknown to count it as 0")
    imp.emit(node, op, {}, [node.input[0]])


def _prelu(imp, node, a):
    slope = imp.weight(node, 1, "slope")
    imp.emit(node, "prelu", {"shared": True} if math.prod(slope) == 1 else {}, [node.input[0]])


def _dropout(imp, node, a):
    p = a.get("ratio", imp.scalar(node.input[1]) if len(node.input) > 1 else None)
    imp.emit(node, "dropout", {} if p in (None, 0.5) else {"p": float(f"{p:.6g}")}, [node.input[0]])


def _alias(imp, node, a):
    imp.alias(node.output[0], node.input[0])


def _concat(imp, node, a):
    acts = [t for t in node.input if t in imp.acts]
    if len(acts) == 1 and len(node.input) == 2 and node.input[0] in imp.params and \
            imp.batch_at.get(acts[0], 0) == 0 and a["axis"] % (len(imp.full(acts[0]))) == 1:
        token = imp.const_shape(node.input[0])    # a learned token (1 x 1 x D) put before the L x D tokens
        if len(token) == 3 and token[:2] == (1, 1) and tuple(imp.act(acts[0]).shape[1:]) == tuple(token[2:]):
            imp.emit(node, "class_token", {}, acts)
            return
    k = imp.batch_at.get(node.input[0], 0)
    rank = len(imp.full(node.input[0]))
    if any(imp.batch_at.get(t, 0) != k for t in node.input) or a["axis"] % rank != (0 if k is None else k + 1):
        raise ArchcostError(f"Concat on axis {a['axis']} of a rank-{rank} tensor: archcost's concat joins the "
                            "first axis after the batch (channels)", "pass --allow-unknown to count it as 0")
    imp.emit(node, "concat", {}, list(node.input))


def _channel_ranges(imp, node, x: Act):
    rank = len(x.shape) + 1
    if node.op_type == "Split":
        a = _attrs(node)
        if a.get("axis", 0) % rank != 1:
            raise ArchcostError(f"Split on axis {a.get('axis', 0)}: archcost's slice takes channels (axis 1)",
                                "pass --allow-unknown to count it as 0")
        stand_in = np.broadcast_to(np.zeros((), np.int8), (x.shape[0],))
        a["axis"], a["_outputs"] = 0, len(node.output)
        sizes = [len(part) for part in FOLD["Split"](a, [stand_in] + [imp.value(t) if t else None
                                                                       for t in node.input[1:]])]
        starts = np.cumsum([0] + sizes[:-1]).tolist()
        return [(s, s + n) for s, n in zip(starts, sizes)]
    starts, ends = imp.value(node.input[1]).tolist(), imp.value(node.input[2]).tolist()
    axes = imp.value(node.input[3]).tolist() if len(node.input) > 3 and node.input[3] else list(range(len(starts)))
    steps = imp.value(node.input[4]).tolist() if len(node.input) > 4 and node.input[4] else [1] * len(starts)
    full = (1,) + tuple(x.shape)
    out = (0, x.shape[0])
    for start, end, axis, step in zip(starts, ends, axes, steps):
        r = range(*slice(int(start), int(end), int(step)).indices(full[axis % rank]))
        if axis % rank == 1 and step == 1:
            out = (r.start, r.stop)
        elif len(r) != full[axis % rank]:
            raise ArchcostError(f"Slice on axis {axis} (step {step}): archcost's slice takes a range of channels",
                                "pass --allow-unknown to count it as 0")
    return [out]


def _slices(imp, node, a):
    x = imp.act(node.input[0])
    if node.op_type == "Slice" and len(node.input) < 3:
        raise ArchcostError("Slice with attributes (opset 9 and older)", "convert the model to opset 11 or later")
    base = imp.node_name(node)
    for i, ((start, end), out) in enumerate(zip(_channel_ranges(imp, node, x), node.output)):
        attrs = {"start": int(start)} if start else {}
        if end != x.shape[0]:
            attrs["end"] = int(end)
        if start == 0 and end == x.shape[0]:
            imp.alias(out, node.input[0])
            continue
        imp.emit(node, "slice", attrs, [node.input[0]], out=out,
                 name=base if len(node.output) == 1 else f"{base}.{i}")


def _add(imp, node, a):
    acts = [t for t in node.input if t in imp.acts]
    consts = [t for t in node.input if t in imp.consts]
    if len(acts) == 1 and len(consts) == 1 and _fold_bias(imp, node, acts[0], consts[0]):
        return
    if len(acts) == 1 and len(consts) == 1 and consts[0] in imp.params and \
            tuple(imp.const_shape(consts[0])) == imp.full(acts[0]) and len(imp.act(acts[0]).shape) == 2:
        imp.emit(node, "pos_embedding", {}, acts)    # a learned table as large as the L x D tokens
        return
    if consts:
        raise ArchcostError("Add of an activation and a constant that is not a bias or a position embedding",
                            "pass --allow-unknown to count it as 0")
    imp.emit(node, "add", {}, list(node.input))


def _fold_bias(imp, node, x: str, c: str) -> bool:
    """conv (or fc) without bias + Add(constant per channel) -> that layer with its bias."""
    producer = imp.producer.get(x)
    layer = imp.by_name.get(imp.acts[x].layer)
    if producer is None or layer is None or imp.sole_consumer(x) is not node or layer.get("bias", True):
        return False
    if not imp.is_param(c) or math.prod(imp.const_shape(c)) != layer["out"]:
        return False
    del layer["bias"]
    reads(imp, layer["name"], "bias", c)
    imp.alias(node.output[0], x)
    return True


def _mul(imp, node, a):
    left, right = node.input[:2]
    if left in imp.consts or right in imp.consts:
        _scale(imp, node)
        return
    for x, gate in ((left, right), (right, left)):
        maker = imp.producer.get(gate)
        if imp.sole_consumer(gate) is node and maker is not None and \
                imp.gate(x, gate, node.output[0], imp.node_name(node), maker.input[0]):
            return
    imp.emit(node, "mul", {}, list(imp.larger_first(left, right)))


def _scale(imp, node):
    """An activation times (or divided by) a constant: a learned factor per channel is a ``layer_scale``
    (C x 1 x 1 on a map, D on the last axis); a constant scalar, attention's 1 / sqrt(d) on Q and K,
    multiplies nothing archcost counts and is folded into the layer before it."""
    x, c = (node.input[1], node.input[0]) if node.input[0] in imp.consts else node.input[:2]
    if c in imp.consts and math.prod(imp.const_shape(c)) == 1 and not imp.is_param(c):
        imp.alias(node.output[0], x)
        return
    shape, full = tuple(imp.const_shape(c)), imp.full(x)
    if node.op_type == "Mul" and imp.is_param(c) and imp.batch_at.get(x, 0) == 0:
        if len(full) == 4 and shape in ((full[1], 1, 1), (1, full[1], 1, 1)):
            imp.emit(node, "layer_scale", {}, [x])
            return
        if shape[-1:] == full[-1:] and math.prod(shape) == full[-1]:
            imp.emit(node, "layer_scale", {"axis": "last"}, [x])
            return
    raise ArchcostError(f"{node.op_type} of an activation by a constant of shape {list(shape)}: archcost maps a "
                        "scalar and a learned factor per channel (layer_scale)", "pass --allow-unknown to count it as 0")


def _divide(imp, node, a):
    if node.input[1] not in imp.consts:
        raise ArchcostError("Div of two activations: archcost has no op for it", "pass --allow-unknown to count it as 0")
    _scale(imp, node)


def _layernorm(imp, node, a):
    x = imp.act(node.input[0])
    if a.get("axis", -1) % len(imp.full(node.input[0])) != len(imp.full(node.input[0])) - 1:
        raise ArchcostError(f"LayerNormalization from axis {a['axis']}: archcost's layernorm normalises the last axis",
                            "pass --allow-unknown to count it as 0")
    if len(node.input) > 1 and imp.weight(node, 1, "scale") != (x.shape[-1],):
        raise ArchcostError(f"the scale has shape {imp.weight(node, 1, 'scale')} for {x.shape[-1]} features",
                            "give one scale per feature")
    imp.emit(node, "layernorm", _norm_attrs(imp, node, a), [node.input[0]])


def _norm_attrs(imp, node, a) -> dict:
    attrs = {}
    eps = float(f"{float(np.float32(a.get('epsilon', 1e-5))):.6g}")
    _put(attrs, "eps", eps, 1e-5)
    if not any(imp.is_param(t) for t in node.input[1:3]):
        attrs["affine"] = False
    return attrs


def _gather(imp, node, a):
    src = node.input[0]
    index = imp.static_value(node.input[1]) if node.input[1] not in imp.acts else None
    k, full = imp.batch_at.get(src, 0), imp.full(src)
    axis = a.get("axis", 0) % len(full)
    if index is None or index.size != 1 or index.ndim != 0 or axis == k:
        raise ArchcostError("Gather of an activation by anything but one constant index (x[:, 0]) of an axis "
                            "other than the batch", "pass --allow-unknown to count it as 0")
    at = axis if k is None or axis < k else axis - 1
    imp.emit(node, "select", {"axis": at, "index": int(index) % full[axis]}, [src])
    imp.batch_at[node.output[0]] = k if k is None or axis > k else k - 1


def _pad(imp, node, a):
    """Zero padding (mode constant) -> ``pad`` in torch's F.pad order: [before, after] of the last axis first."""
    src = node.input[0]
    full, k = imp.full(src), imp.batch_at.get(src, 0)
    pads = a.get("pads") or (imp.value(node.input[1]).tolist() if len(node.input) > 1 else None)
    fill = imp.scalar(node.input[2]) if len(node.input) > 2 and node.input[2] else 0.0
    if a.get("mode", "constant") != "constant" or fill not in (0.0, None) or pads is None or \
            (len(node.input) > 3 and node.input[3]):
        raise ArchcostError("Pad other than zero padding of every axis", "pass --allow-unknown to count it as 0")
    rank = len(full)
    if len(pads) != 2 * rank:
        raise ArchcostError(f"Pad with {len(pads)} pads for a rank-{rank} tensor {list(full)}",
                            "give a begin and an end for every axis")
    if k is not None and (pads[k] or pads[rank + k]):
        raise ArchcostError("Pad of the batch axis", "pass --allow-unknown to count it as 0")
    axes = [i for i in range(rank) if i != k]
    torch_order = [int(v) for i in reversed(axes) for v in (pads[i], pads[rank + i])]
    while torch_order[-2:] == [0, 0] and len(torch_order) > 2:
        torch_order = torch_order[:-2]
    imp.emit(node, "pad", {"pads": torch_order}, [src])


def _flatten(imp, node, a):
    x = imp.act(node.input[0])
    if node.doc_string == INTERNAL or len(x.shape) == 1:
        imp.alias(node.output[0], node.input[0])
        return
    if a.get("axis", 1) != 1:
        raise ArchcostError(f"Flatten from axis {a['axis']}: archcost's flatten keeps the batch axis only",
                            "pass --allow-unknown to count it as 0")
    imp.emit(node, "flatten", {}, [node.input[0]])


def _target(imp, node) -> tuple:
    """The output shape of a Reshape, Squeeze or Unsqueeze of an activation (batch axis first)."""
    full = imp.full(node.input[0])
    stand_in = np.broadcast_to(np.zeros((), np.int8), full)
    values = [stand_in] + [imp.value(t) if t else None for t in node.input[1:]]
    return tuple(FOLD[node.op_type](_attrs(node), values)[0].shape)


def _reshape(imp, node, a):
    src = node.input[0]
    if src in imp.views:
        return _reshape_view(imp, node)
    full, target, k = imp.full(src), _target(imp, node), imp.batch_at.get(src, 0)
    if node.doc_string == INTERNAL:
        imp.alias(node.output[0], src)
    elif k == 0 and len(full) == 4 and len(target) == 5 and target[1] * target[2] == full[1] and \
            target[3:] == full[2:] and _shuffles(imp, node):
        imp.views[node.output[0]] = View(src, "groups", target[1])   # C -> g x C/g: a channel shuffle begins
    else:
        imp.reshaped(node, src, target, _batch_after_reshape(full, k, target))


def _shuffles(imp, node) -> bool:
    """A channel shuffle's grouping Reshape is read by a Transpose of the two group axes."""
    after = imp.sole_consumer(node.output[0])
    return after is not None and after.op_type == "Transpose" and list(_attrs(after).get("perm", [])) == [0, 2, 1, 3, 4]


def _batch_after_reshape(full: tuple, k, target: tuple):
    """Where the batch axis is after a reshape: kept with the axes before it (or after it) when they are
    unchanged, else the first axis of size 1, else merged (None)."""
    if k is not None:
        if target[:k + 1] == full[:k + 1]:
            return k
        n = len(full) - k
        if len(target) >= n and target[len(target) - n:] == full[k:]:
            return len(target) - n
    return target.index(1) if 1 in target else None


def _reshape_view(imp, node):
    view = imp.views[node.input[0]]
    x = imp.act(view.source)
    if view.kind == "grouped_t" and _target(imp, _Stand(node, view.source)) == (1,) + tuple(x.shape):
        imp.emit(node, "channel_shuffle", {"groups": view.groups}, [view.source])
        return
    raise ArchcostError("a reshape of channel groups that is not a channel shuffle",
                        "pass --allow-unknown to count it as 0")


class _Stand:
    """A node seen with another data input (to compute a reshape's target from the view's source)."""

    def __init__(self, node, source):
        self.op_type, self.input, self.attribute = node.op_type, [source] + list(node.input[1:]), node.attribute


def _transpose(imp, node, a):
    view = imp.views.get(node.input[0])
    if view is not None and view.kind == "groups" and list(a.get("perm", [])) == [0, 2, 1, 3, 4]:
        imp.views[node.output[0]] = View(view.source, "grouped_t", view.groups)
        return
    src = node.input[0]
    k, rank = imp.batch_at.get(src, 0), len(imp.full(src))
    perm = [int(p) % rank for p in a.get("perm") or reversed(range(rank))]
    if k is None:
        k_out, dims = None, perm
    else:   # the batch axis (size 1) moves no data: archcost's permute is the order of the other axes
        k_out = perm.index(k)
        dims = [p - (p > k) for p in perm if p != k]
    if dims == sorted(dims):
        imp.alias(node.output[0], src, k_out)
    else:
        imp.emit(node, "permute", {"dims": dims}, [src])
        imp.batch_at[node.output[0]] = k_out


def _squeeze(imp, node, a):
    src = node.input[0]
    full, target, k = imp.full(src), _target(imp, node), imp.batch_at.get(src, 0)
    if node.doc_string == INTERNAL:
        imp.alias(node.output[0], src)
        return
    axes = a.get("axes")
    if axes is None and len(node.input) > 1 and node.input[1]:
        axes = imp.value(node.input[1]).tolist()
    if k is not None and node.op_type == "Unsqueeze":
        rank = len(target)
        inserted = sorted(v % rank for v in axes)
        kept = [i for i in range(rank) if i not in inserted]
        k = kept[k]
    elif k is not None:
        gone = [v % len(full) for v in axes] if axes is not None else [i for i, d in enumerate(full) if d == 1]
        k = None if k in gone else k - sum(1 for v in gone if v < k)
    if k is None and 1 in target:
        k = target.index(1)
    imp.reshaped(node, src, target, k)


def _awaits(what):
    def handle(imp, node, a):
        if imp.allow_unknown:
            return imp.unknown(node)
        raise ArchcostError(f"archcost has no op for {what} yet", "pass --allow-unknown to count it as 0")
    return handle


def _or_unknown(handler):
    """A handler that, under --allow-unknown, counts a case it cannot map as an unknown layer."""
    def handle(imp, node, a):
        if not imp.allow_unknown:
            return handler(imp, node, a)
        try:
            return handler(imp, node, a)
        except ArchcostError:
            return imp.unknown(node)
    return handle


# ---------------------------------------------------------------- fusions found before the walk
def _gelu(imp, erf):
    """x * 0.5 * (1 + erf(x / sqrt 2)) in any of the orders torch's exporter writes -> one gelu."""
    def only(t, op):
        n = imp.sole_consumer(t)
        return n if n is not None and n.op_type == op else None

    def const(t, target):
        v = imp.static_value(t)
        return v is not None and v.size == 1 and abs(float(v.reshape(-1)[0]) - target) < 1e-4

    scaled = imp.producer.get(erf.input[0])
    if scaled is None or len(scaled.input) != 2:
        return
    x = scaled.input[0]
    ok = (scaled.op_type == "Div" and const(scaled.input[1], SQRT2)) or \
         (scaled.op_type == "Mul" and const(scaled.input[1], 1 / SQRT2))
    add = only(erf.output[0], "Add")
    if not ok or add is None or not any(const(t, 1.0) for t in add.input):
        return
    mul = only(add.output[0], "Mul")
    if mul is None:
        return
    other = [t for t in mul.input if t != add.output[0]][0]
    chain = [scaled, erf, add, mul]
    if other == x:                                   # (x * (1 + erf)) * 0.5
        last = only(mul.output[0], "Mul")
        if last is None or not any(const(t, 0.5) for t in last.input):
            return
        chain.append(last)
    else:                                            # (x * 0.5) * (1 + erf)
        half = imp.producer.get(other)
        if half is None or half.op_type != "Mul" or x not in half.input or not any(const(t, 0.5) for t in half.input):
            return
        chain.insert(0, half)
    final = chain[-1]
    imp.skip.update(id(n) for n in chain[:-1])
    imp.fused[id(final)] = ("gelu", {}, x)


def _layernorm2d(imp, ln):
    """Transpose to channels last -> LayerNormalization -> Transpose back (ConvNeXt's LayerNorm2d, as torch
    exports it) -> one ``layernorm2d`` over the channels of each pixel, named as the norm."""
    before = imp.producer.get(ln.input[0])
    after = imp.sole_consumer(ln.output[0])
    if before is None or after is None or before.op_type != "Transpose" or after.op_type != "Transpose" or \
            imp.sole_consumer(before.output[0]) is not ln or _attrs(ln).get("axis", -1) not in (-1, 3):
        return
    if list(_attrs(before).get("perm", [])) != [0, 2, 3, 1] or list(_attrs(after).get("perm", [])) != [0, 3, 1, 2]:
        return
    imp.skip.update((id(before), id(ln)))
    imp.fused[id(after)] = ("layernorm2d", _norm_attrs(imp, ln, _attrs(ln)), before.input[0], imp.node_name(ln))


def _spelled_layernorm(imp, mean):
    """The layer norm older exporters spell out (before LayerNormalization, opset 17): d = x - mean(x),
    d / sqrt(mean(d ^ 2) + eps), then * gamma + beta -> one ``layernorm`` named as its last node."""
    def only(t, op):
        n = imp.sole_consumer(t)
        return n if n is not None and n.op_type == op else None

    def last_axis(n):
        axes = _attrs(n).get("axes")
        if axes is None and len(n.input) > 1:
            axes = imp.static_value(n.input[1])
            axes = None if axes is None else axes.reshape(-1).tolist()
        return list(axes or []) == [-1] and _attrs(n).get("keepdims", 1) == 1

    x = mean.input[0]
    centred = only(mean.output[0], "Sub")
    if not last_axis(mean) or centred is None or list(centred.input) != [x, mean.output[0]]:
        return
    uses = imp.consumers.get(centred.output[0], [])
    square = next((n for n in uses if n.op_type == "Pow"), None)
    divide = next((n for n in uses if n.op_type == "Div" and n.input[0] == centred.output[0]), None)
    if len(uses) != 2 or square is None or divide is None:
        return
    two = imp.static_value(square.input[1])
    variance = only(square.output[0], "ReduceMean")
    plus = only(variance.output[0], "Add") if variance is not None and last_axis(variance) else None
    root = only(plus.output[0], "Sqrt") if plus is not None else None
    if two is None or float(two.reshape(-1)[0]) != 2.0 or root is None or list(divide.input) != [centred.output[0],
                                                                                                  root.output[0]]:
        return
    eps = next((imp.static_value(t) for t in plus.input if t != variance.output[0]), None)
    chain, attrs = [mean, centred, square, variance, plus, root, divide], {}
    if eps is None or eps.size != 1:
        return
    _put(attrs, "eps", float(f"{float(eps.reshape(-1)[0]):.6g}"), 1e-5)
    scale = only(divide.output[0], "Mul")
    shift = only(scale.output[0], "Add") if scale is not None else None
    if scale is not None and shift is not None and any(t in imp.params for t in scale.input) and \
            any(t in imp.params for t in shift.input):
        chain += [scale, shift]
    else:
        attrs["affine"] = False
    imp.skip.update(id(n) for n in chain[:-1])
    imp.fused[id(chain[-1])] = ("layernorm", attrs, x)


FUSE = {"Erf": _gelu, "LayerNormalization": _layernorm2d, "ReduceMean": _spelled_layernorm}


def add_fusion(op_type: str, *fusers) -> None:
    """Register patterns found from the nodes of ``op_type`` (the modules of several op families do): each
    is tried after those already there, in turn, until one claims the node (returns True)."""
    chain = [f for f in (FUSE.get(op_type), *fusers) if f is not None]
    FUSE[op_type] = chain[0] if len(chain) == 1 else lambda imp, node: any(f(imp, node) for f in chain)
# constants a parameter passes through whole (torch's exporter expands ViT's class token to the batch)
CARRY_PARAM = {"Expand", "Identity", "Cast", "Tile"}

# ---------------------------------------------------------------- the table
HANDLERS = {
    "Conv": _signed("conv", lambda imp, node, a: _conv_attrs(imp, node, a, node.input[0])),
    "ConvTranspose": _conv_transpose,
    "Gemm": _gemm,
    "MatMul": _or_unknown(_matmul),
    "BatchNormalization": _signed("batchnorm", _batchnorm_attrs),
    "Relu": _act("relu"),
    "Sigmoid": _act("sigmoid"),
    "Tanh": _act("tanh"),
    "HardSigmoid": _act("hardsigmoid"),
    "HardSwish": _act("hardswish"),
    "LeakyRelu": _act("leakyrelu"),
    "Elu": _act("elu"),
    "Gelu": _act("gelu"),
    "Softmax": _act("softmax"),
    "LayerNormalization": _or_unknown(_layernorm),
    "Gather": _or_unknown(_gather),
    "Div": _or_unknown(_divide),
    "Clip": _or_unknown(_clip),
    "PRelu": _prelu,
    "LRN": lambda imp, node, a: imp.emit(node, "lrn", {"size": a["size"], "alpha": a.get("alpha", 1e-4),
                                                       "beta": a.get("beta", 0.75), "k": a.get("bias", 1.0)},
                                         [node.input[0]]),
    "MaxPool": _pool("maxpool"),
    "AveragePool": _pool("avgpool"),
    "GlobalAveragePool": _global_pool("globalavgpool"),
    "GlobalMaxPool": _global_pool("maxpool"),
    "ReduceMean": _or_unknown(_reduce_mean),
    "Concat": _or_unknown(_concat),
    "Split": _or_unknown(_slices),
    "Slice": _or_unknown(_slices),
    "Add": _or_unknown(_add),
    "Sum": _add,
    "Mul": _or_unknown(_mul),
    "Flatten": _or_unknown(_flatten),
    "Reshape": _or_unknown(_reshape),
    "Transpose": _or_unknown(_transpose),
    "Squeeze": _or_unknown(_squeeze),
    "Unsqueeze": _or_unknown(_squeeze),
    "Identity": _alias,
    "Cast": _alias,
    "Dropout": _dropout,
    # ONNX ops whose archcost op does not exist yet: an error naming it, or --allow-unknown
    "Pad": _or_unknown(_pad),
    "Expand": _awaits("broadcasting an activation (Expand)"),
    "Erf": _awaits("Erf outside the GELU pattern"),
    "Where": _awaits("Where on activations"),
}


# inputs after the first of these ops are weights, never the network's data (export --weights none)
WEIGHT_SLOTS = {"Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization", "PRelu"}

# patterns of the classic CNN ops (subsample, a conv's connection table, rbf, zeropad_shortcut, deform_conv)
from . import onnx_classic  # noqa: E402,F401  (registers into FUSE and HANDLERS)
from . import onnx_windows  # noqa: E402,F401  Swin's window attention, patch merging and roll: into FUSE
from . import onnx_maxvit  # noqa: E402,F401  (registers MaxViT's partitions, Einsum, relative position bias)
from . import onnx_upsample_sub  # noqa: E402,F401  registers Resize, Upsample and Sub into HANDLERS
from . import onnx_attention  # noqa: E402,F401  multi-head self-attention as one layer: into FUSE
