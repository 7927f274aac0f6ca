"""PyTorch import: ``archcost.from_torch(module, input=(3, 224, 224))``, the optional extra
``archcost[torch]``.

The module is traced symbolically with ``torch.fx.symbolic_trace`` (no forward pass of data) and
its shapes are propagated on fake tensors (shapes without storage: no real computation). Each fx
node then goes through a table, as ONNX nodes do: a dict from module type (``nn.Conv2d``), function
(``torch.cat``) or method name (``"view"``) to a small handler emitting archcost layers, named as in
the module (``layer1.0.conv1``). The result is spec data, so the spec loader builds the same graph
IR a YAML spec gives, and every report works on it.

>>> import torch.nn as nn
>>> net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 32 * 32, 10))
>>> r = from_torch(net, input=(3, 32, 32))
>>> [(x.name, x.op, x.output_shape) for x in r.layers]
[('0', 'conv', (8, 32, 32)), ('1', 'relu', (8, 32, 32)), ('2', 'flatten', (8192,)), ('3', 'fc', (10,))]
>>> r.totals.params == sum(p.numel() for p in net.parameters())
True
"""

from __future__ import annotations

import math
import operator

from ..errors import ArchcostError
from . import need
from .layers import Act, Layers
from .ties import reads, write_ties

torch = need("torch", "torch")   # the optional extra: this module is imported only by from_torch
nn, F = torch.nn, torch.nn.functional


def from_torch(module, input=(3, 224, 224), *, name: str | None = None, bias_flops: bool = True,
               dtype: str = "float32", batch: int = 1):
    """Analyze a torch ``nn.Module`` on one input of shape ``input`` (C x H x W, no batch axis)."""
    from .. import analyze
    from ..spec.loader import spec_from_data

    data = torch_spec_data(module, input, name)
    return analyze(spec_from_data(data, f"<{data['name']}>"), bias_flops=bias_flops, dtype=dtype, batch=batch)


def torch_spec_data(module, input=(3, 224, 224), name: str | None = None) -> dict:
    """A torch module -> spec data (what a YAML spec parses to)."""
    name = name or type(module).__name__
    gm = _trace(module, name)
    shape = tuple(int(d) for d in input)
    _propagate(gm, shape, name)
    rows = _Rows(gm)
    for node in gm.graph.nodes:
        try:
            rows.visit(node)
        except ArchcostError as exc:
            raise exc.located(file=f"<{name}>", layer=rows.layer_name(node))
    write_ties(rows)
    return rows.spec(name, name, f"torch module {type(module).__module__}.{type(module).__qualname__}, "
                     "traced with torch.fx", shape)


def _trace(module, name):
    if not isinstance(module, nn.Module):
        raise ArchcostError(f"from_torch takes a torch.nn.Module, got {type(module).__name__}",
                            "pass the model object")
    was_training = module.training
    module.eval()   # dropout and batch norm as at inference; restored below
    try:
        return torch.fx.GraphModule(module, _Tracer().trace(module), type(module).__name__)
    except Exception as exc:  # fx's TraceError, or any error its proxies raise inside forward()
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ArchcostError(f"{name} cannot be traced symbolically by torch.fx: {type(exc).__name__}: {first}",
                            "archcost reads the module without running it: control flow on tensor values "
                            "(if x.sum() > 0, loops over a tensor) must go, or move into a submodule wrapped "
                            "with torch.fx.wrap", file=f"<{name}>") from None
    finally:
        module.train(was_training)


class _Tracer(torch.fx.Tracer):
    """torch.fx's tracer, keeping whole the modules archcost maps by class name (LEAVES: torchvision's
    MaxViT attention and partitions), as it keeps torch.nn's."""

    def is_leaf_module(self, m, qualname):
        return type(m).__name__ in BY_CLASS or super().is_leaf_module(m, qualname)


def _propagate(gm, shape, name):
    """Every node's shape, on fake tensors: no storage, no arithmetic on data."""
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.fx.passes.shape_prop import ShapeProp

    mode = FakeTensorMode(allow_non_fake_inputs=True)
    with mode:
        x = torch.empty(1, *shape)
    try:
        ShapeProp(gm, fake_mode=mode).propagate(x)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ArchcostError(f"{name} does not accept a 1x{'x'.join(map(str, shape))} input: {first}",
                            "give the input shape the module expects, e.g. input=(3, 224, 224)",
                            file=f"<{name}>") from None


