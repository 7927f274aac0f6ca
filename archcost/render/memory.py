"""`archcost memory`: training memory (weights, gradients, optimizer state, saved activations,
peak) or the inference peak by liveness, per layer and in total, in every format.

Text and markdown show memory in ``units`` (1024-based: MB = 1024 x 1024 bytes); csv and json
hold exact bytes.

>>> import archcost
>>> text = render_memory(archcost.analyze("resnet18", batch=2), "train", optimizer="sgd")
>>> [line for line in text.splitlines() if line.startswith("peak")]
['peak (backward of layer2.1.bn2)  131,373,120  125.29']
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
    extra = [working(m), f"in all: saved activations {in_units(m.activations, units)} {units}, gradients "
             f"{in_units(m.gradients, units)} {units}; backward runs the layers in reverse, freeing each saved "
             "tensor after the first layer that saved it and making each parameter's gradient at its layer, so the "
             "peak is at one layer's backward"]
    per = m.bytes_per_param
    layers = [[x.name, x.op, f"{x.params:,}", in_units(x.params * per, units), "no rule" if x.saved is None else
               ", ".join(s.tensor + ("" if s.counted else " (shared)") for s in x.saved) or "nothing",
               in_units(x.saved_bytes, units), "no rule" if x.backward_flops is None else f"{x.backward_flops:,}"]
              for x in m.layers]
    notes = [f"state = parameters x {per} bytes (weights, gradients, optimizer state); "
             f"backward FLOPs (multiply-adds): {m.backward_flops_of():,}; a saved tensor counts once, at the "
             "first layer that saves it ((shared): already counted, e.g. an in-place ReLU's output that the next "
             "conv saves as its input)"]
    if m.missing:
        notes.append(f"no training rule for op(s) {', '.join(m.missing)}: their layers count 0 here, "
                     "so these totals are lower bounds")
    headers = ["layer", "op", "params", f"state ({units})", "saves", f"saved ({units})", "backward FLOPs"]
    return m, head, summary, extra, headers, layers, notes


def working(m) -> str:
    """The state's arithmetic: 'weights 25,557,032 x 2 = 51,114,064; ...' (parameters x bytes each)."""
    from ..arith import Term

    params = sum(x.params for x in m.layers)
    if not params:
        return "no parameters"
    steps = [("weights", m.weights), ("fp32 master weights", m.master_weights), ("gradients", m.gradients),
             (f"optimizer state ({m.optimizer})", m.optimizer_state)]
    return "working: " + "; ".join(f"{name} {(Term(params) * (b // params)).result()}" for name, b in steps if b)


def _inference(report, dtype, batch, units, scope="block"):
    p = report.inference_peak(dtype, batch, scope)
    head = (f"inference memory: batch {p.batch}, {p.dtype}; peak by liveness {in_units(p.peak, units)} {units} "
            f"at {p.layer}")
    summary = [["weights", f"{p.weights:,}", in_units(p.weights, units)],
               ["buffers", f"{p.buffers:,}", in_units(p.buffers, units)],
               [f"activation peak (at {p.layer})", f"{p.peak:,}", in_units(p.peak, units)],
               ["peak with weights", f"{p.total:,}", in_units(p.total, units)],
               ["lecture's sum of outputs", f"{p.lecture_sum:,}", in_units(p.lecture_sum, units)]]
    layers = [[name, f"{b:,}", in_units(b, units), "peak" if name == p.layer else ""] for name, b in p.per_layer]
    live = ", ".join(f"{t} {in_units(b, units)}" for t, b in p.live)
    first = [f"live at the peak ({units}): {live}"]
    held = {"block": "the innermost block that reads a tensor from outside holds it until it returns (eager "
                     "PyTorch)", "modules": "every block that reads a tensor from outside holds it until it returns",
            "dataflow": "nothing is held longer"}[scope]
    notes = [f"a tensor lives from the layer that makes it to its last reader; {held}; in-place layers and views "
             "share storage; the input is held throughout"]
    return p, head, summary, first, ["layer", "live bytes", f"live ({units})", ""], layers, notes


def fit_lines(report, device, optimizer, dtype, devices=None) -> list[str]:
    """'fits on ...' and the largest batches that train and infer in the device's memory."""
    from ..devices import find_device

    dev = find_device(device, devices)
    train = report.largest_batch(dev, "train", optimizer, dtype)
    infer = report.largest_batch(dev, "inference", optimizer, dtype)
    gib = dev.memory_bytes / 1024**3
    return [f"{dev.name} ({dev.key}, {gib:,.0f} GiB): the largest batch that trains is {train:,}, "
            f"that infers {infer:,} (a binary search on the exact formula)"]


