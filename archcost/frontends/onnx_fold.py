"""Constant folding for ONNX import: the subgraphs exporters emit to compute shapes
(``Shape -> Gather -> Unsqueeze -> Concat -> Reshape``) evaluated with numpy, as constants,
never counted as layers. A dict from ONNX op type to a small function of (attributes, input
arrays) returning the output arrays; ``Shape`` of an activation is its (known) shape.

>>> import numpy as np
>>> FOLD["Gather"]({"axis": 0}, [np.array([1, 64, 56, 56]), np.array(1)])[0]
array(64)
>>> FOLD["Concat"]({"axis": 0}, [np.array([1]), np.array([-1])])[0]
array([ 1, -1])
"""

from __future__ import annotations

import numpy as np


def _one(f):
    """An op with one output from a function of (attributes, inputs)."""
    return lambda a, xs: [np.asarray(f(a, xs))]


def _binary(f):
    return _one(lambda a, xs: f(xs[0], xs[1]))


def _unary(f):
    return _one(lambda a, xs: f(xs[0]))


def _axes(a, xs, position=1):
    """Axes from the attribute (older opsets) or from the input (opset 13 and later)."""
    if len(xs) > position and xs[position] is not None and xs[position].size:
        return [int(v) for v in xs[position].reshape(-1)]
    return list(a.get("axes", []))


def _reshape(a, xs):
    shape = [int(v) for v in xs[1]]
    if not a.get("allowzero", 0):
        shape = [xs[0].shape[i] if v == 0 else v for i, v in enumerate(shape)]
    return xs[0].reshape(shape)


def _slice(a, xs):
    x = xs[0]
    if len(xs) == 1:  # opset 1-9: attributes
        starts, ends, axes, steps = a["starts"], a["ends"], a.get("axes"), None
    else:
        starts, ends = xs[1].tolist(), xs[2].tolist()
        axes = xs[3].tolist() if len(xs) > 3 and xs[3] is not None else None
        steps = xs[4].tolist() if len(xs) > 4 and xs[4] is not None else None
    axes = list(range(len(starts))) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * x.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps):
        # Python's slice clamps as ONNX's Slice does, negative steps included (slice.indices' stop of -1
        # for "before the first element" would read as the last element once put back into a slice)
        index[axis] = slice(int(start), int(end), int(step))
    return x[tuple(index)]


def _split(a, xs):
    x, axis = xs[0], a.get("axis", 0)
    sizes = xs[1].tolist() if len(xs) > 1 and xs[1] is not None else a.get("split")
    if not sizes:
        n = a.get("num_outputs") or a["_outputs"]
        sizes = [-(-x.shape[axis] // n)] * (n - 1)
        sizes.append(x.shape[axis] - sum(sizes))
    return np.split(x, np.cumsum(sizes)[:-1], axis=axis)


def _constant(a, xs):
    for key in ("value", "value_float", "value_floats", "value_int", "value_ints"):
        if key in a:
            return a[key]
    raise KeyError("a Constant with a value of a kind archcost does not read (sparse or string)")


def _range(a, xs):
    return np.arange(xs[0], xs[1], xs[2], dtype=np.result_type(xs[0], xs[1], xs[2]))


def _where(a, xs):
    return np.where(xs[0], xs[1], xs[2])


def _cast(a, xs):
    from onnx import helper
    return xs[0].astype(helper.tensor_dtype_to_np_dtype(a["to"]))


def _constant_of_shape(a, xs):
    fill = a.get("value")
    fill = np.zeros(1, np.float32) if fill is None else np.asarray(fill).reshape(-1)
    return np.full([int(v) for v in xs[0]], fill[0], dtype=fill.dtype)


def _squeeze(a, xs):
    axes = _axes(a, xs)
    return np.squeeze(xs[0], axis=tuple(axes)) if axes else np.squeeze(xs[0])


def _unsqueeze(a, xs):
    out = xs[0]
    rank = out.ndim + len(_axes(a, xs))
    for axis in sorted(v % rank for v in _axes(a, xs)):
        out = np.expand_dims(out, axis)
    return out


def _reduce(f):
    def run(a, xs):
        axes = _axes(a, xs)
        axes = tuple(axes) if axes else None
        return f(xs[0], axis=axes, keepdims=bool(a.get("keepdims", 1)))
    return _one(run)


FOLD = {
    "Constant": _one(_constant),
    "Identity": _unary(lambda x: x),
    "Cast": _one(_cast),
    "Shape": _one(lambda a, xs: np.array(xs[0].shape[a.get("start", 0):a.get("end")], dtype=np.int64)),
    "Size": _unary(lambda x: np.array(x.size, dtype=np.int64)),
    "Gather": _one(lambda a, xs: np.take(xs[0], xs[1], axis=a.get("axis", 0))),
    "Concat": _one(lambda a, xs: np.concatenate(xs, axis=a["axis"])),
    "Unsqueeze": _one(_unsqueeze),
    "Squeeze": _one(_squeeze),
    "Reshape": _one(_reshape),
    "Flatten": _one(lambda a, xs: xs[0].reshape(int(np.prod(xs[0].shape[:a.get("axis", 1)])), -1)),
    "Transpose": _one(lambda a, xs: np.transpose(xs[0], a.get("perm"))),
    "Slice": _one(_slice),
    "Split": _split,
    "Expand": _one(lambda a, xs: xs[0] * np.ones([int(v) for v in xs[1]], dtype=xs[0].dtype)),
    "ConstantOfShape": _one(_constant_of_shape),
    "Range": _one(_range),
    "Where": _one(_where),
    "Equal": _binary(np.equal),
    "Greater": _binary(np.greater),
    "Less": _binary(np.less),
    "Not": _unary(np.logical_not),
    "And": _binary(np.logical_and),
    "Or": _binary(np.logical_or),
    "Add": _binary(np.add),
    "Sub": _binary(np.subtract),
    "Mul": _binary(np.multiply),
    "Div": _binary(lambda x, y: x // y if np.issubdtype(x.dtype, np.integer) else x / y),
    "Mod": _binary(np.mod),
    "Pow": _binary(np.power),
    "Min": _one(lambda a, xs: np.minimum.reduce(xs)),
    "Max": _one(lambda a, xs: np.maximum.reduce(xs)),
    "Neg": _unary(np.negative),
    "Abs": _unary(np.abs),
    "Sqrt": _unary(np.sqrt),
    "Floor": _unary(np.floor),
    "Ceil": _unary(np.ceil),
    "Erf": _unary(np.vectorize(__import__("math").erf)),
    "ReduceProd": _reduce(np.prod),
    "ReduceSum": _reduce(np.sum),
    "ReduceMean": _reduce(np.mean),
    "ReduceMax": _reduce(np.max),
    "ReduceMin": _reduce(np.min),
}
