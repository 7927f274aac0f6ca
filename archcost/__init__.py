"""archcost: static cost analysis of neural-network architectures.

A network is a declarative spec (YAML); archcost builds a graph IR, infers
every layer's output shape and counts activation memory (KB), parameters and
multiply-add FLOPs, with pure arithmetic.

>>> import archcost
>>> r = archcost.analyze("alexnet", input=(3, 227, 227))
>>> r.totals.params
61100840
>>> archcost.analyze("alexnet", bias_flops=False).layer("conv1").flops
72855552
"""

from __future__ import annotations

import gc
from contextlib import contextmanager

from .errors import ArchcostError

__version__ = "0.1.0"
__all__ = ["analyze", "load_spec", "build_graph", "from_torch", "ArchcostError", "__version__"]


def load_spec(name_or_path: str, allow_unknown: bool = False):
    """A zoo name, a spec path or an .onnx file -> (Spec, variant or None)."""
    from .spec import zoo
    return zoo.find(name_or_path, allow_unknown)


def build_graph(spec, input=None, settings=None, max_nodes=None, allow_unknown: bool = False):
    """A zoo name, a path or a Spec -> the checked graph IR (before the passes)."""
    from .api import arguments
    from .spec.loader import DEFAULT_MAX_NODES, Spec, load_graph
    spec, input, settings, max_nodes = arguments(spec, input, settings, max_nodes)
    variant = None
    with _gc_paused():   # (within analyze, already paused: then this does nothing)
        if not isinstance(spec, Spec):
            spec, variant = load_spec(spec, allow_unknown)   # an ONNX file's import makes many objects too
        return load_graph(spec, variant, settings, input, max_nodes or DEFAULT_MAX_NODES)


def analyze(spec, input=None, settings=None, *, bias_flops: bool = True, dtype: str = "float32",
            batch: int = 1, max_nodes: int | None = None, convention: str = "lecture", count: str = "macs",
            allow_unknown: bool = False):
    """Analyze a network: a zoo name ("alexnet"), a spec path, an .onnx file, a Spec or a graph.

    ``input`` overrides the input shape ((3, 160, 160), "3x160x160", or 160: square);
    ``settings`` overrides spec parameters ({"width": 2}). Returns a
    :class:`archcost.report.Report`. ``convention`` names the FLOP counting convention
    (``archcost.counting``: lecture, torchvision, fvcore, thop, ptflops, torchinfo) and ``count``
    says macs or flops (2 per multiply-add); ``allow_unknown`` counts an ONNX file's ops that
    archcost does not understand as 0 instead of refusing them.
    """
    import networkx as nx

    from .conventions import Conventions
    from .passes import compute_costs, infer_shapes
    from .report import build_report

    conv = Conventions(bias_flops=bias_flops, dtype=dtype, batch=batch, convention=convention, count=count)
    with _gc_paused():
        g = spec if isinstance(spec, nx.DiGraph) else build_graph(spec, input, settings, max_nodes,
                                                                          allow_unknown)
        infer_shapes(g)
        compute_costs(g, conv)
        return build_report(g, conv)


def from_torch(module, input=(3, 224, 224), **analysis):
    """Analyze a torch ``nn.Module`` traced symbolically (``pip install 'archcost[torch]'``); ``input``
    is C x H x W; ``analysis`` are :func:`analyze`'s keywords (bias_flops, dtype, batch). A Report."""
    from .frontends.torch_import import from_torch as trace_and_analyze
    return trace_and_analyze(module, input, **analysis)


@contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while a graph is built: the analysis makes
    many small objects and no reference cycles, and the collector's repeated scans
    of them would make a 100,000-layer analysis cost more than linear time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # Hand what the analysis made straight to the oldest generation (freeze, then unfreeze
            # into it): re-enabling would otherwise scan all of it at once as brand-new objects.
            gc.freeze()
            gc.unfreeze()
            gc.enable()
