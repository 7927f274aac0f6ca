"""Read a YAML file into plain data that remembers line numbers.

Mappings become :class:`Located` dicts with a ``line`` attribute, so every
error about a layer can name its line. Duplicate keys are errors (YAML would
silently keep the last one), and aliases are refused: a spec has blocks and
defaults for reuse, and refusing aliases makes "billion laughs" files harmless.
"""

from __future__ import annotations

import os

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from ..errors import ArchcostError

MAX_SPEC_BYTES = 5 * 1024 * 1024

try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML without libyaml
    _Base = yaml.SafeLoader
else:
    class _Base(Composer, CParser, SafeConstructor, Resolver):
        """libyaml's fast parser with PyYAML's Python composer: libyaml's own composer recurses
        in C, and 50,000 nested '[' crash the process instead of raising RecursionError."""

        def __init__(self, stream):
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)


def _not_yaml(what: str, fix: str, **where) -> ArchcostError:
    """The error for text that is not YAML at all (a syntax error): a --set or --vary value that
    is not YAML is arithmetic instead."""
    exc = ArchcostError(what, fix, **where)
    exc.not_yaml = True
    return exc


class Located(dict):
    """A mapping from a YAML file, with the line it starts on."""

    line: int | None = None


class _Loader(_Base):
    def construct_document(self, node):
        seen: set[int] = set()
        stack = [node]
        while stack:
            n = stack.pop()
            if id(n) in seen:
                raise ArchcostError("YAML aliases (*name) are not supported",
                                    "write the value out (in a spec: define a block or per-op defaults "
                                    "instead of an anchor)",
                                    line=n.start_mark.line + 1)
            seen.add(id(n))
            if isinstance(n, yaml.MappingNode):
                stack.extend(v for kv in n.value for v in kv)
            elif isinstance(n, yaml.SequenceNode):
                stack.extend(n.value)
        return super().construct_document(node)

    def construct_located(self, node):
        self.flatten_mapping(node)
        out = Located()
        out.line = node.start_mark.line + 1
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise ArchcostError(f"a mapping key must be a word, got {key!r}", "write 'name: value'",
                                    line=key_node.start_mark.line + 1)
            key = key if isinstance(key, str) else key_node.value  # keys are names: '0', 'on' as written
            if key in out:
                raise ArchcostError(f"duplicate key '{key}'",
                                    "YAML would keep only the last one; remove or rename one of them",
                                    line=key_node.start_mark.line + 1)
            out[key] = self.construct_object(value_node, deep=True)
        return out


    def construct_object(self, node, deep=False):
        """Every scalar PyYAML cannot turn into its type ('2001-13-45', '!!float abc', '!!bool abc')
        is one located error, whatever Python exception the constructor raised."""
        try:
            return super().construct_object(node, deep)
        except (ValueError, KeyError, AttributeError, TypeError, OverflowError, ArithmeticError) as exc:
            kind = node.tag.rsplit(":", 1)[-1]
            value = str(node.value) if isinstance(node, yaml.ScalarNode) else f"a {node.id}"
            if kind == "int" and len(value) > 1000:   # Python parses at most 4,300 digits
                raise ArchcostError(f"the number {value[:12]}... has {len(value):,} digits", "use realistic sizes",
                                    line=node.start_mark.line + 1) from None
            detail = f" ({str(exc).split(':')[0]})" if isinstance(exc, ValueError) and str(exc) else ""
            raise ArchcostError(f"{value[:40]!r} is not a valid YAML {kind}{detail}",
                                f"quote it to keep it as text, or write a valid {kind}",
                                line=node.start_mark.line + 1) from None


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_located)


def read_yaml(path: str, shown: str | None = None):
    """Parse ``path``; every problem is an ArchcostError naming the file (and line)."""
    shown = shown or path
    if os.path.isdir(path):
        raise ArchcostError("is a directory, not a spec file", "name a .yaml file", file=shown)
    if os.path.exists(path) and not os.path.isfile(path):  # /dev/zero or a pipe would be read forever
        raise ArchcostError("is not a regular file (a device or a pipe)", "name a .yaml spec file", file=shown)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_SPEC_BYTES + 1)   # never more than the limit, even if the file grows meanwhile
            size = max(os.fstat(fh.fileno()).st_size, len(raw))
        if size > MAX_SPEC_BYTES:
            raise ArchcostError(f"the file is {size:,} bytes; specs are limited to {MAX_SPEC_BYTES:,}",
                                "use blocks and repeats instead of writing every layer", file=shown)
    except FileNotFoundError:
        raise ArchcostError("no such file", "check the path, or run 'archcost list' for the zoo names",
                            file=shown) from None
    except OSError as exc:
        raise ArchcostError(f"cannot be read ({exc.strerror})", "check the path and its permissions",
                            file=shown) from None
    if b"\0" in raw:
        raise ArchcostError("is a binary file, not YAML", "name a .yaml spec file", file=shown)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ArchcostError(f"is not UTF-8 text (byte 0x{raw[exc.start]:02x})", "save the file as UTF-8",
                            file=shown, line=line) from None
    return parse_yaml(text, shown)


def parse_yaml(text: str, shown: str | None = None):
    """Parse YAML text (a spec's, or a --set value) with the rules above.

    >>> parse_yaml("[2, 2, 2, 2]"), parse_yaml("{out: 64}").line
    ([2, 2, 2, 2], 1)
    """
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader subclass
    except ArchcostError as exc:
        raise exc.located(file=shown)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "nesting depth" in problem:  # libyaml >= 0.2.6 stops deep nesting in its parser
            raise _not_yaml("YAML nesting is too deep", "flatten the document", file=shown,
                            line=mark.line + 1 if mark else None) from None
        if "alias" in problem:   # '*a' with no anchor: an alias all the same
            raise ArchcostError("YAML aliases (*name) are not supported", "write the value out", file=shown,
                                line=mark.line + 1 if mark else None) from None
        lines = text.splitlines()
        bad = lines[mark.line] if mark and mark.line < len(lines) else ""   # libyaml does not say 'tab'
        hint = "YAML indents with spaces, not tabs" if "\t" in bad or "\t" in text and "tab" in str(exc).lower() \
            else "fix the YAML syntax at this line"
        raise _not_yaml(f"YAML syntax error: {problem}", hint, file=shown,
                        line=mark.line + 1 if mark else None) from None
    except RecursionError:
        raise _not_yaml("YAML nesting is too deep", "flatten the document", file=shown) from None
    return data


def parse_value(text: str, option: str):
    """A ``--set`` or ``--vary`` value, read by the very rules a spec is read by (a bad date or
    ``!!float abc`` is one error, an alias is refused); text that is not YAML (arithmetic such
    as ``64*(1+1)``) comes back as it is, for the caller to evaluate.

    >>> parse_value("[2, 2]", "--set"), parse_value("1.5", "--set"), parse_value("a: b: c", "--set")
    ([2, 2], 1.5, 'a: b: c')
    >>> parse_value("2001-13-45", "--set 'day=2001-13-45'")
    Traceback (most recent call last):
    ...
    archcost.errors.ArchcostError: --set 'day=2001-13-45': '2001-13-45' is not a valid YAML timestamp (month must be in 1..12); quote it to keep it as text, or write a valid timestamp
    """
    try:
        return parse_yaml(text)
    except ArchcostError as exc:
        if getattr(exc, "not_yaml", False):
            return text
        raise ArchcostError(f"{option}: {exc.what}", exc.fix) from None
