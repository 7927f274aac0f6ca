"""ONNX export: a network's graph IR -> a valid ONNX model (opset 17), to look at in Netron
or to check archcost against ONNX's own shape inference.

A dict from archcost op to a small function writing the ONNX nodes of one layer. Node and
output names are the layer names, so importing the export gives the same layers. Weights are
zero-filled initializers (``weights="zeros"``) or graph inputs with their shapes
(``weights="none"``: a small file). A node that exists only to make a layer valid ONNX (the
flatten an ``fc`` does itself) says so in its doc_string, and the import takes it as an alias.

>>> import archcost
>>> model = export_model(archcost.build_graph("lenet5_mnist"), weights="none")
>>> [n.op_type for n in model.graph.node][:4]
['Conv', 'Sigmoid', 'AveragePool', 'Conv']
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ArchcostError
from ..ops.base import same_pads
from . import need
from .onnx_import import INTERNAL, SQRT2, WEIGHT
from .onnx_notes import annotate

onnx = need("onnx", "onnx")   # the optional extra: this module is imported only for an ONNX file

OPSET = 17
IR_VERSION = {17: 8, 19: 9}   # the IR version of each opset the exporter writes


class _Writer:
    def __init__(self, onnx, weights: str):
        self.onnx, self.h = onnx, onnx.helper
        self.weights = weights
        self.nodes, self.inits, self.inputs = [], [], []
        self.opset = OPSET   # raised by a layer whose ONNX op is newer (DeformConv: 19)
        self.layer, self.tie = "", {}   # the layer being written and its ties ({tensor: layer})
        self.shapes: dict[str, list] = {}

    def node(self, op_type, inputs, output, name, doc=None, **attrs):
        n = self.h.make_node(op_type, list(inputs), [output], name=name, **attrs)
        if doc:
            n.doc_string = doc
        self.nodes.append(n)
        return output

    def weight(self, name, shape):
        """A parameter: a zero-filled initializer, or a graph input with its shape. A tied layer's
        (``tie``) is its owner's: both nodes read one initializer, which the import reads as the tie."""
        shape = [int(d) for d in shape]
        suffix = name[len(self.layer):] if name.startswith(self.layer) else ""
        target = self.tie.get("*") or self.tie.get("bias" if name.endswith(".bias") else "weight")
        if suffix[:1] not in (".", "/"):
            suffix = ""
        if suffix and target:
            owner = self.shapes.get(target + suffix, [target + suffix])[0]
            if owner not in self.shapes or self.shapes[owner][1] != shape:
                raise ArchcostError(f"its tied tensor {name} {shape} is not {target}'s "
                                    f"({self.shapes[owner][1] if owner in self.shapes else 'none'})",
                                    "ONNX reads one tensor in both nodes: tie layers whose weights have the same shape")
            self.shapes[name] = [owner, shape]
            return owner
        self.shapes[name] = [name, shape]
        T = self.onnx.TensorProto.FLOAT
        if self.weights == "zeros":
            self.inits.append(self.h.make_tensor(name, T, shape, bytes(4 * math.prod(shape)), raw=True))
        else:
            self.inputs.append(self.h.make_tensor_value_info(name, T, shape, doc_string=WEIGHT))
        return name

    def const(self, name, values, dtype=np.int64):
        """A Constant node (not a parameter): shapes, axes, clip bounds."""
        arr = np.asarray(values, dtype=dtype)
        value = onnx.numpy_helper.from_array(arr, name)
        self.nodes.append(self.h.make_node("Constant", [], [name], name=name, value=value))
        return name


