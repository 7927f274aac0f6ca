"""Worksheets state only true things, and a student can answer every blank from the sheet alone.

The recomputation below is written from the lecture's rules (EECS 498 lecture 8's table:
H' = floor((H + 2P - K) / S) + 1, params C_out x C_in x K x K + C_out, FLOPs output elements x
(C_in x K x K + 1), memory elements x 4 / 1024), not from archcost's code: it reads only what
the student's sheet shows (the table's cells, '?' where hidden, its notes column) and checks
that the sheet's conventions state each rule it uses before it uses it.
"""

from __future__ import annotations

import math
import re

import pytest

import archcost
from archcost.spec import zoo
from archcost.worksheet import make_sheets
from archcost.worksheet.document import Cell, blocks
from archcost.worksheet.render import render


def _pair(text):
    a, _, b = str(text).partition("x")
    return (int(a), int(b or a))


def _shape(c, hw):
    """(C, H, W) of a map, (D, L) of a token sequence ('197 tok'), (D, G, L) of G groups of L tokens
    ('64x49 tok'), (N,) of a vector."""
    if hw == "":
        return (int(c),)
    return (int(c), *_hw(hw))


def _hw(text):
    return tuple(int(v) for v in text.split()[0].split("x")) if str(text).endswith(" tok") else _pair(text)


TRANSFORMER_OPS = ("linear", "layernorm", "layernorm2d", "attention", "window_attention", "patch_merge", "reshape",
                   "permute", "transpose", "roll", "select", "class_token", "pos_embedding", "partition",
                   "departition")


