"""`archcost time` (roofline time per layer on a device) and `archcost devices` (the device table).

>>> import archcost
>>> text = render_time(archcost.analyze("resnet50", dtype="bf16", batch=64), "a100-40gb")
>>> [line for line in text.splitlines() if line.startswith("inference")]
['inference (forward)    7.244 ms']
"""

from __future__ import annotations

import json

from .formats import emit
from .table import describe


def _ms(seconds) -> str:
    return "" if seconds is None else f"{seconds * 1000:,.3f}"


def _pass(c) -> list:
    return ["", "", "", ""] if c is None else [f"{c.flops:,}", f"{c.bytes:,}", _ms(c.time), c.bound]


def render_time(report, device, train: bool = False, optimizer: str = "adam", fmt: str = "text",
                devices=None) -> str:
    t = report.time(device, train=train, optimizer=optimizer, devices=devices)
    if fmt == "json":
        return json.dumps(t.to_dict(), indent=2) + "\n"
    headers = ["layer", "op", "FLOPs", "bytes", "time (ms)", "bound"]
    if train:
        headers += ["backward FLOPs", "backward bytes", "backward (ms)", "backward bound"]
    if fmt == "csv":
        rows = [[x.name, x.op, x.forward.flops, x.forward.bytes, x.forward.time, x.forward.bound]
                + ([] if not train else ["", "", "", ""] if x.backward is None else
                   [x.backward.flops, x.backward.bytes, x.backward.time, x.backward.bound]) for x in t.layers]
        return emit([h.replace(" (ms)", " (s)") for h in headers], rows, "csv")
    rows = [[x.name, x.op] + _pass(x.forward) + (_pass(x.backward) if train else []) for x in t.layers]
    d = t.device
    lines = [["inference (forward)", f"{_ms(t.inference)} ms"]]
    if train:
        lines += [["optimizer step", f"{_ms(t.optimizer.time)} ms ({optimizer}, {t.optimizer.bytes:,} bytes)"],
                  ["training step", f"{_ms(t.train_step)} ms (forward + backward + optimizer step)"]]
    bound = {b: sum(x.forward.time for x in t.layers if x.forward.bound == b) for b in ("compute", "memory")}
    slowest = max(t.layers, key=lambda x: x.forward.time + (x.backward.time if x.backward else 0))
    notes = [f"{d.name}: {d.peak(t.dtype) / 1e12:,.1f} TFLOP/s dense {t.dtype}, {d.bandwidth / 1e9:,.0f} GB/s "
             f"({d.source}); batch {t.batch}",
             f"forward time compute-bound {_ms(bound['compute'])} ms, memory-bound {_ms(bound['memory'])} ms; "
             f"the slowest layer: {slowest.name}",
             "time = max(FLOPs / peak, bytes / bandwidth) per layer, summed: a lower bound (every kernel at the "
             "device's peak, no launch overhead); FLOPs = 2 x multiply-adds; bytes = activations read and written "
             "+ parameters"]
    if t.missing:
        notes.append(f"no training rule for op(s) {', '.join(t.missing)}: their backward is left out")
    text = describe(report) + f"\nroofline on {d.key}"
    summary = emit(["", "time"], lines, fmt, title=text)
    return summary + "\n" + emit(headers, rows, fmt, title="per layer", notes=notes)


def render_devices(fmt: str = "text", devices=None) -> str:
    """The device table.

    >>> print(render_devices("csv").splitlines()[1])
    a100-40gb,NVIDIA A100 SXM4 40 GB,40.0,1555,19.5,312.0,312.0,"NVIDIA A100 Tensor Core GPU datasheet (2021), A100 40GB SXM column"
    """
    from ..devices import load_devices

    table = load_devices(devices)
    if fmt == "json":
        return json.dumps([d.to_dict() for d in table.values()], indent=2) + "\n"
    dtypes = ["float32", "bfloat16", "float16"]
    headers = ["device", "name", "memory (GiB)", "bandwidth (GB/s)"] + [f"{t} TFLOP/s" for t in dtypes] + ["source"]
    rows = []
    for key in sorted(table):
        d = table[key]
        tf = dict(d.tflops)
        rows.append([key, d.name, f"{d.memory_bytes / 2**30:g}" if fmt != "csv" else d.memory_bytes / 2**30,
                     f"{d.bandwidth / 1e9:g}"] + [tf.get(t, "") for t in dtypes] + [d.source])
    return emit(headers, rows, fmt, notes=["peak dense throughput (no sparsity); add devices with --devices FILE "
                                           "or ARCHCOST_DEVICES (the layout of archcost/devices.yaml)"]
                if fmt != "csv" else ())
