"""Published figures: what a network's sources print, recorded in its spec's ``published:`` list.

Each entry names its source, the network (a variant of the spec), optionally a layer (a row of
the source's table: the layer and the layers inside it), the input and ``--set`` settings of the
network it describes, and one or more figures: ``params``, ``flops`` (with the ``convention``
it is counted in, and ``count: flops`` when the source counts 2 per multiply-add), ``outputs``
(output elements: a paper's "neurons") or ``shape`` (an output size as printed, ``111x111x96``).
A figure is written as its source prints it (``"3.8 G"``, ``"9.2M"``, ``"2.7K"``, ``"340,908"``,
``25557032``; ``"159 Ki"`` where a source's K is 1024, as GoogLeNet's Table 1); it agrees with ours when they differ by less than one unit of its last printed
digit (sources round or truncate). ``note`` says why ours differs, when it does: a difference
without a note is shown as unexplained by ``archcost reconcile``.

>>> figure_value("3.8 G"), figure_value("340,908"), figure_value(25557032), figure_value("0.39B")
((3800000000, 100000000), (340908, 1), (25557032, 1), (390000000, 10000000))
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Mapping

from .errors import ArchcostError
from .ops.base import suggest

ENTRY_KEYS = ("source", "network", "layer", "input", "settings", "convention", "count", "note",
              "params", "flops", "outputs", "shape")
FIGURES = ("params", "flops", "outputs", "shape")
SCALE = {"": 1, "Ki": 2**10, "K": 10**3, "k": 10**3, "M": 10**6, "G": 10**9, "B": 10**9, "T": 10**12}
_NUMBER = re.compile(r"^\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(Ki|[kKMGBT]?)\s*$")


def figure_value(text) -> tuple[int, int]:
    """A figure as printed -> (value, unit of its last digit), both exact integers."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text, 1
    m = _NUMBER.match(str(text)) if isinstance(text, (str, float)) else None
    if not m:
        raise ArchcostError(f"published figure {text!r} is not a number as printed",
                            "write it as the source prints it, e.g. 25557032, \"340,908\", \"3.8 G\", \"9.2M\"")
    digits, scale = m.group(1).replace(",", ""), SCALE[m.group(2)]
    decimals = len(digits.partition(".")[2])
    value = Fraction(digits) * scale
    unit = Fraction(scale, 10**decimals)
    return int(value), max(int(unit), 1)


@dataclass(frozen=True)
class Published:
    """One source's figures for one network (or one row of its table)."""

    source: str
    network: str
    figures: Mapping[str, object]
    layer: tuple | None = None   # the table row: these layers and the layers inside them
    input: tuple | None = None
    settings: Mapping = field(default_factory=dict)
    convention: str = "torchvision"
    count: str = "macs"
    note: str = ""
    line: int | None = None


def _layers(raw):
    if raw is None:
        return None
    names = raw if isinstance(raw, list) else [raw]
    if not names or not all(isinstance(n, (str, int)) for n in names):
        raise ArchcostError(f"published entry's layer {raw!r} is not a layer name or a list of them",
                            "write e.g. layer: conv1 or layer: [conv2_reduce, conv2]")
    return tuple(str(n) for n in names)


def check_published(raw, params: dict, networks: list, file: str) -> tuple:
    """The spec's ``published:`` list, checked: each entry a mapping with a source, a known network,
    known settings and convention, and figures written as numbers."""
    from .counting import COUNT_FACTORS, get_convention

    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ArchcostError("'published' must be a list of entries", "write '- {source: ..., params: ...}' rows",
                            file=file, line=getattr(raw, "line", None))
    out = []
    for entry in raw:
        line = getattr(entry, "line", None) or getattr(raw, "line", None)
        try:
            out.append(_entry(entry, params, networks, line, get_convention, COUNT_FACTORS))
        except ArchcostError as exc:
            raise exc.located(file=file, line=line)
    return tuple(out)


def _entry(entry, params, networks, line, get_convention, count_factors) -> Published:
    if not isinstance(entry, dict):
        raise ArchcostError(f"a published entry must be a mapping, got {type(entry).__name__}",
                            "write '- {source: ..., network: ..., params: ...}'")
    for key in entry:
        if key not in ENTRY_KEYS:
            raise ArchcostError(f"unknown key '{key}' in a published entry",
                                suggest(str(key), ENTRY_KEYS) or f"use {', '.join(ENTRY_KEYS)}")
    if not isinstance(entry.get("source"), str) or not entry["source"].strip():
        raise ArchcostError("a published entry has no source", "add 'source: \"Author et al. year, Table N\"'")
    network = entry.get("network", networks[0] if len(networks) == 1 else None)
    if network not in networks:
        raise ArchcostError(f"published entry of '{entry['source']}' names network {network!r}, not one of this spec's",
                            suggest(str(network), networks) or f"use one of {', '.join(networks)}")
    settings = entry.get("settings") or {}
    if not isinstance(settings, dict) or any(k not in params for k in settings):
        bad = next((k for k in settings if k not in params), settings) if isinstance(settings, dict) else settings
        raise ArchcostError(f"published entry's settings {bad!r} is not a parameter of the spec",
                            f"use the spec's parameters: {', '.join(params) or 'none'}")
    figures = {k: entry[k] for k in FIGURES if k in entry}
    if not figures:
        raise ArchcostError(f"published entry of '{entry['source']}' gives no figure", f"add one of {', '.join(FIGURES)}")
    for k, v in figures.items():
        if k == "shape":
            if not isinstance(v, str) or not re.fullmatch(r"\d+(x\d+)*", v):
                raise ArchcostError(f"published shape {v!r} is not written as HxWxC or CxHxW", "write e.g. 111x111x96")
        else:
            figure_value(v)
    convention = str(entry.get("convention", "torchvision"))
    get_convention(convention)
    count = str(entry.get("count", "macs"))
    if count not in count_factors:
        raise ArchcostError(f"published entry's count {count!r} is not macs or flops", "write count: macs or flops")
    shape = entry.get("input")
    if shape is not None and (not isinstance(shape, list) or not all(isinstance(d, int) for d in shape)):
        raise ArchcostError(f"published entry's input {shape!r} is not a list of sizes", "write e.g. input: [3, 288, 288]")
    return Published(source=entry["source"], network=network, figures=MappingProxyType(figures),
                     layer=_layers(entry.get("layer")),
                     input=None if shape is None else tuple(shape), settings=MappingProxyType(dict(settings)),
                     convention=convention, count=count, note=str(entry.get("note", "")).strip(), line=line)
