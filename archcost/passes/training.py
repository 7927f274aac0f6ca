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
- workspace: the largest backward working set of one layer (its output's gradient and its
  inputs' gradients), x the batch;
- peak = the sum: what must fit in the device's memory.

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
    workspace: int
    workspace_layer: str
    missing: tuple = field(default=())   # ops with no training rule (their layers count 0: a lower bound)

    @property
    def bytes_per_param(self) -> int:
        """Weights + master copy + gradient + optimizer state, per parameter (mixed Adam: 16)."""
        params = sum(x.params for x in self.layers)
        return (self.weights + self.master_weights + self.gradients + self.optimizer_state) // params if params else 0

    @property
    def peak(self) -> int:
        return (self.weights + self.master_weights + self.gradients + self.optimizer_state + self.buffers
                + self.activations + self.workspace)

    def parts(self) -> list[tuple[str, int]]:
        return [("weights", self.weights), ("fp32 master weights", self.master_weights),
                ("gradients", self.gradients), (f"optimizer state ({self.optimizer})", self.optimizer_state),
                ("buffers", self.buffers), ("saved activations", self.activations),
                (f"backward workspace ({self.workspace_layer})", self.workspace), ("peak", self.peak)]

    def backward_flops_of(self, kinds=None) -> int:
        """Backward multiply-adds of all layers (of the op kinds given: ("conv", "fc") is what
        PyTorch's FlopCounterMode sees)."""
        return sum(x.backward_flops or 0 for x in self.layers
                   if kinds is None or get_op(x.op).kind in kinds)

    def to_dict(self) -> dict:
        return {"network": self.network, "mode": "train", "batch": self.batch, "dtype": self.dtype,
                "optimizer": self.optimizer, "weights": self.weights, "master_weights": self.master_weights,
                "gradients": self.gradients, "optimizer_state": self.optimizer_state, "buffers": self.buffers,
                "activations": self.activations, "workspace": self.workspace,
                "workspace_layer": self.workspace_layer, "peak": self.peak,
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
        need[x.name] = x.params > 0 or any(need.get(i, False) for i in x.inputs)
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
    workspace, workspace_layer = 0, ""
    params = buffers = 0
    for x in report.layers:
        op = get_op(x.op)
        a, ins, out = x.attrs, list(x.input_shapes), x.output_shape
        params += x.params
        buffers += op.buffers(a, ins, out)
        input_grad = any(need.get(i, False) for i in x.inputs)
        rule = op.saves(a, ins, out) if need[x.name] else ()
        back = op.backward_flops(a, ins, out, input_grad, bias_flops) if need[x.name] else 0
        if rule is None or back is None:
            missing.append(x.op)
        saved, here = None if rule is None else [], 0
        for s in rule or ():
            if s.tensor == "output" or s.tensor.startswith("input"):
                src = x.name if s.tensor == "output" else x.inputs[int(s.tensor[5:] or 0)]
                storage = st.owner[src]
                nbytes = st.elements[storage] * size * batch
                kind = dtype
                if src != x.name and st.owner[x.name] == storage and op.storage == "inplace":
                    # it overwrites the input its backward reads: autograd keeps a copy of the original
                    # (F.relu6, silu, hardswish with inplace=True; relu_ reads its result instead)
                    storage = f"{x.name}:original input"
            else:
                storage = f"{x.name}:{s.tensor}"
                kind = s.dtype or dtype
                nbytes = int(s.elements) * EXTRA_BYTES.get(kind, size) * (batch if s.batched else 1)
            first = storage not in counted
            counted.add(storage)
            here += nbytes if first else 0
            saved.append(SavedTensor(x.name, s.tensor, storage, nbytes, first, s.why, kind))
        if need[x.name]:
            grads = (prod(out) + (sum(prod(i) for i in ins) if input_grad else 0)) * size * batch
            if grads > workspace:
                workspace, workspace_layer = grads, x.name
        layers.append(LayerTraining(x.name, x.op, x.params, None if saved is None else tuple(saved), here,
                                    None if back is None else int(back) * batch, input_grad))
    mixed = dtype in MIXED
    return TrainingMemory(
        network=report.network, batch=batch, dtype=dtype, optimizer=optimizer, layers=tuple(layers),
        weights=params * size, master_weights=params * 4 if mixed else 0, gradients=params * size,
        optimizer_state=params * OPTIMIZER_SLOTS[optimizer] * state_size,
        buffers=buffers * (state_size if mixed or dtype == "float64" else size),
        activations=sum(x.saved_bytes for x in layers), workspace=workspace, workspace_layer=workspace_layer,
        missing=tuple(dict.fromkeys(missing)))



def largest_batch(need, capacity: int) -> int:
    """The largest batch whose memory ``need(batch)`` fits in ``capacity`` bytes (0: not even one).

    Memory is affine in the batch (activations scale with it, weights and per-channel vectors do
    not), so need(b) = fixed + b x per_image, from need(1) and need(2); the answer is then checked
    on the exact integer formula at b and b + 1.

    >>> largest_batch(lambda b: 100 + 30 * b, 1000)
    30
    """
    one, two = need(1), need(2)
    if one > capacity:
        return 0
    per = two - one
    if per <= 0:
        return MAX_BATCH
    b = min((capacity - (one - per)) // per, MAX_BATCH)
    while b > 1 and need(b) > capacity:
        b -= 1
    while b < MAX_BATCH and need(b + 1) <= capacity:
        b += 1
    return b