def _shape(node) -> tuple:
    meta = node.meta.get("tensor_meta")
    return tuple(int(d) for d in meta.shape[1:]) if meta is not None and hasattr(meta, "shape") else ()


class _Rows(Layers):
    def __init__(self, gm):
        super().__init__()
        self.gm = gm
        self.users = {n: len(n.users) for n in gm.graph.nodes}
        self.done: set = set()
        self.pieces: dict = {}        # modules returning a tuple whose [0] is the layer (attention)
        self.views: dict = {}         # reshaped activations only a known pattern may read (a channel shuffle)
        self.weight_of, self.roles, self.ties = {}, {}, {}   # tied weights: ties.py
        self.held: set[int] = set()        # ids of the parameters some layer holds
        self.params: dict = {}        # nodes that read a parameter (get_attr, its expand): node -> shape
    def act(self, key):
        if key in self.views:
            raise ArchcostError(f"'{key}' is a reshaped or transposed tensor, which archcost has no op for yet", "")
        if key not in self.acts:
            raise ArchcostError(f"'{key}' is not a tensor computed from the input (a parameter or a constant)",
                                "archcost maps layers whose data comes from the input")
        return self.acts[key]

    def layer_name(self, node) -> str:
        return str(node.target) if node.op == "call_module" else node.name

    def visit(self, node) -> None:
        if node in self.done:
            return     # taken by a pattern read at its first node (LayerNorm2d)
        if node.op == "placeholder":
            self.acts[node] = Act("input", _shape(node))
            return
        if node.op == "get_attr" and isinstance(_attr(self.gm, node.target), nn.Parameter):
            self.params[node] = tuple(_attr(self.gm, node.target).shape)   # ViT's class token, a layer scale
            return
        if node.op == "output":
            _more.check_claimed(self)
        if node.op in ("output", "get_attr") or "tensor_meta" not in node.meta or _more.from_buffers(self, node):
            return    # sizes arithmetic (x.size(0) // 2) is not a layer; a parameter read directly is met
            #           where an op uses it (and refused there)
        if node.op == "call_module":
            module = self.gm.get_submodule(node.target)
            handler = next((MODULES[t] for t in type(module).__mro__ if t in MODULES), BY_CLASS.get(type(module).__name__))
            what = type(module).__name__
        elif node.op == "call_function":
            module = None
            handler = FUNCTIONS.get(node.target) or BY_NAME.get(getattr(node.target, "__name__", ""))
            what = getattr(node.target, "__name__", str(node.target))
        else:
            module, handler = None, METHODS.get(node.target)
            what = f"Tensor.{node.target}"
        if handler is None:
            raise ArchcostError(f"archcost has no mapping for {what}", "archcost maps torch's standard layers; "
                                "write this one as an archcost op, or export the model to ONNX")
        made = len(self.layers)
        handler(self, node, module)
        if module is not None and len(self.layers) > made and node in self.acts:
            self.share(node, module)

    def share(self, node, module) -> None:
        """The module's parameters, by role (weight, bias): a role whose parameters an earlier layer holds
        (a module called twice, or two modules given one nn.Parameter) is tied to that layer."""
        layer = self.acts[node].layer
        roles: dict[str, list] = {}
        for pname, p in module.named_parameters():
            roles.setdefault("bias" if pname.endswith("bias") else "weight", []).append(id(p))
        if layer not in self.by_name or not roles:
            return
        for role, ids in roles.items():
            key = tuple(sorted(ids))
            if key not in self.weight_of and any(i in self.held for i in ids):
                raise ArchcostError(f"the module '{node.target}' shares some of its {role} parameters with "
                                    f"another module, not all: archcost ties a layer's weight or bias whole",
                                    "share whole parameters (module.weight = other.weight)")
            self.held.update(ids)
            reads(self, layer, role, key)

    def emit(self, node, op, attrs, inputs=None):
        sources = inputs if inputs is not None else [node.args[0]]
        what = (type(self.gm.get_submodule(node.target)).__name__ if node.op == "call_module"
                else getattr(node.target, "__name__", str(node.target)))
        return self.add(what, self.layer_name(node), op, attrs, sources, node)


def _attr(gm, target):
    obj = gm
    for part in target.split("."):
        obj = getattr(obj, part, None)
    return obj


