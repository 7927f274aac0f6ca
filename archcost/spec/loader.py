"""Spec loading: a YAML spec -> the graph IR.

A spec is a header, optional parameters, per-op defaults and blocks, and a
list of layers, one row each::

    name: tiny
    title: A tiny CNN
    source: an example
    input: [3, 32, 32]
    params: {width: 16}
    defaults:
      conv: {kernel: 3, pad: 1}
    blocks:
      conv_relu:
        params: [out]
        layers:
          - {op: conv, out: out}
          - {op: relu}
    layers:
      - {name: stage1, op: conv_relu, out: width, repeat: 2}
      - {name: pool, op: maxpool, kernel: 2}
      - {name: fc, op: fc, out: 10}

Rules (the README's "Spec language" section has them all):

- each layer takes the previous one's output unless ``input:`` names earlier
  layers (``in`` is the input of the current block, or the network input);
- ``op:`` is a registered op or a block of the spec; a block's layers are named
  ``<instance>.<layer>``, and a layer named ``""`` takes the instance's own name;
- ``repeat: n`` chains n copies named ``<name>.0`` .. ``<name>.<n-1>`` (or a
  template such as ``conv3_{i+1}``), with ``i`` the copy's index in expressions;
- ``when: <expression>``: when false the layer is skipped and its name passes
  its input through, so later references still work;
- any other string value is a parameter name or safe arithmetic (:mod:`archcost.expr`).

>>> from archcost.spec.yamlread import parse_yaml
>>> spec = spec_from_data(parse_yaml(
...     "{name: t, input: [3, 32, 32], layers: [{name: c, op: conv, out: 8, kernel: 3, repeat: 2}]}"))
>>> list(load_graph(spec))
['input', 'c.0', 'c.1']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

import networkx as nx

from .. import ir
from ..errors import ArchcostError
from ..expr import evaluate, resolve
from ..ops import REGISTRY, all_ops, get_op
from ..ops.base import suggest
from .yamlread import parse_value, read_yaml

DEFAULT_MAX_NODES = 100_000   # a table of 100,000 layers takes about 5 s of CPU: the tool answers in seconds
MAX_BLOCK_DEPTH = 100   # blocks within blocks; real networks nest three or four
HEADER_KEYS = ("name", "title", "source", "family", "input", "params", "defaults", "blocks",
               "layers", "variants", "notes", "published")
LAYER_KEYS = ("name", "op", "input", "repeat", "when", "tie")
BLOCK_KEYS = ("params", "defaults", "layers", "doc")
VARIANT_KEYS = ("title", "source", "set", "input", "aliases")


@dataclass(frozen=True)
class Spec:
    """A parsed spec file, before expansion into a graph."""

    name: str
    title: str
    source: str
    family: str
    file: str
    input: list
    params: dict
    defaults: dict
    blocks: dict
    layers: list
    variants: dict = field(default_factory=dict)
    notes: str = ""
    published: tuple = ()   # what the sources print (archcost.published), for `archcost reconcile`

    def variant_names(self) -> list[str]:
        return list(self.variants) or [self.name]


def _line(obj, fallback=None):
    return getattr(obj, "line", None) or fallback


def _need_mapping(obj, what, file, line=None):
    if not isinstance(obj, dict):
        raise ArchcostError(f"{what} must be a mapping (key: value), got {type(obj).__name__}",
                            "see the spec language in the README", file=file, line=_line(obj, line))
    return obj


def _check_keys(mapping, allowed, what, file):
    for key in mapping:
        if key not in allowed:
            hint = suggest(str(key), allowed)
            raise ArchcostError(f"unknown key '{key}' in {what}",
                                hint or f"the keys allowed there are: {', '.join(allowed)}",
                                file=file, line=_line(mapping))


def _check_defaults(defaults, what, file, line=None):
    """Per-op defaults: a mapping from op name to a mapping of attributes."""
    _need_mapping(defaults, what, file, line)
    for op_name, attrs in defaults.items():
        _need_mapping(attrs, f"the defaults of '{op_name}'", file, _line(defaults, line))


def read_spec(path: str, shown: str | None = None) -> Spec:
    """Read and check a spec file's structure (not yet its layers)."""
    shown = shown or path
    data = read_yaml(path, shown)
    if data is None:
        raise ArchcostError("the spec is empty", "a spec needs at least 'name', 'input' and 'layers'", file=shown)
    return spec_from_data(data, shown)


