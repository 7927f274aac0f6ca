"""More of the lectures' questions: ResNet's bottleneck, MobileNet's depthwise separable conv, the
SE block, a stack's receptive field, output sizes, GoogLeNet's 1x1 convs, EfficientNet's
compound scaling. As in :mod:`.exercises`, every key is a report of :func:`archcost.analyze`
on the exercise's own small spec: nothing is typed in.

>>> import random
>>> from .exercises import Context
>>> s = LECTURE_EXERCISES["bottleneck"].build(Context(random.Random(0)))
>>> {b.id: b.shown() for b in s.parts[0].blanks}["bottleneck.params"]   # He et al. 2016, Fig. 5: 256-d
'69,632'
"""

from __future__ import annotations

from fractions import Fraction

from ..arith import fmt
from .exercises import Context, Exercise, explain, receptive_field, run, worked_sum
from .mistakes import mistaken_total as wrong
from .model import Blank, Question, Section
from .rules import flops_rule, layer_rules


def _conv(name, out, kernel, **kw):
    return {"name": name, "op": "conv", "out": out, "kernel": kernel, "pad": kernel // 2, "bias": False, **kw}


def _rules(reports, only=("conv", "nobias", "fc", "window")):
    conv = reports[0].conventions
    return (flops_rule(conv), *(t for _, t in layer_rules([x for r in reports for x in r.layers], conv, only)))


def _totals(rep, names):
    return explain(rep, names) + f"\n  parameters: {worked_sum([rep.layer(n).params for n in names])}" \
        + f"\n  FLOPs: {worked_sum([rep.layer(n).flops for n in names])}"


def bottleneck(ctx: Context) -> Section:
    """ResNet: a bottleneck block (1x1 down, 3x3, 1x1 up) against two 3x3 convs at full width."""
    c = ctx.pick(ctx.given("c", 256), (64, 128, 192, 256, 384, 512, 768, 1024))
    h = ctx.pick(ctx.given("h", 56), (7, 14, 28, 56, 112))
    red = c // ctx.pick(4, (2, 4, 8)) if ctx.structure else ctx.given("red", c // 4) if not ctx.varied else c // 4
    inp = [c, h, h]
    block = run({"name": "bottleneck", "input": inp, "layers": [
        _conv("reduce", red, 1), _conv("conv3x3", red, 3), _conv("expand", c, 1)]}, **ctx.conventions)
    plain = run({"name": "plain", "input": inp, "layers": [_conv("conv_a", c, 3), _conv("conv_b", c, 3)]},
                **ctx.conventions)
    bn, pn = ["reduce", "conv3x3", "expand"], ["conv_a", "conv_b"]
    pb, pp = block.totals.params, plain.totals.params
    fb, fp = block.totals.flops, plain.totals.flops
    blanks = (Blank("bottleneck.params", f"weights of the bottleneck block ({c} -> {red} -> {red} -> {c})", pb,
                    group="bottleneck", mistakes=wrong(block, bn, "params")),
              Blank("plain.params", f"weights of the two 3x3 convs ({c} -> {c} -> {c})", pp, group="plain",
                    mistakes=wrong(plain, pn, "params")),
              Blank("bottleneck.flops", f"multiply-adds of the bottleneck block on a {h}x{h} map", fb, "M", 10**6,
                    accept=(fb,), decimals=1, group="bottleneck", mistakes=wrong(block, bn, "flops")),
              Blank("plain.flops", f"multiply-adds of the two 3x3 convs on a {h}x{h} map", fp, "M", 10**6,
                    accept=(fp,), decimals=1, group="plain", mistakes=wrong(plain, pn, "flops")),
              Blank("ratio.params", "weights of the two 3x3 convs / weights of the bottleneck (1 decimal)",
                    Fraction(pp, pb), decimals=1, group="ratio"))
    work = (("bottleneck", "bottleneck block", _totals(block, bn)),
            ("plain", "two 3x3 convs", _totals(plain, pn)),
            ("ratio", "ratio", f"{pp:,} / {pb:,} = {fmt(Fraction(pp, pb))}"))
    prompt = (f"A {c}-channel {h}x{h} feature map (ResNet). Compare a bottleneck block, a 1x1 conv down to {red} "
              f"channels, a 3x3 conv ({red} filters, pad 1) and a 1x1 conv back up to {c}, with two 3x3 convs of "
              f"{c} filters (pad 1). No biases (each conv is followed by batch norm; leave those out).",)
    return Section("ResNet's bottleneck block against two 3x3 convs", prompt,
                   (Question("What does each cost?", blanks),), work, rules=_rules([block, plain]))


def depthwise(ctx: Context) -> Section:
    """MobileNet: a depthwise separable conv against a standard one; the saving is 1/N + 1/K^2."""
    c = ctx.pick(ctx.given("c", 512), (64, 128, 256, 512))
    n = ctx.pick(ctx.given("n", 512), (64, 128, 256, 512, 1024))
    h = ctx.pick(ctx.given("h", 14), (7, 14, 28))
    k = ctx.pick(3, (3, 5)) if ctx.structure else ctx.given("k", 3) if not ctx.varied else 3
    inp = [c, h, h]
    std = run({"name": "standard", "input": inp, "layers": [_conv("conv", n, k)]}, **ctx.conventions)
    sep = run({"name": "separable", "input": inp, "layers": [_conv("depthwise", c, k, groups=c),
                                                             _conv("pointwise", n, 1)]}, **ctx.conventions)
    fs, fd = std.totals.flops, sep.totals.flops
    ratio = Fraction(fd, fs)
    blanks = (Blank("standard.params", f"weights of the standard {k}x{k} conv", std.totals.params, group="standard"),
              Blank("separable.params", "weights of the depthwise + pointwise convs", sep.totals.params,
                    group="separable", mistakes=wrong(sep, ["depthwise", "pointwise"], "params")),
              Blank("standard.flops", "multiply-adds of the standard conv", fs, "M", 10**6, accept=(fs,), decimals=1,
                    group="standard", mistakes=wrong(std, ["conv"], "flops")),
              Blank("separable.flops", "multiply-adds of the depthwise separable conv", fd, "M", 10**6, accept=(fd,),
                    decimals=1, group="separable", mistakes=wrong(sep, ["depthwise", "pointwise"], "flops")),
              Blank("ratio.flops", "separable / standard multiply-adds (4 decimals)", ratio, decimals=4,
                    group="ratio"))
    work = (("standard", "standard conv", _totals(std, ["conv"])),
            ("separable", "depthwise separable", _totals(sep, ["depthwise", "pointwise"])),
            ("ratio", "ratio", f"{fd:,} / {fs:,} = {fmt(ratio)} = 1/{n} + 1/{k}^2 = 1/N + 1/K^2"))
    prompt = (f"A {c}-channel {h}x{h} input (MobileNet). A standard {k}x{k} conv with {n} filters (pad {k // 2}), "
              f"against a depthwise separable one: a {k}x{k} depthwise conv (groups {c}: one filter per channel, "
              f"pad {k // 2}) then a 1x1 pointwise conv with {n} filters. No biases.",)
    rules = _rules([std, sep], ("conv", "nobias"))
    return Section("Depthwise separable against standard convolution (MobileNet)", prompt,
                   (Question("What does each cost, and what is the saving?", blanks),), work, rules=rules)


def se_block(ctx: Context) -> Section:
    """SENet: what a squeeze-and-excitation block adds to a C-channel map."""
    c = ctx.pick(ctx.given("c", 256), (64, 96, 128, 192, 256, 384, 512, 768, 1024))
    h = ctx.pick(ctx.given("h", 56), (7, 14, 28, 56, 112))
    r = ctx.pick(16, (4, 8, 16)) if ctx.structure else ctx.given("r", 16) if not ctx.varied else 16
    layers = [{"name": "squeeze", "op": "globalavgpool"},
              {"name": "fc1", "op": "fc", "out": c // r}, {"name": "relu", "op": "relu"},
              {"name": "fc2", "op": "fc", "out": c}, {"name": "sigmoid", "op": "sigmoid"},
              {"name": "scale", "op": "mul", "input": ["input", "sigmoid"]}]
    se = run({"name": "se", "input": [c, h, h], "layers": layers}, **ctx.conventions)
    names = ["squeeze", "fc1", "fc2", "scale"]
    conv = run({"name": "conv", "input": [c, h, h], "layers": [_conv("conv3x3", c, 3)]}, **ctx.conventions)
    p, f = se.totals.params, se.totals.flops
    share = Fraction(100 * p, conv.totals.params)
    blanks = (Blank("se.params", f"parameters of the SE block (r = {r})", p, group="se",
                    mistakes=wrong(se, names, "params")),
              Blank("se.flops", "its operations (pool sums, both FCs, the rescale)", f, "k", 1000, accept=(f,),
                    decimals=1, group="se"),
              Blank("se.share", f"its parameters as a share of one 3x3 conv of {c} filters (no bias)", share, "%",
                    decimals=2, group="share"))
    work = (("se", "SE block", _totals(se, names)),
            ("share", "share", explain(conv, ["conv3x3"]) + f"\n  {p:,} / {conv.totals.params:,} x 100 = "
             f"{fmt(share)}%"))
    prompt = (f"A squeeze-and-excitation block (SENet) on a {c}-channel {h}x{h} map: squeeze (global average "
              f"pool: C x 1 x 1), excitation (FC to C/{r} = {c // r} with bias, ReLU, FC back to {c} with bias, "
              "sigmoid), then each channel of the map is multiplied by its weight.",)
    rules = _rules([se], ("globalavgpool", "fc", "inplace", "mul"))
    return Section("The cost of a squeeze-and-excitation block (SENet)", prompt,
                   (Question("What does the block add?", blanks),), work, rules=rules)


def receptive(ctx: Context) -> Section:
    """The receptive field of a stack of convs and pools: 1 + sum (K - 1) x the strides before."""
    plan = [("conv", 3, 1), ("conv", 3, 1), ("maxpool", 2, 2), ("conv", 3, 1), ("conv", 3, 1), ("maxpool", 2, 2),
            ("conv", 3, 1)]
    if ctx.structure:
        plan = [(op, k, s) for op, k, s in plan if ctx.rng.random() < 0.8 or op == "maxpool"]
        plan = [(op, ctx.rng.choice((3, 5)) if op == "conv" else k, s) for op, k, s in plan]
    elif ctx.varied:
        plan = [(op, ctx.rng.choice((3, 5, 7)) if op == "conv" else ctx.rng.choice((2, 3)), s) for op, k, s in plan]
    layers, names = [], []
    for i, (op, k, s) in enumerate(plan, 1):
        name = f"{op}{i}"
        names.append(name)
        layer = {"name": name, "op": op, "kernel": k, "stride": s}
        layers.append(_conv(name, 16, k) if op == "conv" else layer)
    rep = run({"name": "stack", "input": [16, 64, 64], "layers": layers}, **ctx.conventions)
    ask = [names[1], next(n for n in names if n.startswith("maxpool")), names[-1]]
    blanks, work = [], []
    for n in ask:
        upto = names[:names.index(n) + 1]
        rf, text = receptive_field(rep, upto)
        blanks.append(Blank(f"rf.{n}", f"receptive field after {n} (pixels per side)", rf, group=f"rf.{n}"))
        work.append((f"rf.{n}", f"after {n}", text))
    desc = ", ".join(f"{n} ({rep.layer(n).attrs['kernel'][0]}x{rep.layer(n).attrs['kernel'][0]}, stride "
                     f"{rep.layer(n).attrs['stride'][0]})" for n in names)
    prompt = (f"A stack, in order: {desc}. The convs are padded to keep the size.",
              "The receptive field of a layer is the side of the input square one of its outputs sees: "
              "1 + the sum over the layers of (K - 1) x the product of the strides before that layer.")
    return Section("The receptive field of a stack", prompt, (Question("How far does each see?", tuple(blanks)),),
                   tuple(work), rules=())


def googlenet_1x1(ctx: Context) -> Section:
    """GoogLeNet's 1x1 convs: reduce the channels before a 5x5 conv and count the saving."""
    c = ctx.pick(ctx.given("c", 192), (128, 192, 256, 480))
    h = ctx.pick(ctx.given("h", 28), (14, 28))
    n = ctx.pick(ctx.given("n", 32), (32, 48, 64, 128))
    r = ctx.pick(ctx.given("r", 16), (16, 24, 32))
    k = ctx.pick(5, (3, 5)) if ctx.structure else ctx.given("k", 5) if not ctx.varied else 5
    inp = [c, h, h]
    direct = run({"name": "direct", "input": inp, "layers": [_conv("conv", n, k)]}, **ctx.conventions)
    reduced = run({"name": "reduced", "input": inp, "layers": [_conv("reduce", r, 1), _conv("conv", n, k)]},
                  **ctx.conventions)
    fd, fr = direct.totals.flops, reduced.totals.flops
    blanks = (Blank("direct.flops", f"multiply-adds of the {k}x{k} conv on the {c} channels", fd, "M", 10**6,
                    accept=(fd,), decimals=1, group="direct", mistakes=wrong(direct, ["conv"], "flops")),
              Blank("reduce.flops", f"multiply-adds of the 1x1 conv down to {r} channels",
                    reduced.layer("reduce").flops, "M", 10**6, accept=(reduced.layer("reduce").flops,), decimals=1,
                    group="reduced"),
              Blank("reduced.flops", f"multiply-adds of the 1x1 and the {k}x{k} together", fr, "M", 10**6,
                    accept=(fr,), decimals=1, group="reduced", mistakes=wrong(reduced, ["reduce", "conv"], "flops")),
              Blank("reduced.hw", "the output's height (and width)", reduced.layer("conv").output_shape[1],
                    group="reduced"),
              Blank("ratio.flops", "direct / with the 1x1 (1 decimal)", Fraction(fd, fr), decimals=1, group="ratio"))
    work = (("direct", "direct", _totals(direct, ["conv"])),
            ("reduced", "with the 1x1", _totals(reduced, ["reduce", "conv"])),
            ("ratio", "ratio", f"{fd:,} / {fr:,} = {fmt(Fraction(fd, fr))}"))
    prompt = (f"A {h}x{h}x{c} input (H x W x C, GoogLeNet). A {k}x{k} conv with {n} filters (pad {k // 2}), "
              f"straight on the input, or after a 1x1 conv with {r} filters (a 'bottleneck'). No biases.",)
    return Section("1x1 convolutions as GoogLeNet uses them", prompt,
                   (Question("What does the 1x1 save?", blanks),), work, rules=_rules([direct, reduced]))


def compound(ctx: Context) -> Section:
    """EfficientNet: the FLOPs of a network scaled in depth d, width w and resolution r grow as d x w^2 x r^2."""
    alpha, beta, gamma = (Fraction(12, 10), Fraction(11, 10), Fraction(115, 100))
    phi = ctx.pick(1, (1, 2))
    layers0, c0, r0 = ctx.pick(5, (3, 4, 5, 6)), ctx.pick(40, (24, 32, 40, 48)), ctx.pick(32, (32, 48, 64))
    d, w, res = alpha**phi, beta**phi, gamma**phi
    layers1, c1, r1 = round(layers0 * d), round(c0 * w), round(r0 * res)

    def net(name, n, c, size):
        return run({"name": name, "input": [c, size, size],
                    "layers": [_conv(f"conv{i}", c, 3) for i in range(1, n + 1)]}, **ctx.conventions)

    base, scaled = net("base", layers0, c0, r0), net("scaled", layers1, c1, r1)
    fb, fs = base.totals.flops, scaled.totals.flops
    rule = d * w**2 * res**2
    blanks = (Blank("base.flops", "multiply-adds of the base network", fb, "M", 10**6, accept=(fb,), decimals=1,
                    group="base"),
              Blank("scaled.flops", "multiply-adds of the scaled network", fs, "M", 10**6, accept=(fs,), decimals=1,
                    group="scaled"),
              Blank("ratio.flops", "scaled / base multiply-adds (2 decimals)", Fraction(fs, fb), decimals=2,
                    group="ratio"),
              Blank("rule", "d x w^2 x r^2 (2 decimals)", rule, decimals=2, group="rule"))
    work = (("base", "base", f"{layers0} convs: " + explain(base, ["conv1"]) + f"\n  x {layers0} = {fb:,}"),
            ("scaled", "scaled", f"{layers1} convs: " + explain(scaled, ["conv1"]) + f"\n  x {layers1} = {fs:,}"),
            ("ratio", "ratio", f"{fs:,} / {fb:,} = {fmt(Fraction(fs, fb))}"),
            ("rule", "rule", f"d x w^2 x r^2 = {fmt(d)} x {fmt(w)}^2 x {fmt(res)}^2 = {fmt(rule)} (the rounding of "
                     "layers, channels and pixels makes the real ratio differ)"))
    prompt = (f"A base network: {layers0} 3x3 convs (pad 1, no bias) of {c0} channels on a {c0}-channel "
              f"{r0}x{r0} input. EfficientNet scales it with phi = {phi}: depth d = 1.2^{phi}, width w = 1.1^{phi}, "
              f"resolution r = 1.15^{phi}, each rounded to a whole count: {layers1} layers, {c1} channels, "
              f"{r1}x{r1} input.",)
    return Section("Compound scaling (EfficientNet)", prompt,
                   (Question("How do the FLOPs grow?", blanks),), work, rules=_rules([base]))


def output_sizes(ctx: Context) -> Section:
    from .table import table_section

    o = ctx.options
    return table_section(ctx.report, ctx.rng, ("output",), o.get("rate"), o.get("rows"))


# ---------------------------------------------------------------- numbers from a network's own layers
def _convs(report):
    """The network's table rows that are convs, with what the finders read: (row, C in, H, K, groups, out)."""
    out = []
    for x in report.rows():
        if x.op == "conv" and len(x.input_shape) == 3:
            k = x.attrs["kernel"]
            out.append((x, x.input_shape[0], x.input_shape[1], k[0] if k[0] == k[1] else None, x.attrs["groups"],
                        x.attrs["out"]))
    return out


def _none(report, what, exercise):
    from ..errors import ArchcostError

    return ArchcostError(f"{report.network} has no {what} for exercise '{exercise}'",
                         "drop the network to use the lecture's numbers, or name one that has it")


def bottleneck_of(report) -> dict:
    """The first 1x1 - 3x3 - 1x1 chain that returns to its input's channels (ResNet's bottleneck)."""
    cs = _convs(report)
    for (a, c, h, ka, ga, ra), (_, _, _, kb, gb, _), (_, _, _, kc, gc, oc) in zip(cs, cs[1:], cs[2:]):
        if (ka, kb, kc) == (1, 3, 1) and ga == gb == gc == 1 and oc == c:
            return {"c": c, "h": h, "red": ra}
    raise _none(report, "1x1-3x3-1x1 bottleneck block", "bottleneck")


def depthwise_of(report) -> dict:
    """The first depthwise conv (groups = its input channels) followed by a 1x1 conv."""
    cs = _convs(report)
    for (a, c, h, k, g, _), (_, _, _, k2, g2, n) in zip(cs, cs[1:]):
        if g == c > 1 and k and k2 == 1 and g2 == 1:
            return {"c": c, "h": h, "k": k, "n": n}
    raise _none(report, "depthwise conv followed by a 1x1 conv", "depthwise")


def se_of(report) -> dict:
    """The first channel rescale (SENet's 'mul') and the reduction of the layer after its squeeze."""
    rows = report.rows()
    for i, x in enumerate(rows):
        if x.op == "mul" and len(x.output_shape) == 3:
            c, h = x.output_shape[0], x.output_shape[1]
            squeeze = [y for y in rows[:i] if y.op in ("globalavgpool", "adaptiveavgpool")]
            after = rows[rows.index(squeeze[-1]) + 1] if squeeze else None
            r = c // after.attrs["out"] if after is not None and after.attrs.get("out") else 16
            return {"c": c, "h": h, "r": r}
    raise _none(report, "squeeze-and-excitation block", "se")


def reduction_of(report) -> dict:
    """The first 1x1 conv feeding a 5x5 conv (else a 3x3 one): GoogLeNet's reductions."""
    cs = _convs(report)
    for want in (5, 3):
        for (a, c, h, k, g, r), (b, _, _, k2, g2, n) in zip(cs, cs[1:]):
            if k == 1 and k2 == want and g == g2 == 1 and b.inputs and report.layer(b.inputs[0]).name in \
                    (a.name, *a.folded):
                return {"c": c, "h": h, "r": r, "n": n, "k": want}
    raise _none(report, "1x1 conv feeding a 3x3 or 5x5 conv", "googlenet-1x1")


LECTURE_EXERCISES = {e.name: e for e in (
    Exercise("bottleneck", "ResNet's bottleneck block against two 3x3 convs: parameters and FLOPs saved",
             bottleneck, from_network=bottleneck_of),
    Exercise("depthwise", "depthwise separable against standard convolution (MobileNet): 1/N + 1/K^2", depthwise,
             from_network=depthwise_of),
    Exercise("se", "the cost of a squeeze-and-excitation block (SENet)", se_block, from_network=se_of),
    Exercise("receptive-field", "the receptive field of a stack of convs and pools", receptive),
    Exercise("output-sizes", "the network's table with only the output sizes blank", output_sizes, True),
    Exercise("googlenet-1x1", "1x1 convs as GoogLeNet uses them: the multiply-adds a reduction saves", googlenet_1x1,
             from_network=reduction_of),
    Exercise("compound", "compound scaling (EfficientNet): FLOPs of depth d, width w, resolution r", compound),
)}
