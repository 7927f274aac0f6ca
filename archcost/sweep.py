"""Sweeps: a grid of variants of one network, each with the totals of a full analysis.

``--vary NAME=LO:HI:STEP`` (or ``NAME=A,B,C``) varies a spec parameter (``width_mult``,
``layers``...) or, as ``resolution``, the input side (H = W; a spec parameter of that name is
set instead when the spec has one, as EfficientNet's). Variants that differ only in their input
side share one graph, and their shapes and costs are computed at once: the ops' own rules run on
:class:`Lanes`, numpy object arrays of exact Python ints (never fixed-width ints that could
overflow). Where the lanes would take different branches of a rule (a floor that drops a row
for some sides only), the group is split by the branch each lane takes (in halves when some
lanes raise an error), down to one variant computed on plain ints. ``sweep(..., fast=False)`` analyzes every variant on its own, the
reference the fast path is tested against.

>>> rows = sweep("resnet50", ["resolution=160:224:32"])
>>> [(v.input, v.params, v.flops) for v in rows]
[((3, 160, 160), 25557032, 2096781800), ((3, 192, 192), 25557032, 3018464232), ((3, 224, 224), 25557032, 4107725288)]
"""

from __future__ import annotations

import itertools
import math
import re
import operator
from dataclasses import dataclass
from fractions import Fraction
from types import SimpleNamespace

import numpy as np

from .conventions import Conventions
from .errors import ArchcostError
from .ops.base import show_big

RESOLUTION = "resolution"
MAX_VARIANTS = 10_000   # ResNet-50: 10,000 variants in a few seconds (benchmarks/run.py)


class Divergent(Exception):
    """The lanes would take different branches of a rule: ``values`` are what each lane branches on."""

    def __init__(self, values):
        super().__init__("the lanes disagree")
        self.values = values


def _binary(fn, right=False):
    def method(self, other):
        o = other.v if isinstance(other, Lanes) else other
        return Lanes(fn(o, self.v) if right else fn(self.v, o))
    return method


class Lanes:
    """One number for many variants at once; arithmetic is element-wise and exact, and a branch
    on it (``if``, ``int()``) is taken only when every lane agrees.

    >>> s = Lanes([227, 231])
    >>> ((s + 2 * 2 - 11) // 4 + 1).v.tolist()
    [56, 57]
    >>> bool(s > 100), int(Lanes([3, 3]))
    (True, 3)
    """

    __slots__ = ("v",)

    def __init__(self, values):
        self.v = values if isinstance(values, np.ndarray) else np.array(list(values), dtype=object)

    def _same(self):
        first = self.v[0]
        if any(x != first for x in self.v[1:]):
            raise Divergent(self.v.tolist())
        return first

    def __bool__(self): return bool(self._same())
    def __int__(self): return int(self._same())
    def __index__(self): return int(self._same())
    def __neg__(self): return Lanes(-self.v)
    def __format__(self, spec): return "/".join(format(x, spec) for x in self.v)
    def __str__(self): return format(self, "")
    def __repr__(self): return f"Lanes({self.v.tolist()})"
    __hash__ = None

    __add__, __radd__ = _binary(operator.add), _binary(operator.add, True)
    __sub__, __rsub__ = _binary(operator.sub), _binary(operator.sub, True)
    __mul__, __rmul__ = _binary(operator.mul), _binary(operator.mul, True)
    __floordiv__, __rfloordiv__ = _binary(operator.floordiv), _binary(operator.floordiv, True)
    __truediv__, __rtruediv__ = _binary(operator.truediv), _binary(operator.truediv, True)
    __mod__, __rmod__ = _binary(operator.mod), _binary(operator.mod, True)
    __eq__, __ne__ = _binary(operator.eq), _binary(operator.ne)
    __lt__, __le__ = _binary(operator.lt), _binary(operator.le)
    __gt__, __ge__ = _binary(operator.gt), _binary(operator.ge)


@dataclass(frozen=True)
class Variant:
    """One point of the grid: the varied values, the input, and the network's totals."""

    values: dict
    input: tuple
    memory_kb: float
    params: int
    flops: int
    layers: int
    depth: int