def _arg(node, i, key, default=None):
    if len(node.args) > i:
        return node.args[i]
    return node.kwargs.get(key, default)


def _compact(v):
    v = tuple(v) if isinstance(v, (list, tuple)) else (v, v)
    return v[0] if v[0] == v[1] else list(v)


def _put(attrs, key, v, default):
    if v != default:
        attrs[key] = v


# ---------------------------------------------------------------- modules
def _conv(rows, node, m):
    if len(m.kernel_size) != 2:
        raise ArchcostError(f"{type(m).__name__}: archcost maps 2-D convolutions", "")
    attrs = {"out": m.out_channels, "kernel": _compact(m.kernel_size)}
    _put(attrs, "stride", _compact(m.stride), 1)
    pad = m.padding if isinstance(m.padding, str) else _compact(m.padding)
    _put(attrs, "pad", 0 if pad == "valid" else pad, 0)
    _put(attrs, "dilation", _compact(m.dilation), 1)
    _put(attrs, "groups", m.groups, 1)
    _put(attrs, "bias", m.bias is not None, True)
    if isinstance(m, nn.ConvTranspose2d):
        _put(attrs, "output_padding", _compact(m.output_padding), 0)
        rows.emit(node, "conv_transpose", attrs)
    else:
        rows.emit(node, "conv", attrs)


def _linear(rows, node, m):
    """nn.Linear: archcost's fc on a vector, its linear over the last axis of tokens or channels-last maps."""
    op = "fc" if len(rows.act(node.args[0]).shape) == 1 else "linear"
    rows.emit(node, op, {"out": m.out_features} if m.bias is not None else {"out": m.out_features, "bias": False})


def _layernorm(rows, node, m):
    shape, eps = (m.normalized_shape, m.eps) if m is not None else (_arg(node, 1, "normalized_shape"),
                                                                    _arg(node, 4, "eps", 1e-5))
    x = rows.act(node.args[0])
    if len(shape) != 1 or shape[0] != x.shape[-1]:
        raise ArchcostError(f"a layer norm over {list(shape)} of a {'x'.join(map(str, x.shape))} input: archcost's "
                            "layernorm normalises the last axis", "")
    affine = m.elementwise_affine if m is not None else _arg(node, 2, "weight") is not None
    if m is not None and affine and m.bias is None:
        raise ArchcostError("a layer norm without its bias (bias=False)", "archcost's layernorm learns both")
    attrs = {}
    _put(attrs, "eps", float(eps), 1e-5)
    _put(attrs, "affine", bool(affine), True)
    rows.emit(node, "layernorm", attrs)


def _attention(rows, node, m):
    """nn.MultiheadAttention on (N, L, D) tokens (batch_first), self-attention: archcost's attention."""
    x = node.args[0]
    if not m.batch_first or not m._qkv_same_embed_dim or any(a is not x for a in node.args[1:3]):
        raise ArchcostError("nn.MultiheadAttention other than self-attention with batch_first=True and equal "
                            "query, key and value widths", "archcost's attention maps ViT's self-attention")
    rows.emit(node, "attention", {"heads": m.num_heads} if m.in_proj_bias is not None else
              {"heads": m.num_heads, "bias": False})
    rows.pieces[node] = node    # its output is (attention, weights): [0] is the layer


def _batchnorm(rows, node, m):
    attrs = {}
    _put(attrs, "eps", m.eps, 1e-5)
    _put(attrs, "affine", m.affine, True)
    rows.emit(node, "batchnorm", attrs)


def _pool_attrs(kernel, stride, padding, ceil_mode, dilation=1):
    if _compact(dilation) != 1:
        raise ArchcostError("a dilated pooling window", "archcost's pools are not dilated")
    attrs = {"kernel": _compact(kernel)}
    _put(attrs, "stride", _compact(stride) if stride else attrs["kernel"], attrs["kernel"])
    _put(attrs, "pad", _compact(padding), 0)
    _put(attrs, "ceil_mode", bool(ceil_mode), False)
    return attrs


def _pool(op):
    def handle(rows, node, m):
        rows.emit(node, op, _pool_attrs(m.kernel_size, m.stride, m.padding, m.ceil_mode, getattr(m, "dilation", 1)))
    return handle