def export_model(g, weights: str = "zeros"):
    """The analyzed or built graph ``g`` -> an onnx ModelProto (shapes are inferred here when missing)."""
    if weights not in ("zeros", "none"):
        raise ArchcostError(f"--weights {weights!r}", "use --weights zeros or --weights none")
    if "shape" not in next(iter(g.nodes.values())):
        from ..passes import infer_shapes
        infer_shapes(g)
    w = _Writer(onnx, weights)
    T = onnx.TensorProto.FLOAT
    data_input, consumed = None, set()
    for name, d in g.nodes(data=True):
        consumed.update(d["inputs"])
        if d["op"] == "input":
            data_input = w.h.make_tensor_value_info(name, T, [1, *d["shape"]])
            continue
        handler = EXPORT.get(d["op"])
        if handler is None:
            raise ArchcostError(f"archcost's '{d['op']}' has no ONNX equivalent", _UNEXPORTABLE.get(d["op"], ""),
                                layer=name, file=g.graph.get("file"))
        w.layer, w.tie = name, d.get("tie") or {}
        try:
            handler(w, name, d["attrs"], list(d["inputs"]), list(d["input_shapes"]), d["shape"])
        except ArchcostError as exc:
            raise exc.located(layer=name, file=g.graph.get("file"))
    outputs = [w.h.make_tensor_value_info(n, T, [1, *d["shape"]]) for n, d in g.nodes(data=True)
               if n not in consumed and d["op"] != "input"]
    graph = w.h.make_graph(w.nodes, g.graph["name"], [data_input, *w.inputs], outputs, w.inits,
                           doc_string=g.graph.get("title", ""))
    model = w.h.make_model(graph, producer_name="archcost", opset_imports=[w.h.make_opsetid("", w.opset)])
    model.ir_version = IR_VERSION[w.opset]   # opset 17's is 8: readable by older onnx and onnxruntime releases
    annotate(model, g)   # what ONNX cannot say (adaptiveavgpool, stochastic_depth, call): notes the import reads
    return model


def write_onnx(model) -> bytes:
    return model.SerializeToString()


_UNEXPORTABLE = {
    "unknown": "an op archcost did not understand on import cannot be written back",
}


# ---------------------------------------------------------------- one function per archcost op
def _pads(a, shape, dilation=(1, 1)):
    if a["pad"] == "same":
        (t, b), (l, r) = (same_pads(shape[1 + i], a["kernel"][i], a["stride"][i], dilation[i]) for i in (0, 1))
        return [t, l, b, r]
    ph, pw = a["pad"]
    return [ph, pw, ph, pw]


