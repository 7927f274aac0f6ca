"""What an op is: an attribute schema, a shape rule and cost rules, side by side.

An op is a subclass of :class:`Op` registered by name with :func:`register`.
The passes never ask which op they hold; they call its rules:

- ``shape(a, ins)``: the output shape from the attributes and input shapes;
- ``params(a, ins, out)`` and ``flops(a, ins, out, conv)``: exact counts;
- ``cells(a)``: what the lecture's table shows in filters/kernel/stride/pad.

Rules use plain operators and the helpers of :mod:`archcost.arith`, so the same
code gives fast integers or, fed :class:`~archcost.arith.Term` values, the
worked arithmetic that ``archcost explain`` prints.

>>> from archcost.ops import get_op
>>> conv = get_op("conv")
>>> a = conv.coerce({"out": 64, "kernel": 11, "stride": 4, "pad": 2})
>>> out = conv.shape(a, [(3, 227, 227)]); out
(64, 56, 56)
>>> conv.params(a, [(3, 227, 227)], out)
23296
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, NamedTuple

from ..arith import ceil_div, elements, floor_div, step, value
from ..errors import ArchcostError

REQUIRED = object()
# A layout names a tensor's axes, one letter each: C channels, H and W the map, L tokens, D the
# token width, G windows (groups of tokens attending to each other), N a vector. Shapes are plain
# tuples; the shapes pass records each output's layout.
LAYOUTS = {"CHW": "C x H x W", "HWC": "H x W x C (channels last)", "LD": "tokens x dim",
           "DL": "dim x tokens", "N": "a vector", "GLD": "windows x tokens x dim", "LGD": "tokens x windows x dim"}


def default_layout(rank: int) -> str:
    """The layout a tensor of this rank has unless an op says otherwise.

    >>> default_layout(3), default_layout(2), default_layout(1), default_layout(4)
    ('CHW', 'LD', 'N', '')
    """
    return {3: "CHW", 2: "LD", 1: "N"}.get(rank, "")
MAX_SIZE = 2**48        # any one size, stride, padding or count: larger is a typo, not a network
MAX_ELEMENTS = 2**64    # of one tensor: keeps every count exact and every float finite


# word starts that mean opposite things: a hint never swaps one for the other
OPPOSITES = (("up", "sub"), ("up", "down"), ("min", "max"), ("avg", "max"), ("in", "out"), ("en", "de"),
             ("de", "con"), ("pre", "post"), ("first", "last"), ("global", "local"))


def _opposed(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    return any(a.startswith(x) and b.startswith(y) or a.startswith(y) and b.startswith(x) for x, y in OPPOSITES)


def suggest(word: str, choices, n: int = 1) -> str:
    """'did you mean ...?' for the (up to ``n``) choices nearest to ``word`` (YAML keys may be numbers):
    near spellings that start as the word does and do not mean its opposite (:data:`OPPOSITES`).

    >>> suggest("kernal", ["kernel", "stride"]), suggest(0, ["out"])
    ("did you mean 'kernel'?", '')
    >>> suggest("upsample", ["subsample", "maxpool"]), suggest("minpool", ["maxpool"])
    ('', '')
    >>> suggest("conv", ["conv1", "pool1", "conv12"], n=3)
    "did you mean 'conv1' or 'conv12'?"
    """
    word = str(word)
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=n + 4, cutoff=0.6)
    close = [f"'{c}'" for c in close if c[:1].lower() == word[:1].lower() and not _opposed(word, c)][:n]
    return f"did you mean {' or '.join([', '.join(close[:-1]), close[-1]] if len(close) > 1 else close)}?" \
        if close else ""


# ---------------------------------------------------------------- attributes
def _int(name, v, minimum):
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, int):
        raise ArchcostError(f"attribute '{name}' must be an integer, got {v!r}",
                            "write a whole number (use // or round() in expressions)")
    if v < minimum:
        raise ArchcostError(f"attribute '{name}' must be {'positive' if minimum else 'zero or more'}, got {v}",
                            f"use a value of at least {minimum}")
    if v > MAX_SIZE:
        raise ArchcostError(f"attribute '{name}' is {show_big(v)}, more than the limit of 2**48",
                            "use realistic sizes")
    return v


def show_big(n: int) -> str:
    """An integer for a message: with separators, or its size in bits when it is absurd.

    >>> show_big(2**48), show_big(10**400)
    ('281,474,976,710,656', 'a 1,329-bit number')
    """
    return f"{n:,}" if n.bit_length() <= 128 else f"a {n.bit_length():,}-bit number"


def _pair(name, v, minimum):
    if isinstance(v, (list, tuple)):
        if len(v) != 2:
            raise ArchcostError(f"attribute '{name}' must be one integer or a pair [h, w], got {list(v)}",
                                "give one value for both sides or two values [h, w]")
        return (_int(name, v[0], minimum), _int(name, v[1], minimum))
    v = _int(name, v, minimum)
    return (v, v)


COERCE: dict[str, Callable[[str, Any], Any]] = {
    "size": lambda n, v: _int(n, v, 1),            # positive integer
    "count": lambda n, v: _int(n, v, 0),           # zero or more
    "pair": lambda n, v: _pair(n, v, 1),           # positive int or [h, w]
    "pad": lambda n, v: "same" if v == "same" else (0, 0) if v == "valid" else _pair(n, v, 0),  # valid: none
    "float": lambda n, v: _float(n, v),
    "bool": lambda n, v: _bool(n, v),
    "str": lambda n, v: _str(n, v),
    "sizes": lambda n, v: _sizes(n, v),
}


def _sizes(name, v):
    sizes = tuple(_int(name, x, 1) for x in (v if isinstance(v, list) else [v]))
    if not sizes:
        raise ArchcostError(f"attribute '{name}' lists no sizes", "give at least one, e.g. [3, 224, 224]")
    return sizes


def _float(name, v):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ArchcostError(f"attribute '{name}' must be a number, got {v!r}", "write a finite number")
    return float(v)


def _bool(name, v):
    if not isinstance(v, bool):
        raise ArchcostError(f"attribute '{name}' must be true or false, got {v!r}", "write true or false")
    return v


def _str(name, v):
    if not isinstance(v, str):
        raise ArchcostError(f"attribute '{name}' must be a word, got {v!r}", "write a word")
    return v


@dataclass(frozen=True)
class Attr:
    """One attribute of an op: its kind (a key of COERCE), default and meaning."""

    kind: str
    default: Any = REQUIRED
    doc: str = ""
    choices: tuple = ()

    def coerce(self, name, v):
        if v is None and self.default is None:
            return None
        v = COERCE[self.kind](name, v)
        if self.choices and v not in self.choices:
            raise ArchcostError(f"attribute '{name}' is {v!r}, which is not one of {', '.join(self.choices)}",
                                suggest(v, self.choices) or f"use one of {', '.join(self.choices)}")
        return v


# ---------------------------------------------------------------- ops
class Op:
    """Base class of every op. Subclasses set ``name``, ``attrs`` and rules."""

    name: str = ""
    kind: str = "other"       # conv, pool, fc, norm, act, merge, reshape, io: groups for reports
    doc: str = ""
    attrs: dict[str, Attr] = {}
    inputs: tuple[int, int | None] = (1, 1)   # min and max number of inputs
    inplace: bool = False     # folded into the row of the layer it follows
    accepts: tuple = ()       # layouts its input may have (LAYOUTS keys); empty: any

    def coerce(self, raw: dict) -> MappingProxyType:
        """Check raw attributes against the schema, fill defaults, return them read-only."""
        out = {}
        for key in raw:
            if key not in self.attrs:
                hint = suggest(key, self.attrs)
                known = ", ".join(self.attrs) or "none"
                raise ArchcostError(f"op '{self.name}' has no attribute '{key}'",
                                    hint or f"its attributes are: {known}")
        for key, spec in self.attrs.items():
            if key in raw:
                out[key] = spec.coerce(key, raw[key])
            elif spec.default is REQUIRED:
                raise ArchcostError(f"op '{self.name}' needs the attribute '{key}' ({spec.doc})",
                                    f"add '{key}: ...' to the layer")
            else:
                out[key] = spec.coerce(key, spec.default)
        self.finish(out)
        return MappingProxyType(out)

    def finish(self, a: dict) -> None:
        """Derive defaults that depend on other attributes (a pool's stride = its kernel)."""

    def check_inputs(self, n: int) -> None:
        lo, hi = self.inputs
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}" if lo == hi else f"{lo} or more" if hi is None else f"{lo} to {hi}"
            raise ArchcostError(f"op '{self.name}' takes {want} input(s), got {n}",
                                "fix the layer's 'input:' list")

    # rules: subclasses override. ``warn(message)`` records a located warning.
    def shape(self, a, ins, warn=lambda message: None):
        raise NotImplementedError

    def params(self, a, ins, out):
        return 0

    def flops(self, a, ins, out, bias_flops=True):
        return 0

    def tensors(self, a, ins, out) -> dict:
        """Its parameters by tensor (name -> elements), what a tie shares (``tie: {weight: conv1}``):
        ``bias`` is what ``bias: false`` leaves out, ``weight`` the rest; an op with other tensors names them."""
        total = self.params(a, ins, out)
        if "bias" not in self.attrs or not a["bias"]:
            return {"weight": total} if total else {}
        weight = self.params({**a, "bias": False}, ins, out)
        return {"weight": weight, "bias": total - weight} if weight else {"bias": total}

    def counts(self, a, ins, out) -> dict | None:
        """Named counts of one layer (``{"macs": ..., "bias": ...}``) that a FLOP counting
        convention weighs (:mod:`archcost.counting`). None: the op names none, and every
        convention but the lecture's uses its fallback for the op (see ``archcost conventions``)."""
        return None

    def cells(self, a) -> dict:
        return {}

    def layout(self, a, layouts, out) -> str:
        """The output's layout: the first input's when the rank is kept, else the rank's default."""
        first = layouts[0] if layouts else ""
        return first if len(first) == len(out) else default_layout(len(out))

    # what a worksheet tells a student who counts by hand: see archcost/worksheet/rules.py
    def rules(self, a, bias_flops=True, flops=True) -> tuple:
        """(key, sentence) pairs: how to count this layer. A sheet states each key once. ``flops=False``:
        the sentences without their FLOP rule (a sheet under another convention states that one)."""
        return ((self.name, f"{self.name}: {self.doc}."),)

    def notes(self, a) -> tuple:
        """What the counts use that the table's columns do not show ('groups 32', 'no bias')."""
        return ()

    # ---- training and roofline rules (README "Will it fit?"; passes/training.py, liveness.py, roofline.py)
    # ``aliases``: does the output share the first input's storage? "view" (always: flatten, a slice),
    # "inplace" (when nothing reads that input later: in-place ReLU, torchvision's `out += identity`),
    # "" (a new tensor). None: "inplace" for in-place ops, else "". ``saves`` and ``backward_flops``
    # have no default: None means "no rule written", which the reports name, never a silent 0.
    aliases: str | None = None

    @property
    def storage(self) -> str:
        """``aliases`` resolved: "view", "inplace" or ""."""
        return ("inplace" if self.inplace else "") if self.aliases is None else self.aliases

    def saves(self, a, ins, out):
        """The tensors autograd keeps for this op's backward: a tuple of :class:`Saved` (None: no rule)."""
        return None

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        """Multiply-adds of the backward pass (the input's gradient only when ``input_grad``; None: no rule)."""
        return None

    def buffers(self, a, ins, out):
        """Elements of state that is not a parameter (batch norm's running mean and variance)."""
        return 0

    def traffic(self, a, ins, out):
        """Activation elements (per image) read and written by the forward pass, for the roofline; the
        roofline adds the parameters and buffers, read once per batch. Default: every input read once,
        the output written once; a view moves nothing."""
        if self.storage == "view":
            return 0, 0
        return sum(elements(s, "input elements") for s in ins), elements(out)

    def scratch(self, a, ins, out):
        """Tensors the forward allocates besides its output and frees when it returns, even at
        inference (max pooling's int64 indices): a tuple of :class:`Saved`. Default: none."""
        return ()


