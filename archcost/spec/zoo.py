"""The zoo: specs shipped in ``archcost/specs`` (the repository's ``specs/``), found by name.

A spec file holds one network or a family of named variants (``vgg.yaml``:
vgg11 .. vgg19_bn). A name is looked up as a file name first (fast), then
among every file's variants and aliases.

>>> [find(name)[1] for name in ("alexnet", "vgg_d", "resnet")]   # the variant each name picks
['alexnet', 'vgg16', None]
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources

from ..errors import ArchcostError
from ..ops.base import suggest
from .loader import Spec, read_spec


def spec_dir() -> str:
    """The zoo's folder: the installed package's ``archcost/specs``, or, when archcost is
    imported straight from a checkout (the repository's ``archcost/`` has no specs inside it),
    the checkout's ``specs/``."""
    try:
        return str(resources.files("archcost.specs"))
    except ModuleNotFoundError:
        return os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "specs")


def _files() -> list[str]:
    d = spec_dir()
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".yaml"))


@lru_cache(maxsize=None)
def _read(path: str) -> Spec:
    """A zoo file, named in messages as ``zoo:alexnet.yaml``: its place on disk (inside the
    installed package) is nothing the user wrote or can find at 'specs/alexnet.yaml'."""
    return read_spec(path, shown=f"zoo:{os.path.basename(path)}")


@lru_cache(maxsize=1)
def index() -> dict[str, tuple[str, str | None]]:
    """Every zoo name (variants and aliases) -> (spec path, variant or None)."""
    names: dict[str, tuple[str, str | None]] = {}
    for path in _files():
        spec = _read(path)
        if not spec.variants:
            names[spec.name] = (path, None)
        for vname, var in spec.variants.items():
            names[vname] = (path, vname)
            for alias in var.get("aliases") or []:
                names.setdefault(str(alias), (path, vname))
    return names


def looks_like_path(name: str) -> bool:
    return name.endswith((".yaml", ".yml")) or os.sep in name or os.path.exists(name)


def find(name: str, allow_unknown: bool = False) -> tuple[Spec, str | None]:
    """A zoo name or a path -> (spec, variant or None). An .onnx file is imported (``allow_unknown``:
    ops archcost does not understand become layers counted as 0 instead of an error)."""
    if name.lower().endswith(".onnx"):
        from ..frontends.onnx_import import read_onnx_spec
        return read_onnx_spec(name, allow_unknown), None
    if looks_like_path(name):
        return read_spec(name), None
    fast = os.path.join(spec_dir(), f"{name}.yaml")
    if os.path.exists(fast):
        spec = _read(fast)  # a family file by its own name: the spec's defaults (e.g. 'resnet')
        return spec, (name if name in spec.variants else None)
    names = index()
    if name not in names:
        hint = suggest(name, names)
        raise ArchcostError(f"no network called '{name}' in the zoo, and no such file",
                            hint or "run 'archcost list' to see the networks, or give a path to a .yaml spec")
    path, variant = names[name]
    return _read(path), variant


def entries() -> list[tuple[str, Spec, str | None]]:
    """(name, spec, variant) for every network of the zoo, file by file."""
    out = []
    for path in _files():
        spec = _read(path)
        for vname in spec.variants or [None]:
            out.append((vname or spec.name, spec, vname))
    return out
