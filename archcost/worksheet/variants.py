"""Per-student variants: the same network with drawn input size, filter counts, kernels and strides.

A variant is the network's own graph with changed attributes, analyzed by
:func:`archcost.analyze` like any network, so its key is computed by the code
that computes the table. The draws walk the graph in order and, at each
window (conv or pool), keep only the kernel, stride and padding choices whose
division ``(H + 2P - K) / S`` is whole, so every output size is an integer
(``allow_floor`` lifts that rule, for exercises about the floor). A choice that
leaves no whole division further on, or branches that no longer agree, is
undone and the next one tried.

Knobs (``--vary KNOB=LO:HI`` or ``KNOB=off``):

- ``input``: the input side, drawn in [LO, HI] (default: the spec's +-10%);
- ``filters``: one width factor per variant in [LO, HI] (default 0.75:1.25);
  every conv's and FC's filter count is scaled by it (the classifier keeps its
  classes) and rounded to a multiple of 16 (64 above 256), so layers that
  must agree (a residual add) still agree;
- ``kernel``: a conv kernel K >= 5 may become K - 2 or K + 2 within [LO, HI]
  (default 1:11; 3x3 and 1x1 convs keep theirs); the padding follows, so a
  "same" conv stays "same". A pool keeps its window when it divides, else
  moves it (K +- 1, or its padding) by the least that makes it whole;
- ``stride``: a conv stride S >= 2 may become S - 1 (not below 2) or S + 1,
  within [LO, HI] (default 1:4). Stride-1 layers and pools keep their stride.

>>> vs = draw_variants("alexnet", 2, seed=1)
>>> len(vs), vs[0].report.network, all(is_exact(v.report) for v in vs)
(2, 'alexnet', True)
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..errors import ArchcostError
from ..ir import topo_order
from ..ops import get_op
from ..ops.base import suggest
from ..report import Report

DEFAULTS = {"input": None, "filters": (0.75, 1.25), "kernel": (1, 11), "stride": (1, 4)}
KNOB_MAX = {"input": 100_000, "filters": 64, "kernel": 1_000, "stride": 1_000}   # beyond: no sheet, only a wait
SIDES_TRIED = 1000       # input sides one draw tries, at most
SEARCH_STEPS = 100_000   # search steps without a new variant: an impossible request is refused in seconds


@dataclass(frozen=True)
class Variant:
    report: Report
    changes: dict     # {"input": [3, 219, 219], "layers": {"conv1": {"out": 48, "kernel": 9}}}


def parse_vary(texts) -> dict:
    """['input=200:240', 'stride=off'] -> the knobs with their bounds (None = off)."""
    knobs = dict(DEFAULTS)
    for text in texts:
        name, sep, rng = (t.strip() for t in text.partition("="))
        if name not in knobs:
            raise ArchcostError(f"--vary {text}: no knob '{name}'", suggest(name, knobs) or f"use {', '.join(knobs)}")
        if rng == "off":
            knobs[name] = "off"
            continue
        lo, colon, hi = rng.partition(":")
        try:
            bounds = (float(lo), float(hi)) if colon else None
        except ValueError:
            bounds = None
        if not sep or bounds is None or not bounds[0] <= bounds[1] or bounds[0] <= 0:   # nan fails '<='
            raise ArchcostError(f"--vary {text} is not KNOB=LO:HI",
                                "write e.g. --vary input=200:240 or --vary stride=off")
        if bounds[1] > KNOB_MAX[name]:   # also inf and 1e30: the draws enumerate the range
            raise ArchcostError(f"--vary {text}: {hi} is above the limit for {name} variants, "
                                f"{KNOB_MAX[name]:,}", f"write e.g. --vary {name}=LO:{KNOB_MAX[name]}")
        knobs[name] = bounds if name == "filters" else (int(bounds[0]), int(bounds[1]))
    return knobs


def is_whole(size, kernel, stride, pad_begin, pad_end, dilation=1) -> bool:
    """Is the window division of :func:`~archcost.ops.base.window_out` exact?

    >>> is_whole(227, 11, 4, 2, 2), is_whole(56, 3, 2, 0, 0)
    (True, False)
    """
    return (size + pad_begin + pad_end - dilation * (kernel - 1) - 1) % stride == 0


def _square(v):
    return v[0] if isinstance(v, tuple) and len(v) == 2 and v[0] == v[1] else None


def _window(a) -> tuple | None:
    """(kernel, stride, pad, dilation) of a square window op, or None."""
    if "kernel" not in a or "stride" not in a or a.get("pad") == "same":
        return None
    k, s, p = _square(a["kernel"]), _square(a["stride"]), _square(a.get("pad", (0, 0)))
    d = _square(a.get("dilation", (1, 1)))
    return None if None in (k, s, p, d) else (k, s, p, d)


def is_exact(report: Report) -> bool:
    """Does every conv and pool of ``report`` divide exactly (every output size an integer)?"""
    for x in report.layers:
        a = dict(x.attrs)
        if "kernel" in a and "stride" in a and a.get("pad") != "same" and len(x.input_shape) == 3:
            pads = a.get("pad", (0, 0))
            d = a.get("dilation", (1, 1))
            for axis in (0, 1):
                if not is_whole(x.input_shape[1 + axis], a["kernel"][axis], a["stride"][axis],
                                pads[axis], pads[axis], d[axis]):
                    return False
    return True


def _in(bounds, v) -> bool:
    return bounds[0] <= v <= bounds[1]


def _choices(kind, win, size, knobs, allow_floor) -> list:
    """The (kernel, stride, pad) a window may take: a conv's K >= 5 and S >= 2 vary; a pool keeps
    its stride and moves its window by the least that makes the division whole."""
    k, s, p, d = win
    ks, ss = {k}, {s}
    if knobs["kernel"] != "off" and (k >= 5 or kind == "pool" and k >= 2):
        step = 2 if kind == "conv" else 1
        ks |= {c for c in (k - step, k + step) if c >= 1 and _in(knobs["kernel"], c)}
    if knobs["stride"] != "off" and s >= 2 and kind == "conv":
        ss |= {c for c in (s - 1, s + 1) if c >= 2 and _in(knobs["stride"], c)}
    out = []
    for k2 in sorted(ks):
        for s2 in sorted(ss):
            p0 = max(p + (k2 - k) // 2, 0)
            pads = {p0} if s2 == 1 else {p0 - 1, p0, p0 + 1}
            for p2 in sorted(q for q in pads if 0 <= q <= k2 // 2):
                if size + 2 * p2 < d * (k2 - 1) + 1 or k2 < s2 and (k2, s2) != (k, s):
                    continue
                if allow_floor and (k2, s2, p2) != (k, s, p):
                    continue   # the floor is the exercise: keep the network's own windows
                if allow_floor or is_whole(size, k2, s2, p2, p2, d):
                    out.append((k2, s2, p2))
    if kind == "pool" and out:
        least = min(abs(k2 - k) + abs(p2 - p) for k2, _, p2 in out)
        out = [c for c in out if abs(c[0] - k) + abs(c[2] - p) == least]
    return out


def _channels(c: int, f: float) -> int:
    step = 16 if c <= 256 else 64
    return max(step, round(c * f / step) * step) if c >= step else c


def _options(g, name, shapes, rng, knobs, allow_floor, f, classifier) -> list:
    """The (attributes, output shape) a node may take given its inputs' drawn shapes, in random order."""
    data = g.nodes[name]
    op = get_op(data["op"])
    raw = dict(data["attrs"])
    if op.kind == "io":
        shape = list(raw["shape"])
        if len(shape) != 3:          # a vector (an MLP's input) keeps its size: only its widths vary
            return [(op.coerce({"shape": shape}), tuple(shape))]
        sides = [shape[1]]
        if shape[1] == shape[2] and knobs["input"] != "off":
            lo, hi = knobs["input"] or (round(shape[1] * 0.9), round(shape[1] * 1.1))
            sides = range(lo, hi + 1)
        # a wide range is sampled, not shuffled whole: each draw would otherwise order 100,000 sides
        sides = rng.sample(sides, SIDES_TRIED) if len(sides) > 1000 else list(sides)
        rng.shuffle(sides)
        return [(op.coerce({"shape": [shape[0], h, h]}), (shape[0], h, h)) for h in sides]
    ins = [shapes[i] for i in data["inputs"]]
    if "out" in raw and op.kind in ("conv", "fc") and name != classifier:
        c_in0 = g.nodes[data["inputs"][0]].get("shape", (None,))[0]
        if raw.get("groups", 1) > 1 and raw["groups"] == c_in0:      # depthwise follows its input
            raw["out"], raw["groups"] = ins[0][0] * raw["out"] // raw["groups"], ins[0][0]
        else:
            raw["out"] = _channels(raw["out"], f)
    windows = [None]
    win = _window(raw)
    if win and op.kind in ("conv", "pool") and len(ins[0]) == 3:
        windows = _choices(op.kind, win, ins[0][1], knobs, allow_floor)
        rng.shuffle(windows)
    out = []
    for w in windows:
        if w:
            raw.update(kernel=w[0], stride=w[1], pad=w[2])
        try:
            a = op.coerce(raw)
            shape = tuple(op.shape(a, ins))
        except ArchcostError:
            continue
        if all(v > 0 for v in shape):
            out.append((a, shape))
    return out