class Saved(NamedTuple):
    """One tensor a layer keeps for backward: which (``input``, ``input1``..., ``output`` or a tensor
    of its own such as ``indices``), its elements (per image when ``batched``), its dtype (None: the
    activations' dtype) and why (the derivatives.yaml entry that reads it)."""

    tensor: str
    elements: Any
    why: str
    dtype: str | None = None
    batched: bool = True


def weight_backward(forward_macs, out_elements, bias: bool, input_grad: bool, bias_flops: bool):
    """Backward multiply-adds of a layer that multiplies by weights (conv, fc): the weights' gradient
    uses every forward multiply-add once more (grad_out x input), the input's gradient once more
    (grad_out x weights; not for a layer whose input needs no gradient, like the first conv), and the
    bias gradient sums grad_out (one add per output element, under the bias-add convention).

    >>> weight_backward(100, 10, True, False, True)
    110
    """
    total = step(forward_macs, "weight gradient")
    if input_grad:
        total = total + step(forward_macs, "input gradient")
    if bias and bias_flops:
        total = total + step(out_elements, "bias gradient")
    return total


class SameShape(Op):
    """An op whose output has its (first) input's shape: activations, normalisations, dropout."""

    def shape(self, a, ins, warn=lambda message: None):
        return tuple(ins[0])