def spec_from_data(data, shown: str = "<spec>") -> Spec:
    _need_mapping(data, "a spec", shown)
    _check_keys(data, HEADER_KEYS, "the spec header", shown)
    for key in ("name", "input", "layers"):
        if key not in data:
            raise ArchcostError(f"the spec has no '{key}'", f"add '{key}:' at the top level", file=shown, line=1)
    if not isinstance(data["layers"], list) or not data["layers"]:
        raise ArchcostError("'layers' must be a non-empty list", "list the layers, one '- {op: ...}' per row",
                            file=shown, line=_line(data))
    params = dict(_need_mapping(data.get("params") or {}, "'params'", shown))
    defaults = data.get("defaults") or {}
    blocks = _need_mapping(data.get("blocks") or {}, "'blocks'", shown)
    variants = _need_mapping(data.get("variants") or {}, "'variants'", shown)
    _check_defaults(defaults, "'defaults'", shown)
    for bname, block in blocks.items():
        _need_mapping(block, f"block '{bname}'", shown, _line(blocks))
        _check_keys(block, BLOCK_KEYS, f"block '{bname}'", shown)
        if not isinstance(block.get("layers"), list) or not block["layers"]:
            raise ArchcostError(f"block '{bname}' has no layers", "give it a 'layers:' list", file=shown,
                                line=_line(block))
        _check_defaults(block.get("defaults") or {}, f"the defaults of block '{bname}'", shown, _line(block))
        declared = block.get("params") or {}
        if not isinstance(declared, dict) and not (isinstance(declared, list)
                                                   and all(isinstance(p, str) for p in declared)):
            raise ArchcostError(f"the params of block '{bname}' must be a list of names or a mapping",
                                "write e.g. 'params: [out, stride]' or 'params: {out: ~, stride: 1}'",
                                file=shown, line=_line(block))
    for vname, var in variants.items():
        _need_mapping(var, f"variant '{vname}'", shown, _line(variants))
        _check_keys(var, VARIANT_KEYS, f"variant '{vname}'", shown)
        _need_mapping(var.get("set") or {}, f"the 'set' of variant '{vname}'", shown, _line(var))
        if not isinstance(var.get("aliases") or [], list):
            raise ArchcostError(f"the aliases of variant '{vname}' must be a list of names",
                                "write e.g. 'aliases: [inception_v1]'", file=shown, line=_line(var))
        unknown = [k for k in (var.get("set") or {}) if k not in params]
        if unknown:
            raise ArchcostError(f"variant '{vname}' sets '{unknown[0]}', which is not a parameter",
                                f"declare it under 'params:' ({', '.join(params) or 'none yet'})",
                                file=shown, line=_line(var))
    return Spec(name=str(data["name"]), title=str(data.get("title", data["name"])),
                source=str(data.get("source", "")), family=str(data.get("family", data["name"])),
                file=shown, input=data["input"], params=params, defaults=dict(defaults),
                blocks=dict(blocks), layers=data["layers"], variants=dict(variants),
                notes=str(data.get("notes", "")),
                published=_published(data.get("published"), params, list(variants) or [str(data["name"])], shown))


def _published(raw, params, networks, shown) -> tuple:
    """The spec's checked ``published:`` figures; archcost.published is imported only for a spec that has them."""
    if raw is None:
        return ()
    from ..published import check_published

    return check_published(raw, params, networks, shown)