def _conv(w, name, a, ins, shapes, out, op_type="Conv", **more):
    """A Conv (or an op with a conv's weights, window and more inputs after them: DeformConv's offsets)."""
    c_in = shapes[0][0]
    inputs = [ins[0], w.weight(f"{name}.weight", [a["out"], c_in // a["groups"], *a["kernel"]]), *ins[1:]]
    if a["bias"]:
        inputs.append(w.weight(f"{name}.bias", [a["out"]]))
    w.node(op_type, inputs, name, name, kernel_shape=list(a["kernel"]), strides=list(a["stride"]),
           pads=_pads(a, shapes[0], a["dilation"]), dilations=list(a["dilation"]), group=a["groups"], **more)


def _conv_transpose(w, name, a, ins, shapes, out):
    inputs = [ins[0], w.weight(f"{name}.weight", [shapes[0][0], a["out"] // a["groups"], *a["kernel"]])]
    if a["bias"]:
        inputs.append(w.weight(f"{name}.bias", [a["out"]]))
    ph, pw = a["pad"]
    w.node("ConvTranspose", inputs, name, name, kernel_shape=list(a["kernel"]), strides=list(a["stride"]),
           pads=[ph, pw, ph, pw], output_padding=list(a["output_padding"]), dilations=list(a["dilation"]),
           group=a["groups"])


def _fc(w, name, a, ins, shapes, out):
    x = ins[0]
    if len(shapes[0]) != 1:
        x = w.node("Flatten", [x], f"{name}/flatten", f"{name}/flatten", doc=INTERNAL, axis=1)
    inputs = [x, w.weight(f"{name}.weight", [a["out"], math.prod(shapes[0])])]
    if a["bias"]:
        inputs.append(w.weight(f"{name}.bias", [a["out"]]))
    w.node("Gemm", inputs, name, name, transB=1)


def _pool(op_type):
    def write(w, name, a, ins, shapes, out):
        w.node(op_type, ins, name, name, kernel_shape=list(a["kernel"]), strides=list(a["stride"]),
               pads=_pads(a, shapes[0]), ceil_mode=int(a["ceil_mode"]))
    return write


def _adaptive(w, name, a, ins, shapes, out):
    c, h, wd = shapes[0]
    sh, sw = a["size"]
    if h % sh or wd % sw:
        raise ArchcostError(f"adaptive pooling of {h}x{wd} to {sh}x{sw}: the windows overlap or differ in size, "
                            "which ONNX's pools cannot express", "choose an input whose map divides by the output")
    w.node("AveragePool", ins, name, name, kernel_shape=[h // sh, wd // sw], strides=[h // sh, wd // sw])


def _batchnorm(w, name, a, ins, shapes, out):
    c = shapes[0][0]
    if a["affine"]:
        scale, shift = w.weight(f"{name}.weight", [c]), w.weight(f"{name}.bias", [c])
    else:   # constants, not parameters
        scale = w.const(f"{name}.weight", np.ones(c), np.float32)
        shift = w.const(f"{name}.bias", np.zeros(c), np.float32)
    mean = w.const(f"{name}.running_mean", np.zeros(c), np.float32)   # buffers: Constant nodes, not parameters
    var = w.const(f"{name}.running_var", np.ones(c), np.float32)
    w.node("BatchNormalization", [ins[0], scale, shift, mean, var], name, name, epsilon=a["eps"])


def _simple(op_type, **attrs):
    return lambda w, name, a, ins, shapes, out: w.node(op_type, ins, name, name, **attrs)


def _relu6(w, name, a, ins, shapes, out):
    lo = w.const(f"{name}/min", 0.0, np.float32)
    hi = w.const(f"{name}/max", 6.0, np.float32)
    w.node("Clip", [ins[0], lo, hi], name, name)


def _gated(gate_op, **attrs):
    """silu = x * sigmoid(x): the two nodes the exporters write (opset 17 has no SiLU)."""
    def write(w, name, a, ins, shapes, out):
        gate = w.node(gate_op, ins, f"{name}/gate", f"{name}/gate", **attrs)
        w.node("Mul", [ins[0], gate], name, name)
    return write


def _gelu(w, name, a, ins, shapes, out):
    """gelu = x * 0.5 * (1 + erf(x / sqrt 2)), as torch's exporter writes it before opset 20."""
    x = ins[0]
    scaled = w.node("Div", [x, w.const(f"{name}/sqrt2", SQRT2, np.float32)], f"{name}/div", f"{name}/div")
    erf = w.node("Erf", [scaled], f"{name}/erf", f"{name}/erf")
    one = w.node("Add", [erf, w.const(f"{name}/one", 1.0, np.float32)], f"{name}/add", f"{name}/add")
    prod = w.node("Mul", [x, one], f"{name}/mul", f"{name}/mul")
    w.node("Mul", [prod, w.const(f"{name}/half", 0.5, np.float32)], name, name)


def _prelu(w, name, a, ins, shapes, out):
    shape = [1] if a["shared"] else [shapes[0][0]] + [1] * (len(shapes[0]) - 1)
    w.node("PRelu", [ins[0], w.weight(f"{name}.weight", shape)], name, name)


def _dropout(w, name, a, ins, shapes, out):
    ratio = w.const(f"{name}/ratio", a["p"], np.float32)
    w.node("Dropout", [ins[0], ratio], name, name)


def _add(w, name, a, ins, shapes, out):
    w.node("Add" if len(ins) == 2 else "Sum", ins, name, name)


def _per_channel(op_type):
    """x times (mul) or minus (sub) y, y of x's shape or one value per channel."""
    def write(w, name, a, ins, shapes, out):
        x, s = ins
        if len(shapes[1]) == 1 and len(shapes[0]) == 3:   # per channel: (N, C) -> (N, C, 1, 1) to broadcast
            s = w.node("Unsqueeze", [s, w.const(f"{name}/axes", [2, 3])], f"{name}/unsqueeze", f"{name}/unsqueeze",
                       doc=INTERNAL)
        w.node(op_type, [x, s], name, name)
    return write


def _slice(w, name, a, ins, shapes, out):
    end = shapes[0][0] if a["end"] is None else a["end"]
    w.node("Slice", [ins[0], w.const(f"{name}/starts", [a["start"]]), w.const(f"{name}/ends", [end]),
                     w.const(f"{name}/axes", [1])], name, name)


def _channel_shuffle(w, name, a, ins, shapes, out):
    c, h, wd = shapes[0]
    g = a["groups"]
    grouped = w.node("Reshape", [ins[0], w.const(f"{name}/grouped", [1, g, c // g, h, wd])],
                     f"{name}/group", f"{name}/group")
    swapped = w.node("Transpose", [grouped], f"{name}/transpose", f"{name}/transpose", perm=[0, 2, 1, 3, 4])
    w.node("Reshape", [swapped, w.const(f"{name}/flat", [1, c, h, wd])], name, name)


def _lrn(w, name, a, ins, shapes, out):
    w.node("LRN", ins, name, name, size=a["size"], alpha=a["alpha"], beta=a["beta"], bias=a["k"])


EXPORT = {
    "conv": _conv,
    "conv_transpose": _conv_transpose,
    "fc": _fc,
    "maxpool": _pool("MaxPool"),
    "avgpool": _pool("AveragePool"),
    "globalavgpool": _simple("GlobalAveragePool"),
    "adaptiveavgpool": _adaptive,
    "batchnorm": _batchnorm,
    "lrn": _lrn,
    "relu": _simple("Relu"),
    "relu6": _relu6,
    "leakyrelu": _simple("LeakyRelu", alpha=0.01),
    "prelu": _prelu,
    "elu": _simple("Elu"),
    "sigmoid": _simple("Sigmoid"),
    "tanh": _simple("Tanh"),
    "gelu": _gelu,
    "silu": _gated("Sigmoid"),
    "swish": _gated("Sigmoid"),
    "hardswish": _simple("HardSwish"),
    "hardsigmoid": _simple("HardSigmoid", alpha=1 / 6, beta=0.5),
    "softmax": _simple("Softmax", axis=1),
    "dropout": _dropout,
    "add": _add,
    "mul": _per_channel("Mul"),
    "sub": _per_channel("Sub"),
    "concat": _simple("Concat", axis=1),
    "flatten": _simple("Flatten", axis=1),
    "slice": _slice,
    "channel_shuffle": _channel_shuffle,
}


# ---------------------------------------------------------------- transformer ops
def _linear(w, name, a, ins, shapes, out):
    """x W + b over the last axis, as torch's exporter writes nn.Linear on tokens: MatMul then Add."""
    weight = w.weight(f"{name}.weight", [shapes[0][-1], a["out"]])
    if not a["bias"]:
        return w.node("MatMul", [ins[0], weight], name, name)
    product = w.node("MatMul", [ins[0], weight], f"{name}/matmul", name)
    return w.node("Add", [product, w.weight(f"{name}.bias", [a["out"]])], name, f"{name}/bias")


def _layernorm(w, name, a, ins, shapes, out):
    w.node("LayerNormalization", [ins[0], *_norm_weights(w, name, a, shapes[0][-1])], name, name, axis=-1,
           epsilon=a["eps"])


def _norm_weights(w, name, a, dim):
    if a["affine"]:
        return w.weight(f"{name}.weight", [dim]), w.weight(f"{name}.bias", [dim])
    return w.const(f"{name}.weight", np.ones(dim), np.float32), w.const(f"{name}.bias", np.zeros(dim), np.float32)


def _layernorm2d(w, name, a, ins, shapes, out):
    """ConvNeXt's LayerNorm2d as torch exports it: channels last, a layer norm, channels first again."""
    last = w.node("Transpose", ins, f"{name}/to_last", f"{name}/to_last", perm=[0, 2, 3, 1])
    normed = w.node("LayerNormalization", [last, *_norm_weights(w, name, a, shapes[0][0])], f"{name}/norm", name,
                    axis=-1, epsilon=a["eps"])
    w.node("Transpose", [normed], name, f"{name}/to_first", perm=[0, 3, 1, 2])


def _permute(w, name, a, ins, shapes, out):
    dims = list(a["dims"])
    if len(dims) == 2 and len(shapes[0]) > 2:   # archcost's transpose names the two axes swapped
        order = list(range(len(shapes[0])))
        order[dims[0]], order[dims[1]] = dims[1], dims[0]
        dims = order
    w.node("Transpose", ins, name, name, perm=[0] + [d + 1 for d in dims])


def _reshape(w, name, a, ins, shapes, out):
    w.node("Reshape", [ins[0], w.const(f"{name}/shape", [1, *out])], name, name)


def _select(w, name, a, ins, shapes, out):
    w.node("Gather", [ins[0], w.const(f"{name}/index", a["index"])], name, name, axis=a["axis"] + 1)


def _class_token(w, name, a, ins, shapes, out):
    w.node("Concat", [w.weight(f"{name}.token", [1, 1, shapes[0][-1]]), ins[0]], name, name, axis=1)


def _pos_embedding(w, name, a, ins, shapes, out):
    w.node("Add", [ins[0], w.weight(f"{name}.table", [1, *shapes[0]])], name, name)


def _layer_scale(w, name, a, ins, shapes, out):
    x = shapes[0]
    shape = [x[0]] + [1] * (len(x) - 1) if a["axis"] == "channels" else [x[-1]]
    w.node("Mul", [ins[0], w.weight(f"{name}.gamma", shape)], name, name)


def _matmul(w, name, a, ins, shapes, out):
    if a["transpose_b"]:
        raise ArchcostError("a matmul by a transposed second input", "write the transpose as a permute layer")
    w.node("MatMul", ins, name, name)


def _attention(w, name, a, ins, shapes, out):
    """Multi-head self-attention over L x D tokens, or within each of G groups of L tokens (MaxViT's windows,
    G x L x D), as its matmuls (what torch's exporter writes, batch first): Q, K, V by one MatMul (+ Add),
    split into heads, Q K^T scaled, MaxViT's relative position bias added (``rel_pos``: the table gathered by
    a constant index), Softmax, A V, heads joined, the output projection (MatMul + Add) named as the layer."""
    *groups, length, d = shapes[0]
    h, lead = a["heads"], [1, *groups]
    n = len(lead)
    qkv = _linear(w, f"{name}/qkv", {"out": 3 * d, "bias": a["bias"]}, ins, shapes, (*groups, length, 3 * d))
    split = w.node("Reshape", [qkv, w.const(f"{name}/split", [*lead, length, 3, h, d // h])], f"{name}/heads",
                   f"{name}/heads")
    parts = w.node("Transpose", [split], f"{name}/parts", f"{name}/parts", perm=[n + 1, *range(n), n + 2, n, n + 3])
    q, k, v = (w.node("Gather", [parts, w.const(f"{name}/{t}_index", i)], f"{name}/{t}", f"{name}/{t}", axis=0)
               for i, t in enumerate("qkv"))
    scaled = w.node("Mul", [q, w.const(f"{name}/scale", (d // h) ** -0.5, np.float32)], f"{name}/q_scaled",
                    f"{name}/q_scaled")
    kt = w.node("Transpose", [k], f"{name}/k_t", f"{name}/k_t", perm=[*range(n + 1), n + 2, n + 1])
    scores = w.node("MatMul", [scaled, kt], f"{name}/scores", f"{name}/scores")
    if a["rel_pos"]:
        scores = _maxvit.relative_position_bias(w, name, a["rel_pos"], h, scores)
    weights = w.node("Softmax", [scores], f"{name}/softmax", f"{name}/softmax", axis=-1)
    mixed = w.node("MatMul", [weights, v], f"{name}/mixed", f"{name}/mixed")
    joined = w.node("Transpose", [mixed], f"{name}/join", f"{name}/join", perm=[*range(n), n + 1, n, n + 2])
    flat = w.node("Reshape", [joined, w.const(f"{name}/flat", [*lead, length, d])], f"{name}/flat_heads",
                  f"{name}/flat_heads")
    _linear(w, name, {"out": d, "bias": a["bias"]}, [flat], shapes, out)


def _pad(w, name, a, ins, shapes, out):
    rank = len(shapes[0]) + 1
    begin, end = [0] * rank, [0] * rank
    for i in range(len(a["pads"]) // 2):     # torch's order: the last axis first
        begin[rank - 1 - i], end[rank - 1 - i] = a["pads"][2 * i], a["pads"][2 * i + 1]
    w.node("Pad", [ins[0], w.const(f"{name}/pads", begin + end)], name, name)


EXPORT.update({
    "linear": _linear,
    "layernorm": _layernorm,
    "layernorm2d": _layernorm2d,
    "permute": _permute,
    "transpose": _permute,
    "reshape": _reshape,
    "select": _select,
    "class_token": _class_token,
    "pos_embedding": _pos_embedding,
    "layer_scale": _layer_scale,
    "stochastic_depth": _dropout,
    "matmul": _matmul,
    "pad": _pad,
    "attention": _attention,
})

# LeNet-5's ops, ResNet option A's shortcut, the deformable conv (archcost/frontends/onnx_classic.py)
from .onnx_classic import exporters as _classic  # noqa: E402  (it registers the import side too)
EXPORT.update(_classic(EXPORT))
from . import onnx_swin_export  # noqa: E402,F401  Swin's window attention, patch merging and roll: into EXPORT
from . import onnx_maxvit_export as _maxvit  # noqa: E402  (registers MaxViT's partition and departition)

from .onnx_upsample_sub import EXPORT as _RESIZE  # noqa: E402  (Resize, written beside its import)
EXPORT.update(_RESIZE)