def _draw(g, rng, knobs, allow_floor, budget: int = 20_000):
    """One variant's attributes {node: coerced attrs}: a depth-first walk of the graph in order
    that tries each node's options in random order and backs up from a dead end (a division
    that cannot be whole further on, branches that no longer agree); None if there is none
    within ``budget`` steps. Returns (the plan or None, the steps taken)."""
    order = topo_order(g)
    f = rng.uniform(*knobs["filters"]) if knobs["filters"] != "off" else 1.0
    fc_like = [n for n in order if get_op(g.nodes[n]["op"]).kind in ("conv", "fc") and "out" in g.nodes[n]["attrs"]]
    classifier = fc_like[-1] if fc_like else None
    shapes, plan, frames = {}, {}, []
    i = 0
    for step in range(1, budget + 1):
        if i == len(order):
            return plan, step
        name = order[i]
        if len(frames) == i:       # first visit: its options, given what is drawn above it
            frames.append(_options(g, name, shapes, rng, knobs, allow_floor, f, classifier))
        if not frames[i]:          # dead end: back up and take the node above's next option
            frames.pop()
            i -= 1
            if i < 0:
                return None, step
            continue
        plan[name], shapes[name] = frames[i].pop()
        i += 1
    return None, budget


def _changes(g, plan) -> dict:
    out = {"layers": {}}
    for name, a in plan.items():
        old = g.nodes[name]["attrs"]
        diff = {k: (v if _square(v) is None else _square(v)) for k, v in a.items() if v != old.get(k)}
        if g.nodes[name]["op"] == "input":
            out["input"] = list(a["shape"])
        elif diff:
            out["layers"][name] = diff
    return out


