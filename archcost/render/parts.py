"""Parts of a network that reports compare: stages, prefixes, the classifier; depth; budgets.

Definitions (the README's Conventions section states them too):

- **stage**: the layers whose output has the same spatial size (112, 56, 28, ...); layers with
  a vector output (flatten, fc) form the stage ``vector``; a token sequence of L tokens (ViT's
  encoder) the stage ``L tok``, after the maps;
- **depth**: weight layers (conv, fc and attention) on the longest path from input to output
  (VGG-16: 16, GoogLeNet: 22, ResNet-50: 50);
- **until RES**: every layer before the spatial size first drops below RES;
  **until LAYER**: every layer up to and including LAYER, in the spec's order;
- **reach RES**: every layer up to and including the first one whose output is RES or
  smaller (the lecture's "from 224 to 28": GoogLeNet's stem);
- **classifier**: the layers after the last one whose output is larger than 1x1 (global
  pooling, flatten, the fc layers); **features**: the layers up to it.

A cut never separates a layer from the in-place layers folded into its row (its ReLU).

>>> import archcost
>>> r = archcost.analyze("alexnet")
>>> [x.name for x in until(r, "13") if not x.inplace]
['conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'conv4', 'conv5']
>>> budget(r.layers).depth, [stage_label(k) for k in stages(r.layers)]
(8, ['56', '27', '13', '6', 'vector'])
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ArchcostError
from ..ops.base import suggest

WEIGHT_KINDS = ("conv", "fc", "attention")
PARTS = ("all", "features", "classifier")


def stage_key(layer) -> tuple:
    """(H, W) of the layer's output in its layout, (L,) for a sequence of L tokens, () for a vector."""
    s, lay = layer.output_shape, getattr(layer, "layout", "")
    if lay and len(lay) == len(s):
        if "L" in lay:   # tokens, all windows together (MaxViT's 64 x 49 windows: 3136 tokens)
            return (s[lay.index("L")] * (s[lay.index("G")] if "G" in lay else 1),)
        return (s[lay.index("H")], s[lay.index("W")]) if "H" in lay and "W" in lay else ()
    return tuple(s[1:3]) if len(s) >= 3 else ()


def stage_label(key: tuple) -> str:
    if not key:
        return "vector"
    if len(key) == 1:
        return f"{key[0]} tok"
    return str(key[0]) if key[0] == key[1] else f"{key[0]}x{key[1]}"


def stage_order(key: tuple) -> tuple:
    """Sort key of stages: maps largest first, then token sequences (longest first), the vector last."""
    return (0, -(key[0] * key[1])) if len(key) == 2 else (1, -key[0]) if key else (2, 0)


def side(layer) -> int:
    """The smaller spatial side of the output (0 for a vector)."""
    key = stage_key(layer)
    return min(key) if key else 0


def stages(layers) -> dict:
    """Stage key -> its layers, largest resolution first, the vector stage last."""
    out: dict = {}
    for x in layers:
        out.setdefault(stage_key(x), []).append(x)
    return dict(sorted(out.items(), key=lambda kv: stage_order(kv[0])))


def depth(layers) -> int:
    """Weight layers (conv, fc) on the longest path through ``layers`` (others count 0)."""
    longest: dict[str, int] = {}
    for x in layers:
        before = max((longest.get(i, 0) for i in x.inputs), default=0)
        longest[x.name] = before + (x.kind in WEIGHT_KINDS)
    return max(longest.values(), default=0)


@dataclass(frozen=True)
class Budget:
    """Totals of a part of a network: memory (KB), parameters, FLOPs, table rows, depth."""

    memory_kb: float
    params: int
    flops: int
    layers: int
    depth: int

    def get(self, name: str):
        return getattr(self, name)


def budget(layers) -> Budget:
    layers = tuple(layers)
    return Budget(sum(x.memory_kb for x in layers), sum(x.params for x in layers), sum(x.flops for x in layers),
                  sum(not x.inplace for x in layers), depth(layers))


def _layer_index(report, name: str) -> int:
    for i, x in enumerate(report.layers):
        if x.name == name:
            return i
    names = [x.name for x in report.layers]
    raise ArchcostError(f"{report.network} has no layer '{name}'",
                        suggest(name, names) or "run 'archcost table' to see its layer names")


def _through(layers, i: int) -> tuple:
    """layers[:i + 1] and the in-place layers right after layer i (folded into its row)."""
    i += 1
    while i < len(layers) and layers[i].inplace:
        i += 1
    return layers[:i]


def resolution(text, option: str) -> int:
    """A cut's resolution, read as --input reads a side: a whole number of pixels above 0.

    >>> resolution("28", "--reach")
    28
    >>> resolution("1e3", "--reach")
    Traceback (most recent call last):
    ...
    archcost.errors.ArchcostError: --reach '1e3' is not a resolution; write a whole number of pixels, e.g. --reach 28
    """
    from ..spec.loader import input_side

    res = input_side(text if isinstance(text, str) else str(text))
    if res is None:
        shown = text if len(str(text)) < 40 else f"{str(text)[:12]}... ({len(str(text)):,} characters)"
        raise ArchcostError(f"{option} {shown!r} is not a resolution",
                            f"write a whole number of pixels, e.g. {option} 28")
    return res


def until(report, where: str) -> tuple:
    """The layers before the spatial size first drops below ``where`` (a number), or up to and
    including the layer called ``where``."""
    if str(where).isdigit():
        res = resolution(where, "--until")
        cut = next((i for i, x in enumerate(report.layers) if side(x) < res), len(report.layers))
        return report.layers[:cut]
    return _through(report.layers, _layer_index(report, where))


def reach(report, res: int) -> tuple:
    """The layers up to and including the first whose output is ``res`` or smaller."""
    res = resolution(res, "--reach")
    cut = next((i for i, x in enumerate(report.layers) if side(x) <= res), len(report.layers) - 1)
    return _through(report.layers, cut)


def part(report, name: str = "all") -> tuple:
    """'all' layers, the 'features' or the 'classifier' (after the last output larger than 1x1).

    >>> import archcost
    >>> [x.name for x in part(archcost.analyze("googlenet"), "classifier")]
    ['pool5', 'dropout', 'fc', 'prob']
    """
    last = max((i for i, x in enumerate(report.layers) if side(x) > 1), default=-1)
    features = _through(report.layers, last) if last >= 0 else ()
    return {"all": report.layers, "features": features, "classifier": report.layers[len(features):]}[name]


def scale_for(values, units=((10**9, "G"), (10**6, "M"), (10**3, "k"))) -> tuple:
    """The divisor and prefix that suit the largest of ``values``: (1e6, 'M') for 138,357,544."""
    top = max((abs(v) for v in values), default=0)
    return next(((d, p) for d, p in units if top >= d), (1, ""))


def ratio_text(r) -> str:
    """'x5.7', 'x17.8', 'x0.13'; '' when there is nothing to compare with; 0.998 is 'x1.0', not 'x1'.

    >>> ratio_text(5.71), ratio_text(0.998), ratio_text(0.126)
    ('x5.7', 'x1.0', 'x0.13')
    """
    if r is None:
        return ""
    return f"x{r:.1f}" if r >= 0.995 else f"x{r:.2g}"


def ratio(a, b):
    return a / b if b else None