# how the reference PyTorch code runs an activation or a pool: tools that hook nn.Modules (thop,
# ptflops, torchinfo) see modules only, and ptflops counts a module that calls a patched functional twice
CALL = Attr("str", None, "how the reference PyTorch code runs it: module (nn.ReLU; the default when unset), "
            "functional (F.relu) or method (x.mean); only FLOP conventions of module-hooking tools read it",
            ("module", "functional", "method"))


REGISTRY: dict[str, Op] = {}


def register(cls: type[Op]) -> type[Op]:
    """Class decorator: make an op available to specs by its ``name``.

    Users can register ops of their own the same way, before loading a spec.
    """
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    REGISTRY[cls.name] = cls()
    return cls


# ---------------------------------------------------------------- shared shape rules
def need_rank(op: str, shape, rank: int, what: str = "C x H x W"):
    if len(shape) != rank:
        shown = "x".join(str(value(d)) for d in shape)
        raise ArchcostError(f"op '{op}' needs a {what} input, got {shown}",
                            "add a flatten, or check the layer's input")


def window_out(size, kernel, stride, pad_begin, pad_end, dilation=1, ceil_mode=False, axis="H"):
    """Output length of a sliding window (conv, pool, deformable conv alike).

    ``floor((size + pads - dilation*(kernel-1) - 1) / stride) + 1``, or ceil
    with torch's rule that the last window must start inside the input or the
    left padding. Returns ``(out, dropped)``: ``dropped`` is how many real
    input rows (not padding) the floor leaves unread at the end, which is worth
    a warning (AlexNet pool1: (56 - 3) / 2 + 1 = 27.5 -> 27 never reads row 56).
    Padding cut off (ResNet's 7x7 stride 2) and the rows a kernel smaller than
    its stride skips by design (a 1x1 stride-2 shortcut) are not.

    >>> window_out(56, 3, 2, 0, 0)
    (27, 1)
    >>> window_out(224, 7, 2, 3, 3)       # ResNet conv1: the floor drops padding only
    (112, 0)
    >>> window_out(112, 3, 2, 0, 0, ceil_mode=True)[0]   # GoogLeNet's ceil-mode pools
    56
    >>> window_out(2, 3, 2, 0, 0, ceil_mode=True)[0]     # one window, over the end of a 2-wide map
    1
    """
    # written so that a worked explanation reads as the lecture's: '(227 + 2 x 2 - 11) / 4 + 1'
    span_k = kernel if dilation == 1 else dilation * (kernel - 1) + 1
    padded = size + 2 * pad_begin if pad_begin == pad_end else size + pad_begin + pad_end
    # torch: a ceil-mode window may hang over the end if it starts inside (SqueezeNet at its 21 x 21 minimum)
    if value(padded) < value(span_k) - (value(stride) - 1 if ceil_mode else 0):
        raise ArchcostError(
            f"kernel {value(span_k)} is larger than the padded input {value(padded)} along {axis} "
            f"({value(size)} + {value(pad_begin)} + {value(pad_end)})",
            "use a smaller kernel or stride, more padding, or a larger input")
    if ceil_mode:
        out = ceil_div(padded - span_k, stride) + 1
        if (value(out) - 1) * value(stride) >= value(size) + value(pad_begin):
            out = out - 1
        return out, 0
    out = floor_div(padded - span_k, stride) + 1
    if value(span_k) < value(stride):  # a 1x1 stride-2 conv skips rows by design: nothing to warn about
        return out, 0
    rem = (value(padded) - value(span_k)) % value(stride)
    return out, max(0, rem - value(pad_end))


