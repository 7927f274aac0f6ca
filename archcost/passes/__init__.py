"""Passes: plain functions over the graph, run in order, each writing one kind of fact."""

from .costs import compute_costs
from .shapes import infer_shapes

__all__ = ["infer_shapes", "compute_costs"]