def parse_setting(text: str):
    """'width=1.5' -> ('width', 1.5); values are YAML scalars, lists or arithmetic."""
    if "=" not in text:
        raise ArchcostError(f"--set {text!r} is not name=value", "write e.g. --set width=2")
    name, raw = (s.strip() for s in text.split("=", 1))
    val = parse_value(raw, f"--set {text!r}") if raw else None
    if isinstance(val, str) and not val.isidentifier():
        try:
            val = evaluate(val, {})
        except ArchcostError as exc:
            raise ArchcostError(f"--set {text!r}: {exc.what}", exc.fix) from None
    if val is None:
        raise ArchcostError(f"--set {text!r} has no value", "write e.g. --set width=2")
    return name, val


def input_side(value) -> int | None:
    """One side of an input, as --input and a sweep's resolution take it: a whole number of pixels
    above 0 (written as text or a number), else None.

    >>> input_side("227"), input_side(Fraction(454, 2)), input_side(227.5), input_side(True), input_side("abc")
    (227, 227, None, None, None)
    """
    if isinstance(value, str):
        value = value.strip()
        value = int(value) if value.isascii() and value.isdigit() and len(value) < 100 else None
    if isinstance(value, Fraction) and value.denominator == 1:
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def parse_input(text: str, current) -> list[int]:
    """'3x160x160' (C x H x W), '160x160' (keeps C) or '160' (square, keeps C)."""
    dims = [input_side(p) for p in re.split(r"[x,×*]", text.strip().lower())]
    if len(dims) > 3 or None in dims:
        raise ArchcostError(f"--input {text!r} is not a shape", "write C x H x W, e.g. --input 3x224x224")
    if len(current) != 3:
        if len(dims) != len(current):
            raise ArchcostError(f"--input {text!r} has {len(dims)} size(s), but this network's input has "
                                f"{len(current)} ({'x'.join(map(str, current))})",
                                f"give {len(current)} size(s), e.g. --input {'x'.join(map(str, current))}")
        return dims
    if len(dims) == 2 and dims[0] == current[0] and dims[0] != dims[1]:   # 3x224: C x H, not H x W
        raise ArchcostError(f"--input {text!r} reads as H x W = {dims[0]} x {dims[1]}, and {dims[0]} is this "
                            "network's channel count: a side is missing",
                            f"write C x H x W (--input {dims[0]}x{dims[1]}x{dims[1]}) or one side "
                            f"(--input {dims[1]})")
    if len(dims) == 3:
        return dims
    return [current[0]] + (dims * 2 if len(dims) == 1 else dims)


