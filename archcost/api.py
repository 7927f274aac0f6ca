"""The Python API's arguments, checked: a wrong type is an ArchcostError with the fix, as on the CLI.

>>> arguments(pathlib.Path("specs/alexnet.yaml"), 224, None, None)
('specs/alexnet.yaml', '224', None, None)
>>> arguments(None, None, None, None)
Traceback (most recent call last):
archcost.errors.ArchcostError: analyze() takes a zoo name, a spec path, a Spec or a graph, not None; e.g. archcost.analyze("alexnet") or archcost.analyze(Path("my_net.yaml"))
"""

from __future__ import annotations

import os
import pathlib  # noqa: F401  (the docstring example)
from collections.abc import Mapping

from .errors import ArchcostError


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def arguments(spec, input, settings, max_nodes):
    """``analyze``'s and ``build_graph``'s arguments checked and normalised: a path-like spec
    becomes its string; an int input (224) becomes the CLI's text ('224': square, the spec's channels)."""
    from .spec.loader import Spec

    if isinstance(spec, os.PathLike):
        spec = os.fspath(spec)
    if not isinstance(spec, (str, Spec)):
        raise ArchcostError(f"analyze() takes a zoo name, a spec path, a Spec or a graph, not {_shown(spec)}",
                            'e.g. archcost.analyze("alexnet") or archcost.analyze(Path("my_net.yaml"))')
    if _is_int(input):
        input = str(input)
    elif not (input is None or isinstance(input, str)
              or isinstance(input, (tuple, list)) and all(_is_int(d) for d in input)):
        raise ArchcostError(f"input must be a shape, not {_shown(input)}",
                            'write input=224 (square), input="3x224x224" or input=(3, 224, 224)')
    if settings is not None and not (isinstance(settings, Mapping) and all(isinstance(k, str) for k in settings)):
        raise ArchcostError(f"settings must map parameter names to values, not {_shown(settings)}",
                            'write e.g. settings={"width": 2}')
    if max_nodes is not None and not (_is_int(max_nodes) and max_nodes >= 1):
        raise ArchcostError(f"max_nodes must be a positive integer, not {_shown(max_nodes)}",
                            "write e.g. max_nodes=100_000, or leave it out for the default")
    return spec, input, settings, max_nodes
