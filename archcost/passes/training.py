"""Training memory and backward FLOPs: what a training step keeps, layer by layer.

Each layer's op says what autograd saves for its backward (``Op.saves``, after PyTorch's
``tools/autograd/derivatives.yaml``) and its backward multiply-adds (``Op.backward_flops``).
This pass resolves every saved tensor to the storage that holds it (passes/storage.py), counts
each storage once (an in-place ReLU's output is the next conv's saved input), and adds the
model's state:

- weights: parameters x the dtype's bytes; under mixed precision (float16, bfloat16) also an
  fp32 master copy (4 bytes per parameter);
- gradients: parameters x the dtype's bytes;
- optimizer state: sgd none, momentum one buffer, adam/adamw two (exp_avg, exp_avg_sq), each fp32
  under mixed precision (float64 under float64);
- buffers: batch norm's running mean and variance (fp32 under mixed precision);
- activations: the saved tensors, once per storage, x the batch;
- peak: the state (weights, master copy, optimizer state, buffers) + what is alive at the worst
  backward step: the saved tensors not yet freed, the parameter gradients made so far and the
  activation gradients in flight (see :func:`_backward_peak`).

>>> import archcost
>>> m = training_memory(archcost.analyze("resnet18", batch=2, bias_flops=False), optimizer="sgd")
>>> m.activations, m.buffers                 # PyTorch 2.13 saves 44,436,480 bytes with the buffers
(44398080, 38400)
>>> m.backward_flops_of(kinds=("conv", "fc")) * 2   # FlopCounterMode's backward, 2 FLOPs per multiply-add
14040530944
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..arith import prod
from ..conventions import MAX_BATCH, Conventions
from ..errors import ArchcostError
from ..ops import get_op
from .storage import EXTRA_BYTES, dtype_bytes, storages

OPTIMIZER_SLOTS = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}
MIXED = ("float16", "bfloat16")


@dataclass(frozen=True)
class SavedTensor:
    """One tensor a layer saves: ``storage`` names it (the layer that made it, or layer:name for a
    tensor of the layer's own); ``counted``: this is the first layer to save it (its bytes count here)."""

    layer: str
    tensor: str
    storage: str
    bytes: int
    counted: bool
    why: str
    dtype: str


@dataclass(frozen=True)
class LayerTraining:
    name: str
    op: str
    params: int
    saved: tuple              # SavedTensor, in the op's order (None: the op has no rule)
    saved_bytes: int          # the bytes first counted at this layer
    backward_flops: int | None
    input_grad: bool          # does this layer compute its input's gradient?

    def to_dict(self) -> dict:
        return {"name": self.name, "op": self.op, "params": self.params, "saved_bytes": self.saved_bytes,
                "backward_flops": self.backward_flops, "input_grad": self.input_grad,
                "saved": None if self.saved is None else [
                    {"tensor": s.tensor, "storage": s.storage, "bytes": s.bytes, "counted": s.counted,
                     "dtype": s.dtype, "why": s.why} for s in self.saved]}


@dataclass(frozen=True)
class TrainingMemory:
    """Bytes of a training step's memory, by part, and per layer (see the module docstring)."""

    network: str
    batch: int
    dtype: str
    optimizer: str
    layers: tuple
    weights: int
    master_weights: int
    gradients: int
    optimizer_state: int
    buffers: int
    activations: int
    peak_layer: str           # the layer whose backward runs at the peak
    peak_saved: int           # saved activations still alive then
    peak_param_grads: int     # parameter gradients made by then
    peak_act_grads: int       # activation gradients alive then
    missing: tuple = field(default=())   # ops with no training rule (their layers count 0: a lower bound)

    @property
    def bytes_per_param(self) -> int:
        """Weights + master copy + gradient + optimizer state, per parameter (mixed Adam: 16)."""
        params = sum(x.params for x in self.layers)
        return (self.weights + self.master_weights + self.gradients + self.optimizer_state) // params if params else 0

    @property
    def state(self) -> int:
        """What lives through the whole step: weights, master copy, optimizer state, buffers."""
        return self.weights + self.master_weights + self.optimizer_state + self.buffers

    @property
    def peak(self) -> int:
        return self.state + self.peak_saved + self.peak_param_grads + self.peak_act_grads

    def parts(self) -> list[tuple[str, int]]:
        """The parts of the peak (they add up to it)."""
        return [("weights", self.weights), ("fp32 master weights", self.master_weights),
                (f"optimizer state ({self.optimizer})", self.optimizer_state), ("buffers", self.buffers),
                ("saved activations still alive", self.peak_saved), ("parameter gradients so far", self.peak_param_grads),
                ("activation gradients alive", self.peak_act_grads), (f"peak (backward of {self.peak_layer})", self.peak)]

    def backward_flops_of(self, kinds=None) -> int:
        """Backward multiply-adds of all layers (of the op kinds given: ("conv", "fc") is what
        PyTorch's FlopCounterMode sees)."""
        return sum(x.backward_flops or 0 for x in self.layers
                   if kinds is None or get_op(x.op).kind in kinds)

    def to_dict(self) -> dict:
        return {"network": self.network, "mode": "train", "batch": self.batch, "dtype": self.dtype,
                "optimizer": self.optimizer, "weights": self.weights, "master_weights": self.master_weights,
                "gradients": self.gradients, "optimizer_state": self.optimizer_state, "buffers": self.buffers,
                "activations": self.activations, "peak": self.peak, "peak_layer": self.peak_layer,
                "peak_saved": self.peak_saved, "peak_param_grads": self.peak_param_grads,
                "peak_act_grads": self.peak_act_grads,
                "backward_flops": self.backward_flops_of(), "missing_rules": list(self.missing),
                "layers": [x.to_dict() for x in self.layers]}


def check_optimizer(optimizer: str) -> str:
    if optimizer not in OPTIMIZER_SLOTS:
        raise ArchcostError(f"unknown optimizer '{optimizer}'", f"use one of {', '.join(OPTIMIZER_SLOTS)}")
    return optimizer


def needs_grad(report) -> dict:
    """Layer -> does its output need a gradient (it has parameters, or something before it has)?"""
    need: dict[str, bool] = {}
    for x in report.layers:
        need[x.name] = x.params > 0 or bool(x.tied) or any(need.get(i, False) for i in x.inputs)
    return need


def training_memory(report, optimizer: str = "adam", dtype: str | None = None,
                    batch: int | None = None) -> TrainingMemory:
    """The training step's memory of ``report``'s network (dtype and batch default to the report's)."""
    check_optimizer(optimizer)
    dtype, size = dtype_bytes(dtype or report.conventions.dtype)
    if dtype == "int8":
        raise ArchcostError("int8 is not a training dtype", "train in float32, bfloat16 or float16")
    batch = Conventions(batch=batch or report.conventions.batch).batch
    bias_flops = report.conventions.bias_flops
    state_size = 8 if dtype == "float64" else 4
    st = storages(report)
    need = needs_grad(report)
    counted: set[str] = set()
    layers, missing = [], []
    params = buffers = 0
    seen: dict[tuple, tuple] = {}   # the rules are pure: copies of a repeated block share their results
    for x in report.layers:
        op = get_op(x.op)
        input_grad = any(need.get(i, False) for i in x.inputs)
        key = (x.op, id(x.attrs), x.input_shapes, x.output_shape, need[x.name], input_grad)
        if key not in seen:
            a, ins, out = x.attrs, list(x.input_shapes), x.output_shape
            seen[key] = (op.buffers(a, ins, out), op.saves(a, ins, out) if need[x.name] else (),
                         op.backward_flops(a, ins, out, input_grad, bias_flops) if need[x.name] else 0)
        layer_buffers, rule, back = seen[key]
        params += x.params
        buffers += layer_buffers
        if rule is None or back is None:
            missing.append(x.op)
        saved, here = None if rule is None else [], 0
        for s in rule or ():
            if s.tensor == "output" or s.tensor.startswith("input"):
                src = x.name if s.tensor == "output" else x.inputs[int(s.tensor[5:] or 0)]
                storage = st.owner[src]
                nbytes = st.elements[storage] * size * batch
                tensor_dtype = dtype
                if src != x.name and st.owner[x.name] == storage and op.storage == "inplace":
                    # it overwrites the input its backward reads: autograd keeps a copy of the original
                    # (F.relu6, silu, hardswish with inplace=True; relu_ reads its result instead)
                    storage = f"{x.name}:original input"
            else:
                storage = f"{x.name}:{s.tensor}"
                tensor_dtype = s.dtype or dtype
                nbytes = int(s.elements) * EXTRA_BYTES.get(tensor_dtype, size) * (batch if s.batched else 1)
            first = storage not in counted
            counted.add(storage)
            here += nbytes if first else 0
            saved.append(SavedTensor(x.name, s.tensor, storage, nbytes, first, s.why, tensor_dtype))
        layers.append(LayerTraining(x.name, x.op, x.params, None if saved is None else tuple(saved), here,
                                    None if back is None else int(back) * batch, input_grad))
    mixed = dtype in MIXED
    at, live = _backward_peak(report, layers, need, size, batch)
    return TrainingMemory(
        network=report.network, batch=batch, dtype=dtype, optimizer=optimizer, layers=tuple(layers),
        weights=params * size, master_weights=params * 4 if mixed else 0, gradients=params * size,
        optimizer_state=params * OPTIMIZER_SLOTS[optimizer] * state_size,
        buffers=buffers * (state_size if mixed or dtype == "float64" else size),
        activations=sum(x.saved_bytes for x in layers), peak_layer=report.layers[at].name if layers else "",
        peak_saved=live[0], peak_param_grads=live[1], peak_act_grads=live[2], missing=tuple(dict.fromkeys(missing)))


def _backward_peak(report, layers, need, size, batch) -> tuple[int, tuple]:
    """The backward step at which most is alive, and (saved, parameter gradients, activation gradients).

    Backward runs the layers in reverse. A saved tensor is freed once the backward of the first
    layer that saved it has run; a parameter's gradient lives from its layer's backward to the end;
    the gradient of a layer's output lives from the backward of its last reader (the layer itself
    for the network's output) until its own backward has run."""
    n = len(layers)
    index = {x.name: i for i, x in enumerate(report.layers)}
    last_reader = list(range(n))
    for i, x in enumerate(report.layers):
        for src in x.inputs:
            if src in index:
                last_reader[index[src]] = max(last_reader[index[src]], i)
    delta = [0] * (n + 1)           # activation gradients alive over the steps i .. last_reader[i]
    for i, x in enumerate(report.layers):
        if need[x.name]:
            g = prod(x.output_shape) * size * batch
            delta[i] += g
            delta[last_reader[i] + 1] -= g
    best, at, live = -1, 0, (0, 0, 0)
    saved = act = 0
    made = [x.params for x in layers]   # parameters whose gradient the backward of layer i makes first:
    last_use: dict[tuple, tuple] = {}   # a tied tensor's, at its last user (backward runs in reverse)
    for i, x in enumerate(report.layers):
        for tensor, owner, elements in x.tied:
            last_use[owner, tensor] = (i, elements)
    for (owner, _), (i, elements) in last_use.items():
        made[index[owner]] -= elements
        made[i] += elements
    params_after = sum(made)                        # gradients made by the backward of layers i .. n-1
    alive = []
    for i, x in enumerate(layers):
        saved += x.saved_bytes                      # saved by layers 0 .. i
        act += delta[i]
        alive.append((saved, params_after * size, act))
        params_after -= made[i]
    for i in range(n - 1, -1, -1):
        total = sum(alive[i])
        if total > best:
            best, at, live = total, i, alive[i]
    return at, live


def largest_batch(need, capacity: int) -> int:
    """The largest batch whose memory ``need(batch)`` fits in ``capacity`` bytes (0: not even one).

    ``need`` grows with the batch (activations scale with it, weights and per-channel vectors do
    not; the training peak is a maximum over backward steps, so it is piecewise affine): doubling
    brackets the answer, then a binary search on the exact integer formula finds it.

    >>> largest_batch(lambda b: 100 + 30 * b, 1000)
    30
    """
    if need(1) > capacity:
        return 0
    lo, hi = 1, 2
    while hi <= MAX_BATCH and need(hi) <= capacity:
        lo, hi = hi, hi * 2
    hi = min(hi, MAX_BATCH + 1)          # need(lo) fits; need(hi) does not (or hi is past the limit)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if need(mid) <= capacity else (lo, mid)
    return lo
