"""The op registry: every op by name, each defined once in a module of this package.

Modules here are imported on first use (one per op family: conv.py, pool.py,
merge.py, ...); a new module is picked up without being listed anywhere.

>>> sorted(all_ops())[:2]
['adaptiveavgpool', 'add']
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import REGISTRY, Attr, Op, SameShape, register, suggest
from ..errors import ArchcostError

__all__ = ["REGISTRY", "Attr", "Op", "SameShape", "register", "get_op", "all_ops"]

_loaded = False


def _load_all() -> None:
    global _loaded
    if not _loaded:
        for mod in pkgutil.iter_modules(__path__):
            if mod.name != "base":
                importlib.import_module(f"{__name__}.{mod.name}")
        _loaded = True


def all_ops() -> dict[str, Op]:
    _load_all()
    return dict(REGISTRY)


def get_op(name: str) -> Op:
    """The registered op called ``name``, or a located-later error with a suggestion."""
    op = REGISTRY.get(name)
    if op is not None:  # the hot path: passes look ops up once per node
        return op
    _load_all()
    try:
        return REGISTRY[name]
    except KeyError:
        hint = suggest(name, REGISTRY)
        raise ArchcostError(f"unknown op '{name}'", hint or "run 'archcost ops' to list the ops") from None