class Student:
    """Answers a table sheet with the lecture's rules, from what the sheet shows."""

    def __init__(self, sheet):
        doc = blocks(sheet)
        self.rules = " ".join(line for kind, *rest in doc if kind == "list" for line in rest[0])
        (self.headers, self.rows), = [(h, r) for kind, *rest in doc if kind == "table" for h, r in [rest]]
        self.used, self.asked = set(), True
        self.grouped = set()    # rows whose output is G groups of L tokens (D, G, L), shown 'G x L tok'
        self.convention = re.search(r"FLOPs follow the (\w+) convention", self.rules)
        self.bias_add = not self.convention and self.need("the + 1 being the bias add", "without the bias add") == 0
        bytes_ = re.search(r"output elements(?: x (\d+) \(the batch\))? x (\d+) bytes", self.rules)
        self.bytes = int(bytes_.group(2)) * int(bytes_.group(1) or 1) if bytes_ else None
        batch = re.search(r"for a batch of (\d+), \1 times one image's", self.rules)
        self.batch = int(batch.group(1)) if batch else 1

    # the words a sheet under a tool's convention uses for what it counts, as the student reads them
    COUNTED = {"its multiply-adds": "macs", "one bias add per output element": "bias",
               "one per element (C x H x W)": "elements", "one more per element with gamma and beta": "affine",
               "one per input element": "inputs", "one per output element": "outputs",
               "its parameter count (once per image)": "params", "its multiply-adds with the bias add": "rule",
               "its multiply-adds without the bias add": "rule_no_bias"}

    def tool_flops(self, ops, counts, call="module") -> int | None:
        """A row's FLOPs under the convention the sheet states: the sentence for its op (for the way the
        row's notes say it is called, when the convention counts calls differently), term by term."""
        said = [m for op in ops for m in re.finditer(
            rf"(?:^| ){op}(?: called as ([\w ]+?))? under the \w+ convention: FLOPs = (.+?)\.(?= |$)", self.rules)]
        texts = {m.group(2) for m in said if m.group(1) is None or call in m.group(1).split(" or ")}
        if not texts:      # the op's own sentence states its FLOPs (without the bias add: the sheet says so)
            assert all(f"{op} under the" not in self.rules for op in ops)
            return None
        assert len(texts) == 1, (ops, texts)     # the sheet says what this row counts, one way
        text = texts.pop()
        if text == "0 (not counted)":
            return 0
        total = 0
        for term in text.split(" + "):
            weight = re.fullmatch(r"(\d+) x \((.+)\)", term)
            w, words = (int(weight.group(1)), weight.group(2)) if weight else (1, term)
            total += w * counts[self.COUNTED[words]]
        return total

    def need(self, *phrases) -> int:
        """The index of the first phrase the sheet's conventions state (it must state one when the
        row has a blank; a row without one is only worked out for the shapes it passes on). A FLOP
        rule's phrase comes first, the op's sentence without it second: only under a tool's convention."""
        for i, p in enumerate(phrases):
            if p in self.rules:
                self.used.add(p)
                assert i == 0 or self.convention or phrases[0].startswith("the + 1"), (phrases, "a FLOP rule unsaid")
                return i
        if not self.asked:
            return 0
        raise AssertionError(f"the sheet uses a rule it does not state: {phrases}")

    def answers(self) -> dict:
        col = {h: i for i, h in enumerate(self.headers)}
        out, got, prev = {}, {}, None
        for row in self.rows:
            cell = {h: row[i] for h, i in col.items()}
            self.asked = any(isinstance(c, Cell) for c in row)
            name = cell["layer"]
            notes = [n for n in str(cell.get("notes") or "").split("; ") if n]
            sources = next((n[5:].split(" + ") for n in notes if n.startswith("from ")), [prev] if prev else [])
            if sources:
                ins = [out[s] for s in sources]
                for shown, key in ((cell["C in"], 0), (cell["H/W in"], 1)):
                    if isinstance(shown, str) and shown and "+" not in shown:   # a shown input agrees
                        assert (int(shown) if key == 0 else _hw(shown)) == (ins[0][0] if key == 0 else ins[0][1:])
            else:
                ins = [_shape(cell["C in"], cell["H/W in"])]
            x = ins[0]
            f, k = cell["filters"], cell["kernel"]
            op = notes[0] if notes and notes[0] in ("add", "concat", "flatten", "lrn", "channel_shuffle", "slice",
                                                    "softmax", "mul", "subsample", "rbf", "deform_conv",
                                                    *TRANSFORMER_OPS) else None
            groups = next((int(n.split()[1]) for n in notes if n.startswith("groups ")), 1)
            bias = "no bias" not in notes
            add1 = 1 if bias and self.bias_add else 0
            if not bias:
                self.need("leaves out the + C_out")
            params = flops = 0
            ops, macs, extra_bias = (op,), 0, 0
            if op in TRANSFORMER_OPS:
                shape, params, flops = self.transformer(op, x, f, k, notes, bias, add1, ins)
            elif op == "mul":
                self.need("one multiplication per element")
                shape, flops = x, math.prod(x)
            elif op == "subsample":      # LeNet-5's S2: a coefficient and a bias per map
                self.need("parameters 2C (C with 'no bias')")
                shape = (x[0], *self.window(x, cell, notes))
                params, flops = x[0] * (2 if bias else 1), math.prod(shape) * (math.prod(_pair(k)) + add1)
                macs = math.prod(shape) * math.prod(_pair(k))
            elif op == "rbf":            # LeNet-5's output: out x in weights, 2 operations per weight
                self.need("out x in weights, no bias; 2 operations per weight")
                shape, n_in = (int(f),), math.prod(x)
                params, flops, bias = int(f) * n_in, 2 * int(f) * n_in, False
            elif op == "deform_conv":    # Dai et al. 2017: conv + offset conv + bilinear sampling x 4
                self.need("its offset conv has 2 x K x K x deform_groups filters over all C_in channels")
                c_out, (kh, kw) = int(f), _pair(k)
                shape = (c_out, *self.window(x, cell, notes))
                dg = next((int(n.split()[1]) for n in notes if n.startswith("deform_groups ")), 1)
                offsets, off_bias = 2 * kh * kw * dg, "offset conv without bias" not in notes
                per, full = x[0] // groups * kh * kw, x[0] * kh * kw
                params = c_out * per + (c_out if bias else 0) + offsets * full + (offsets if off_bias else 0)
                positions = shape[1] * shape[2]
                flops = (math.prod(shape) * (per + add1) + positions * offsets * (full + (1 if off_bias and self.bias_add else 0))
                         + positions * full * 4)
                macs = math.prod(shape) * per + positions * offsets * full
                extra_bias = positions * offsets if off_bias else 0
            elif op == "lrn":
                self.need("lrn: local response normalisation across `size`")
                shape, flops = x, math.prod(x) * int(k)
            elif op == "softmax":
                self.need("softmax: normalised exponentials over the channels (not multiply-adds: 0 FLOPs)")
                shape = x
            elif op == "channel_shuffle":
                self.need("same shape, 0 FLOPs")
                shape = x
            elif op == "slice":
                self.need("channels start .. end-1 of the input")
                start, _, end = f.partition(":")
                shape = (int(end or x[0]) - int(start), *x[1:])
            elif notes and notes[0] == "zeropad_shortcut":   # He et al. 2016, option A: x[:, :, ::s, ::s], zeros
                self.need("keeps every s-th row and column (H' = ceil(H / s)) and pads the channels")
                s = int(cell["stride"])
                shape = (int(f), -(-x[1] // s), -(-x[2] // s))
            elif f != "" and k != "" and any(n.startswith("reads ") for n in notes):   # LeNet-5's C3 table
                self.need("has N x K x K weights + C_out biases")
                c_out, maps = int(f), next(int(n.split()[1]) for n in notes if n.startswith("reads "))
                shape = (c_out, *self.window(x, cell, notes))
                weights = maps * math.prod(_pair(k))
                params = weights + (c_out if bias else 0)
                flops = shape[1] * shape[2] * (weights + (c_out if bias and self.bias_add else 0))
                ops, macs = ("conv",), shape[1] * shape[2] * weights
            elif f != "" and k != "":                                     # conv
                self.need("Conv: parameters C_out x C_in x K x K + C_out")
                c_out, (kh, kw) = int(f), _pair(k)
                shape = (c_out, *self.window(x, cell, notes))
                per = x[0] // groups * kh * kw
                if groups > 1:
                    self.need("C_in / g replaces C_in")
                params = c_out * per + (c_out if bias else 0)
                flops = math.prod(shape) * (per + add1)
                ops, macs = ("conv",), math.prod(shape) * per
            elif k in ("global",):
                self.need("FLOPs C x H x W (each output sums its map)", "Global average pool (kernel 'global')")
                shape, flops = (x[0], 1, 1), math.prod(x)
                ops = ("globalavgpool",)
            elif str(k).startswith("adaptive "):
                self.need("gcd(H, S)", "Adaptive average pool (kernel 'adaptive S')")
                s = _pair(k.split()[1])
                shape = (x[0], *s)
                flops = x[0] * math.prod(n + m - math.gcd(n, m) for n, m in zip(x[1:], s))
                ops = ("adaptiveavgpool",)
            elif k != "":                                               # max or average pool
                self.need("FLOPs are output elements x K x K", "Pooling (max or average): no parameters")
                shape = (x[0], *self.window(x, cell, notes))
                flops = math.prod(shape) * math.prod(_pair(k))
                ops = (notes[0],) if notes and notes[0] in ("maxpool", "avgpool") else ("maxpool", "avgpool")
            elif f != "":                                               # fc
                self.need("FC (filters = its outputs): parameters out x in + out")
                shape, n_in = (int(f),), math.prod(x)
                params = int(f) * n_in + (int(f) if bias else 0)
                flops = int(f) * (n_in + (1 if bias and self.bias_add else 0))
                ops, macs = ("fc",), int(f) * n_in
            elif op == "add":
                self.need("one addition per element per extra input", "add: the sum of its inputs")
                shape, flops = x, math.prod(x) * (len(ins) - 1)
            elif op == "concat":
                self.need("C out = the sum of their C")
                shape = (sum(i[0] for i in ins), *x[1:])
            elif op == "flatten":
                self.need("Flatten: C x H x W -> a vector")
                shape = (math.prod(x),)
            else:
                raise AssertionError(f"{name}: the sheet does not say what this row is")
            if self.convention and self.asked:
                n = math.prod(shape)
                call = next((x[10:] for x in notes if x.startswith("called as ")), "module")
                tool = self.tool_flops(ops, {"macs": macs, "bias": (n if bias else 0) + extra_bias, "elements": n,
                                             "outputs": n, "inputs": sum(math.prod(i) for i in ins), "params": params,
                                             "rule_no_bias": flops, "rule": flops + (n if bias else 0) + extra_bias},
                                       call)
                flops = flops if tool is None else tool
            if "+ batchnorm" in notes:
                self.need("2C parameters (gamma and beta")
                params, flops = params + 2 * shape[0], flops + math.prod(shape)
                if self.convention and self.asked:
                    n = math.prod(shape)
                    flops += self.tool_flops(("batchnorm",), {"elements": n, "affine": n, "params": 2 * shape[0]}) - n
            if "+ layer_scale" in notes:
                self.need("multiplies each channel by a learned factor: C parameters, one multiplication per element")
                params, flops = params + shape[0], flops + math.prod(shape)
            for i, folded in ((i, n[2:]) for i, n in enumerate(notes) if n.startswith("+ ") and n not in ("+ batchnorm", "+ layer_scale")):
                # an in-place layer the convention counts (ptflops: ReLU twice per element) is named in the notes,
                # and how it is called right after it when that matters
                assert self.convention, (name, folded)
                call = notes[i + 1][10:] if i + 1 < len(notes) and notes[i + 1].startswith("called as ") else "module"
                flops += self.tool_flops((folded,), {"elements": math.prod(shape), "inputs": math.prod(shape),
                                                     "outputs": math.prod(shape), "params": 0}, call) or 0
            out[name] = shape
            prev = name
            got[f"{name}.c_out"] = shape[0]
            if op == "partition" or op != "departition" and len(shape) == 3 and sources and sources[0] in self.grouped:
                self.need("show D under C and 'G x L tok' under H/W")
                self.grouped.add(name)
                got[f"{name}.hw_out"] = f"{shape[1]}x{shape[2]} tok"
            elif len(shape) == 3:
                got[f"{name}.hw_out"] = shape[1] if shape[1] == shape[2] else f"{shape[1]}x{shape[2]}"
            if len(shape) == 2:
                self.need("shows D under C and 'L tok' under H/W")
                got[f"{name}.hw_out"] = f"{shape[1]} tok"
            got[f"{name}.memory"] = self.bytes and math.prod(shape) * self.bytes / 1024
            got[f"{name}.params"], got[f"{name}.flops"] = params, flops * self.batch
        return got

    def transformer(self, op, x, f, k, notes, bias, add1, ins=()):
        """A row of a transformer's op: (shape, params, flops) from the rule its sheet states."""
        if op == "linear":
            self.need("Linear (notes 'linear'; filters = its outputs)", "positions x out x (D")
            out, d = int(f), x[0]
            return (out, *x[1:]), out * d + (out if bias else 0), math.prod(x[1:]) * out * (d + add1)
        if op in ("layernorm", "layernorm2d"):
            self.need("normalises the D features of each token (or pixel): parameters 2D")
            return x, 0 if "no affine" in notes else 2 * x[0], math.prod(x)
        if op == "attention":
            self.need("Attention (notes 'attention'; filters 'h heads')")
            h, (d, *groups, n) = int(f.split()[0]), x
            params = 4 * (d * d + d) if bias else 4 * d * d
            flops = n * 3 * d * (d + add1) + 2 * h * n * n * (d // h) + n * d * (d + add1)
            side = next((int(x.split()[1]) for x in notes if x.startswith("rel_pos ")), 0)
            if groups or side:   # MaxViT: within each of G groups, a relative position bias table
                self.need("attends within each of G groups of L = S x S tokens")
                g = groups[0] if groups else 1
                params += (2 * side - 1) ** 2 * h
                flops = g * flops + (g * h * n * n if self.bias_add else 0)
            return x, params, flops
        if op == "partition":
            self.need("regroups the tokens of the C x H x W map into G groups of L tokens")
            size = int(notes[1].split()[1])
            return (x[0], (x[1] // size) * (x[2] // size), size * size), 0, 0
        if op == "departition":
            self.need("puts the blocks of X back into the C x H x W of the map M")
            return ins[1], 0, 0
        if op == "window_attention":
            self.need("pads the H x W map up to multiples of M (Hp x Wp)")
            h, (c, hh, ww), (mh, mw) = int(f.split()[0]), x, _pair(k.split()[1])
            hp, wp = -(-hh // mh) * mh, -(-ww // mw) * mw
            windows, scores = (hp // mh) * (wp // mw), (hp // mh) * (wp // mw) * h * (mh * mw) ** 2
            flops = hp * wp * 3 * c * (c + add1) + 2 * scores * (c // h) + hp * wp * c * (c + add1)
            if self.bias_add:
                self.need("position bias adds (one per score)")
                flops += scores
            params = 4 * (c * c + c) if bias else 4 * c * c
            entries = (2 * mh - 1) * (2 * mw - 1)
            if "v2" in notes:
                self.need("Swin V2's window attention (notes 'v2; MLP hidden N')")
                n = next(int(x.split()[2]) for x in notes if x.startswith("MLP hidden "))
                params += 3 * n + n * h + h
                flops += entries * n * (2 + (1 if self.bias_add else 0)) + entries * n * h
            else:
                self.need("(2M - 1)^2 x h (the relative position bias table)")
                params += entries * h
            assert windows
            return x, params, flops
        if op == "patch_merge":
            self.need("H x W x C becomes ceil(H/2) x ceil(W/2) x 4C")
            return (4 * x[0], -(-x[1] // 2), -(-x[2] // 2)), 0, 0
        if op == "reshape":
            self.need("puts the same elements in the shape S of its notes")
            text = next(n for n in notes if n.startswith("to "))[3:]
            dims = [int(d) for d in text.split(" (")[0].split(" x ")]
            dims = [math.prod(x) // -math.prod(dims) if d == -1 else d for d in dims]
            if "(tokens x dim)" in text:
                return (dims[1], dims[0]), 0, 0
            return tuple(dims), 0, 0
        if op in ("permute", "transpose"):
            self.need("C (or D) and H/W (or the tokens) keep their sizes")
            return x, 0, 0
        if op == "roll":
            self.need("shifts the map cyclically")
            return x, 0, 0
        if op == "select":
            self.need("from L tokens x D, one token's D features")
            return (x[0],), 0, 0
        if op == "class_token":
            self.need("prepends one learned token: L tokens become L + 1; D parameters")
            return (x[0], x[1] + 1), x[0], 0
        self.need("adds a learned table of L x D values to the L tokens: L x D parameters")    # pos_embedding
        return x, x[0] * x[1], 0

    def window(self, x, cell, notes):
        self.need("H' = floor((H + 2P - K) / S) + 1")
        (kh, kw), (sh, sw), (ph, pw) = (_pair(cell[c]) for c in ("kernel", "stride", "pad"))
        ceil = "ceil_mode" in notes
        if ceil:
            self.need("rounds the output size up")
        sides = []
        for n, k, s, p in ((x[1], kh, sh, ph), (x[2], kw, sw, pw)):
            o = (-(-(n + 2 * p - k) // s) if ceil else (n + 2 * p - k) // s) + 1
            sides.append(o - 1 if ceil and (o - 1) * s >= n + p else o)
        return tuple(sides)


# every network of the zoo (the lecture's AlexNet and VGG, and the ones whose sheets were
# unanswerable: ResNet with folded batch norm and no bias, MobileNetV2's depthwise groups, ...)
NETWORKS = [name for name, _, _ in zoo.entries()]


@pytest.mark.parametrize("network", NETWORKS)
def test_every_blank_follows_from_the_sheet_alone(network):
    sheet = make_sheets(network)[0]
    student = Student(sheet)
    got = student.answers()
    blanks = sheet.blanks()
    assert len(blanks) > 0
    for b in blanks:
        assert got[b.id] == b.exact, (b.id, got[b.id], b.exact)


@pytest.mark.parametrize("conventions", [dict(bias_flops=False), dict(dtype="float16", batch=2)])
def test_sheets_state_their_conventions(conventions):
    # the torchvision/fvcore count without the bias add, and half precision for a batch of 2
    for network in ("alexnet", "resnet18", "mobilenet_v2", "vit_b_16", "swin_v2_t", "convnext_tiny", "maxvit_t",
                    "resnet20"):
        sheet = make_sheets(network, **conventions)[0]
        got = Student(sheet).answers()
        assert all(got[b.id] == b.exact for b in sheet.blanks()), network


# the CNNs of the zoo (every kind of layer in them: _covering) under every tool's convention (counting.py:
# torchvision 0.28 model pages, fvcore 0.1.5 FlopCountAnalysis, thop 0.1.1 profile, ptflops 0.7.5, torchinfo
# 1.8.0): the sheet states each op's rule from the convention, and its key agrees with what a student computes from those sentences alone
CNNS = [n for n in NETWORKS if not n.startswith(("vit", "swin", "convnext", "maxvit"))]


def _covering(names):
    """The smallest networks that between them have every kind of layer of ``names`` (its op and its
    non-numeric attributes: call, bias, pad 'same', ceil_mode, ...) and every junction of two ops: a tool's
    rules depend on those, not on how many times a block repeats (resnet1202 adds nothing to resnet110)."""
    def kinds(name):
        g = archcost.build_graph(name)
        out = set()
        for v, d in g.nodes(data=True):
            out.add((d["op"], tuple(sorted((k, x) for k, x in d["attrs"].items()
                                           if isinstance(x, (str, bool)) or x is None))))
            out.update((d["op"], g.nodes[w]["op"]) for w in g.successors(v))
        return len(g), out

    sizes = {n: kinds(n) for n in names}
    covered, chosen = set(), []
    for n in sorted(names, key=lambda n: sizes[n][0]):
        if not sizes[n][1] <= covered:
            chosen.append(n)
            covered |= sizes[n][1]
    return chosen


@pytest.mark.parametrize("convention", ["torchvision", "fvcore", "thop", "ptflops", "torchinfo"])
@pytest.mark.parametrize("network", _covering(CNNS))
def test_a_tool_convention_sheet_states_that_tools_rules(network, convention):
    sheet = make_sheets(network, convention=convention)[0]
    student = Student(sheet)
    assert student.convention and student.convention.group(1) == convention
    assert "the + 1 being the bias add" not in student.rules and "one multiply-add per element" not in student.rules
    got = student.answers()
    for b in sheet.blanks():
        assert got[b.id] == b.exact, (b.id, got[b.id], b.exact)


def test_mobilenet_v2_depthwise_row():
    # MobileNetV2's first depthwise conv (torchvision mobilenet_v2: Conv2d(32, 32, 3, groups=32,
    # bias=False) + BatchNorm2d(32)): 32 x 1 x 3 x 3 + 2 x 32 = 352 parameters, which the sheet's
    # rules must give (C_out x C_in x K x K + C_out gives 9,248)
    sheet = make_sheets("mobilenet_v2", groups=("params",), rows=("bottleneck1.0.dwconv",))[0]
    assert [b.exact for b in sheet.blanks()] == [352]
    assert Student(sheet).answers()["bottleneck1.0.dwconv.params"] == 352
    md = render(sheet, "markdown")
    assert "groups 32; no bias; + batchnorm" in md


def test_a_sheet_states_only_the_rules_it_needs():
    alexnet = " ".join(make_sheets("alexnet")[0].conventions)
    assert "groups" not in alexnet and "Batch norm" not in alexnet and "no bias" not in alexnet
    assert "ceil_mode" not in alexnet
    # the inception question counts without the bias add: its rules must not say otherwise
    inception = make_sheets(exercises=("inception",))[0]
    rules = " ".join(inception.conventions)
    assert "without the bias add" in rules and "+ 1 bias add" not in rules and "the + 1 being" not in rules


def test_the_question_mark_sentence_only_with_a_question_mark():
    one = make_sheets("alexnet", groups=("params",))[0]       # no output blank: no '?'
    md = render(one, "markdown")
    assert "?" not in md.split("## 1.")[1].split("| layer")[1] and "A '?' is" not in md
    two = make_sheets("alexnet", groups=("output",))[0]
    assert "A '?' is an input" in render(two, "markdown")


def test_resnet_identity_shortcut_adds_the_block_input():
    # He et al. 2016, Fig. 2: an identity block adds its input x to F(x). Before, a shortcut
    # skipped by 'when:' made the add read F(x) twice (same counts, wrong graph and sheet).
    r = archcost.analyze("resnet18")
    assert r.layer("layer1.0.add").inputs == ("layer1.0.bn2", "maxpool")
    assert r.layer("layer2.0.add").inputs == ("layer2.0.bn2", "layer2.0.downsample.1")


def test_a_variant_is_titled_as_one_and_keeps_history():
    sheets = make_sheets("alexnet", variants=2, seed=3)
    titles = [s.title for s in sheets]
    assert all("variant" in t and "lecture version" not in t for t in titles)
    assert titles[0] != titles[1]
    md = render(sheets[0], "markdown")
    assert "64/192/384/256/256" not in md
    for s in make_sheets(exercises=("alexnet-224",), variants=3, seed=1):
        prompt = " ".join(s.sections[0].prompt)
        assert "The AlexNet paper feeds a 224x224x3 image" in prompt   # Krizhevsky et al. 2012, section 3.5
        assert re.search(r"paper feeds a (?!224)\d+x", prompt) is None


@pytest.mark.parametrize("seed", range(6))
def test_blank_rate_never_leaves_a_give_away_shown(seed):
    # memory = output elements x 4 / 1024 (EECS 498 lecture 8): a shown output shape gives a blank
    # memory away, and the reverse; and a blank output is never shown as the next row's input
    sheet = make_sheets("resnet18", rate=0.3, seed=seed)[0]
    ids = {b.id for b in sheet.blanks()}
    rows = {i.rsplit(".", 1)[0] for i in ids}
    for r in rows:
        vector = r in ("fc", "flatten")     # a vector has no H/W out
        assert (f"{r}.memory" in ids) == (f"{r}.c_out" in ids), r
        assert vector or (f"{r}.c_out" in ids) == (f"{r}.hw_out" in ids), r
    student = Student(sheet)
    names = [row[0] for row in student.rows]
    for row in student.rows:       # an add's inputs come from two rows: neither may give its blank away
        notes = row[-1].split("; ")
        sources = next((n[5:].split(" + ") for n in notes if n.startswith("from ")), None)
        if sources is None and names.index(row[0]):
            sources = [names[names.index(row[0]) - 1]]
        if any(f"{s}.c_out" in ids for s in sources or ()):
            assert row[1] is None and row[2] is None, row[0]


def test_keys_write_numbers_one_way():
    # AlexNet fc8 (lecture table): 1,000 x 4 / 1,024 = 3.90625 KB, which the table rounds to 4
    sheet = make_sheets("alexnet", groups=("memory",), rows=("fc8",))[0]
    key = render(sheet, "markdown", key=True)
    assert "1,000 x 4 / 1,024 = 3.90625" in key and "3.9062\n" not in key
    assert "fc8: memory (KB): 3.90625 -> 4 (halves up)" in key
    vgg = render(make_sheets(exercises=("vgg-stack",))[0], "markdown", key=True)
    # 3 x 64 x 64 x 3 x 3 = 110,592 against 64 x 64 x 7 x 7 = 200,704 weights: 27/49 = 0.5510...
    assert "110,592 / 200,704 = 0.5510..." in vgg and "0.5510... -> 0.55 (halves up)" in vgg
    assert not re.search(r"(?<![\d,.x])\d{4,}(?![\d,])", vgg.split("## 1.")[1].replace("7x7", "")), \
        "a number of four digits or more without separators"


def test_the_findings_sheet_shows_the_table_it_asks_about():
    # EECS 498 lecture 8's AlexNet table: total 2,339 KB, 61,101 k parameters, 718 MFLOP
    sheet = make_sheets("alexnet", exercises=("findings",))[0]
    md = render(sheet, "markdown")
    assert "| fc6 " in md and "37,753" in md
    total = next(line for line in md.splitlines() if line.startswith("| total"))
    assert [c.strip() for c in total.split("|")[10:13]] == ["2,339", "61,101", "718"]


def test_an_mlp_spec_has_worksheet_variants(tmp_path):
    # a 784-256-10 MLP (LeCun et al. 1998's MNIST input size): the input keeps its 784, fc1's
    # width is drawn, the classifier keeps its 10 classes
    spec = tmp_path / "mlp.yaml"
    spec.write_text("name: mlp\ninput: [784]\nlayers:\n  - {name: fc1, op: fc, out: 256}\n  - {op: relu}\n"
                    "  - {name: fc2, op: fc, out: 10}\n")
    sheets = make_sheets(str(spec), variants=3, seed=1)
    reps = [s.info for s in sheets]
    assert all(r["input"] == [784] for r in reps)
    widths = [s.sections[0].parts[0].rows[0][3] for s in sheets]
    assert len(set(widths)) == 3 and all(int(w) % 16 == 0 for w in widths)
    assert all(str(s.sections[0].parts[0].rows[1][3]) == "10" for s in sheets)


def test_long_names_in_a_pdf_and_dollars_in_a_plot(tmp_path):
    name = "block" * 60 + "$\\nosuchcommand$"
    spec = tmp_path / "odd.yaml"
    spec.write_text(f'name: odd\ninput: [3, 16, 16]\nlayers:\n  - {{name: "{name}", op: conv, out: 8, kernel: 3}}\n'
                    '  - {name: "cost in $", op: maxpool, kernel: 2}\n')
    from archcost.worksheet import worksheet_files
    if __import__("importlib").util.find_spec("fpdf"):
        files = worksheet_files(make_sheets(str(spec)), ["pdf"])
        assert files["worksheet-odd-s0.pdf"][:5] == b"%PDF-"
    pytest.importorskip("matplotlib")
    from archcost.render.plot import image, layers_figure
    fig = layers_figure(archcost.analyze(str(spec)))
    labels = [t.get_text() for t in fig.axes[-1].get_xticklabels()]
    assert labels[1] == "cost in \\$" and labels[0].endswith("\\$\\nosuchcommand\\$")
    assert len(labels[0].replace("\\$", "$")) == 40     # cut to 40 characters, its end kept
    assert image(fig)[:4] == b"\x89PNG"      # mathtext would fail on \nosuchcommand


def test_names_cannot_break_a_table(tmp_path):
    spec = tmp_path / "names.yaml"
    spec.write_text('name: names\ninput: [3, 8, 8]\nlayers:\n  - {name: "a|b", op: conv, out: 4, kernel: 3}\n'
                    '  - {name: "two\\nlines\\u0007", op: maxpool, kernel: 2}\n')
    from archcost.render.table import render_table
    r = archcost.analyze(str(spec))
    md = render_table(r, "markdown")
    rows = [line for line in md.splitlines() if line.startswith("|")]
    assert len(rows) == 5 and all(line.count("|") - line.count("\\|") == 13 for line in rows)
    assert "| a\\|b " in md and "two\\nlines\\x07" in md
    text = render_table(r, "text")
    assert "two\\nlines\\x07" in text and "\x07" not in text
