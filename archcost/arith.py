"""Worked arithmetic: the same rule computes a number or explains it.

Op rules are written with ordinary operators (``out * c_in * k * k + out``).
Run on plain ints they give exact Python integers, fast. Run on :class:`Term`
values they also build the text a student would write, so an explanation can
never drift from the number it explains.

>>> c_out, c_in, k = Term(64), Term(3), Term(11)
>>> p = c_out * c_in * k * k + c_out
>>> p.value, p.text
(23296, '64 x 3 x 11 x 11 + 64')
>>> h = floor_div(Term(227) + Term(2) * 2 - Term(11), Term(4)) + 1
>>> h.value, h.text
(56, '(227 + 2 x 2 - 11) / 4 + 1')
"""

from __future__ import annotations

import math
from fractions import Fraction

# precedence: higher binds tighter
_ATOM, _MUL, _ADD = 3, 2, 1


def fmt(value) -> str:
    """A number one way everywhere: thousands separators, no '.0', a fraction as its exact
    decimal when it has one (every KB of a power-of-two byte count does), else its first four
    decimals followed by '...' (cut, not rounded: the rounding is a step of its own).

    >>> fmt(200704), fmt(1024), fmt(Fraction(729, 4)), fmt(Fraction(125, 32)), fmt(Fraction(27, 49))
    ('200,704', '1,024', '182.25', '3.90625', '0.5510...')
    >>> fmt(2.5), fmt(-Fraction(3, 2)), fmt(Fraction(10**6 + 1, 2))
    ('2.5', '-1.5', '500,000.5')
    """
    if isinstance(value, float):
        value = Fraction(repr(value)) if math.isfinite(value) else value
    if isinstance(value, Fraction):
        if value.denominator == 1:
            value = value.numerator
        else:
            return _decimal(value)
    if isinstance(value, float):   # inf, nan
        return str(value)
    return f"{value:,}"


def _decimal(q: Fraction) -> str:
    d, places = q.denominator, 0
    for p in (2, 5):
        n = 0
        while d % p == 0:
            d //= p
            n += 1
        places = max(places, n)
    exact = d == 1
    places = places if exact else 4
    sign, q = ("-" if q < 0 else ""), abs(q)
    digits = q.numerator * 10**places // q.denominator     # exact when it terminates, cut otherwise
    whole, frac = divmod(digits, 10**places)
    frac_text = f"{frac:0{places}d}".rstrip("0") if exact else f"{frac:0{places}d}"
    return f"{sign}{whole:,}" + (f".{frac_text}" if frac_text else "") + ("" if exact else "...")