def _number(text: str, option: str):
    """'2' -> 2, '1.5' -> Fraction(3, 2) (exact steps), '1/3' -> Fraction(1, 3); anything else as
    --set reads it (the spec's YAML rules: a word, a [list], true; a bad date is an error)."""
    from .spec.yamlread import parse_value

    value = parse_value(text, option)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ArchcostError(f"{option}: {text!r} is not a finite number", "write e.g. --vary width=1.0:2.0:0.25")
        return Fraction(repr(value))
    if isinstance(value, str) and re.fullmatch(r"[-+]?[\d.]+(?:/\d+|[eE][-+]?\d{1,3})?", value.strip()):
        try:   # '1/3' and '1e3' (YAML 1.1 reads a float only with a dot), exactly
            return Fraction(value)
        except ZeroDivisionError:
            raise ArchcostError(f"{option}: {text!r} divides by zero", "write a fraction such as 1/3") from None
        except ValueError:
            pass
    return value


def _check_sides(values) -> list[int]:
    """The sides, read as --input reads one (from text: '010' is 10), refusing any that --input
    would refuse ('227.5', '0x10', 'true', or such a parsed value): one check for both."""
    from .spec.loader import input_side

    sides = [input_side(v) for v in values]
    for v, side in zip(values, sides):
        if side is None:
            raise ArchcostError(f"--vary resolution: {v!r} is not an input side",
                                "write whole numbers of pixels above 0, as --input takes them, "
                                "e.g. --vary resolution=128:640:32")
    return sides


def _top_level(spec: str) -> list[str]:
    """Split on the commas outside brackets: '[2,2,2,2],[3,4,6,3]' -> two lists."""
    parts, depth, cur = [], 0, ""
    for ch in spec:
        depth += (ch in "[{") - (ch in "]}")
        if ch == "," and depth == 0:
            parts, cur = parts + [cur], ""
        else:
            cur += ch
    return parts + [cur]


def parse_vary(text: str) -> tuple[str, list]:
    """'resolution=128:640:32' -> ('resolution', [128, 160, ..., 640]); 'block=basic,bottleneck'.

    >>> parse_vary("width_mult=1.0:1.3:0.1")
    ('width_mult', [1, 1.1, 1.2, 1.3])
    """
    name, sep, spec = (s.strip() for s in text.partition("="))
    if not sep or not name or not spec:
        raise ArchcostError(f"--vary {text!r} is not NAME=LO:HI:STEP or NAME=A,B,C",
                            "write e.g. --vary resolution=128:640:32 or --vary block=basic,bottleneck")
    option = f"--vary {text!r}"
    if name == RESOLUTION:   # each value (a range's LO, HI and STEP too) read as --input reads a side
        read = _check_sides
    else:
        read = lambda texts: [_number(p, option) for p in texts]  # noqa: E731
    if ":" in spec:
        parts = read(spec.split(":"))
        if len(parts) != 3 or not all(isinstance(p, (int, Fraction)) and not isinstance(p, bool) for p in parts) \
                or parts[2] <= 0 or parts[1] < parts[0]:
            raise ArchcostError(f"{option}: a range is LO:HI:STEP with LO <= HI and STEP > 0",
                                "write e.g. --vary resolution=128:640:32")
        lo, hi, step = parts
        count = (hi - lo) // step + 1    # counted before anything is built
        if count > MAX_VARIANTS:
            raise ArchcostError(f"{option} has {show_big(count)} values (more than {MAX_VARIANTS:,})",
                                "use a larger step")
        values = [lo + i * step for i in range(count)]
    else:
        values = read([p.strip() for p in _top_level(spec)])
    values = [int(v) if isinstance(v, Fraction) and v.denominator == 1 else
              float(v) if isinstance(v, Fraction) else v for v in values]
    return name, values


def _structure(g) -> tuple[int, int]:
    """(table rows, depth) of a graph: they do not depend on the input side."""
    from .ops import get_op
    from .render.parts import budget

    layers = []
    for name, d in g.nodes(data=True):
        op = get_op(d["op"])
        if op.kind != "io":
            layers.append(SimpleNamespace(name=name, kind=op.kind, inputs=d["inputs"], inplace=op.inplace,
                                          memory_kb=0.0, params=0, flops=0))
    b = budget(layers)
    return b.layers, b.depth


def _totals(g, shape, conv) -> tuple:
    """Shapes and costs of ``g`` for an input ``shape`` whose entries may be :class:`Lanes`."""
    from .ops import get_op
    from .passes import infer_shapes
    from .passes.costs import layer_costs

    g.nodes["input"]["attrs"] = {"shape": shape}
    infer_shapes(g)
    memory, params, flops = 0, 0, 0
    for _, d in g.nodes(data=True):
        op = get_op(d["op"])
        if op.kind != "io":
            p, f, m = layer_costs(op, d["attrs"], d["input_shapes"], d["shape"], conv)
            memory, params, flops = memory + m, params + p, flops + f
    return memory, params, flops


