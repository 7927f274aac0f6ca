"""The devices a network is timed and fitted on: a data table shipped with the package.

``archcost/devices.yaml`` lists each device's memory, memory bandwidth and peak dense
throughput per dtype, with the vendor datasheet it comes from. A file of the same layout
(``--devices FILE`` or the ``ARCHCOST_DEVICES`` environment variable, several paths joined
by ``os.pathsep``) adds devices or replaces shipped ones of the same key.

>>> d = find_device("a100-40gb")
>>> d.memory_bytes, d.bandwidth, d.peak("bfloat16")
(42949672960, 1555000000000, 312000000000000)
>>> sorted(load_devices())[:3]
['a100-40gb', 'a100-80gb', 'h100-sxm']
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from .errors import ArchcostError
from .ops.base import suggest

SHIPPED = Path(__file__).with_name("devices.yaml")
ENV = "ARCHCOST_DEVICES"
GIB = 2**30


@dataclass(frozen=True)
class Device:
    key: str
    name: str
    memory_bytes: int
    bandwidth: int               # bytes per second
    tflops: tuple                # (dtype, TFLOP/s) pairs, dense
    source: str
    file: str = ""

    def peak(self, dtype: str) -> int:
        """Peak dense FLOP/s (2 per multiply-add) for ``dtype``, or a clear error."""
        table = dict(self.tflops)
        if dtype not in table:
            raise ArchcostError(f"device '{self.key}' has no {dtype} figure in its datasheet "
                                f"(it lists {', '.join(table)})", "choose another --dtype or device")
        return int(Fraction(str(table[dtype])) * 10**12)

    def to_dict(self) -> dict:
        return {"key": self.key, "name": self.name, "memory_bytes": self.memory_bytes,
                "bandwidth_bytes_per_s": self.bandwidth, "tflops": dict(self.tflops), "source": self.source}


def _number(v, what, where) -> Fraction:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < float("inf"):
        raise ArchcostError(f"{where}: '{what}' must be a positive finite number, got {v!r}", "fix the devices file")
    return Fraction(str(v))


def _device(key, entry, file) -> Device:
    where = f"{file}: device '{key}'"
    if not isinstance(entry, dict):
        raise ArchcostError(f"{where} must be a mapping of name, memory_gib, bandwidth_gbs, tflops, source",
                            "see archcost/devices.yaml for the layout")
    missing = [k for k in ("memory_gib", "bandwidth_gbs", "tflops", "source") if k not in entry]
    if missing:
        raise ArchcostError(f"{where} lacks {', '.join(missing)}", "see archcost/devices.yaml for the layout")
    tflops = entry["tflops"]
    if not isinstance(tflops, dict) or not tflops:
        raise ArchcostError(f"{where}: 'tflops' must map dtypes to TFLOP/s", "e.g. tflops: {float32: 19.5}")
    return Device(str(key), str(entry.get("name", key)), int(_number(entry["memory_gib"], "memory_gib", where) * GIB),
                  int(_number(entry["bandwidth_gbs"], "bandwidth_gbs", where) * 10**9),
                  tuple((str(k), float(_number(v, f"tflops.{k}", where))) for k, v in tflops.items()),
                  str(entry["source"]), str(file))


def _read(path) -> dict:
    """A devices file, read by the spec reader's rules (a bad date or ``!!float abc`` is one located
    error, aliases are refused, a device or a pipe is never read)."""
    from .spec.yamlread import read_yaml

    if not os.path.exists(path):
        raise ArchcostError(f"cannot read the devices file '{path}': no such file", "check the path")
    try:
        doc = read_yaml(str(path))
    except ArchcostError as exc:
        raise ArchcostError(f"devices file: {exc.what}", exc.fix, file=exc.file, line=exc.line) from None
    if not isinstance(doc, dict):
        raise ArchcostError(f"the devices file '{path}' must map device keys to entries",
                            "see archcost/devices.yaml for the layout")
    return {str(k): _device(k, v, path) for k, v in doc.items()}


def load_devices(extra=None) -> dict:
    """The shipped devices, then those of ``extra`` (a path or list of paths) and ``$ARCHCOST_DEVICES``."""
    devices = _read(SHIPPED)
    paths = [p for p in os.environ.get(ENV, "").split(os.pathsep) if p]
    paths += [extra] if isinstance(extra, (str, Path)) else list(extra or ())
    for path in paths:
        devices.update(_read(path))
    return devices


def find_device(name, extra=None) -> Device:
    """A device by key (case and spaces ignored: 'A100-40GB', 'a100 40gb')."""
    if isinstance(name, Device):
        return name
    devices = load_devices(extra)
    key = str(name).lower().replace(" ", "-").replace("_", "-")
    if key not in devices:
        raise ArchcostError(f"unknown device '{name}'",
                            suggest(key, devices) or f"run 'archcost devices' (known: {', '.join(devices)})")
    return devices[key]