class _Expander:
    """Expands a spec's layers (blocks, repeats, conditions) into graph nodes."""

    def __init__(self, spec: Spec, graph: nx.DiGraph, env: dict, max_nodes: int):
        self.spec, self.g, self.env, self.max_nodes = spec, graph, env, max_nodes
        self.file = spec.file
        self.skipped = 0   # layers skipped by 'when' or 'repeat: 0': no node, yet work to bound

    def check_size(self, nodes: int, skipped: int = 0) -> None:
        """Refuse an expansion beyond max_nodes layers, or as many skipped ones (a repeat of a
        block whose layers are all skipped adds no node, yet must not loop 10**12 times)."""
        self.skipped += skipped
        if nodes > self.max_nodes or self.skipped > self.max_nodes:
            raise ArchcostError(f"the network expands to more than {self.max_nodes:,} layers"
                                + (" (counting skipped ones)" if self.skipped > self.max_nodes else ""),
                                "check the repeats, or raise the limit with --max-nodes")

    def err(self, exc: ArchcostError, line, layer):
        return exc.located(file=self.file, line=line, layer=layer)

    def expand(self, layers, env, prefix, scope_in, defaults, stack) -> str:
        """Add the nodes of ``layers``; return the full name of the last output."""
        local = {"in": scope_in}
        if not prefix:
            local["input"] = scope_in
        explicit = {str(it.get("name")) for it in layers if isinstance(it, dict) and "name" in it}
        counts: dict[str, int] = {}
        prev = scope_in
        outer, blocks, env_0 = _line(layers), self.spec.blocks, {**env, "i": 0}
        for item in layers:
            own = _line(item)
            line = own or outer
            item = _need_mapping(item, "a layer", self.file, line)
            try:
                op_name = item.get("op")
                if (type(op_name) is str and op_name in REGISTRY and op_name not in blocks
                        and item.get("name") is not None and "repeat" not in item and "when" not in item):
                    prev = self.row(item, op_name, env_0, prefix, local, prev, defaults, own)
                else:
                    prev = self.layer(item, env, prefix, local, prev, defaults, stack, explicit, counts)
            except ArchcostError as exc:
                # an unnamed layer's errors name the block instance it is in (the line points at it)
                layer_for_errors = ".".join(p for p in (prefix, str(item.get("name") or "")) if p) or None
                raise self.err(exc, line, layer_for_errors)
        return prev

    def row(self, item, op_name, env, prefix, local, prev, defaults, line, name=None) -> str:
        """A row of a registered op with no repeat or when (every row of an imported or exported spec):
        one node, none of :meth:`layer`'s bookkeeping of copies and skips; ``name`` when generated."""
        name = str(item["name"]) if name is None else name
        full = self.place(name, prefix, local)
        raw = item.get("input")
        inputs = [prev] if raw is None else self.inputs(raw, local, prev, full)
        tie = self.tie(item["tie"], local, op_name) if "tie" in item else None
        self.node(op_name, {k: v for k, v in item.items() if k not in LAYER_KEYS}, env, full, inputs, defaults, line,
                  tie)
        local[name] = full
        return full

    @staticmethod
    def place(name: str, prefix: str, local: dict) -> str:
        """A layer's full name, checked: not used twice in its scope, empty only in a block."""
        if name in local and name not in ("in", "input"):
            raise ArchcostError(f"the name '{name}' is used twice in this scope", "give each layer its own name")
        if name == "" and not prefix:
            raise ArchcostError("an empty name is allowed only inside a block",
                                "name the layer; inside a block, name: \"\" gives a layer the instance's own name")
        return f"{prefix}.{name}" if prefix and name else prefix or name

    def layer(self, item, env, prefix, local, prev, defaults, stack, explicit, counts) -> str:
        line = _line(item)
        if "op" not in item:
            raise ArchcostError("the layer has no 'op'", "add 'op: conv' (or another op or block name)")
        op_name = item["op"]
        if isinstance(op_name, str) and not (op_name in self.spec.blocks or op_name in REGISTRY):
            op_name = resolve(op_name, env)  # a parameter naming a block
        if not isinstance(op_name, str):
            raise ArchcostError(f"'op' must be a name, got {op_name!r}", "write e.g. 'op: conv'")
        name = item.get("name")
        if name is None:
            k = counts.get(op_name, 0) + 1
            while f"{op_name}{k}" in explicit or f"{op_name}{k}" in local:
                k += 1
            counts[op_name] = k
            name = f"{op_name}{k}"
        name = str(name)
        if "repeat" not in item and "when" not in item and op_name not in self.spec.blocks:
            # one layer of an op (maybe named by a parameter, maybe unknown): no copies to make
            return self.row(item, op_name, {**env, "i": 0}, prefix, local, prev, defaults, line, name)
        full = self.place(name, prefix, local)
        inputs = self.inputs(item.get("input"), local, prev, full)
        tie = self.tie(item["tie"], local, op_name) if "tie" in item else None

        when = resolve(item.get("when", True), env)
        if not isinstance(when, bool):
            raise ArchcostError(f"'when' must be true or false, got {when!r}", "write a comparison, e.g. 'when: aux'")
        if not when:  # a skipped layer passes its (first) input through, to the next layer too
            self.check_size(len(self.g), skipped=1)
            local[name] = inputs[0]
            return inputs[0]
        repeat = resolve(item.get("repeat", 1), env)
        if isinstance(repeat, float) and repeat.is_integer():
            repeat = int(repeat)
        if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 0:
            raise ArchcostError(f"'repeat' must be a whole number of copies, got {repeat!r}",
                                "write e.g. 'repeat: 3' (0 skips the layer)")
        if repeat == 0:
            self.check_size(len(self.g), skipped=1)
            local[name] = inputs[0]
            return prev
        # each copy adds a node, or (a block's copy) at least a skipped layer: refuse what cannot fit
        spare = self.max_nodes - self.skipped if op_name in self.spec.blocks else 0
        self.check_size(len(self.g) + repeat - spare)
        args = {k: v for k, v in item.items() if k not in LAYER_KEYS}
        out = inputs[0]
        for i in range(repeat):
            env_i = {**env, "i": i}
            if "repeat" in item:
                inst = self.template(name, env_i) if "{" in name else f"{name}.{i}"
                inst_full = f"{prefix}.{inst}" if prefix else inst
            else:
                inst, inst_full = name, full
            ins = inputs if i == 0 else [out]
            if op_name in self.spec.blocks:
                out = self.block(op_name, args, env_i, inst_full, ins, defaults, stack)
            else:
                self.node(op_name, args, env_i, inst_full, ins, defaults, line, tie)
                out = inst_full
            if inst != name:
                local[inst] = out
        local[name] = out
        return out

    def template(self, name, env):
        return re.sub(r"\{([^{}]*)\}", lambda m: str(evaluate(m.group(1), env)), name)

    def inputs(self, raw, local, prev, full) -> list[str]:
        if raw is None:
            return [prev]
        refs = raw if isinstance(raw, list) else [raw]
        if not refs:
            raise ArchcostError("'input' is an empty list", "name the layers it reads, e.g. 'input: [a, b]'")
        out = []
        for ref in refs:
            ref = str(ref)
            if ref not in local:
                hint = suggest(ref, [k for k in local if k not in ("in", "input")])
                raise ArchcostError(f"input '{ref}' is not an earlier layer here",
                                    hint or "name a layer written above this one, or 'in' for the block's input")
            out.append(local[ref])
        return out

    def tie(self, raw, local, op_name) -> dict:
        """``tie: conv1`` (all its weights are conv1's) or ``tie: {weight: conv1}`` -> {tensor: layer}."""
        if op_name in self.spec.blocks:
            raise ArchcostError(f"'tie' on a block ('{op_name}')", "tie the block's layers inside it")
        pairs = raw.items() if isinstance(raw, dict) else [("*", raw)]
        out = {}
        for tensor, ref in pairs:
            if not isinstance(ref, str) or not isinstance(tensor, str) or not ref:
                raise ArchcostError(f"'tie' must name a layer or map tensors to layers, got {raw!r}",
                                    "write e.g. 'tie: conv1' or 'tie: {weight: conv1}'")
            if ref not in local or ref in ("in", "input"):
                hint = suggest(ref, [k for k in local if k not in ("in", "input")])
                raise ArchcostError(f"'tie' names '{ref}', which is not an earlier layer here",
                                    hint or "tie to a layer written above this one")
            out[tensor] = local[ref]
        return out

    def node(self, op_name, args, env, full, inputs, defaults, line, tie=None):
        op = get_op(op_name)
        base = defaults.get(op_name)
        raw = {**base, **args} if base else args
        attrs = {k: resolve(v, env) if isinstance(v, (str, list)) else v for k, v in raw.items()}
        self.check_size(len(self.g) + 1)
        ir.add_node(self.g, full, op.name, attrs, inputs, line=line, file=self.file, tie=tie)

    def block(self, bname, args, env, full, inputs, outer_defaults, stack) -> str:
        """Expand a block instance. Its defaults are the caller's, overridden by the block's own."""
        if len(stack) >= MAX_BLOCK_DEPTH:   # Python's own stack would end it in a RecursionError
            raise ArchcostError(f"blocks nest more than {MAX_BLOCK_DEPTH} deep ({' -> '.join(stack[:3])} ...)",
                                "flatten the blocks; repeat a block instead of nesting copies of it")
        if bname in stack:
            chain = " -> ".join(stack + (bname,))
            raise ArchcostError(f"block '{bname}' uses itself ({chain})", "a block cannot contain itself")
        if len(inputs) != 1:
            raise ArchcostError(f"block '{bname}' takes one input, got {len(inputs)}",
                                "give the block one 'input:'; merge branches inside it")
        block = self.spec.blocks[bname]
        declared = block.get("params") or {}
        if isinstance(declared, list):
            declared = {p: None for p in declared}
        for key in args:
            if key not in declared:
                hint = suggest(str(key), declared)
                raise ArchcostError(f"block '{bname}' has no parameter '{key}'",
                                    hint or f"its parameters are: {', '.join(declared) or 'none'}")
        benv = dict(self.env)
        for key, default in declared.items():
            if key in args:
                benv[key] = resolve(args[key], env)
            elif default is None:
                raise ArchcostError(f"block '{bname}' needs the parameter '{key}'", f"add '{key}: ...' to the layer")
            else:
                benv[key] = resolve(default, benv)
        defaults = dict(outer_defaults)
        for op_name, attrs in (block.get("defaults") or {}).items():
            defaults[op_name] = {**(defaults.get(op_name) or {}), **attrs}
        return self.expand(block["layers"], benv, full, inputs[0], defaults, stack + (bname,))