def same_pads(size, kernel, stride, dilation=1):
    """TF-style 'same' padding: output ceil(size / stride), extra pad at the end."""
    out = -(-value(size) // value(stride))
    total = max((out - 1) * value(stride) + value(dilation) * (value(kernel) - 1) + 1 - value(size), 0)
    return total // 2, total - total // 2


def spatial(a, h, w, warn, ceil_mode=False):
    """Output (H, W) for ops with kernel/stride/pad(/dilation) attributes.

    Warns when the floor leaves real input rows or columns unread."""
    k, s = a["kernel"], a["stride"]
    d = a.get("dilation", (1, 1))
    if a["pad"] == "same":
        pads = [same_pads(h, k[0], s[0], d[0]), same_pads(w, k[1], s[1], d[1])]
    else:
        pads = [(a["pad"][0], a["pad"][0]), (a["pad"][1], a["pad"][1])]
    outs = []
    for axis, size, kk, ss, (pb, pe), dd in (("H", h, k[0], s[0], pads[0], d[0]),
                                              ("W", w, k[1], s[1], pads[1], d[1])):
        out, dropped = window_out(size, kk, ss, pb, pe, dd, ceil_mode, axis)
        outs.append(out)
        if dropped and (axis == "H" or value(h) != value(w) or k[0] != k[1] or s[0] != s[1] or pads[0] != pads[1]):
            span = value(dd) * (value(kk) - 1) + 1
            exact = (value(size) + value(pb) + value(pe) - span) / value(ss) + 1
            pad_txt = f" + {value(pb) + value(pe)}" if value(pb) + value(pe) else ""
            warn(f"({value(size)}{pad_txt} - {span}) / {value(ss)} + 1 = {exact:g} is not whole "
                 f"along {axis}: floored to {value(out)}, so the last {dropped} input "
                 f"{'row' if axis == 'H' else 'column'}(s) are never read; choose a size, "
                 f"kernel, stride or padding that divides exactly")
    return outs[0], outs[1]


def window_rules(a) -> list:
    """The output-size rules a windowed layer (conv, pool) needs, as :meth:`Op.rules` pairs."""
    out = [("window", "Output size of a conv or pool: H' = floor((H + 2P - K) / S) + 1, the same for W: "
                      "round down when the division is not whole.")]
    if any(isinstance(a.get(k), tuple) and a[k][0] != a[k][1] for k in ("kernel", "stride", "pad")):
        out.append(("window.rect", "A kernel, stride or pad written AxB is A along H and B along W "
                                   "(a kernel AxB has A x B weights per channel where the rules say K x K)."))
    if a.get("pad") == "same":
        out.append(("window.same", "Pad 'same': the output side is ceil(H / S); the padding is whatever that "
                                   "takes (the extra pixel at the end)."))
    if a.get("dilation", (1, 1)) != (1, 1):
        out.append(("window.dilation", "A layer marked 'dilation D' spreads its kernel over D x (K - 1) + 1 "
                                       "pixels: use that span for K in the output size (its weights stay K x K)."))
    if a.get("ceil_mode"):
        out.append(("window.ceil", "A pool marked 'ceil_mode' rounds the output size up instead of down "
                                   "(unless its last window would start in the padding)."))
    return out


def window_notes(a) -> tuple:
    """The notes of a windowed layer the table's columns do not show."""
    d = a.get("dilation", (1, 1))
    return ((f"dilation {show_pair(d)}",) if d != (1, 1) else ()) + (("ceil_mode",) if a.get("ceil_mode") else ())


def bias_rule(bias_flops: bool) -> tuple:
    """The rule of layers marked 'no bias' (conv, fc); ``bias_flops=False`` also when the sheet's
    convention states the FLOPs itself."""
    return ("nobias", "A layer without biases ('no bias' in a table's notes) leaves out the + C_out "
                      "(+ out for an FC or linear)"
                      + (" and its + 1 bias add per output element." if bias_flops else "."))


def show_pair(p):
    """(3, 3) -> 3; (3, 1) -> '3x1'; 'same' stays; a longer tuple (a connection table) is summarised.

    >>> show_pair((3, 3)), show_pair((3, 1)), show_pair(((0, 1), (1, 2), (0, 2)))
    (3, '3x1', '3 entries')
    """
    if isinstance(p, tuple) and (len(p) != 2 or any(isinstance(v, tuple) for v in p)):
        return f"{len(p)} entries"
    if isinstance(p, tuple):
        return p[0] if p[0] == p[1] else f"{p[0]}x{p[1]}"
    return p
