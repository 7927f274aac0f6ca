"""Roofline time on a device: per layer max(FLOPs / peak, bytes / bandwidth), and which bound.

FLOPs here are 2 per multiply-add (a device's peak counts a fused multiply-add as two), for the
layer's multiply-adds (its op's ``flops`` rule) x the batch. Bytes are the activations the op
reads and writes (``Op.traffic``) x the batch x the dtype's bytes, plus its parameters and
buffers read once. A training step adds, per layer, the backward: its multiply-adds
(``Op.backward_flops``) and its traffic (the output's gradient and the saved tensors read, the
inputs' gradients written, the weights read and their gradients written), and one optimizer
step over all parameters (memory-bound: weights, gradients and optimizer state read and written).
A roofline is a lower bound: it assumes every kernel reaches the device's peak.

>>> import archcost
>>> t = roofline(archcost.analyze("resnet50", bias_flops=False), "a100-40gb", dtype="bf16", batch=64)
>>> round(t.inference * 1000, 2), t.layers[0].forward.bound   # milliseconds; conv1
(7.24, 'memory')
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..arith import prod
from ..conventions import Conventions
from ..devices import find_device
from ..ops import get_op
from .storage import dtype_bytes
from .training import MIXED, OPTIMIZER_SLOTS, training_memory


@dataclass(frozen=True)
class Cost:
    """FLOPs and bytes of one pass of one layer, and its time on the device."""

    flops: int
    bytes: int
    compute_s: float
    memory_s: float

    @property
    def time(self) -> float:
        return max(self.compute_s, self.memory_s)

    @property
    def bound(self) -> str:
        return "compute" if self.compute_s >= self.memory_s else "memory"

    def to_dict(self) -> dict:
        return {"flops": self.flops, "bytes": self.bytes, "compute_s": self.compute_s, "memory_s": self.memory_s,
                "time_s": self.time, "bound": self.bound}


@dataclass(frozen=True)
class LayerTime:
    name: str
    op: str
    forward: Cost
    backward: Cost | None      # None: inference only, or the op has no backward rule

    def to_dict(self) -> dict:
        return {"name": self.name, "op": self.op, "forward": self.forward.to_dict(),
                "backward": None if self.backward is None else self.backward.to_dict()}


@dataclass(frozen=True)
class Timing:
    network: str
    device: object
    dtype: str
    batch: int
    train: bool
    layers: tuple
    optimizer: Cost | None
    missing: tuple = ()

    @property
    def inference(self) -> float:
        """Seconds for one forward pass of the batch."""
        return sum(x.forward.time for x in self.layers)

    @property
    def train_step(self) -> float | None:
        """Seconds for forward + backward + the optimizer step (None unless ``train``)."""
        if not self.train:
            return None
        return (self.inference + sum(x.backward.time for x in self.layers if x.backward is not None)
                + self.optimizer.time)

    def to_dict(self) -> dict:
        return {"network": self.network, "device": self.device.to_dict(), "dtype": self.dtype, "batch": self.batch,
                "train": self.train, "inference_s": self.inference, "train_step_s": self.train_step,
                "optimizer": None if self.optimizer is None else self.optimizer.to_dict(),
                "missing_rules": list(self.missing), "layers": [x.to_dict() for x in self.layers]}


def _cost(macs, nbytes, peak, bandwidth) -> Cost:
    flops = 2 * int(macs)
    return Cost(flops, int(nbytes), float(Fraction(flops, peak)), float(Fraction(int(nbytes), bandwidth)))


def roofline(report, device, dtype: str | None = None, batch: int | None = None, train: bool = False,
             optimizer: str = "adam", devices=None) -> Timing:
    """Per-layer roofline times of ``report``'s network on ``device`` (a key of the devices table)."""
    dev = find_device(device, devices)
    dtype, size = dtype_bytes(dtype or report.conventions.dtype)
    batch = Conventions(batch=batch or report.conventions.batch).batch
    peak, bw = dev.peak(dtype), dev.bandwidth
    bias_flops = report.conventions.bias_flops
    memory = training_memory(report, optimizer, dtype, batch) if train else None
    back = {x.name: x for x in memory.layers} if memory else {}
    layers = []
    for x in report.layers:
        op = get_op(x.op)
        a, ins, out = x.attrs, list(x.input_shapes), x.output_shape
        read, written = op.traffic(a, ins, out)
        state = x.params + op.buffers(a, ins, out)
        fwd = _cost(op.flops(a, ins, out, bias_flops) * batch, (int(read) + int(written)) * batch * size
                    + state * size, peak, bw)
        bwd = None
        b = back.get(x.name)
        if b is not None and b.backward_flops is not None:
            grads = prod(out) + (sum(prod(i) for i in ins) if b.input_grad else 0)
            if op.storage == "view":
                grads = 0      # a view's gradient is a view of its output's: nothing moves, as forward
            saved = sum(s.bytes for s in b.saved or ())
            bwd = _cost(b.backward_flops, grads * batch * size + saved + 2 * x.params * size, peak, bw)
        layers.append(LayerTime(x.name, x.op, fwd, bwd))
    opt = None
    if train:
        params = sum(x.params for x in report.layers)
        master = 4 if dtype in MIXED else 0
        state = 8 if dtype == "float64" else 4
        per_param = 2 * size + 2 * master + size + 2 * OPTIMIZER_SLOTS[optimizer] * state
        opt = _cost(0, params * per_param, peak, bw)
    return Timing(report.network, dev, dtype, batch, train, tuple(layers), opt, memory.missing if memory else ())