def _adaptive(rows, node, size):
    x = rows.act(node.args[0])
    size = tuple(x.shape[1 + i] if s is None else s for i, s in enumerate(size if isinstance(size, (list, tuple))
                                                                           else (size, size)))
    if size == (1, 1):
        rows.emit(node, "globalavgpool", {})
    else:
        rows.emit(node, "adaptiveavgpool", {"size": _compact(size)})


def _act(op):
    return lambda rows, node, m: rows.emit(node, op, {})


def _hardtanh(rows, node, m):
    lo, hi = (m.min_val, m.max_val) if m is not None else (_arg(node, 1, "min_val", -1.0), _arg(node, 2, "max_val", 1.0))
    if (lo, hi) != (0.0, 6.0):
        raise ArchcostError(f"Hardtanh({lo}, {hi}): archcost maps the (0, 6) case (relu6)", "")
    rows.emit(node, "relu6", {})


def _alias(rows, node, m):
    rows.alias(node, node.args[0])


def _flatten_like(rows, node, m=None):
    """flatten, view, reshape: archcost's flatten when the result is (N, everything), else nothing new."""
    out = _shape(node)
    view = rows.views.get(node.args[0])
    if view is not None:
        if view[1] != "grouped_t" or out != rows.act(view[0]).shape:
            raise ArchcostError("a reshape of channel groups that is not a channel shuffle: archcost has no op "
                                "for it yet", "")
        rows.add(str(node.target), node.name, "channel_shuffle", {"groups": view[2]}, [view[0]], node)
        return
    x = rows.act(node.args[0])
    if out == x.shape:
        rows.alias(node, node.args[0])
    elif out == (math.prod(x.shape),):
        rows.emit(node, "flatten", {})
    elif len(x.shape) == 3 and len(out) == 4 and out[0] * out[1] == x.shape[0] and out[2:] == x.shape[1:]:
        rows.views[node] = (node.args[0], "groups", out[0])    # C -> g x C/g: a channel shuffle begins
    else:
        attrs = {"shape": list(out)}
        if len(x.shape) == 3 and len(out) == 2 and out[0] == x.shape[0]:
            attrs["layout"] = "DL"    # C x H x W -> C x HW: dim x tokens (ViT's patches), permuted next
        rows.emit(node, "reshape", attrs)


MODULES = {
    nn.Conv2d: _conv,
    nn.ConvTranspose2d: _conv,
    nn.Linear: _linear,
    nn.LayerNorm: _layernorm,
    nn.MultiheadAttention: _attention,
    nn.BatchNorm2d: _batchnorm,
    nn.BatchNorm1d: _batchnorm,
    nn.ReLU: _act("relu"),
    nn.ReLU6: _act("relu6"),
    nn.Hardtanh: _hardtanh,
    nn.Sigmoid: _act("sigmoid"),
    nn.Tanh: _act("tanh"),
    nn.GELU: _act("gelu"),
    nn.SiLU: _act("silu"),
    nn.Hardswish: _act("hardswish"),
    nn.Hardsigmoid: _act("hardsigmoid"),
    nn.LeakyReLU: _act("leakyrelu"),
    nn.ELU: _act("elu"),
    nn.Softmax: _act("softmax"),
    nn.PReLU: lambda rows, node, m: rows.emit(node, "prelu", {"shared": True} if m.num_parameters == 1 else {}),
    nn.MaxPool2d: _pool("maxpool"),
    nn.AvgPool2d: _pool("avgpool"),
    nn.AdaptiveAvgPool2d: lambda rows, node, m: _adaptive(rows, node, m.output_size),
    nn.Flatten: _flatten_like,
    nn.Dropout: lambda rows, node, m: rows.emit(node, "dropout", {} if m.p == 0.5 else {"p": m.p}),
    nn.Identity: _alias,
    nn.LocalResponseNorm: lambda rows, node, m: rows.emit(node, "lrn", {"size": m.size, "alpha": m.alpha,
                                                                        "beta": m.beta, "k": m.k}),
    nn.ChannelShuffle: lambda rows, node, m: rows.emit(node, "channel_shuffle", {"groups": m.groups}),
}


