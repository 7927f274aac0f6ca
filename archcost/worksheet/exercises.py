"""The lectures' classic questions, each built from small generated specs that archcost analyzes.

Every number a student fills in, and every number in the key, comes from a
report of :func:`archcost.analyze`: nothing is typed in. Without variants an
exercise uses the lecture's own numbers; a variant draws new ones with its
random generator.

>>> import random
>>> s = EXERCISES["vgg-stack"].build(Context(random.Random(0)))
>>> {b.id: b.shown() for b in s.parts[0].blanks}
{'stack.rf': '7', 'stack.params': '110,592', 'single.params': '200,704'}
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction
from functools import reduce
from operator import add
from typing import Callable

from ..arith import Term, fmt
from ..render.units import exact_memory
from ..report import Report
from .model import Blank, Question, Section
from .rules import flops_rule, layer_rules, memory_rule, tensor_rule
from .variants import is_whole


@dataclass
class Context:
    """What an exercise is built from: a random generator, whether to draw new numbers
    (a variant) or use the lecture's, the network's report (if it needs one), the counting
    conventions (``analyze``'s keywords) and the table's options (groups, rate, rows)."""

    rng: random.Random
    varied: bool = False
    report: Report | None = None
    conventions: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    structure: bool = False     # the 'structure' difficulty: exercises that can also change their layers do
    numbers: dict = field(default_factory=dict)   # the lecture numbers a network's own layers give (from_network)

    def given(self, name, lecture):
        """The network's own number for ``name`` when the sheet names a network, else the lecture's."""
        return self.numbers.get(name, lecture)

    def pick(self, lecture, choices):
        return self.rng.choice(choices) if self.varied else lecture


def run(data: dict, **conventions) -> Report:
    """Analyze a spec written as a dict: the exercise's own small network."""
    from .. import analyze
    from ..spec.loader import spec_from_data

    return analyze(spec_from_data(data, f"<exercise {data['name']}>"), **conventions)


def worked_sum(values, unit: str = "") -> str:
    """'784 + 547 = 1,331' (the exact values, with their sum)."""
    total = reduce(add, (Term(v) for v in values))
    return total.result() + (f" {unit}" if unit else "")


def explain(report: Report, names) -> str:
    from ..render.explain import explain_layer

    return "\n".join(explain_layer(report, n) for n in names)


def receptive_field(report: Report, names) -> tuple[int, str]:
    """The receptive field of a chain of windows, worked: 1 + the sum of (K - 1) x the product
    of the strides before it. Three 3x3 stride-1 convs: '1 + (3 - 1) + (3 - 1) + (3 - 1) = 7'."""
    rf, jump, terms = 1, 1, ["1"]
    for n in names:
        k, s = report.layer(n).attrs["kernel"][0], report.layer(n).attrs["stride"][0]
        rf += (k - 1) * jump
        terms.append(f"({k} - 1)" + (f" x {jump}" if jump != 1 else ""))
        jump *= s
    return rf, f"{' + '.join(terms)} = {rf}"


# ---------------------------------------------------------------- exercises
def vgg_stack(ctx: Context) -> Section:
    """VGG: three stacked 3x3 convs see what one 7x7 sees, with 27C^2 weights instead of 49C^2."""
    c = ctx.pick(64, (32, 48, 64, 96, 128, 192, 256))
    h = ctx.pick(56, (14, 28, 56))
    conv = {"op": "conv", "out": c, "pad": 1, "kernel": 3, "bias": False}
    stack = run({"name": "stack", "input": [c, h, h],
                 "layers": [dict(conv, name=f"conv3x3_{i}") for i in (1, 2, 3)]}, **ctx.conventions)
    single = run({"name": "single", "input": [c, h, h],
                  "layers": [dict(conv, name="conv7x7", kernel=7, pad=3)]}, **ctx.conventions)
    names = ["conv3x3_1", "conv3x3_2", "conv3x3_3"]
    rf, rf_text = receptive_field(stack, names)
    p3, p7 = stack.totals.params, single.totals.params
    blanks = (Blank("stack.rf", "receptive field of the three 3x3 convs (pixels per side)", rf, group="rf"),
              Blank("stack.params", "weights of the three 3x3 convs", p3, group="stack"),
              Blank("single.params", "weights of the one 7x7 conv", p7, group="single"))
    ratio = (Blank("ratio.params", "weights of the stack / weights of the 7x7 (2 decimals)",
                   Fraction(p3, p7), decimals=2, group="ratio"),
             Blank("stack.flops", f"multiply-adds of the stack on a {h}x{h} map",
                   stack.totals.flops, "M", 10**6, accept=(stack.totals.flops,), group="stack"),
             Blank("single.flops", f"multiply-adds of the 7x7 on a {h}x{h} map",
                   single.totals.flops, "M", 10**6, accept=(single.totals.flops,), group="single"))
    work = (("rf", "receptive field", f"{rf_text} (each 3x3 stride-1 conv adds 3 - 1 = 2 pixels)"),
            ("stack", "the 3x3 stack", explain(stack, names) + "\n  stack: "
             + worked_sum([stack.layer(n).params for n in names], "weights")),
            ("single", "the 7x7", explain(single, ["conv7x7"])),
            ("ratio", "ratio", f"{p3:,} / {p7:,} = {fmt(Fraction(p3, p7))} (27C^2 / 49C^2 = 27/49)"))
    prompt = (f"An input of {c} channels, {h}x{h}. Compare three stacked 3x3 convolutions (stride 1, pad 1, "
              f"{c} filters each) with one 7x7 convolution (stride 1, pad 3, {c} filters). Leave the biases out.",)
    rules = (flops_rule(stack.conventions),
             *(t for _, t in layer_rules(stack.layers + single.layers, stack.conventions, ("conv", "nobias"))))
    return Section("Three 3x3 convolutions against one 7x7 (VGG)", prompt,
                   (Question("What does each see, and what does each cost?", blanks),
                    Question("And in compute?", ratio)), work, rules=rules)


def inception(ctx: Context) -> Section:
    """GoogLeNet: the multiply-adds of a naive Inception module against one with 1x1 bottlenecks."""
    c = ctx.pick(256, (192, 256, 320))
    h = ctx.pick(28, (14, 28))
    n1, n3, n5 = (ctx.pick(v, tuple(v + d for d in (-32, 0, 32))) for v in (128, 192, 96))
    r = ctx.pick(64, (32, 48, 64))
    opts = dict(ctx.conventions, bias_flops=False)   # the lecture counts the weights' multiply-adds only

    def module(name, bottleneck):
        red = (lambda n, inp: [{"name": f"{n}_reduce", "op": "conv", "input": inp, "out": r, "kernel": 1}]) \
            if bottleneck else (lambda n, inp: [])
        layers = [{"name": "b1x1", "op": "conv", "input": "input", "out": n1, "kernel": 1}]
        layers += red("b3x3", "input") + [{"name": "b3x3", "op": "conv", "out": n3, "kernel": 3, "pad": 1,
                                           **({} if bottleneck else {"input": "input"})}]
        layers += red("b5x5", "input") + [{"name": "b5x5", "op": "conv", "out": n5, "kernel": 5, "pad": 2,
                                           **({} if bottleneck else {"input": "input"})}]
        layers += [{"name": "pool", "op": "maxpool", "input": "input", "kernel": 3, "stride": 1, "pad": 1}]
        last = "pool"
        if bottleneck:
            layers += [{"name": "pool_proj", "op": "conv", "out": r, "kernel": 1}]
            last = "pool_proj"
        layers += [{"name": "output", "op": "concat", "input": ["b1x1", "b3x3", "b5x5", last]}]
        return run({"name": name, "input": [c, h, h], "layers": layers}, **opts)

    naive, bottle = module("naive", False), module("bottleneck", True)

    def convs(rep):
        return [x for x in rep.layers if x.kind == "conv"]

    fn, fb = (sum(x.flops for x in convs(rep)) for rep in (naive, bottle))
    out_n, out_b = naive.layer("output").output_shape, bottle.layer("output").output_shape
    blanks = (Blank("naive.channels", "naive module: output channels", out_n[0], group="naive"),
              Blank("naive.flops", "naive module: multiply-adds of its convolutions", fn, "M", 10**6,
                    accept=(fn,), group="naive"),
              Blank("bottleneck.channels", "with bottlenecks: output channels", out_b[0], group="bottleneck"),
              Blank("bottleneck.flops", "with bottlenecks: multiply-adds of its convolutions", fb, "M", 10**6,
                    accept=(fb,), group="bottleneck"),
              Blank("ratio.flops", "naive / bottleneck multiply-adds (1 decimal)", Fraction(fn, fb),
                    decimals=1, group="ratio"))
    work = (("naive", "naive module", explain(naive, [x.name for x in convs(naive)])
             + f"\n  convolutions: {worked_sum([x.flops for x in convs(naive)])}"
             + f"\n  output: {' + '.join(str(naive.layer(n).output_shape[0]) for n in ('b1x1', 'b3x3', 'b5x5', 'pool'))}"
             f" = {out_n[0]} channels ({'x'.join(map(str, out_n))})"),
            ("bottleneck", "with 1x1 bottlenecks", explain(bottle, [x.name for x in convs(bottle)])
             + f"\n  convolutions: {worked_sum([x.flops for x in convs(bottle)])}"),
            ("ratio", "ratio", f"{fn:,} / {fb:,} = {fmt(Fraction(fn, fb))}"))
    notes = ()
    if not ctx.varied:
        notes = (f"Some slides total the bottleneck module at 358M multiply-adds: its own six terms add up to "
                 f"{fb / 1e6:.0f}M, as counted here (358M is that plus the 3x3 conv's "
                 f"{bottle.layer('b3x3').flops / 1e6:.0f}M a second time).",)
    prompt = (f"An Inception module takes a {h}x{h}x{c} input (H x W x C). Its branches: {n1} 1x1 convs, "
              f"{n3} 3x3 convs (pad 1), {n5} 5x5 convs (pad 2) and a 3x3 max pool (stride 1, pad 1), all "
              "concatenated on the channel axis.",
              f"The version with bottlenecks puts {r} 1x1 convs before the 3x3 and the 5x5 convs, and {r} 1x1 "
              "convs after the pool. Count only the convolutions' multiply-adds (one per weight used, no bias "
              "add; the pool's comparisons are not multiply-adds).")
    asked = convs(naive) + convs(bottle) + [naive.layer("output")]
    rules = (flops_rule(naive.conventions),
             *(t for _, t in layer_rules(asked, naive.conventions, ("conv", "nobias", "concat"))))
    return Section("A naive Inception module against one with 1x1 bottlenecks (GoogLeNet)", prompt,
                   (Question("How big is the output, and what does the module cost?", blanks),), work, notes,
                   rules)


def alexnet_224(ctx: Context) -> Section:
    """The AlexNet paper's erratum: a 224 x 224 input does not give 55 x 55 after conv1."""
    k, s, f = 11, 4, 96
    h = ctx.pick(224, [v for v in range(216, 241) if not is_whole(v, k, s, 0, 0)])   # the floor is the point
    conv = {"name": "conv1", "op": "conv", "out": f, "kernel": k, "stride": s}
    got = run({"name": "given", "input": [3, h, h], "layers": [conv]}, **ctx.conventions)
    fits = next(v for v in range(h, h + s) if is_whole(v, k, s, 0, 0))    # the next input that divides
    whole = run({"name": "whole", "input": [3, fits, fits], "layers": [conv]}, **ctx.conventions)
    exact = Fraction(h - k, s) + 1
    blanks = (Blank("given.exact", f"(H - K) / S + 1 for H = {h} (2 decimals)", exact, decimals=2, group="given"),
              Blank("given.hw", f"the output side conv1 gives for H = {h}", got.layer("conv1").output_shape[1],
                    group="given"),
              Blank("whole.input", f"the smallest input side >= {h} whose division is whole", fits, group="whole"),
              Blank("whole.hw", "the output side for that input", whole.layer("conv1").output_shape[1], group="whole"),
              Blank("whole.memory", "conv1's output memory for that input",
                    exact_memory(whole.layer("conv1").memory_bytes), "KB",
                    group="whole"))
    work = (("given", f"H = {h}", explain(got, ["conv1"])),
            ("whole", f"H = {fits}", explain(whole, ["conv1"])))
    paper = (f"The AlexNet paper feeds a 224x224x3 image to conv1: {f} filters of 11x11x3, stride 4, "
             "no padding, and its figure shows a 55x55 output.")
    prompt = ((paper,) if h == 224 else
              (paper, f"This sheet's variant of the question (not the paper's numbers): the same conv1 on a "
                      f"{h}x{h}x3 image.")) + \
        ("Work out the output size the formula gives, and the input size that makes the division whole.",)
    title = ("Why AlexNet's 224 input does not give 55 (the paper's erratum)" if h == 224 else
             f"conv1 of AlexNet on a {h} input (a variant of the paper's 224 erratum)")
    rules = (tensor_rule(got.conventions), memory_rule(got.conventions),
             *(t for _, t in layer_rules(got.layers, got.conventions, ("window",))))
    return Section(title, prompt,
                   (Question("conv1's output size", blanks),), work, rules=rules)


def findings(ctx: Context) -> Section:
    """Where a network's memory, parameters and FLOPs sit: the lecture's three findings, with the
    shares and statements of ``archcost findings`` (:func:`archcost.render.findings.derive`)."""
    from ..render.findings import derive
    from .table import shown_table

    rep = ctx.report
    rows = rep.rows()
    derived = derive(rep)
    kind = {s.group: s for s in derived.shares if s.section == "kind"}
    early = next((s for s in derived.shares if s.section == "position" and s.group.startswith("first")), None)
    asked = (("memory", "memory_kb", "memory", "KB", early, "memory_share"),
             ("params", "params", "parameters", "", kind.get("fc"), "params_share"),
             ("flops", "flops", "FLOPs", "", kind.get("conv"), "flops_share"))
    blanks, work = [], []
    for key, field_, word, unit, share, attr in asked:
        top = max(rows, key=lambda x: getattr(x, field_))
        blanks.append(Blank(f"{key}.top", f"the row with the most {word}", top.name, group=key))
        if share is not None:
            where = f"the {share.group}" if share.section == "position" else f"the {share.group} layers"
            blanks.append(Blank(f"{key}.share", f"share of all {word} in {where}", 100 * getattr(share, attr), "%",
                                group=key))
        most = f"most: {top.name} ({Term(getattr(top, field_)).text}{' ' + unit if unit else ''})"
        finding = next((f.statement for f in derived.findings if f.budget == key), "")
        work.append((key, word, f"{most}\n{finding}".strip()))
    prompt = (f"Use the table of {rep.network} below ({rep.title}, input {'x'.join(map(str, rep.input))}): "
              "work out where its memory, its parameters and its FLOPs sit. Shares in whole percent.",)
    rules = ("A share is 100 x the part / the whole, rounded half up to a whole percent. The key works it "
             "from the exact counts, and a kind's layers alone (a batch norm folded into a conv's row is not "
             "a conv layer): from the table's rounded figures it may come out one percent off.",)
    return Section(f"Where the memory, the parameters and the FLOPs of {rep.network} sit", prompt,
                   (shown_table(rep), Question("The three findings", tuple(blanks))), tuple(work), rules=rules)


def table(ctx: Context) -> Section:
    from .table import table_section

    o = ctx.options
    return table_section(ctx.report, ctx.rng, o.get("groups") or ("output", "memory", "params", "flops"),
                         o.get("rate"), o.get("rows"))


@dataclass(frozen=True)
class Exercise:
    name: str
    title: str
    build: Callable[[Context], Section]
    needs_network: bool = False
    from_network: Callable | None = None   # report -> its numbers for this exercise (or an ArchcostError)


EXERCISES = {e.name: e for e in (
    Exercise("table", "the network's per-layer table with blank cells (the default)", table, True),
    Exercise("vgg-stack", "three stacked 3x3 convs against one 7x7: receptive field, weights, compute (VGG)",
             vgg_stack),
    Exercise("inception", "multiply-adds of a naive Inception module against 1x1 bottlenecks (GoogLeNet)",
             inception),
    Exercise("alexnet-224", "why AlexNet's 224 input gives 54.25, not 55 (the paper's erratum)", alexnet_224),
    Exercise("findings", "where the memory, the parameters and the FLOPs of the network sit (the three findings)",
             findings, True),
)}

# the lectures' other questions (ResNet, MobileNet, SENet, EfficientNet ...) build on the helpers above
from .lectures import LECTURE_EXERCISES  # noqa: E402

EXERCISES.update(LECTURE_EXERCISES)
