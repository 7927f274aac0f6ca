"""A small safe evaluator for the arithmetic written in specs.

Specs are data: nothing in them is ever passed to ``eval``. A string value
such as ``"64 * width"`` is parsed with :mod:`ast` and walked here; only
numbers, names from the scope, arithmetic, comparisons, ``a if c else b``,
list literals with indexing and a few pure functions are allowed.

>>> evaluate("make_divisible(32 * width, 8)", {"width": 1.1})
32
>>> evaluate("2 if i == 0 else 1", {"i": 3})
1
>>> evaluate("__import__('os')", {})
Traceback (most recent call last):
...
archcost.errors.ArchcostError: expression "__import__('os')" calls '__import__', which is not available; specs may call only ceil, floor, int, len, make_divisible, max, min, round, sum
"""

from __future__ import annotations

import ast
import math
import operator
import warnings
from functools import lru_cache

from .errors import ArchcostError

MAX_EXPR_CHARS = 1000
MAX_POW_EXPONENT = 64
MAX_INT_BITS = 4096
MAX_LENGTH = 10_000   # items of a string or (nested) list: parameters can double one another
MAX_DEPTH = 100       # lists within lists


def make_divisible(value, divisor=8, min_value=None):
    """Round a channel count to a multiple of ``divisor`` (the MobileNet and
    EfficientNet rule): never below ``min_value`` (default ``divisor``) and
    never more than 10% below ``value``.

    >>> make_divisible(35.2), make_divisible(20), make_divisible(16 * 0.25)
    (32, 24, 8)
    """
    if min_value is None:
        min_value = divisor
    new = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new < 0.9 * value:
        new += divisor
    return new


def _round(value, ndigits=None):
    return round(value, ndigits) if ndigits is not None else int(math.floor(value + 0.5))


FUNCTIONS = {
    "ceil": math.ceil, "floor": math.floor, "int": int, "len": len,
    "make_divisible": make_divisible, "max": max, "min": min,
    "round": _round, "sum": sum,
}

_BINOPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod, ast.Pow: operator.pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
_COMPARE = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
    ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
}
_ALLOWED = ("+ - * / // % **, comparisons, and/or/not, `a if c else b`, "
            "[lists] with [i] indexing, and the functions " + ", ".join(sorted(FUNCTIONS)))


class _Bad(Exception):
    pass


@lru_cache(maxsize=4096)
def _parse(text: str) -> ast.expr:
    if len(text) > MAX_EXPR_CHARS:
        raise ArchcostError(f"expression is {len(text)} characters long",
                            f"keep expressions under {MAX_EXPR_CHARS} characters")
    try:
        with warnings.catch_warnings():   # '8if 1 else 4': Python warns on stderr; a spec gets an error
            warnings.simplefilter("error", SyntaxWarning)
            return ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ArchcostError(f"expression {text!r} is not valid arithmetic ({exc.msg})",
                            f"write plain arithmetic: {_ALLOWED}") from None
    except (ValueError, RecursionError, MemoryError):  # a NUL character; nesting deeper than the parser's stack
        raise ArchcostError(f"expression {text[:40]!r}... cannot be parsed",
                            "write plain, shallow arithmetic") from None


def evaluate(text: str, scope: dict):
    """Evaluate ``text`` with the names in ``scope``; raise ArchcostError on
    anything that is not plain arithmetic."""
    node = _parse(text)
    try:
        return _eval(node, scope, text)
    except _Bad as exc:
        what, fix = exc.args
        raise ArchcostError(what, fix) from None
    except (ZeroDivisionError, OverflowError, TypeError, ValueError, IndexError, KeyError) as exc:
        raise ArchcostError(f"expression {text!r} cannot be computed ({exc})",
                            "check the values it uses") from None
    except RecursionError:
        raise ArchcostError(f"expression {text[:40]!r}... is nested too deeply",
                            "write plain, shallow arithmetic") from None


def _check_size(value, text):
    if isinstance(value, float) and not math.isfinite(value):
        raise _Bad(f"expression {text!r} gives {value}, a number too large for a float (or not a number)",
                   "use realistic sizes")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise _Bad(f"expression {text!r} gives a number with more than {MAX_INT_BITS} bits",
                   "use realistic sizes")
    if isinstance(value, (str, list)):
        items, depth = _measure(value)
        if items > MAX_LENGTH:
            raise _Bad(f"expression {text!r} gives a {type(value).__name__} of more than {MAX_LENGTH:,} items",
                       f"keep strings and lists under {MAX_LENGTH:,} items")
        if depth > MAX_DEPTH:   # every reader after this one (JSON, messages) would recurse that deep
            raise _Bad(f"expression {text!r} gives lists nested more than {MAX_DEPTH} deep",
                       "flatten the lists")
    return value