# ---------------------------------------------------------------- functions and methods
def _binary(op):
    def handle(rows, node, m):
        a, b = node.args[:2]
        tensors = [v for v in (a, b) if isinstance(v, torch.fx.Node) and v in rows.acts]
        learned = [v for v in (a, b) if v in rows.params]
        if len(tensors) == 1 and len(learned) == 1:
            _with_parameter(rows, node, op, tensors[0], rows.params[learned[0]])
            return
        if len(tensors) != 2:
            raise ArchcostError(f"{node.target} of a tensor and a constant: archcost has no op for it yet", "")
        if op == "mul":
            for x, gate in ((a, b), (b, a)):
                maker = gate.args[0] if gate.args else None
                if rows.users[gate] == 1 and rows.gate(x, gate, node, node.name, maker):
                    return
            a, b = rows.larger_first(a, b)
        rows.emit(node, op, {}, [a, b])
    return handle


def _with_parameter(rows, node, op, x, shape):
    """x + a learned table as large as the tokens (position embedding), x * a learned factor per channel."""
    full = (1,) + rows.act(x).shape
    if op == "add" and shape == full and len(full) == 3:
        rows.emit(node, "pos_embedding", {}, [x])
    elif op == "mul" and len(full) == 4 and shape in ((full[1], 1, 1), (1, full[1], 1, 1)):
        rows.emit(node, "layer_scale", {}, [x])
    elif op == "mul" and shape[-1:] == full[-1:] and math.prod(shape) == full[-1]:
        rows.emit(node, "layer_scale", {"axis": "last"}, [x])
    else:
        raise ArchcostError(f"{op} of a tensor and a parameter of shape {list(shape)}: archcost maps a position "
                            "embedding (add) and a layer scale (mul)", "")


def _cat(rows, node, m):
    tensors, dim = node.args[0], _arg(node, 1, "dim", 0)
    learned = [t for t in tensors if t in rows.params]
    if len(tensors) == 2 and learned == [tensors[0]] and dim % 3 == 1 and rows.params[tensors[0]][:2] == (1, 1):
        rows.emit(node, "class_token", {}, [tensors[1]])     # a learned token before the tokens: ViT
        return
    rank = len(rows.act(tensors[0]).shape) + 1
    if dim % rank != 1:
        raise ArchcostError(f"torch.cat on dim {dim}: archcost's concat joins channels (dim 1)", "")
    rows.emit(node, "concat", {}, list(tensors))


def _chunks(rows, node, m):
    """chunk / split on the channels: the pieces become slice layers where getitem takes them."""
    x = rows.act(node.args[0])
    dim = _arg(node, 2, "dim", 0)
    if dim % (len(x.shape) + 1) != 1:
        raise ArchcostError(f"{node.target} on dim {dim}: archcost's slice takes channels (dim 1)", "")
    sizes = [int(t.shape[1]) for t in node.meta["tensor_meta"]]
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    rows.views[node] = (node.args[0], "pieces", list(zip(starts, [s + n for s, n in zip(starts, sizes)])))


def _getitem(rows, node, m):
    src, index = node.args
    if src in rows.pieces and index == 0:
        rows.alias(node, rows.pieces[src])
        return
    if src in rows.acts and isinstance(index, tuple):
        _index(rows, node, index)
        return
    view = rows.views.get(src)
    if view is None or view[1] != "pieces":
        raise ArchcostError("indexing a tensor: archcost has no op for it yet", "")
    source, _, ranges = view
    start, end = ranges[index]
    attrs = {"start": start} if start else {}
    if end != rows.act(source).shape[0]:
        attrs["end"] = end
    rows.add("getitem", node.name, "slice", attrs, [source], node)


def _index(rows, node, index):
    """x[:, 0]: one index of an axis (ViT's classifier token) -> select."""
    whole = slice(None)
    if len(index) < 2 or index[0] != whole or any(i != whole for i in index[1:-1]) or not isinstance(index[-1], int):
        raise ArchcostError(f"indexing a tensor by {index}: archcost maps x[:, i] (one index of an axis)", "")
    axis = len(index) - 2
    rows.emit(node, "select", {"axis": axis, "index": index[-1] % rows.act(node.args[0]).shape[axis]})


def _transpose(rows, node, m):
    view = rows.views.get(node.args[0])
    if view is not None and view[1] == "groups" and sorted(d % 5 for d in node.args[1:3]) == [1, 2]:
        rows.views[node] = (view[0], "grouped_t", view[2])
        return
    rank = len(rows.act(node.args[0]).shape) + 1
    i, j = (d % rank for d in node.args[1:3])
    if 0 in (i, j):
        raise ArchcostError("a transpose of the batch axis", "archcost's shapes have the batch first")
    rows.emit(node, "transpose", {"dims": [i - 1, j - 1]})


