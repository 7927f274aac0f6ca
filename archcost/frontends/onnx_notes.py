"""What an ONNX graph cannot say about a layer, kept beside it: archcost's op and the attributes the
import would not infer, as a JSON note in the doc_string of the node that makes the layer's output.

ONNX spells several archcost ops alike: ``adaptiveavgpool`` is an ``AveragePool``, ``stochastic_depth`` a
``Dropout``, ``transpose`` a ``Transpose`` like ``permute``, ``linear`` on a vector a ``Gemm`` like ``fc``;
and it has no word for ``call`` (how torchvision runs the op: ``module``, ``functional`` or ``method``),
which the tools' conventions count by. The export (:func:`annotate`) reads its own file back and, on
each layer whose reading differs from the spec, writes::

    archcost: {"op": "adaptiveavgpool", "size": [7, 7]}

The import (:func:`restore`) puts the op and attributes back (JSON, never evaluated), but only when the
noted op's own rules give the layer the shape and parameters the graph gives it: a file edited by hand
keeps the graph's reading, and the source line says which notes were left unapplied.

The note is a doc_string, not the node's ``metadata_props``: onnx 1.23's checker accepts those even in
the IR version 8 file the export writes (so that older readers open it), but the field belongs to IR
version 10 (onnx 1.16), which those readers do not know; doc_strings are in every IR version, Netron
shows them, and the exporter already marks its helper nodes there.

>>> import archcost
>>> from archcost.frontends.onnx_export import export_model
>>> model = export_model(archcost.build_graph("mobilenet_v2"), weights="none")
>>> [n.doc_string for n in model.graph.node if n.name == "avgpool"]
['archcost: {"op": "adaptiveavgpool", "size": [1, 1], "call": "functional"}']
"""

from __future__ import annotations

import json

from ..errors import ArchcostError
from ..ops import get_op
from ..ops.base import REQUIRED
from . import need

need("onnx", "onnx")   # the optional extra: the notes live in ONNX files

PREFIX = "archcost: "


def annotate(model, g) -> None:
    """Write a note on each layer of ``g`` (the graph exported as ``model``) that importing ``model``
    reads as another op or with other attributes. Best effort: a model the import refuses gets none."""
    from .onnx_import import _Importer

    imp = _Importer(model, f"{g.graph['name']}.onnx", False)
    try:
        imp.run()
    except ArchcostError:
        return
    makers = {n.output[0]: n for n in model.graph.node if n.output}
    for name, d in g.nodes(data=True):
        node = makers.get(name)   # the node making the layer's output: the import finds the note there
        if node is None or node.doc_string or name not in imp.acts:
            continue
        row = imp.by_name.get(imp.acts[name].layer)
        if row is None or row["name"] != name:
            continue
        note = _note(d["op"], d["attrs"], row)
        if note:
            node.doc_string = PREFIX + json.dumps(note)


def _note(op: str, attrs, row: dict) -> dict:
    """The op and the attributes ``attrs`` (coerced) that the imported ``row`` does not give; {} if none."""
    the_op = get_op(op)
    base = _base(the_op, row)
    try:   # what the import's reading gives, derived defaults included (a pool's stride: its kernel)
        inferred = dict(the_op.coerce(base))
    except ArchcostError:   # it lacks a required attribute of the noted op (an adaptive pool's size)
        inferred = {k: _coerced(the_op, k, base[k] if k in base else spec.default)
                    for k, spec in the_op.attrs.items() if k in base or spec.default is not REQUIRED}
    note = {k: v for k, v in attrs.items() if k not in inferred or inferred[k] != v}
    if op == row["op"] and not note:
        return {}
    for extra in ({}, dict(attrs)):   # the short note, or every attribute when a derived default differs
        try:
            if the_op.coerce({**base, **note, **extra}) == attrs:
                return {"op": op, **_json({**note, **extra})}
        except ArchcostError:
            pass
    return {}


def _base(the_op, row: dict) -> dict:
    """The imported row's attributes that ``the_op`` has (the rest belonged to the op ONNX spelled)."""
    return {k: v for k, v in row.items() if k not in ("name", "op", "input") and k in the_op.attrs}


def _coerced(the_op, key, value):
    try:
        return the_op.attrs[key].coerce(key, value)
    except ArchcostError:
        return None


def _json(attrs: dict) -> dict:
    def plain(v):
        return [plain(x) for x in v] if isinstance(v, (list, tuple)) else v
    return {k: plain(v) for k, v in attrs.items()}


def restore(imp, nodes, data: dict) -> dict:
    """Apply the notes of ``nodes`` to the importer's rows (``data``, its spec data)."""
    shapes, where, unapplied, mark = None, None, [], PREFIX + "{"
    for node in nodes:
        doc = node.doc_string
        if not doc.startswith(mark) or not node.output or node.output[0] not in imp.acts:
            continue
        if where is None:   # built at the first note: a graph without notes (most) never needs them
            shapes = {act.layer: act.shape for act in imp.acts.values()}
            where = {row["name"]: i for i, row in enumerate(imp.layers)}
        act = imp.acts[node.output[0]]
        i = where.get(act.layer)
        if i is None:
            continue
        row = imp.layers[i]
        previous = imp.layers[i - 1]["name"] if i else "input"
        sources = row.get("input", previous)
        ins = [shapes[s] for s in (sources if isinstance(sources, list) else [sources])]
        why = _apply(row, doc[len(PREFIX):], ins, act.shape)
        if why:
            unapplied.append(f"'{row['name']}' ({why})")
    if unapplied:
        data["source"] += (f"; {len(unapplied)} archcost note{'s' * (len(unapplied) > 1)} left unapplied, the "
                           f"graph's reading kept: {', '.join(unapplied[:3])}{', ...' * (len(unapplied) > 3)}")
    return data


def _apply(row: dict, text: str, ins: list, out: tuple) -> str:
    """Rewrite the imported ``row`` as its note says; '' when done, else why not."""
    try:
        note = json.loads(text)
    except ValueError:
        return "not JSON"
    if not isinstance(note, dict) or not isinstance(note.get("op"), str):
        return "no op named"
    op = note.pop("op")
    try:
        new, old = get_op(op), get_op(row["op"])
        attrs = {**_base(new, row), **note}
        a, b = new.coerce(attrs), old.coerce(_base(old, row))
        if tuple(new.shape(a, ins)) != tuple(out):
            return f"a {op} would not give {list(out)}"
        if new.params(a, ins, out) != old.params(b, ins, out):
            return f"a {op} would not have the graph's parameters"
    except ArchcostError as exc:
        return f"{op}: {exc.what}"
    except (TypeError, ValueError, IndexError):   # a shape rule given the wrong rank
        return f"a {op} does not fit its input"
    layer = {"name": row["name"], "op": op, **attrs}
    for key in ("input", "tie"):   # what the row says beside its op: the layers it reads, whose weights it uses
        if key in row:
            layer[key] = row[key]
    row.clear()
    row.update(layer)
    return ""
