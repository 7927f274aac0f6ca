"""The conventions block of a sheet: the rules its blanks need, and no others.

Nothing here knows an op: each layer's op states its own rules (:meth:`Op.rules`,
keyed sentences) and what the counts use that the table's columns cannot show
(:meth:`Op.notes`: 'groups 32', 'no bias'). A sheet collects the rules of the
layers it asks about, once each, in the order they first appear, so a rule
cannot be printed for an op the sheet does not have, nor missing for one it has.

>>> import archcost
>>> r = archcost.analyze("mobilenet_v2")
>>> rules = layer_rules([r.layer("bottleneck1.0.dwconv")], r.conventions)
>>> [k for k, _ in rules]
['window', 'conv', 'conv.groups', 'nobias']
>>> row_notes(r, r.rows()[1], r.rows()[0].name, owners(r))
'groups 32; no bias; + batchnorm'
"""

from __future__ import annotations

from ..conventions import Conventions
from ..ops import get_op

# the ops a row's filters and kernel cells identify (conv: both; fc: filters; pools: a kernel);
# every other row names its op in its notes
TABLE_SAYS = {"conv", "fc", "maxpool", "avgpool", "globalavgpool", "adaptiveavgpool"}
# under a tool's convention a pool's kind matters (thop counts average pooling, not max): its notes name it
TOOL_TABLE_SAYS = TABLE_SAYS - {"maxpool", "avgpool"}
UNIT_WORDS = {"KB": "memory in KB", "k": "parameters in thousands (k)", "M": "FLOPs in millions (M)",
              "%": "shares in percent"}


# what each named count of an op (Op.counts) is, in a student's words; a convention weighs them
COUNT_WORDS = {
    "macs": "its multiply-adds", "bias": "one bias add per output element",
    "elements": "one per element (C x H x W)", "affine": "one more per element with gamma and beta",
    "inputs": "one per input element", "outputs": "one per output element", "additions": "its additions",
    "window": "one per window element", "kernel": "one per kernel element",
    "params": "its parameter count (once per image)", "rule": "its multiply-adds with the bias add",
    "rule_no_bias": "its multiply-adds without the bias add",
    "neighbours": "one per input pixel each output element reads (1 nearest, 4 bilinear)",
    "interpolation": "1 per output element (nearest), 11 (bilinear)",
}


def _own(rule) -> bool | None:
    """Does the convention's rule for a layer count what the op's own sentences state? True: with the
    bias add, False: without it, None: no (the sheet states the convention's rule instead)."""
    weights = {k: w for k, w in rule.weights.items() if w}
    if weights == {"rule": 1}:
        return True
    if weights in ({"rule_no_bias": 1}, {}):
        return False if weights else None
    return None


def convention_rule(op, rule, conv: Conventions, calls=()) -> tuple[str, str]:
    """The (key, sentence) of an op's FLOPs under the sheet's convention, from the rule's weights.

    >>> from archcost.counting import CONVENTIONS
    >>> from archcost.ops import get_op
    >>> pool = get_op("globalavgpool")
    >>> rule = CONVENTIONS["thop"].rule(pool, pool.coerce({}), True, None)
    >>> print(convention_rule(pool, rule, Conventions(convention="thop"))[1])
    globalavgpool under the thop convention: FLOPs = one per input element + one per output element.
    """
    parts = [(COUNT_WORDS.get(n, n) if w == 1 else f"{w} x ({COUNT_WORDS.get(n, n)})")
             for n, w in rule.weights.items() if w and not (n == "bias" and not conv.bias_flops)]
    # an op the convention counts two ways (a module, or the same op called as a function): by the call,
    # which the rows' notes show ('called as functional')
    how = f" called as {' or '.join(calls)}" if calls else ""
    return (f"flops.{op.name}" + (f".{rule.text()}" if calls else ""),
            f"{op.name}{how} under the {conv.convention} convention: FLOPs = "
            + (" + ".join(parts) if parts else "0 (not counted)") + ".")


def _tied(row) -> tuple:
    """'weight tied to fc1': a tensor this layer reads but another layer owns (and counts)."""
    owners: dict[str, list] = {}
    for tensor, owner, _ in row.tied:
        owners.setdefault(owner, []).append(tensor)
    return tuple(f"{'/'.join(tensors)} tied to {owner}" for owner, tensors in owners.items())


TIED_RULE = ("tied", "tied (notes 'weight tied to L'): a layer whose weights are another layer's counts them "
                     "once, at that layer: its own parameters leave them out (0 when all its weights are tied); "
                     "its FLOPs and memory are those of its op.")


