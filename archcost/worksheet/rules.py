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
UNIT_WORDS = {"KB": "memory in KB", "k": "parameters in thousands (k)", "M": "FLOPs in millions (M)",
              "%": "shares in percent"}


def layer_rules(layers, conv: Conventions, only=None) -> list[tuple[str, str]]:
    """The (key, sentence) rules of ``layers``' ops, each key once; ``only`` keeps the keys that
    are one of its words or start with one of them and a dot ('conv' keeps 'conv.groups')."""
    seen: dict[str, str] = {}
    for x in layers:
        for key, text in get_op(x.op).rules(x.attrs, conv.bias_flops):
            if only is None or any(key == w or key.startswith(w + ".") for w in only):
                seen.setdefault(key, text)
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
    return f"FLOPs are multiply-adds, one per weight used{batch}."


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


def row_notes(report, row, previous: str | None, owner: dict) -> str:
    """What a table row's counts use that its columns do not show: the op when the columns do
    not tell it (:data:`TABLE_SAYS`), the layers it reads when that is not the row above, its op's notes, and the in-place
    layers folded into it that cost something ('+ batchnorm')."""
    notes = [] if row.op in TABLE_SAYS else [row.op]
    sources = [owner.get(i, i) for i in row.inputs]
    if sources and sources != [previous] and not (previous is None and sources == ["input"]):
        notes.append("from " + " + ".join(sources))
    notes += get_op(row.op).notes(row.attrs)
    for name in row.folded:
        f = report.layer(name)
        if f.params or f.flops:
            notes.append(f"+ {f.op}")
            notes += get_op(f.op).notes(f.attrs)
    return "; ".join(notes)
