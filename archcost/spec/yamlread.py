"""Read a YAML file into plain data that remembers line numbers.

Mappings become :class:`Located` dicts with a ``line`` attribute, so every
error about a layer can name its line. Duplicate keys are errors (YAML would
silently keep the last one), and aliases are refused: a spec has blocks and
defaults for reuse, and refusing aliases makes "billion laughs" files harmless.
"""

from __future__ import annotations

import os

import yaml

from ..errors import ArchcostError

MAX_SPEC_BYTES = 5 * 1024 * 1024

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
                raise ArchcostError("YAML aliases (*name) are not supported in specs",
                                    "define a block or per-op defaults instead of an anchor",
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
            if key in out:
                raise ArchcostError(f"duplicate key '{key}'",
                                    "YAML would keep only the last one; remove or rename one of them",
                                    line=key_node.start_mark.line + 1)
            out[key] = self.construct_object(value_node, deep=True)
        return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_located)


def read_yaml(path: str, shown: str | None = None):
    """Parse ``path``; every problem is an ArchcostError naming the file (and line)."""
    shown = shown or path
    if os.path.isdir(path):
        raise ArchcostError("is a directory, not a spec file", "name a .yaml file", file=shown)
    try:
        size = os.path.getsize(path)
        if size > MAX_SPEC_BYTES:
            raise ArchcostError(f"the file is {size:,} bytes; specs are limited to {MAX_SPEC_BYTES:,}",
                                "use blocks and repeats instead of writing every layer", file=shown)
        with open(path, "rb") as fh:
            raw = fh.read()
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
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader subclass
    except ArchcostError as exc:
        raise exc.located(file=shown)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        hint = "YAML indents with spaces, not tabs" if "\t" in text and "tab" in str(exc).lower() \
            else "fix the YAML syntax at this line"
        raise ArchcostError(f"YAML syntax error: {problem}", hint, file=shown,
                            line=mark.line + 1 if mark else None) from None
    except RecursionError:
        raise ArchcostError("YAML nesting is too deep", "flatten the document", file=shown) from None
    return data