def layer_rules(layers, conv: Conventions, only=None) -> list[tuple[str, str]]:
    """The (key, sentence) rules of ``layers``' ops, each key once; ``only`` keeps the keys that
    are one of its words or start with one of them and a dot ('conv' keeps 'conv.groups').

    An op's own sentences state its FLOPs when the sheet's convention counts the op by its own
    rule (the lecture's); otherwise they state its parameters and shapes only, and one sentence
    built from the convention's weights (:mod:`archcost.counting`) states what it counts."""
    from ..counting import layer_rule

    counting = conv.counting
    own: dict[str, list] = {}
    for x in layers:
        op = get_op(x.op)
        rule = layer_rule(counting, op, x.attrs, list(x.input_shapes), x.output_shape)[0]
        modes = own.setdefault(x.op, [])
        counted = {k: w for k, w in rule.weights.items() if w}    # two reasons to count the same way: one rule
        same = [m for m in modes if counted == {k: w for k, w in m[1].weights.items() if w}]
        if not same:
            modes.append((_own(rule), rule, set()))
            same = modes[-1:]
        same[0][2].add(x.attrs.get("call") or "module")
    seen: dict[str, str] = {}
    for x in layers:
        op = get_op(x.op)
        modes = own[x.op]
        stated = len(modes) == 1 and modes[0][0] is not None
        sentences = list(op.rules(x.attrs, conv.bias_flops and (not stated or modes[0][0]), flops=stated))
        if not stated or counting.rules:     # under a tool's convention every op's count is said its way
            sentences += [convention_rule(op, rule, conv, sorted(calls) if len(modes) > 1 else ())
                          for _, rule, calls in modes]
        for key, text in sentences:
            named = key.removeprefix("flops.")     # a convention's FLOP rule goes with its op's own rule
            if only is None or any(named == w or named.startswith(w + ".") for w in only):
                seen.setdefault(key, text)
    if any(x.tied for x in layers) and (only is None or "tied" in only):
        seen.setdefault(*TIED_RULE)
    return list(seen.items())


def tensor_rule(conv: Conventions, layers=()) -> str:
    """How the table shows a tensor; with token sequences or channels-last maps, how it shows those."""
    text = f"Tensors are C x H x W for one image{f', in a batch of {conv.batch}' if conv.batch != 1 else ''}."
    layouts = {x.layout for x in layers} | {x.input_layout for x in layers}
    if any("L" in lay for lay in layouts):
        text += (" A sequence of L tokens of D features (L x D, or D x L) shows D under C and 'L tok' under H/W; "
                 "its elements are L x D.")
    if any("G" in lay for lay in layouts):
        text += (" G groups of L tokens of D features (attention within windows) show D under C and 'G x L tok' "
                 "under H/W; their elements are G x L x D.")
    if "HWC" in layouts:
        text += " A channels-last map (H x W x C) shows its C and H/W as a C x H x W map does."
    return text


def memory_rule(conv: Conventions) -> str:
    batch = f" x {conv.batch} (the batch)" if conv.batch != 1 else ""
    return (f"Memory of a layer: its output elements{batch} x {conv.bytes_per_element} bytes ({conv.dtype}) "
            f"/ {conv.kb}; KB = {conv.kb} bytes. The input image is not a row.")


def flops_rule(conv: Conventions) -> str:
    batch = f"; for a batch of {conv.batch}, {conv.batch} times one image's" if conv.batch != 1 else ""
    unit = "multiply-adds" if conv.flop_factor == 1 else f"{conv.flop_factor} FLOPs per multiply-add"
    if conv.counting.rules:     # a tool's table: its sentence per op below says what it counts
        return (f"FLOPs follow the {conv.convention} convention ({conv.counting.tool}): {unit}, counted "
                f"op by op as the rules below say{batch}.")
    return f"FLOPs are {unit}, one per weight used{batch}."


def rounding_rule(blanks) -> str | None:
    """How the sheet's blanks in KB, k, M and % are rounded, from the blanks themselves."""
    places: dict[str, set] = {}
    for b in blanks:
        if b.unit in UNIT_WORDS and not isinstance(b.exact, str):
            places.setdefault(b.unit, set()).add(b.decimals)
    if not places:
        return None
    parts = []
    for unit in UNIT_WORDS:
        if unit in places:
            ds = sorted(places[unit])
            parts.append(UNIT_WORDS[unit] + (" to whole numbers" if ds == [0] else " to " + " or ".join(
                f"{d} decimal{'s' * (d != 1)}" for d in ds)))
    exact = any(b.accept for b in blanks)
    return (f"Rounding: {', '.join(parts)}, halves up (253.5 -> 254)"
            + ("; the exact count is right too." if exact else "."))


def owners(report) -> dict:
    """Layer name -> the name of its table row (in-place layers fold into the row before them)."""
    return {n: x.name for x in report.rows() for n in (x.name, *x.folded)}


def _call(layer, tool: bool) -> tuple:
    """'called as functional': a tool's convention may count an op called as a function differently."""
    call = layer.attrs.get("call")
    return (f"called as {call}",) if tool and call and call != "module" else ()


def row_notes(report, row, previous: str | None, owner: dict) -> str:
    """What a table row's counts use that its columns do not show: the op when the columns do
    not tell it (:data:`TABLE_SAYS`), the layers it reads when that is not the row above, its op's notes, and the in-place
    layers folded into it that cost something ('+ batchnorm')."""
    notes = [] if row.op in (TOOL_TABLE_SAYS if report.conventions.counting.rules else TABLE_SAYS) else [row.op]
    sources = [owner.get(i, i) for i in row.inputs]
    if sources and sources != [previous] and not (previous is None and sources == ["input"]):
        notes.append("from " + " + ".join(sources))
    tool = bool(report.conventions.counting.rules)
    notes += get_op(row.op).notes(row.attrs) + _call(row, tool) + _tied(row)
    for name in row.folded:
        f = report.layer(name)
        if f.params or f.flops:
            notes.append(f"+ {f.op}")
            notes += get_op(f.op).notes(f.attrs) + _call(f, tool)
    return "; ".join(notes)