def _dims(node):
    dims = node.args[1:] if len(node.args) > 2 or not isinstance(node.args[1], (list, tuple)) else node.args[1]
    return list(node.kwargs.get("dims") or dims)


def _sole_user(node, functions=(), methods=()):
    users = list(node.users)
    if len(users) != 1:
        return None
    u = users[0]
    ok = (u.op == "call_function" and u.target in functions) or (u.op == "call_method" and u.target in methods)
    return u if ok else None


def _layernorm2d(rows, node) -> bool:
    """permute(0, 2, 3, 1) -> F.layer_norm -> permute(0, 3, 1, 2) (torchvision's LayerNorm2d, traced through):
    one ``layernorm2d`` named as the module that holds the three, as the zoo's ConvNeXt spec has it."""
    norm = _sole_user(node, functions=(F.layer_norm,))
    back = _sole_user(norm, methods=("permute",), functions=(torch.permute,)) if norm is not None else None
    if back is None or _dims(node) != [0, 2, 3, 1] or _dims(back) != [0, 3, 1, 2]:
        return False
    stack = node.meta.get("nn_module_stack") or {}
    name = next(reversed(stack)) if stack else norm.name
    attrs = {}
    _put(attrs, "eps", float(_arg(norm, 4, "eps", 1e-5)), 1e-5)
    _put(attrs, "affine", _arg(norm, 2, "weight") is not None, True)
    rows.add("LayerNorm2d", name, "layernorm2d", attrs, [node.args[0]], back)
    rows.done.update((node, norm, back))
    return True


def _permute(rows, node, m):
    if len(rows.act(node.args[0]).shape) == 3 and _layernorm2d(rows, node):
        return
    dims = _dims(node)
    rank = len(rows.act(node.args[0]).shape) + 1
    dims = [d % rank for d in dims]
    if dims[0] != 0:
        raise ArchcostError(f"a permute {dims} that moves the batch axis", "archcost's shapes have the batch first")
    rows.emit(node, "permute", {"dims": [d - 1 for d in dims[1:]]})


def _expand(rows, node, m):
    """class_token.expand(n, -1, -1): the parameter itself for one image."""
    if node.args[0] not in rows.params:
        raise ArchcostError("expanding a tensor computed from the input", "")
    rows.params[node] = rows.params[node.args[0]]


def _view_alias(rows, node, m):
    if node.args[0] in rows.views:
        rows.views[node] = rows.views[node.args[0]]
    else:
        rows.alias(node, node.args[0])


def _mean(rows, node, m):
    x = rows.act(node.args[0])
    dims = _arg(node, 1, "dim")
    keep = _arg(node, 2, "keepdim", False)
    if len(x.shape) != 3 or sorted(d % 4 for d in (dims if isinstance(dims, (list, tuple)) else [dims])) != [2, 3]:
        raise ArchcostError("a mean over other axes than H and W: archcost has no op for it yet", "")
    if keep:
        rows.emit(node, "globalavgpool", {})
    else:
        rows.add("mean", f"{node.name}.pool", "globalavgpool", {}, [node.args[0]], (node, "pooled"))
        rows.add("mean", node.name, "flatten", {}, [(node, "pooled")], node)


def _functional_pool(op):
    def handle(rows, node, m):
        kernel = _arg(node, 1, "kernel_size")
        stride = _arg(node, 2, "stride") or kernel
        padding = _arg(node, 3, "padding", 0)
        ceil_mode = _arg(node, 5 if op == "maxpool" else 4, "ceil_mode", False)
        rows.emit(node, op, _pool_attrs(kernel, stride, padding, ceil_mode, _arg(node, 4, "dilation", 1)
                                        if op == "maxpool" else 1))
    return handle