def _lane(x, i):
    return x.v[i] if isinstance(x, Lanes) else x


def _evaluate(g, shapes: list, conv) -> list[tuple]:
    """(memory_kb, params, flops) for each input shape, all at once where the lanes agree."""
    if len(shapes) == 1:
        try:
            m, p, f = _totals(g, tuple(shapes[0]), conv)
        except ArchcostError as exc:
            exc.what = f"at input {'x'.join(map(str, shapes[0]))}: {exc.what}"
            raise
        return [(float(m), int(p), int(f))]
    dims = [Lanes([s[i] for s in shapes]) if len({s[i] for s in shapes}) > 1 else shapes[0][i]
            for i in range(len(shapes[0]))]
    try:
        m, p, f = _totals(g, tuple(dims), conv)
    except Divergent as exc:    # split the lanes by the branch each takes
        keys = [repr(v) for v in exc.values]
        parts = {k: [i for i, key in enumerate(keys) if key == k] for k in dict.fromkeys(keys)}.values()
    except Exception:  # noqa: BLE001 - an error of some lanes (or a rule lanes cannot run): halve
        parts = [range(len(shapes) // 2), range(len(shapes) // 2, len(shapes))]
    else:
        return [(float(_lane(m, i)), int(_lane(p, i)), int(_lane(f, i))) for i in range(len(shapes))]
    out = [None] * len(shapes)
    for idx in parts:
        for i, total in zip(idx, _evaluate(g, [shapes[i] for i in idx], conv)):
            out[i] = total
    return out


def grid(varies) -> list[dict]:
    """Every combination of the varied values, the first name varying slowest."""
    parsed = [parse_vary(v) if isinstance(v, str) else v for v in varies]
    names = [n for n, _ in parsed]
    if len(set(names)) != len(names):
        raise ArchcostError("a name is varied twice", "give each --vary a different name")
    size = 1
    for _, vals in parsed:
        size *= len(vals)
    if size > MAX_VARIANTS:
        raise ArchcostError(f"the grid has {size:,} variants (more than {MAX_VARIANTS:,})", "use larger steps")
    return [dict(zip(names, combo)) for combo in itertools.product(*(vals for _, vals in parsed))]


def sweep(network, varies, settings=None, input=None, conv: Conventions = Conventions(), fast: bool = True,
          max_nodes: int | None = None) -> list[Variant]:
    """The totals of every variant of the grid ``varies`` (strings as ``--vary`` takes them)."""
    from . import analyze, build_graph, load_spec

    spec, variant = load_spec(network)
    side_is_param = RESOLUTION in spec.params
    points = grid(varies)
    groups: dict = {}
    for values in points:
        if RESOLUTION in values and not side_is_param:
            _check_sides([values[RESOLUTION]])
        fixed = {**(settings or {}), **{k: v for k, v in values.items() if k != RESOLUTION or side_is_param}}
        side = None if side_is_param else values.get(RESOLUTION)
        groups.setdefault(repr(sorted(fixed.items())), (fixed, []))[1].append((side, values))
    out = {}
    for fixed, members in groups.values():
        try:
            g = build_graph(spec if variant is None else network, input, fixed, max_nodes)
            base = list(g.nodes["input"]["attrs"]["shape"])
            if any(side is not None for side, _ in members) and len(base) != 3:
                raise ArchcostError(f"{network} has a {len(base)}-D input", "vary resolution only for C x H x W inputs")
            shapes = [tuple(base[:1] + [side, side]) if side is not None else tuple(base) for side, _ in members]
            layers, depth = _structure(g)
            if fast:
                totals = _evaluate(g, shapes, conv)
            else:
                reports = [analyze(build_graph(spec if variant is None else network, s, fixed, max_nodes),
                                   bias_flops=conv.bias_flops, dtype=conv.dtype, batch=conv.batch,
                                   convention=conv.convention, count=conv.count) for s in shapes]
                totals = [(r.totals.memory_kb, r.totals.params, r.totals.flops) for r in reports]
        except ArchcostError as exc:
            where = ", ".join(f"{k}={show_big(v) if type(v) is int else v}" for k, v in fixed.items()
                              if k not in (settings or {}))   # a 400-digit value named by its size
            if where:
                exc.what = f"variant {where}: {exc.what}"
            raise
        for (side, values), shape, (m, p, f) in zip(members, shapes, totals):
            out[id(values)] = Variant(values, tuple(shape), m, p, f, layers, depth)
    return [out[id(v)] for v in points]