def draw_variants(network, n: int, seed: int = 0, vary=(), allow_floor: bool = False,
                  input=None, settings=None, max_nodes=None, **conventions) -> list[Variant]:
    """``n`` different valid variants of ``network``, the same for the same ``seed``."""
    from .. import analyze, build_graph

    knobs = parse_vary(vary) if not isinstance(vary, dict) else vary
    base = build_graph(network, input, settings, max_nodes)
    from ..passes import infer_shapes
    infer_shapes(base)    # the original channel counts, to recognise depthwise convs
    rng = random.Random(f"archcost-variants:{seed}")
    out, seen, tries, steps = [], set(), 0, 0   # steps: since the last new variant
    while len(out) < n:
        tries += 1
        if tries > 40 * n + 200 or steps >= SEARCH_STEPS:
            raise ArchcostError(
                f"could only draw {len(out)} of {n} different variants of {base.graph['name']} whose every "
                f"output size is whole (in {tries - 1:,} draws; {steps:,} search steps found no new one)",
                "widen the ranges (--vary input=LO:HI), draw fewer, or pass --allow-floor")
        plan, taken = _draw(base, rng, knobs, allow_floor, min(20_000, SEARCH_STEPS - steps))
        steps += taken
        if plan is None:
            continue
        changes = _changes(base, plan)
        key = repr(changes)
        if key in seen:
            continue
        g = base.copy()
        for name, a in plan.items():
            g.nodes[name]["attrs"] = a
        try:
            report = analyze(g, **conventions)
        except ArchcostError:
            continue
        if allow_floor or is_exact(report):
            seen.add(key)
            out.append(Variant(variant_report(report), changes))
            steps = 0
    return out


def variant_report(report: Report, shown: int = 8) -> Report:
    """A drawn variant titled as one, with its own filters and input: it is no published
    network, and its sheet must not say it is (nor cite the original's table as its source).

    >>> r = draw_variants("alexnet", 1, seed=1)[0].report
    >>> r.title
    'A drawn variant of alexnet, not alexnet itself: filters 80/224/448/288/288/4736/4736/1000, input 3x247x247'
    >>> r.source[:21]
    'drawn by archcost fro'
    """
    from dataclasses import replace

    filters = [str(x.attrs["out"]) for x in report.layers if x.kind in ("conv", "fc") and "out" in x.attrs]
    listed = "/".join(filters[:shown]) + ("/..." if len(filters) > shown else "")
    title = (f"A drawn variant of {report.network}, not {report.network} itself: "
             + (f"filters {listed}, " if filters else "") + f"input {'x'.join(map(str, report.input))}")
    return replace(report, title=title, source=f"drawn by archcost from {report.network} ({report.title})")