class Term:
    """A number together with the arithmetic that produced it."""

    __slots__ = ("value", "text", "prec", "steps", "mid")

    def __init__(self, value, text: str | None = None, prec: int = _ATOM, steps=(), mid: str | None = None):
        self.value = value
        self.text = fmt(value) if text is None else text
        self.prec = prec
        self.steps = steps
        self.mid = mid    # the last operation on values: '200,704 x 364' for '200,704 x (3 x 11 x 11 + 1)'

    def __repr__(self):
        return f"Term({self.value!r}, {self.text!r})"

    def __str__(self):  # error messages show the number
        return str(self.value)

    # -- helpers -------------------------------------------------------
    def _wrap(self, prec):
        return f"({self.text})" if self.prec < prec else self.text

    def result(self) -> str:
        """'text = value' (or just the value when there is nothing to show); brackets and
        a compound right operand are worked out first, as on paper.

        >>> (Term(200704) * (Term(3) * 11 * 11 + 1)).result()
        '200,704 x (3 x 11 x 11 + 1) = 200,704 x 364 = 73,056,256'
        """
        shown = fmt(self.value)
        if self.text == shown:
            return shown
        mid = [self.mid] if self.mid and self.mid not in (self.text, shown) else []
        return " = ".join([self.text, *mid, shown])

    def collapse(self, name: str | None = None) -> "Term":
        """Record this step ('64 x 56 x 56 = 200,704') and continue with its value."""
        steps = self.steps + ((name, self.result()),) if self.text != fmt(self.value) else self.steps
        return Term(self.value, None, _ATOM, steps)

    def _bin(self, other, sym, prec, fn, right=False):
        other = as_term(other)
        a, b = (other, self) if right else (self, other)
        steps = _merge(a.steps, b.steps)
        # a written zero is dropped from a sum and makes a product zero, as on paper:
        # '(56 - 3) / 2', not '(56 + 2 x 0 - 3) / 2' (AlexNet pool1, pad 0)
        zero_a, zero_b = a.text == "0", b.text == "0"
        if sym in "+-" and zero_b or sym == "+" and zero_a:
            kept = a if zero_b else b
            return Term(kept.value, kept.text, kept.prec, steps, kept.mid)
        if sym == "x" and (zero_a or zero_b):
            return Term(0, None, _ATOM, steps)
        # the right operand of - or / needs parentheses at equal precedence
        wrap_b = prec + (sym in ("-", "/"))
        text = f"{a._wrap(prec)} {sym} {b._wrap(wrap_b)}"
        # worth a middle step when brackets or a compound right operand are worked out first:
        # '200,704 x 3 x 11 x 11 = 200,704 x 363' (the conv rule's elements x per-output weights)
        grouped = a.prec < prec or b.prec < wrap_b or b.prec != _ATOM
        mid = f"{fmt(a.value)} {sym} {fmt(b.value)}" if grouped else None
        return Term(fn(a.value, b.value), text, prec, steps, mid)

    def __add__(self, o): return self._bin(o, "+", _ADD, lambda a, b: a + b)
    def __radd__(self, o): return self._bin(o, "+", _ADD, lambda a, b: a + b, True)
    def __sub__(self, o): return self._bin(o, "-", _ADD, lambda a, b: a - b)
    def __rsub__(self, o): return self._bin(o, "-", _ADD, lambda a, b: a - b, True)
    def __mod__(self, o): return self._bin(o, "mod", _MUL, lambda a, b: a % b)
    def __rmod__(self, o): return self._bin(o, "mod", _MUL, lambda a, b: a % b, True)
    def __mul__(self, o): return self._bin(o, "x", _MUL, lambda a, b: a * b)
    def __rmul__(self, o): return self._bin(o, "x", _MUL, lambda a, b: a * b, True)
    def __truediv__(self, o): return self._bin(o, "/", _MUL, lambda a, b: Fraction(a) / b)
    def __rtruediv__(self, o): return self._bin(o, "/", _MUL, lambda a, b: Fraction(a) / b, True)

    # comparisons, truth and int() use the value, so rules can branch on terms
    def __bool__(self): return bool(self.value)
    def __int__(self): return int(self.value)
    def __index__(self): return int(self.value)
    def __eq__(self, o): return self.value == as_term(o).value
    def __lt__(self, o): return self.value < as_term(o).value
    def __le__(self, o): return self.value <= as_term(o).value
    def __gt__(self, o): return self.value > as_term(o).value
    def __ge__(self, o): return self.value >= as_term(o).value
    def __hash__(self): return hash(self.value)


def _merge(a, b):
    return a + tuple(s for s in b if s not in a) if b else a


def as_term(x) -> Term:
    return x if isinstance(x, Term) else Term(x)


def value(x):
    """The plain number behind x (a Term or a number)."""
    return x.value if isinstance(x, Term) else x


def _rounded(num, den, rounding, word):
    if not isinstance(num, Term) and not isinstance(den, Term):
        return num // den if word == "floor" else -(-num // den)
    q = as_term(num) / as_term(den)
    exact = Fraction(q.value)
    r = math.floor(exact) if word == "floor" else math.ceil(exact)
    if exact.denominator == 1:
        return Term(r, q.text, _MUL, q.steps)
    return Term(r, f"{word}({q.text} = {fmt(exact)})", _ATOM, q.steps)


def floor_div(num, den):
    """num // den; as a term it reads '(56 - 3) / 2' or 'floor(53 / 2 = 26.5)'."""
    return _rounded(num, den, math.floor, "floor")


def ceil_div(num, den):
    """-(-num // den); as a term it reads 'ceil(109 / 2 = 54.5)'."""
    return _rounded(num, den, math.ceil, "ceil")


def prod(values):
    """The product of values, exact (a plain loop, never a fixed-width numpy int)."""
    total = 1
    for i, v in enumerate(values):
        total = v if i == 0 else total * v
    return total


def step(x, name: str):
    """Record x as a named step of a worked explanation (a no-op on plain numbers)."""
    return x.collapse(name) if isinstance(x, Term) else x


def elements(shape, name: str = "output elements"):
    """The number of elements of a shape, as one named step."""
    return step(prod(shape), name)
