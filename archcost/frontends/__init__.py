"""Front-ends: other sources of the same graph IR (an ONNX file, a PyTorch module) and
other ways out of it (an ONNX graph, a readable YAML spec).

Each importer turns its source into spec data (the dict a YAML spec parses to), so the spec
loader builds the graph and every pass, report and worksheet works on it unchanged. Their
libraries are optional extras, imported only when a front-end runs:

>>> need("json", "test").__name__
'json'
"""

from __future__ import annotations

import importlib

from ..errors import ArchcostError


class MissingExtra(ArchcostError, ImportError):
    """An optional extra is not installed: a user's error (one line, exit 2), and an ImportError
    to code that imports a front-end only if it can."""


def need(module: str, extra: str):
    """Import an optional extra's module, or one clear error naming the pip command."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(f"this needs the '{module.split('.')[0]}' package, which is not installed",
                           f"pip install 'archcost[{extra}]'") from None
