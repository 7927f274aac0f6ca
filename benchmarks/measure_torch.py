"""Measure what PyTorch really keeps for training and at the inference peak (reference only).

Not part of archcost and never imported by it or its tests: this is how the PyTorch figures
pinned in tests/test_training_vs_torch.py were measured (torch 2.13.0 CPU, torchvision 0.28.0).

    python benchmarks/measure_torch.py resnet18 mobilenet_v2 ... > figures.json

For each torchvision model (weights=None, its native input):

- saved: every tensor autograd saves for backward in train mode at batch 2
  (``torch.autograd.graph.saved_tensors_hooks``), counted once per storage, parameters
  left out (batch norm's running statistics, buffers, are saved and counted), bytes by dtype;
- flops: ``torch.utils.flop_counter.FlopCounterMode`` over the forward and over the
  backward (2 FLOPs per multiply-add; it sees convs and matmuls only);
- saved under ``torch.autocast("cpu", dtype=torch.bfloat16)``, as above: autocast casts each weight
  to bf16 per call and autograd keeps those copies, so the figure includes the bf16 weights;
- train peak: the most bytes alive during forward + backward at batch 2 (parameter gradients
  included; parameters, buffers and optimizer state left out), tracked as the inference peak;
- peak: the eager inference peak at batch 1 (eval, no_grad): a ``TorchDispatchMode`` sees
  every aten op; each output whose storage is new is added to the live set, and a storage
  leaves the set when its last tensor dies (a weak reference expires). The peak is the
  largest live total right after an op returns (its inputs and its output both live).
  The input tensor is live throughout (the caller holds it); parameters and buffers are
  not counted.
"""

from __future__ import annotations

import json
import sys

import torch
import torchvision
from torch.multiprocessing.reductions import StorageWeakRef
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

MODELS = {  # archcost zoo name: (torchvision builder, keyword arguments, input side)
    "alexnet_torchvision": ("alexnet", {}, 224),
    "vgg16": ("vgg16", {}, 224),
    "vgg11_bn": ("vgg11_bn", {}, 224),
    "resnet18": ("resnet18", {}, 224),
    "resnet50": ("resnet50", {}, 224),
    "resnext50_32x4d": ("resnext50_32x4d", {}, 224),
    "googlenet_bn": ("googlenet", {"aux_logits": False, "init_weights": False}, 224),
    "inception_v3": ("inception_v3", {"aux_logits": False, "init_weights": False}, 299),
    "densenet121": ("densenet121", {}, 224),
    "mobilenet_v2": ("mobilenet_v2", {}, 224),
    "mobilenet_v3_large": ("mobilenet_v3_large", {}, 224),
    "mobilenet_v3_small": ("mobilenet_v3_small", {}, 224),
    "efficientnet_b0": ("efficientnet_b0", {}, 224),
    "shufflenet_v2_x1_0": ("shufflenet_v2_x1_0", {}, 224),
    "squeezenet1_0": ("squeezenet1_0", {}, 224),
    "squeezenet1_1": ("squeezenet1_1", {}, 224),
    "vit_b_16": ("vit_b_16", {}, 224),
    "vit_b_32": ("vit_b_32", {}, 224),
    "swin_t": ("swin_t", {}, 224),
    "swin_v2_t": ("swin_v2_t", {}, 256),
    "convnext_tiny": ("convnext_tiny", {}, 224),
}


def build(name):
    fn, kwargs, side = MODELS[name]
    torch.manual_seed(0)
    return getattr(torchvision.models, fn)(weights=None, **kwargs), side


def saved_bytes(model, x):
    """Bytes autograd saves, by dtype: one count per storage; parameters left out (batch norm's
    running mean and variance, buffers, are saved and counted, as in the resnet18 anchor)."""
    state = {t.untyped_storage().data_ptr() for t in model.parameters()}
    seen, by_dtype = set(), {}

    def pack(t):
        s = t.untyped_storage()
        if s.data_ptr() not in state and s.data_ptr() not in seen:
            seen.add(s.data_ptr())
            key = str(t.dtype).replace("torch.", "")
            by_dtype[key] = by_dtype.get(key, 0) + s.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = model(x)
    return out, by_dtype


def saved_by_module(model, x):
    """Bytes autograd saves, by the innermost module running when each storage is first saved
    (``python benchmarks/measure_torch.py --by-module vit_b_16``): what each layer's rule must give."""
    state = {t.untyped_storage().data_ptr() for t in model.parameters()}
    stack, seen, by = [""], set(), {}
    for name, m in model.named_modules():
        m.register_forward_pre_hook(lambda m, a, name=name: stack.append(name))
        m.register_forward_hook(lambda m, a, o: stack.pop() and None)   # None: keep the output

    def pack(t):
        s = t.untyped_storage()
        if s.data_ptr() not in state and s.data_ptr() not in seen:
            seen.add(s.data_ptr())
            key = (stack[-1], str(t.dtype).replace("torch.", ""), tuple(t.shape))
            by[key] = by.get(key, 0) + s.nbytes()
        return t

    model.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(x)
    return by


