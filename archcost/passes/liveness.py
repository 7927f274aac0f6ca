"""Inference peak by liveness: the most activation memory alive at once in a forward pass.

A tensor lives from the layer that makes it to the last layer that reads it (through any
alias), in the spec's execution order; in-place layers and views share their input's storage
(passes/storage.py). The network's input is held by the caller for the whole pass, and the
last layer's output is returned. While a layer runs, its inputs, its output and its scratch
tensors (``Op.scratch``: max pooling's indices) are alive. With ``scope="block"`` (the default,
eager PyTorch) the innermost block (the layers named ``B`` and ``B.*``) that reads a tensor from
outside holds it until its last layer has run, as a module's caller holds its argument
(torchvision's ``identity = x`` through a residual block); ``scope="modules"`` lets every enclosing
block hold it (exact inside every module when the spec's names mirror the framework's modules, as
ResNet's and Inception-v3's do; too much where a name groups layers that are no module);
``scope="dataflow"`` frees every tensor at its last reader (what a graph runtime can do).
The peak is the largest total over the layers; the lecture's sum (every layer's output, the
table's memory column) is what a framework would need if it freed nothing.

>>> import archcost
>>> p = inference_peak(archcost.analyze("resnet18"))
>>> p.peak, p.layer, [t for t, _ in p.live]     # PyTorch 2.13 eager: 7,024,640 bytes at bn1
(7024640, 'bn1', ['conv1', 'bn1', 'input'])
>>> p.lecture_sum / 1024                       # the table's memory column, in KB
13431.90625
"""

from __future__ import annotations

from dataclasses import dataclass

from ..arith import prod
from ..conventions import Conventions
from ..errors import ArchcostError
from ..ops import get_op
from .storage import EXTRA_BYTES, dtype_bytes, storages


@dataclass(frozen=True)
class Peak:
    """``peak`` bytes of activations alive at once, at ``layer``, with the ``live`` tensors there
    ((storage, bytes), largest first); ``per_layer``: the live bytes while each layer runs."""

    network: str
    batch: int
    dtype: str
    peak: int
    layer: str
    live: tuple
    lecture_sum: int
    per_layer: tuple
    weights: int
    buffers: int

    @property
    def total(self) -> int:
        """The peak with the weights and buffers resident: what must fit to run inference."""
        return self.peak + self.weights + self.buffers

    def to_dict(self) -> dict:
        return {"network": self.network, "mode": "inference", "batch": self.batch, "dtype": self.dtype,
                "peak": self.peak, "layer": self.layer, "live": [{"tensor": t, "bytes": b} for t, b in self.live],
                "lecture_sum": self.lecture_sum, "weights": self.weights, "buffers": self.buffers,
                "total": self.total, "layers": [{"name": n, "live_bytes": b} for n, b in self.per_layer]}


def held(report, st, outermost: bool = False) -> dict:
    """Storage -> the last layer index until which a block holds it: a block (the layers named
    ``B`` and ``B.*``, as torch's modules are named) that reads a tensor made outside it holds
    that tensor until it returns, as a Python caller holds the argument of a module it calls."""
    names = [x.name for x in report.layers]
    modules: dict[str, int] = {}
    for i, name in enumerate(names):
        parts = name.split(".")
        for k in range(1, len(parts) + 1):
            modules[".".join(parts[:k])] = i
    blocks = {".".join(n.split(".")[:k]) for n in names for k in range(1, n.count(".") + 1)}   # proper prefixes
    out: dict[str, int] = {}
    for i, x in enumerate(report.layers):
        parts = x.name.split(".")
        prefixes = [".".join(parts[:k]) for k in range(1, len(parts) + 1)]
        for src in x.inputs:
            # the innermost block holding x that did not make the tensor (torchvision's Sequential
            # holds its input only until each child returns)
            outside = [p for p in prefixes if p in blocks and not (src == p or src.startswith(p + "."))]
            if outside:
                s = st.owner[src]
                out[s] = max(out.get(s, -1), modules[outside[0] if outermost else outside[-1]])
    return out


def inference_peak(report, dtype: str | None = None, batch: int | None = None, scope: str = "block") -> Peak:
    """The inference peak of ``report``'s network (dtype and batch default to the report's).

    >>> import archcost
    >>> inference_peak(archcost.analyze("resnet50")).peak          # PyTorch 2.13 eager: 11,038,720
    11038720
    >>> inference_peak(archcost.analyze("resnet50"), scope="dataflow").peak
    10235904
    """
    if scope not in ("block", "modules", "dataflow"):
        raise ArchcostError(f"unknown liveness scope '{scope}'", "use block, modules or dataflow")
    dtype, size = dtype_bytes(dtype or report.conventions.dtype)
    batch = Conventions(batch=batch or report.conventions.batch).batch
    st = storages(report)
    n = len(report.layers)
    index = {x.name: i for i, x in enumerate(report.layers)}
    made = {s: index.get(s, -1) for s in st.elements}          # -1: the network's input
    last = {s: max(st.readers[s], default=made[s]) for s in st.elements}
    if scope != "dataflow":
        for s, end in held(report, st, scope == "modules").items():
            last[s] = max(last[s], end)
    last[st.input] = n - 1                          # the caller holds the input
    if n:
        last[st.owner[report.layers[-1].name]] = n - 1   # the output is returned
    starts: dict[int, list[str]] = {}
    ends: dict[int, list[str]] = {}
    for s in st.elements:
        starts.setdefault(made[s], []).append(s)
        ends.setdefault(last[s], []).append(s)
    live: dict[str, int] = {s: st.elements[s] * size * batch for s in starts.get(-1, [])}
    per_layer, best = [], (-1, -1, ())
    for i, x in enumerate(report.layers):
        for s in starts.get(i, []):
            live[s] = st.elements[s] * size * batch
        scratch = {f"{x.name}:{t.tensor}": int(t.elements) * EXTRA_BYTES.get(t.dtype, size) * (batch if t.batched else 1)
                   for t in get_op(x.op).scratch(x.attrs, list(x.input_shapes), x.output_shape)}
        total = sum(live.values()) + sum(scratch.values())
        per_layer.append((x.name, total))
        if total > best[0]:
            best = (total, i, tuple(sorted({**live, **scratch}.items(), key=lambda kv: -kv[1])))
        for s in ends.get(i, []):
            live.pop(s, None)
    lecture = sum(prod(x.output_shape) for x in report.layers if not x.inplace) * size * batch
    params = sum(x.params for x in report.layers)
    buffers = sum(get_op(x.op).buffers(x.attrs, list(x.input_shapes), x.output_shape) for x in report.layers)
    return Peak(report.network, batch, dtype, max(best[0], 0), report.layers[best[1]].name if n else "", best[2],
                lecture, tuple(per_layer), params * size, buffers * size)