def render_memory(report, mode: str = "train", optimizer: str = "adam", dtype: str | None = None,
                  batch: int | None = None, fmt: str = "text", units: str = "MB", device: str | None = None,
                  fit: bool = False, devices=None, scope: str = "block") -> str:
    """The memory report of ``report``'s network in ``mode`` (train or inference)."""
    if mode == "train":
        result, head, summary, extra, headers, layers, notes = _train(report, optimizer, dtype, batch, units)
    else:
        result, head, summary, extra, headers, layers, notes = _inference(report, dtype, batch, units, scope)
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
        if device:
            doc["device"] = extra[-1 - fit:]
        return json.dumps(doc, indent=2) + "\n"
    if fmt == "csv":
        if mode == "train":
            per = result.bytes_per_param
            rows = [[x.name, x.op, x.params, x.params * per, "" if x.saved is None else " ".join(s.tensor for s in x.saved),
                     x.saved_bytes, "" if x.backward_flops is None else x.backward_flops] for x in result.layers]
            rows += [[part, "total", "", "", "", b, ""] for part, b in result.parts()]
            return emit(["layer", "op", "params", "state_bytes", "saves", "saved_bytes", "backward_flops"], rows, "csv")
        rows = [[n, b] for n, b in result.per_layer] + [["peak", result.peak], ["total", result.total]]
        return emit(["layer", "live_bytes"], rows, "csv")
    title = f"{describe(report)}\n{head}"
    first = emit(["part", "bytes", units], summary, fmt, title=title, notes=extra)
    return first + "\n" + emit(headers, layers, fmt, title="per layer", notes=notes)


_LAST: list = [None, {}, {}]   # the last report explained with --train, its training layers and gradient flags


def train_working(layer, report, a, ins, out) -> tuple[list, list]:
    """``archcost explain --train``: the layer's training rules run again on worked terms: what it
    saves for backward and why (each tensor's bytes, shared ones named), its backward multiply-adds
    and the bytes its forward moves. ``a``, ``ins``, ``out``: its attributes and shapes as terms."""
    from ..arith import Term, step
    from ..ops import get_op
    from ..passes.storage import EXTRA_BYTES
    from ..passes.training import needs_grad

    op = get_op(layer.op)
    c = report.conventions
    if _LAST[0] is not report:   # explain --train of every layer runs the pass once
        _LAST[:] = [report, {x.name: x for x in report.training_memory("sgd").layers}, needs_grad(report)]
    mine, need = _LAST[1][layer.name], _LAST[2]
    lines, notes = [], []
    rule = op.saves(a, ins, out) if need[layer.name] else ()
    if rule is None:
        notes.append(f"op '{layer.op}' has no training rule yet: what it saves and its backward are not counted")
    for s, done in zip(rule or (), mine.saved or ()):
        size = EXTRA_BYTES.get(s.dtype, c.bytes_per_element) if s.dtype else c.bytes_per_element
        n = step(s.elements, f"{s.tensor} elements") if isinstance(s.elements, Term) else Term(s.elements)
        total = n * size * c.batch if s.batched and c.batch != 1 else n * size
        where = "" if done.counted else f" (the storage of {done.storage}: already counted)"
        if done.storage.endswith(":original input"):
            where = " (a copy of the input, which it overwrites in place)"
        lines.append((f"saves {s.tensor}", f"{total.result()} bytes{where}", int(total.value)))
        notes.append(f"{s.tensor}: {s.why}")
    if not rule and rule is not None:
        lines.append(("saves", "nothing" if need[layer.name] else "nothing (no gradient flows here)", 0))
    input_grad = mine.input_grad
    back = op.backward_flops(a, ins, out, input_grad, c.bias_flops) if need[layer.name] else 0
    if back is not None:
        back = back * c.batch if c.batch != 1 else back
        back = back if isinstance(back, Term) else Term(back)
        for name, text in back.steps:
            lines.append((name or "step", text, ""))
        lines.append(("backward FLOPs", back.result(), back.value))
        if not input_grad and need[layer.name]:
            notes.append("no input gradient: nothing before this layer has parameters (the first layer)")
    read, written = op.traffic(a, ins, out)
    lines.append(("forward elements moved", f"{Term(read).result() if not isinstance(read, Term) else read.result()} "
                  f"read + {written.result() if isinstance(written, Term) else written} written", ""))
    return lines, notes


def memory_budget(report, mode: str, optimizer: str = "adam") -> dict:
    """Bytes of a network's memory in ``mode``: its state (weights, gradients, optimizer state,
    buffers), its activations (saved for backward, or the inference peak) and the peak (their sum)."""
    if mode == "train":
        m = report.training_memory(optimizer)
        return {"state": m.state, "activations": m.peak - m.state, "peak": m.peak}
    p = report.inference_peak()
    return {"state": p.weights + p.buffers, "activations": p.peak, "peak": p.total}


def compare_section(nets, mode: str, optimizer: str, units: str, fmt: str) -> str:
    """``archcost compare --memory train|inference``: the memory budgets side by side."""
    budgets = [memory_budget(n.report, mode, optimizer) for n in nets]
    first = budgets[0]["peak"]
    c = nets[0].report.conventions
    what = f"training ({optimizer})" if mode == "train" else "inference"
    headers = ["network", f"state ({units})", f"activations ({units})", f"peak ({units})", f"vs {nets[0].label}"]
    rows = [[n.label, in_units(b["state"], units), in_units(b["activations"], units), in_units(b["peak"], units),
             f"x{b['peak'] / first:.2f}"] for n, b in zip(nets, budgets)]
    note = ("state: weights, master weights, optimizer state and buffers; activations: saved activations and "
            "gradients alive at the peak of backward" if mode == "train" else
            "state: weights and buffers; activations: the peak by liveness")
    return emit(headers, rows, fmt, title=f"memory for {what}: batch {c.batch}, {c.dtype}",
                notes=[f"{note} (archcost memory --mode {mode} shows the working)"])