def flops(model, x):
    with FlopCounterMode(display=False) as fwd:
        out = model(x)
    loss = out.sum()
    with FlopCounterMode(display=False) as bwd:
        loss.backward()
    return fwd.get_total_flops(), bwd.get_total_flops()


class LiveBytes(TorchDispatchMode):
    """The bytes of the storages alive after each aten op; the largest and where it happened."""

    def __init__(self, base: int, state: set):
        super().__init__()
        self.live, self.base, self.peak, self.at, self.n = {}, base, 0, None, 0
        self.state = state   # the storages of parameters and buffers (a weight's .t() is a view of one)
        self.module, self.by_module = None, {}   # the top-level module running, and its largest live total

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        for k in [k for k, (_, ref) in self.live.items() if ref.expired()]:
            del self.live[k]
        out = func(*args, **(kwargs or {}))
        self.n += 1
        for t in (out if isinstance(out, (tuple, list)) else [out]):
            if isinstance(t, torch.Tensor):
                s = t.untyped_storage()
                if s.data_ptr() not in self.live and s.data_ptr() not in self.state and s.nbytes():
                    self.live[s.data_ptr()] = (s.nbytes(), StorageWeakRef(s))
        total = self.base + sum(b for b, _ in self.live.values())
        if self.module is not None:
            self.by_module[self.module] = max(self.by_module.get(self.module, 0), total)
        if total > self.peak:
            self.peak, self.at = total, f"{self.n}:{func}"
        return out


def eager_peak(model, x):
    """The eager inference peak, where, and the peak within each top-level module (resnet's layer1...;
    the children of a ``features`` container: densenet's denseblock1...)."""
    model.eval()
    state = {t.untyped_storage().data_ptr() for t in list(model.parameters()) + list(model.buffers())}
    mode = LiveBytes(x.untyped_storage().nbytes(), state)
    children = [kv for name, child in model.named_children()
                for kv in (child.named_children() if name == "features" else [(name, child)])]
    for name, child in children:
        child.register_forward_pre_hook(lambda m, a, name=name: setattr(mode, "module", name))
        child.register_forward_hook(lambda m, a, out: setattr(mode, "module", None))
    with torch.no_grad(), mode:
        model(x)
    return mode.peak, mode.at, mode.by_module


def train_peak(model, x):
    """The most bytes alive during a training step's forward and backward (parameters and buffers left
    out; parameter gradients and every saved or intermediate tensor counted), as eager_peak tracks them."""
    model.train()
    model.zero_grad(set_to_none=True)
    state = {t.untyped_storage().data_ptr() for t in list(model.parameters()) + list(model.buffers())}
    with LiveBytes(x.untyped_storage().nbytes(), state) as mode:
        model(x).sum().backward()
    return mode.peak, mode.at


def measure(name):
    model, side = build(name)
    model.train()
    x = torch.randn(2, 3, side, side)
    _, saved = saved_bytes(model, x)
    model.zero_grad()
    fwd, bwd = flops(model, x)
    peak, at, by_module = eager_peak(model, torch.randn(1, 3, side, side))
    step_peak, step_at = train_peak(model, x)
    model.train()
    with torch.autocast("cpu", dtype=torch.bfloat16):   # mixed precision: bf16 copies of the weights are saved
        _, amp = saved_bytes(model, x)
    return {"saved_bf16_autocast_batch2": sum(amp.values()), "train_peak_batch2": step_peak, "train_peak_at": step_at, "peak_by_module": by_module, "network": name, "torch": torch.__version__, "torchvision": torchvision.__version__,
            "saved_batch2": saved, "saved_total": sum(saved.values()), "forward_flops_batch2": fwd,
            "backward_flops_batch2": bwd, "eager_peak_batch1": peak, "peak_at": at}


if __name__ == "__main__":
    torch.set_num_threads(1)
    if sys.argv[1:2] == ["--by-module"]:
        model, side = build(sys.argv[2])
        for (module, dtype, shape), n in saved_by_module(model, torch.randn(2, 3, side, side)).items():
            print(f"{module:40s} {dtype:8s} {str(shape):28s} {n:>12,}")
        sys.exit(0)
    for name in sys.argv[1:] or MODELS:
        print(json.dumps(measure(name)), flush=True)