def load_graph(spec: Spec, variant: str | None = None, settings: dict | None = None,
               input: list | tuple | str | None = None, max_nodes: int = DEFAULT_MAX_NODES) -> nx.DiGraph:
    """Expand a spec into a checked graph.

    ``settings`` override the spec's parameters (``--set``); ``input`` overrides
    its input shape (a list or a string such as '3x160x160').
    """
    var = spec.variants.get(variant) if variant else None
    if variant and var is None:
        raise ArchcostError(f"spec '{spec.name}' has no variant '{variant}'",
                            suggest(variant, spec.variants) or f"its variants are: {', '.join(spec.variants)}",
                            file=spec.file)
    var = var or {}
    env = dict(spec.params)
    env.update(var.get("set") or {})
    for key, val in (settings or {}).items():
        if key not in spec.params:
            hint = suggest(key, spec.params)
            raise ArchcostError(f"--set {key}: the spec has no parameter '{key}'",
                                hint or f"its parameters are: {', '.join(spec.params) or 'none'}", file=spec.file)
        env[key] = val
    for key, val in list(env.items()):
        try:
            env[key] = resolve(val, env)
        except ArchcostError as exc:
            raise exc.located(file=spec.file, line=_line(spec.params))
    name = variant or spec.name
    try:
        shape = resolve(var.get("input", spec.input), env)
        if isinstance(input, str):
            if not isinstance(shape, list) or not shape:   # --input keeps C from the spec's own [C, H, W]
                raise ArchcostError(f"the spec's input {shape!r} is not a shape",
                                    "write it as [C, H, W] with positive sizes")
            shape = parse_input(input, shape)
        elif input is not None:
            shape = list(input)
    except ArchcostError as exc:
        raise exc.located(file=spec.file)
    g = ir.new_graph(name, title=var.get("title", spec.title), source=var.get("source", spec.source),
                     file=spec.file, family=spec.family, settings=env)
    declared = resolve(var.get("input", spec.input), env) if input is not None else None
    attrs = {"shape": shape} if not isinstance(declared, list) or declared == list(shape) else \
        {"shape": shape, "declared": declared}
    try:
        ir.add_node(g, "input", "input", attrs, line=_line(spec.input, 1), file=spec.file)
    except ArchcostError as exc:
        raise ArchcostError(f"the input shape {shape} is not valid ({exc.what})",
                            "write it as [C, H, W] with positive sizes", file=spec.file)
    all_ops()  # load the registry so op names win over parameter names in 'op:'
    _Expander(spec, g, env, max_nodes).expand(spec.layers, env, "", "input", spec.defaults, ())
    return g  # acyclic by construction (references go backwards); the shapes pass validates