_SIZES: dict[int, tuple] = {}   # id(list) -> (the list, its items, its depth): sized once, not per use


def _measure(value) -> tuple[int, int]:
    """(items, depth) of ``value``: characters, numbers and lists, nested lists included, counting
    stopping past MAX_LENGTH (a list can hold one list twice: '[a, a]' doubles with every
    parameter); and how deep lists nest ('[p]' over a chain of parameters nests one more each).
    A list's measure is remembered, so the thousand copies of a repeated layer that use one list
    measure it once."""
    if isinstance(value, str):
        return len(value), 0
    if not isinstance(value, list):
        return 1, 0
    known = _SIZES.get(id(value))
    if known is not None and known[0] is value:
        return known[1], known[2]
    total, depth = 1, 1
    for v in value:
        items, inner = _measure(v)
        total, depth = total + items, max(depth, inner + 1)
        if total > MAX_LENGTH or depth > MAX_DEPTH:
            break
    if len(_SIZES) > 100_000:
        _SIZES.clear()
    _SIZES[id(value)] = (value, total, depth)
    return total, depth


def _eval(node, scope, text):
    ev = lambda n: _eval(n, scope, text)  # noqa: E731
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (int, float, str, bool)) or node.value is None:
            return _check_size(node.value, text)
    elif isinstance(node, ast.Name):
        if node.id in scope:
            return scope[node.id]
        if node.id in ("true", "True"):
            return True
        if node.id in ("false", "False"):
            return False
        known = ", ".join(sorted(k for k in scope if not k.startswith("_"))) or "none"
        raise _Bad(f"expression {text!r} uses the unknown name '{node.id}'",
                   f"the names defined here are: {known}")
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = ev(node.left), ev(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_POW_EXPONENT:
            raise _Bad(f"expression {text!r} raises to the power {right}",
                       f"exponents are limited to {MAX_POW_EXPONENT}")
        if isinstance(node.op, ast.Mult) and (isinstance(left, (str, list)) or isinstance(right, (str, list))):
            raise _Bad(f"expression {text!r} multiplies a string or list", "multiply numbers only")
        return _check_size(_BINOPS[type(node.op)](left, right), text)
    elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](ev(node.operand))
    elif isinstance(node, ast.BoolOp):
        values = [ev(v) for v in node.values]
        if isinstance(node.op, ast.And):
            return all(values)
        return any(values)
    elif isinstance(node, ast.Compare) and all(type(o) in _COMPARE for o in node.ops):
        left = ev(node.left)
        for op, comp in zip(node.ops, node.comparators):
            right = ev(comp)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    elif isinstance(node, ast.IfExp):
        return ev(node.body) if ev(node.test) else ev(node.orelse)
    elif isinstance(node, (ast.List, ast.Tuple)):
        return _check_size([ev(e) for e in node.elts], text)
    elif isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
        return ev(node.value)[ev(node.slice)]
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name = node.func.id
        if name not in FUNCTIONS:
            raise _Bad(f"expression {text!r} calls '{name}', which is not available",
                       "specs may call only " + ", ".join(sorted(FUNCTIONS)))
        args = [ev(a) for a in node.args]
        return _check_size(FUNCTIONS[name](*args), text)
    elif isinstance(node, ast.Call):
        raise _Bad(f"expression {text!r} calls something other than a plain function",
                   "specs may call only " + ", ".join(sorted(FUNCTIONS)))
    raise _Bad(f"expression {text!r} uses {type(node).__name__}, which is not arithmetic",
               f"specs allow only {_ALLOWED}")


def is_identifier(text: str) -> bool:
    return text.isidentifier()


def resolve(value, scope: dict):
    """Resolve a spec value: a bare word names a variable in scope (or is a
    plain string when no variable has that name); any other string is an
    expression; lists are resolved element by element.

    >>> resolve("same", {}), resolve("out", {"out": 64}), resolve("2 * c", {"c": 3})
    ('same', 64, 6)
    """
    if isinstance(value, str):
        if value.isidentifier():
            return scope.get(value, value)
        return evaluate(value, scope)
    if isinstance(value, list):
        return [resolve(v, scope) for v in value]
    return value
