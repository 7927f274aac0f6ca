"""`archcost memory`: training memory (weights, gradients, optimizer state, saved activations,
peak) or the inference peak by liveness, per layer and in total, in every format.

Text and markdown show memory in ``units`` (1024-based: MB = 1024 x 1024 bytes); csv and json
hold exact bytes.

>>> import archcost
>>> text = render_memory(archcost.analyze("resnet18", batch=2), "train", optimizer="sgd")
>>> [line for line in text.splitlines() if line.startswith("saved activations")]
['saved activations              44,398,080      42.34']
"""

from __future__ import annotations

import json

from .formats import emit
from .table import describe

SCALE = {"KB": 1024, "MB": 1024**2, "GB": 1024**3}


def in_units(nbytes: int, units: str) -> str:
    return f"{nbytes / SCALE[units]:,.2f}"


def _train(report, optimizer, dtype, batch, units):
    m = report.training_memory(optimizer, dtype, batch)
    mixed = " (mixed precision: fp32 master weights and optimizer state)" if m.master_weights else ""
    head = f"training memory: batch {m.batch}, {m.dtype}{mixed}, optimizer {m.optimizer}"
    summary = [[part, f"{b:,}", in_units(b, units)] for part, b in m.parts()]
    layers = [[x.name, x.op, f"{x.params:,}", "no rule" if x.saved is None else
               ", ".join(s.tensor + ("" if s.counted else " (shared)") for s in x.saved),
               in_units(x.saved_bytes, units), "no rule" if x.backward_flops is None else f"{x.backward_flops:,}"]
              for x in m.layers]
    notes = [f"backward FLOPs (multiply-adds): {m.backward_flops_of():,}; a saved tensor counts once, at the "
             "first layer that saves it ((shared): already counted, e.g. an in-place ReLU's output that the next "
             "conv saves as its input); the workspace is the largest one layer's output and input gradients"]
    if m.missing:
        notes.append(f"no training rule for op(s) {', '.join(m.missing)}: their layers count 0 here, "
                     "so these totals are lower bounds")
    return m, head, summary, ["layer", "op", "params", "saves", f"saved ({units})", "backward FLOPs"], layers, notes


def _inference(report, dtype, batch, units):
    p = report.inference_peak(dtype, batch)
    head = (f"inference memory: batch {p.batch}, {p.dtype}; peak by liveness {in_units(p.peak, units)} {units} "
            f"at {p.layer}")
    summary = [["weights", f"{p.weights:,}", in_units(p.weights, units)],
               ["buffers", f"{p.buffers:,}", in_units(p.buffers, units)],
               [f"activation peak (at {p.layer})", f"{p.peak:,}", in_units(p.peak, units)],
               ["peak with weights", f"{p.total:,}", in_units(p.total, units)],
               ["lecture's sum of outputs", f"{p.lecture_sum:,}", in_units(p.lecture_sum, units)]]
    layers = [[name, f"{b:,}", in_units(b, units), "peak" if name == p.layer else ""] for name, b in p.per_layer]
    live = ", ".join(f"{t} {in_units(b, units)}" for t, b in p.live)
    notes = [f"live at the peak ({units}): {live}",
             "a tensor lives from the layer that makes it to its last reader; a block holds a tensor it reads "
             "from outside until it returns (eager PyTorch); in-place layers and views share storage; the "
             "input is held throughout"]
    return p, head, summary, ["layer", "live bytes", f"live ({units})", ""], layers, notes


def fit_lines(report, device, optimizer, dtype, devices=None) -> list[str]:
    """'fits on ...' and the largest batches that train and infer in the device's memory."""
    from ..devices import find_device

    dev = find_device(device, devices)
    train = report.largest_batch(dev, "train", optimizer, dtype)
    infer = report.largest_batch(dev, "inference", optimizer, dtype)
    gib = dev.memory_bytes / 1024**3
    return [f"{dev.name} ({dev.key}, {gib:,.0f} GiB): the largest batch that trains is {train:,}, "
            f"that infers {infer:,} (memory is affine in the batch; checked on the exact formula)"]


def render_memory(report, mode: str = "train", optimizer: str = "adam", dtype: str | None = None,
                  batch: int | None = None, fmt: str = "text", units: str = "MB", device: str | None = None,
                  fit: bool = False, devices=None) -> str:
    """The memory report of ``report``'s network in ``mode`` (train or inference)."""
    if mode == "train":
        result, head, summary, headers, layers, notes = _train(report, optimizer, dtype, batch, units)
    else:
        result, head, summary, headers, layers, notes = _inference(report, dtype, batch, units)
    extra = []
    if device:
        from ..devices import find_device

        dev = find_device(device, devices)
        need = result.peak if mode == "train" else result.total
        extra.append(f"{dev.name}: {in_units(need, units)} of {in_units(dev.memory_bytes, units)} {units} "
                     f"({100 * need / dev.memory_bytes:.1f}%): {'fits' if need <= dev.memory_bytes else 'does NOT fit'}")
        if fit:
            extra += fit_lines(report, dev, optimizer, dtype, devices)
    if fmt == "json":
        doc = result.to_dict()
        if extra:
            doc["device"] = extra
        return json.dumps(doc, indent=2) + "\n"
    if fmt == "csv":
        if mode == "train":
            rows = [[x.name, x.op, x.params, "" if x.saved is None else " ".join(s.tensor for s in x.saved),
                     x.saved_bytes, "" if x.backward_flops is None else x.backward_flops] for x in result.layers]
            rows += [[part, "total", "", "", b, ""] for part, b in result.parts()]
            return emit(["layer", "op", "params", "saves", "saved_bytes", "backward_flops"], rows, "csv")
        rows = [[n, b] for n, b in result.per_layer] + [["peak", result.peak], ["total", result.total]]
        return emit(["layer", "live_bytes"], rows, "csv")
    title = f"{describe(report)}\n{head}"
    first = emit(["part", "bytes", units], summary, fmt, title=title, notes=extra)
    return first + "\n" + emit(headers, layers, fmt, title="per layer", notes=notes)
