"""The lecture's three findings re-examined for a transformer: why each holds or not.

The lecture's findings were drawn from CNNs whose maps shrink stage after stage. In a network
with attention layers the same numbers tell another story, and the reasons are derived here
from the report, never asserted:

1. memory: the only conv is usually the patch embedding, and a ViT never downsamples: every
   encoder layer outputs the same L x D tokens, so memory is spread along the depth (a
   hierarchical transformer such as Swin halves its map per stage and concentrates it early
   again, like a CNN);
2. parameters: the fully-connected layers are the MLPs (D -> 4D -> D), and the attention
   projections (Q, K, V and output) are fully connected too;
3. FLOPs: the conv patch embedding does little; the linear layers do most, and the two
   matmuls of activations in attention (Q K^T and A V) grow with the square of the tokens.

>>> import archcost
>>> r = archcost.analyze("vit_b_16")
>>> why = reasons(r)
>>> sorted(why), "Q K^T and A V" in why[3]
([1, 2, 3], True)
"""

from __future__ import annotations

from ..ops import get_op
from .parts import budget, stage_key


def _pct(x) -> str:
    return f"{100 * x:.1f}%"


def _score_matmuls(report, layers) -> int:
    """The Q K^T and A V multiply-adds of attention layers, from their ops' own rules."""
    return sum(int(get_op(x.op).activation_flops(x.attrs, list(x.input_shapes), x.output_shape))
               * report.conventions.batch for x in layers)


def _pointwise(report, total) -> dict:
    """A CNN whose 1x1 convs are linear layers over channels-last maps (ConvNeXt): the findings on
    'fc' and 'conv' layers read them as what they are."""
    maps = [x for x in report.layers if x.kind == "fc" and len(x.input_shape) > 1]
    if not maps:
        return {}
    convs = [x for x in report.layers if x.kind == "conv"]
    names = ", ".join(x.name for x in maps[:2]) + (" ..." if len(maps) > 2 else "")
    both = budget(maps + convs)
    what = (f"Why: {len(maps)} of the fully-connected layers are 1x1 convolutions written as linear layers over "
            f"channels-last maps ({names})")
    return {
        2: f"{what}: they hold {_pct(budget(maps).params / total.params)} of the parameters",
        3: (f"{what}: they do {_pct(budget(maps).flops / total.flops)} of the multiply-adds; with the conv layers, "
            f"the convolutions do {_pct(both.flops / total.flops)}"),
    }


def reasons(report) -> dict:
    """Finding number -> the reason in a transformer (or a CNN with linear 1x1 convs, ConvNeXt);
    empty for the lecture's CNNs."""
    attention = [x for x in report.layers if x.kind == "attention"]
    total = budget(report.layers)
    if not attention:
        return _pointwise(report, total) if total.flops and total.params else {}
    rows = [x for x in report.layers if not x.inplace]
    convs = [x for x in report.layers if x.kind == "conv"]
    fc = [x for x in report.layers if x.kind == "fc"]
    share = lambda layers, f: getattr(budget(layers), f) / getattr(total, f) if getattr(total, f) else 0.0  # noqa: E731
    conv_names = ", ".join(x.name for x in convs[:3]) + (" ..." if len(convs) > 3 else "")
    half = rows[:len(rows) // 2]
    sequences = [x for x in rows if "L" in x.layout]
    counts = [stage_key(x)[0] for x in sequences]
    if sequences and all(b >= a for a, b in zip(counts, counts[1:])):   # a ViT: the tokens never get fewer
        x = sequences[-1]
        spread = (f"the {len(sequences)} rows on token sequences keep {x.output_shape[x.layout.index('L')]} tokens "
                  f"x {x.output_shape[x.layout.index('D')]} from the first encoder layer to the last: none "
                  f"downsamples, so the memory is spread along the depth")
    else:
        spread = "the map shrinks stage after stage, so the memory concentrates early, as in a CNN"
    matmuls = _score_matmuls(report, attention)
    return {
        1: (f"Why (a transformer): the conv layers are {len(convs)} ({conv_names or 'none'}); {spread}: the first "
            f"half of the {len(rows)} rows holds {_pct(share(half, 'memory_kb'))} of the memory"),
        2: (f"Why (a transformer): the fully-connected layers are the MLPs and the head "
            f"({_pct(share(fc, 'params'))}); the attention projections (Q, K, V and output, 4 x D^2 per block) are "
            f"fully connected too ({_pct(share(attention, 'params'))}): together "
            f"{_pct(share(fc + attention, 'params'))}; the conv layers hold {_pct(share(convs, 'params'))}"),
        3: (f"Why (a transformer): the conv layers ({conv_names or 'none'}) do {_pct(share(convs, 'flops'))}; the "
            f"linear layers do {_pct(share(fc, 'flops'))} and the attention layers {_pct(share(attention, 'flops'))}, "
            f"of which the matmuls of two activations, Q K^T and A V, are {matmuls:,} multiply-adds "
            f"({_pct(matmuls / total.flops if total.flops else 0.0)} of all; they grow with the square of the tokens)"),
    }
