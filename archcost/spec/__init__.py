"""Specs: YAML files -> graph IR. See :func:`load_graph`."""

from .loader import Spec, load_graph, read_spec

__all__ = ["Spec", "load_graph", "read_spec"]