FUNCTIONS = {
    operator.add: _binary("add"), torch.add: _binary("add"), operator.iadd: _binary("add"),
    operator.mul: _binary("mul"), torch.mul: _binary("mul"),
    torch.cat: _cat, torch.concat: _cat,
    torch.flatten: _flatten_like, torch.reshape: _flatten_like,
    torch.relu: _act("relu"), F.relu: _act("relu"), F.relu6: _act("relu6"), F.hardtanh: _hardtanh,
    torch.sigmoid: _act("sigmoid"), F.sigmoid: _act("sigmoid"), torch.tanh: _act("tanh"),
    F.silu: _act("silu"), F.gelu: _act("gelu"), F.hardswish: _act("hardswish"), F.hardsigmoid: _act("hardsigmoid"),
    F.leaky_relu: _act("leakyrelu"), F.elu: _act("elu"), F.softmax: _act("softmax"), torch.softmax: _act("softmax"),
    F.adaptive_avg_pool2d: lambda rows, node, m: _adaptive(rows, node, _arg(node, 1, "output_size")),
    F.max_pool2d: _functional_pool("maxpool"), F.avg_pool2d: _functional_pool("avgpool"),
    F.dropout: lambda rows, node, m: rows.emit(node, "dropout", {}),
    torch.chunk: _chunks, torch.split: _chunks, operator.getitem: _getitem,
    torch.transpose: _transpose, torch.permute: _permute,
    F.layer_norm: lambda rows, node, m: _layernorm(rows, node, None),
    torch.mean: _mean,
}

METHODS = {
    "view": _flatten_like, "reshape": _flatten_like, "flatten": _flatten_like,
    "relu": _act("relu"), "sigmoid": _act("sigmoid"), "tanh": _act("tanh"), "softmax": _act("softmax"),
    "add": _binary("add"), "mul": _binary("mul"), "add_": _binary("add"),
    "mean": _mean, "chunk": _chunks, "split": _chunks, "transpose": _transpose,
    "contiguous": _view_alias, "permute": _permute, "expand": _expand,
}

# functions of libraries archcost does not import, known by name (torchvision.ops.stochastic_depth,
# which torch.fx keeps as one call): identities at inference
def _sdpa(rows, node, m):
    """F.scaled_dot_product_attention(q, k, v): its two matmuls of activations, Q K^T (scaled) and A V, with
    the softmax between them, as three layers (the projections are the module's own Linear layers)."""
    q, k, v = node.args[:3]
    if _arg(node, 3, "attn_mask") is not None:
        raise ArchcostError("scaled_dot_product_attention with a mask", "archcost maps unmasked attention")
    base = node.name
    rows.add("scaled_dot_product_attention", f"{base}.scores", "matmul", {"transpose_b": True}, [q, k],
             (node, "scores"))
    rows.add("scaled_dot_product_attention", f"{base}.softmax", "softmax", {}, [(node, "scores")], (node, "weights"))
    rows.add("scaled_dot_product_attention", base, "matmul", {}, [(node, "weights"), v], node)


def _window_attention(rows, node, m):
    """torchvision's shifted_window_attention (Swin v1; v2 with its logit scale and position bias MLP): heads,
    window and shift from its arguments; its weights, relative position bias table or MLP are parameters its
    archcost op counts."""
    window, shift = _arg(node, 4, "window_size"), _arg(node, 6, "shift_size")
    attrs = {"heads": _arg(node, 5, "num_heads"), "window": _compact(window)}
    _put(attrs, "shift", max(shift), 0)
    _put(attrs, "bias", _arg(node, 9, "qkv_bias") is not None, True)
    if _arg(node, 11, "logit_scale") is not None:
        attrs.update(_more.swin_v2_attrs(rows, node, _arg(node, 3, "relative_position_bias")))
    rows.emit(node, "window_attention", attrs)


FUNCTIONS[F.scaled_dot_product_attention] = _sdpa

BY_NAME = {"stochastic_depth": _alias,
           # torchvision's Swin, wrapped by torch.fx.wrap: calls fx keeps whole
           "shifted_window_attention": _window_attention,
           "_get_relative_position_bias": lambda rows, node, m: None,   # a read of the table the attention counts
           "_patch_merging_pad": lambda rows, node, m: rows.emit(node, "patch_merge", {})}

# modules archcost maps by class name (libraries it does not import: torchvision's MaxViT), kept whole by
# the tracer
BY_CLASS: dict = {}

from . import torch_attention as _more  # noqa: E402  (MaxViT's modules, Swin v2's attention)
from . import torch_upsample_sub  # noqa: E402,F401  registers nn.Upsample, F.interpolate and sub
