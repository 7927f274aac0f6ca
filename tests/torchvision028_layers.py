"""torchvision 0.28's own models, measured: parameters, multiply-adds and every layer's output shape.

Written by tests/measure_torchvision.py from torchvision 0.28.0's model code (torch 2.13.0, CPU,
weights=None, one zero image of the size after the @; batch axis dropped). Each entry:
(parameters, multiply-adds in torchvision's convention (conv + linear, no bias adds), layers),
the layers being every leaf module's output shape in the order torchvision runs them, written
compactly: letters for the modules (c conv, b batch norm, r ReLU, s SiLU, g sigmoid,
a adaptive average pool, f linear, d dropout), consecutive modules with one shape sharing a
token, and a run of n identical groups of tokens written [...] *n.

>>> expand("cbr 16x112x112; [cb 8x56x56; r 8x56x56] *2; f 1000")[:4]
[('c', '16x112x112'), ('b', '16x112x112'), ('r', '16x112x112'), ('c', '8x56x56')]
>>> len(expand("cbr 16x112x112; [cb 8x56x56; r 8x56x56] *2; f 1000"))
10
"""

import re

from archcost import analyze

_GROUP = re.compile(r"\[([^\]]*)\] \*(\d+)|([^;\[\s][^;\[]*)")


def expand(text):
    """The compact layer text -> [(module letter, 'CxHxW'), ...] in running order."""
    out = []
    for group, times, token in _GROUP.findall(text):
        for tok in (group.split("; ") * int(times)) if group else [token]:
            letters, shape = tok.strip().split(" ")
            out.extend((letter, shape) for letter in letters)
    return out


# archcost ops that torchvision computes in forward() without a module, so no hook sees them
FUNCTIONAL = {"add", "mul", "globalavgpool", "flatten", "zeropad_shortcut"}
LETTER = {"conv": "c", "batchnorm": "b", "relu": "r", "silu": "s", "sigmoid": "g", "adaptiveavgpool": "a",
          "fc": "f", "dropout": "d", "maxpool": "m", "avgpool": "v", "hardswish": "h", "hardsigmoid": "k",
          "relu6": "6"}


def torchvision_macs(report):
    """torchvision's convention: conv and linear multiply-adds without the bias adds (a report built
    with bias_flops=False)."""
    return sum(x.flops for x in report.layers if x.kind in ("conv", "fc"))


def layer_list(report):
    """archcost's layers as torchvision's hooks see them: [(module letter, 'CxHxW'), ...]."""
    return [(LETTER[x.op], "x".join(map(str, x.output_shape))) for x in report.layers if x.op not in FUNCTIONAL]


def counts(name, **kw):
    """(parameters, multiply-adds in torchvision's convention) of a zoo network."""
    r = analyze(name, bias_flops=False, **kw)
    return r.totals.params, torchvision_macs(r)


def check_counts(name, params, macs, rounded):
    """The network's counts equal a reference's, and its parameters round to a paper's 'x.yM'."""
    assert counts(name) == (params, macs)
    assert f"{round(params / 1e6, 1)}M" == rounded


def check_published(name, params, macs, side=224):
    """The network at its native size has torchvision's published parameters and multiply-adds."""
    r = analyze(name, bias_flops=False)
    assert r.input == (3, side, side)
    assert (r.totals.params, torchvision_macs(r)) == (params, macs)
    assert not r.warnings


def keys(prefix):
    """The measured 'name@side' entries of one family."""
    return sorted(k for k in LAYERS if k.startswith(prefix))


def measured(key):
    """(archcost's (params, multiply-adds, layers), torchvision's) for 'name@side'."""
    name, side = key.split("@")
    params, macs, text = LAYERS[key]
    r = analyze(name, input=f"3x{side}x{side}", bias_flops=False)
    return (r.totals.params, torchvision_macs(r), layer_list(r)), (params, macs, expand(text))


LAYERS = {
    # MNASNet (torchvision.models.mnasnet)
    "mnasnet0_5@224": (2218512, 104455968,
        "cbrcbr 16x112x112; cb 8x112x112; cbr 24x112x112; cbr 24x56x56; [cb 16x56x56; cbrcbr 48x56x56] *2; "
        "cb 16x56x56; cbr 48x56x56; cbr 48x28x28; [cb 24x28x28; cbrcbr 72x28x28] *2; cb 24x28x28; cbr 144x28x28; "
        "cbr 144x14x14; [cb 40x14x14; cbrcbr 240x14x14] *3; cb 48x14x14; cbrcbr 288x14x14; cb 48x14x14; cbr 288x14x14; "
        "cbr 288x7x7; [cb 96x7x7; cbrcbr 576x7x7] *4; cb 160x7x7; cbr 1280x7x7; d 1280; f 1000"),
    "mnasnet0_5@193": (2218512, 91721880,
        "cbrcbr 16x97x97; cb 8x97x97; cbr 24x97x97; cbr 24x49x49; [cb 16x49x49; cbrcbr 48x49x49] *2; cb 16x49x49; "
        "cbr 48x49x49; cbr 48x25x25; [cb 24x25x25; cbrcbr 72x25x25] *2; cb 24x25x25; cbr 144x25x25; cbr 144x13x13; "
        "[cb 40x13x13; cbrcbr 240x13x13] *3; cb 48x13x13; cbrcbr 288x13x13; cb 48x13x13; cbr 288x13x13; cbr 288x7x7; "
        "[cb 96x7x7; cbrcbr 576x7x7] *4; cb 160x7x7; cbr 1280x7x7; d 1280; f 1000"),
    "mnasnet0_75@224": (3170208, 215493104,
        "cbrcbr 24x112x112; cb 16x112x112; cbr 48x112x112; cbr 48x56x56; [cb 24x56x56; cbrcbr 72x56x56] *2; "
        "cb 24x56x56; cbr 72x56x56; cbr 72x28x28; [cb 32x28x28; cbrcbr 96x28x28] *2; cb 32x28x28; cbr 192x28x28; "
        "cbr 192x14x14; [cb 64x14x14; cbrcbr 384x14x14] *3; cb 72x14x14; cbrcbr 432x14x14; cb 72x14x14; cbr 432x14x14; "
        "cbr 432x7x7; [cb 144x7x7; cbrcbr 864x7x7] *4; cb 240x7x7; cbr 1280x7x7; d 1280; f 1000"),
    "mnasnet0_75@193": (3170208, 188597576,
        "cbrcbr 24x97x97; cb 16x97x97; cbr 48x97x97; cbr 48x49x49; [cb 24x49x49; cbrcbr 72x49x49] *2; cb 24x49x49; "
        "cbr 72x49x49; cbr 72x25x25; [cb 32x25x25; cbrcbr 96x25x25] *2; cb 32x25x25; cbr 192x25x25; cbr 192x13x13; "
        "[cb 64x13x13; cbrcbr 384x13x13] *3; cb 72x13x13; cbrcbr 432x13x13; cb 72x13x13; cbr 432x13x13; cbr 432x7x7; "
        "[cb 144x7x7; cbrcbr 864x7x7] *4; cb 240x7x7; cbr 1280x7x7; d 1280; f 1000"),
    "mnasnet1_0@224": (4383312, 314415872,
        "cbrcbr 32x112x112; cb 16x112x112; cbr 48x112x112; cbr 48x56x56; [cb 24x56x56; cbrcbr 72x56x56] *2; "
        "cb 24x56x56; cbr 72x56x56; cbr 72x28x28; [cb 40x28x28; cbrcbr 120x28x28] *2; cb 40x28x28; cbr 240x28x28; "
        "cbr 240x14x14; [cb 80x14x14; cbrcbr 480x14x14] *3; cb 96x14x14; cbrcbr 576x14x14; cb 96x14x14; cbr 576x14x14; "
        "cbr 576x7x7; [cb 192x7x7; cbrcbr 1152x7x7] *4; cb 320x7x7; cbr 1280x7x7; d 1280; f 1000"),
    "mnasnet1_0@193": (4383312, 279554888,
        "cbrcbr 32x97x97; cb 16x97x97; cbr 48x97x97; cbr 48x49x49; [cb 24x49x49; cbrcbr 72x49x49] *2; cb 24x49x49; "
        "cbr 72x49x49; cbr 72x25x25; [cb 40x25x25; cbrcbr 120x25x25] *2; cb 40x25x25; cbr 240x25x25; cbr 240x13x13; "
        "[cb 80x13x13; cbrcbr 480x13x13] *3; cb 96x13x13; cbrcbr 576x13x13; cb 96x13x13; cbr 576x13x13; cbr 576x7x7; "
        "[cb 192x7x7; cbrcbr 1152x7x7] *4; cb 320x7x7; cbr 1280x7x7; d 1280; f 1000"),
    "mnasnet1_3@224": (6282256, 526362432,
        "cbrcbr 40x112x112; cb 24x112x112; cbr 72x112x112; cbr 72x56x56; [cb 32x56x56; cbrcbr 96x56x56] *2; "
        "cb 32x56x56; cbr 96x56x56; cbr 96x28x28; [cb 56x28x28; cbrcbr 168x28x28] *2; cb 56x28x28; cbr 336x28x28; "
        "cbr 336x14x14; [cb 104x14x14; cbrcbr 624x14x14] *3; cb 128x14x14; cbrcbr 768x14x14; cb 128x14x14; "
        "cbr 768x14x14; cbr 768x7x7; [cb 248x7x7; cbrcbr 1488x7x7] *4; cb 416x7x7; cbr 1280x7x7; d 1280; f 1000"),
    "mnasnet1_3@193": (6282256, 465913464,
        "cbrcbr 40x97x97; cb 24x97x97; cbr 72x97x97; cbr 72x49x49; [cb 32x49x49; cbrcbr 96x49x49] *2; cb 32x49x49; "
        "cbr 96x49x49; cbr 96x25x25; [cb 56x25x25; cbrcbr 168x25x25] *2; cb 56x25x25; cbr 336x25x25; cbr 336x13x13; "
        "[cb 104x13x13; cbrcbr 624x13x13] *3; cb 128x13x13; cbrcbr 768x13x13; cb 128x13x13; cbr 768x13x13; "
        "cbr 768x7x7; [cb 248x7x7; cbrcbr 1488x7x7] *4; cb 416x7x7; cbr 1280x7x7; d 1280; f 1000"),
    # RegNetX and RegNetY (torchvision.models.regnet)
    "regnet_x_400mf@224": (5495976, 413812608,
        "cbr 32x112x112; cb 32x56x56; cbr 32x112x112; cbrcbr 32x56x56; cb 64x28x28; cbr 64x56x56; cbrcbrcbrcbrcbr 64x28x28; "
        "cb 160x14x14; cbr 160x28x28; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 160x14x14; "
        "cb 400x7x7; cbr 400x14x14; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 400x7x7; "
        "a 400x1x1; f 1000"),
    "regnet_x_400mf@193": (5495976, 379313376,
        "cbr 32x97x97; cb 32x49x49; cbr 32x97x97; cbrcbr 32x49x49; cb 64x25x25; cbr 64x49x49; cbrcbrcbrcbrcbr 64x25x25; "
        "cb 160x13x13; cbr 160x25x25; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 160x13x13; "
        "cb 400x7x7; cbr 400x13x13; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 400x7x7; "
        "a 400x1x1; f 1000"),
    "regnet_x_800mf@224": (7259656, 799699712,
        "cbr 32x112x112; cb 64x56x56; cbr 64x112x112; cbrcbr 64x56x56; cb 128x28x28; cbr 128x56x56; cbrcbrcbrcbrcbrcbrcbrcbr 128x28x28; "
        "cb 288x14x14; cbr 288x28x28; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 288x14x14; "
        "cb 672x7x7; cbr 672x14x14; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 672x7x7; a 672x1x1; f 1000"),
    "regnet_x_800mf@193": (7259656, 701106272,
        "cbr 32x97x97; cb 64x49x49; cbr 64x97x97; cbrcbr 64x49x49; cb 128x25x25; cbr 128x49x49; cbrcbrcbrcbrcbrcbrcbrcbr 128x25x25; "
        "cb 288x13x13; cbr 288x25x25; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 288x13x13; "
        "cb 672x7x7; cbr 672x13x13; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 672x7x7; a 672x1x1; f 1000"),
    "regnet_x_1_6gf@224": (9190136, 1602849792,
        "cbr 32x112x112; cb 72x56x56; cbr 72x112x112; cbrcbrcbrcbrcbr 72x56x56; cb 168x28x28; cbr 168x56x56; "
        "cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 168x28x28; cb 408x14x14; cbr 408x28x28; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 408x14x14; "
        "cb 912x7x7; cbr 912x14x14; cbrcbrcbrcbrcbr 912x7x7; a 912x1x1; f 1000"),
    "regnet_x_1_6gf@193": (9190136, 1359639840,
        "cbr 32x97x97; cb 72x49x49; cbr 72x97x97; cbrcbrcbrcbrcbr 72x49x49; cb 168x25x25; cbr 168x49x49; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 168x25x25; "
        "cb 408x13x13; cbr 408x25x25; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 408x13x13; "
        "cb 912x7x7; cbr 912x13x13; cbrcbrcbrcbrcbr 912x7x7; a 912x1x1; f 1000"),
    "regnet_x_3_2gf@224": (15296552, 3176621952,
        "cbr 32x112x112; cb 96x56x56; cbr 96x112x112; cbrcbrcbrcbrcbr 96x56x56; cb 192x28x28; cbr 192x56x56; "
        "cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 192x28x28; cb 432x14x14; cbr 432x28x28; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 432x14x14; "
        "cb 1008x7x7; cbr 1008x14x14; cbrcbrcbrcbrcbr 1008x7x7; a 1008x1x1; f 1000"),
    "regnet_x_3_2gf@193": (15296552, 2671763424,
        "cbr 32x97x97; cb 96x49x49; cbr 96x97x97; cbrcbrcbrcbrcbr 96x49x49; cb 192x25x25; cbr 192x49x49; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 192x25x25; "
        "cb 432x13x13; cbr 432x25x25; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 432x13x13; "
        "cb 1008x7x7; cbr 1008x13x13; cbrcbrcbrcbrcbr 1008x7x7; a 1008x1x1; f 1000"),
    "regnet_x_8gf@224": (39572648, 7995132416,
        "cbr 32x112x112; cb 80x56x56; cbr 80x112x112; cbrcbrcbrcbrcbr 80x56x56; cb 240x28x28; cbr 240x56x56; "
        "cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 240x28x28; cb 720x14x14; cbr 720x28x28; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 720x14x14; "
        "cb 1920x7x7; cbr 1920x14x14; cbrcbr 1920x7x7; a 1920x1x1; f 1000"),
    "regnet_x_8gf@193": (39572648, 6787777376,
        "cbr 32x97x97; cb 80x49x49; cbr 80x97x97; cbrcbrcbrcbrcbr 80x49x49; cb 240x25x25; cbr 240x49x49; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 240x25x25; "
        "cb 720x13x13; cbr 720x25x25; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 720x13x13; "
        "cb 1920x7x7; cbr 1920x13x13; cbrcbr 1920x7x7; a 1920x1x1; f 1000"),
    "regnet_x_16gf@224": (54278536, 15940755456,
        "cbr 32x112x112; cb 256x56x56; cbr 256x112x112; cbrcbrcbrcbrcbr 256x56x56; cb 512x28x28; cbr 512x56x56; "
        "cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 512x28x28; cb 896x14x14; cbr 896x28x28; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 896x14x14; "
        "cb 2048x7x7; cbr 2048x14x14; cbrcbr 2048x7x7; a 2048x1x1; f 1000"),
    "regnet_x_16gf@193": (54278536, 13150882656,
        "cbr 32x97x97; cb 256x49x49; cbr 256x97x97; cbrcbrcbrcbrcbr 256x49x49; cb 512x25x25; cbr 512x49x49; "
        "cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 512x25x25; cb 896x13x13; cbr 896x25x25; cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 896x13x13; "
        "cb 2048x7x7; cbr 2048x13x13; cbrcbr 2048x7x7; a 2048x1x1; f 1000"),
    "regnet_x_32gf@224": (107811560, 31735929792,
        "cbr 32x112x112; cb 336x56x56; cbr 336x112x112; cbrcbrcbrcbrcbr 336x56x56; cb 672x28x28; cbr 672x56x56; "
        "cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 672x28x28; cb 1344x14x14; cbr 1344x28x28; "
        "cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 1344x14x14; "
        "cb 2520x7x7; cbr 2520x14x14; cbrcbr 2520x7x7; a 2520x1x1; f 1000"),
    "regnet_x_32gf@193": (107811560, 26237718048,
        "cbr 32x97x97; cb 336x49x49; cbr 336x97x97; cbrcbrcbrcbrcbr 336x49x49; cb 672x25x25; cbr 672x49x49; "
        "cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 672x25x25; cb 1344x13x13; cbr 1344x25x25; "
        "cbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbrcbr 1344x13x13; "
        "cb 2520x7x7; cbr 2520x13x13; cbrcbr 2520x7x7; a 2520x1x1; f 1000"),
    "regnet_y_400mf@224": (4344144, 401842848,
        "cbr 32x112x112; cb 48x56x56; cbr 48x112x112; cbr 48x56x56; a 48x1x1; cr 8x1x1; cg 48x1x1; cbr 48x56x56; "
        "cb 104x28x28; cbr 104x56x56; cbr 104x28x28; a 104x1x1; cr 12x1x1; [cg 104x1x1; cbrcbrcbr 104x28x28; "
        "a 104x1x1; cr 26x1x1] *2; cg 104x1x1; cbr 104x28x28; cb 208x14x14; cbr 208x28x28; cbr 208x14x14; a 208x1x1; "
        "cr 26x1x1; [cg 208x1x1; cbrcbrcbr 208x14x14; a 208x1x1; cr 52x1x1] *5; cg 208x1x1; cbr 208x14x14; "
        "cb 440x7x7; cbr 440x14x14; cbr 440x7x7; a 440x1x1; cr 52x1x1; [cg 440x1x1; cbrcbrcbr 440x7x7; a 440x1x1; "
        "cr 110x1x1] *5; cg 440x1x1; cbr 440x7x7; a 440x1x1; f 1000"),
    "regnet_y_400mf@193": (4344144, 350552832,
        "cbr 32x97x97; cb 48x49x49; cbr 48x97x97; cbr 48x49x49; a 48x1x1; cr 8x1x1; cg 48x1x1; cbr 48x49x49; "
        "cb 104x25x25; cbr 104x49x49; cbr 104x25x25; a 104x1x1; cr 12x1x1; [cg 104x1x1; cbrcbrcbr 104x25x25; "
        "a 104x1x1; cr 26x1x1] *2; cg 104x1x1; cbr 104x25x25; cb 208x13x13; cbr 208x25x25; cbr 208x13x13; a 208x1x1; "
        "cr 26x1x1; [cg 208x1x1; cbrcbrcbr 208x13x13; a 208x1x1; cr 52x1x1] *5; cg 208x1x1; cbr 208x13x13; "
        "cb 440x7x7; cbr 440x13x13; cbr 440x7x7; a 440x1x1; cr 52x1x1; [cg 440x1x1; cbrcbrcbr 440x7x7; a 440x1x1; "
        "cr 110x1x1] *5; cg 440x1x1; cbr 440x7x7; a 440x1x1; f 1000"),
    "regnet_y_800mf@224": (6432512, 833856256,
        "cbr 32x112x112; cb 64x56x56; cbr 64x112x112; cbr 64x56x56; a 64x1x1; cr 8x1x1; cg 64x1x1; cbr 64x56x56; "
        "cb 144x28x28; cbr 144x56x56; cbr 144x28x28; a 144x1x1; cr 16x1x1; [cg 144x1x1; cbrcbrcbr 144x28x28; "
        "a 144x1x1; cr 36x1x1] *2; cg 144x1x1; cbr 144x28x28; cb 320x14x14; cbr 320x28x28; cbr 320x14x14; a 320x1x1; "
        "cr 36x1x1; [cg 320x1x1; cbrcbrcbr 320x14x14; a 320x1x1; cr 80x1x1] *7; cg 320x1x1; cbr 320x14x14; "
        "cb 784x7x7; cbr 784x14x14; cbr 784x7x7; a 784x1x1; cr 80x1x1; cg 784x1x1; cbrcbrcbr 784x7x7; a 784x1x1; "
        "cr 196x1x1; cg 784x1x1; cbr 784x7x7; a 784x1x1; f 1000"),
    "regnet_y_800mf@193": (6432512, 712052320,
        "cbr 32x97x97; cb 64x49x49; cbr 64x97x97; cbr 64x49x49; a 64x1x1; cr 8x1x1; cg 64x1x1; cbr 64x49x49; "
        "cb 144x25x25; cbr 144x49x49; cbr 144x25x25; a 144x1x1; cr 16x1x1; [cg 144x1x1; cbrcbrcbr 144x25x25; "
        "a 144x1x1; cr 36x1x1] *2; cg 144x1x1; cbr 144x25x25; cb 320x13x13; cbr 320x25x25; cbr 320x13x13; a 320x1x1; "
        "cr 36x1x1; [cg 320x1x1; cbrcbrcbr 320x13x13; a 320x1x1; cr 80x1x1] *7; cg 320x1x1; cbr 320x13x13; "
        "cb 784x7x7; cbr 784x13x13; cbr 784x7x7; a 784x1x1; cr 80x1x1; cg 784x1x1; cbrcbrcbr 784x7x7; a 784x1x1; "
        "cr 196x1x1; cg 784x1x1; cbr 784x7x7; a 784x1x1; f 1000"),
    "regnet_y_1_6gf@224": (11202430, 1612076160,
        "cbr 32x112x112; cb 48x56x56; cbr 48x112x112; cbr 48x56x56; a 48x1x1; cr 8x1x1; cg 48x1x1; cbrcbrcbr 48x56x56; "
        "a 48x1x1; cr 12x1x1; cg 48x1x1; cbr 48x56x56; cb 120x28x28; cbr 120x56x56; cbr 120x28x28; a 120x1x1; "
        "cr 12x1x1; [cg 120x1x1; cbrcbrcbr 120x28x28; a 120x1x1; cr 30x1x1] *5; cg 120x1x1; cbr 120x28x28; "
        "cb 336x14x14; cbr 336x28x28; cbr 336x14x14; a 336x1x1; cr 30x1x1; [cg 336x1x1; cbrcbrcbr 336x14x14; "
        "a 336x1x1; cr 84x1x1] *16; cg 336x1x1; cbr 336x14x14; cb 888x7x7; cbr 888x14x14; cbr 888x7x7; a 888x1x1; "
        "cr 84x1x1; cg 888x1x1; cbrcbrcbr 888x7x7; a 888x1x1; cr 222x1x1; cg 888x1x1; cbr 888x7x7; a 888x1x1; "
        "f 1000"),
    "regnet_y_1_6gf@193": (11202430, 1378581024,
        "cbr 32x97x97; cb 48x49x49; cbr 48x97x97; cbr 48x49x49; a 48x1x1; cr 8x1x1; cg 48x1x1; cbrcbrcbr 48x49x49; "
        "a 48x1x1; cr 12x1x1; cg 48x1x1; cbr 48x49x49; cb 120x25x25; cbr 120x49x49; cbr 120x25x25; a 120x1x1; "
        "cr 12x1x1; [cg 120x1x1; cbrcbrcbr 120x25x25; a 120x1x1; cr 30x1x1] *5; cg 120x1x1; cbr 120x25x25; "
        "cb 336x13x13; cbr 336x25x25; cbr 336x13x13; a 336x1x1; cr 30x1x1; [cg 336x1x1; cbrcbrcbr 336x13x13; "
        "a 336x1x1; cr 84x1x1] *16; cg 336x1x1; cbr 336x13x13; cb 888x7x7; cbr 888x13x13; cbr 888x7x7; a 888x1x1; "
        "cr 84x1x1; cg 888x1x1; cbrcbrcbr 888x7x7; a 888x1x1; cr 222x1x1; cg 888x1x1; cbr 888x7x7; a 888x1x1; "
        "f 1000"),
    "regnet_y_3_2gf@224": (19436338, 3176482752,
        "cbr 32x112x112; cb 72x56x56; cbr 72x112x112; cbr 72x56x56; a 72x1x1; cr 8x1x1; cg 72x1x1; cbrcbrcbr 72x56x56; "
        "a 72x1x1; cr 18x1x1; cg 72x1x1; cbr 72x56x56; cb 216x28x28; cbr 216x56x56; cbr 216x28x28; a 216x1x1; "
        "cr 18x1x1; [cg 216x1x1; cbrcbrcbr 216x28x28; a 216x1x1; cr 54x1x1] *4; cg 216x1x1; cbr 216x28x28; "
        "cb 576x14x14; cbr 576x28x28; cbr 576x14x14; a 576x1x1; cr 54x1x1; [cg 576x1x1; cbrcbrcbr 576x14x14; "
        "a 576x1x1; cr 144x1x1] *12; cg 576x1x1; cbr 576x14x14; cb 1512x7x7; cbr 1512x14x14; cbr 1512x7x7; "
        "a 1512x1x1; cr 144x1x1; cg 1512x1x1; cbr 1512x7x7; a 1512x1x1; f 1000"),
    "regnet_y_3_2gf@193": (19436338, 2698530912,
        "cbr 32x97x97; cb 72x49x49; cbr 72x97x97; cbr 72x49x49; a 72x1x1; cr 8x1x1; cg 72x1x1; cbrcbrcbr 72x49x49; "
        "a 72x1x1; cr 18x1x1; cg 72x1x1; cbr 72x49x49; cb 216x25x25; cbr 216x49x49; cbr 216x25x25; a 216x1x1; "
        "cr 18x1x1; [cg 216x1x1; cbrcbrcbr 216x25x25; a 216x1x1; cr 54x1x1] *4; cg 216x1x1; cbr 216x25x25; "
        "cb 576x13x13; cbr 576x25x25; cbr 576x13x13; a 576x1x1; cr 54x1x1; [cg 576x1x1; cbrcbrcbr 576x13x13; "
        "a 576x1x1; cr 144x1x1] *12; cg 576x1x1; cbr 576x13x13; cb 1512x7x7; cbr 1512x13x13; cbr 1512x7x7; "
        "a 1512x1x1; cr 144x1x1; cg 1512x1x1; cbr 1512x7x7; a 1512x1x1; f 1000"),
    "regnet_y_8gf@224": (39381472, 8473070592,
        "cbr 32x112x112; cb 224x56x56; cbr 224x112x112; cbr 224x56x56; a 224x1x1; cr 8x1x1; cg 224x1x1; cbrcbrcbr 224x56x56; "
        "a 224x1x1; cr 56x1x1; cg 224x1x1; cbr 224x56x56; cb 448x28x28; cbr 448x56x56; cbr 448x28x28; a 448x1x1; "
        "cr 56x1x1; [cg 448x1x1; cbrcbrcbr 448x28x28; a 448x1x1; cr 112x1x1] *3; cg 448x1x1; cbr 448x28x28; "
        "cb 896x14x14; cbr 896x28x28; cbr 896x14x14; a 896x1x1; cr 112x1x1; [cg 896x1x1; cbrcbrcbr 896x14x14; "
        "a 896x1x1; cr 224x1x1] *9; cg 896x1x1; cbr 896x14x14; cb 2016x7x7; cbr 2016x14x14; cbr 2016x7x7; a 2016x1x1; "
        "cr 224x1x1; cg 2016x1x1; cbr 2016x7x7; a 2016x1x1; f 1000"),
    "regnet_y_8gf@193": (39381472, 7052119392,
        "cbr 32x97x97; cb 224x49x49; cbr 224x97x97; cbr 224x49x49; a 224x1x1; cr 8x1x1; cg 224x1x1; cbrcbrcbr 224x49x49; "
        "a 224x1x1; cr 56x1x1; cg 224x1x1; cbr 224x49x49; cb 448x25x25; cbr 448x49x49; cbr 448x25x25; a 448x1x1; "
        "cr 56x1x1; [cg 448x1x1; cbrcbrcbr 448x25x25; a 448x1x1; cr 112x1x1] *3; cg 448x1x1; cbr 448x25x25; "
        "cb 896x13x13; cbr 896x25x25; cbr 896x13x13; a 896x1x1; cr 112x1x1; [cg 896x1x1; cbrcbrcbr 896x13x13; "
        "a 896x1x1; cr 224x1x1] *9; cg 896x1x1; cbr 896x13x13; cb 2016x7x7; cbr 2016x13x13; cbr 2016x7x7; a 2016x1x1; "
        "cr 224x1x1; cg 2016x1x1; cbr 2016x7x7; a 2016x1x1; f 1000"),
    "regnet_y_16gf@224": (83590140, 15911510272,
        "cbr 32x112x112; cb 224x56x56; cbr 224x112x112; cbr 224x56x56; a 224x1x1; cr 8x1x1; cg 224x1x1; cbrcbrcbr 224x56x56; "
        "a 224x1x1; cr 56x1x1; cg 224x1x1; cbr 224x56x56; cb 448x28x28; cbr 448x56x56; cbr 448x28x28; a 448x1x1; "
        "cr 56x1x1; [cg 448x1x1; cbrcbrcbr 448x28x28; a 448x1x1; cr 112x1x1] *3; cg 448x1x1; cbr 448x28x28; "
        "cb 1232x14x14; cbr 1232x28x28; cbr 1232x14x14; a 1232x1x1; cr 112x1x1; [cg 1232x1x1; cbrcbrcbr 1232x14x14; "
        "a 1232x1x1; cr 308x1x1] *10; cg 1232x1x1; cbr 1232x14x14; cb 3024x7x7; cbr 3024x14x14; cbr 3024x7x7; "
        "a 3024x1x1; cr 308x1x1; cg 3024x1x1; cbr 3024x7x7; a 3024x1x1; f 1000"),
    "regnet_y_16gf@193": (83590140, 13405515616,
        "cbr 32x97x97; cb 224x49x49; cbr 224x97x97; cbr 224x49x49; a 224x1x1; cr 8x1x1; cg 224x1x1; cbrcbrcbr 224x49x49; "
        "a 224x1x1; cr 56x1x1; cg 224x1x1; cbr 224x49x49; cb 448x25x25; cbr 448x49x49; cbr 448x25x25; a 448x1x1; "
        "cr 56x1x1; [cg 448x1x1; cbrcbrcbr 448x25x25; a 448x1x1; cr 112x1x1] *3; cg 448x1x1; cbr 448x25x25; "
        "cb 1232x13x13; cbr 1232x25x25; cbr 1232x13x13; a 1232x1x1; cr 112x1x1; [cg 1232x1x1; cbrcbrcbr 1232x13x13; "
        "a 1232x1x1; cr 308x1x1] *10; cg 1232x1x1; cbr 1232x13x13; cb 3024x7x7; cbr 3024x13x13; cbr 3024x7x7; "
        "a 3024x1x1; cr 308x1x1; cg 3024x1x1; cbr 3024x7x7; a 3024x1x1; f 1000"),
    "regnet_y_32gf@224": (145046770, 32279552832,
        "cbr 32x112x112; cb 232x56x56; cbr 232x112x112; cbr 232x56x56; a 232x1x1; cr 8x1x1; cg 232x1x1; cbrcbrcbr 232x56x56; "
        "a 232x1x1; cr 58x1x1; cg 232x1x1; cbr 232x56x56; cb 696x28x28; cbr 696x56x56; cbr 696x28x28; a 696x1x1; "
        "cr 58x1x1; [cg 696x1x1; cbrcbrcbr 696x28x28; a 696x1x1; cr 174x1x1] *4; cg 696x1x1; cbr 696x28x28; "
        "cb 1392x14x14; cbr 1392x28x28; cbr 1392x14x14; a 1392x1x1; cr 174x1x1; [cg 1392x1x1; cbrcbrcbr 1392x14x14; "
        "a 1392x1x1; cr 348x1x1] *11; cg 1392x1x1; cbr 1392x14x14; cb 3712x7x7; cbr 3712x14x14; cbr 3712x7x7; "
        "a 3712x1x1; cr 348x1x1; cg 3712x1x1; cbr 3712x7x7; a 3712x1x1; f 1000"),
    "regnet_y_32gf@193": (145046770, 26959743840,
        "cbr 32x97x97; cb 232x49x49; cbr 232x97x97; cbr 232x49x49; a 232x1x1; cr 8x1x1; cg 232x1x1; cbrcbrcbr 232x49x49; "
        "a 232x1x1; cr 58x1x1; cg 232x1x1; cbr 232x49x49; cb 696x25x25; cbr 696x49x49; cbr 696x25x25; a 696x1x1; "
        "cr 58x1x1; [cg 696x1x1; cbrcbrcbr 696x25x25; a 696x1x1; cr 174x1x1] *4; cg 696x1x1; cbr 696x25x25; "
        "cb 1392x13x13; cbr 1392x25x25; cbr 1392x13x13; a 1392x1x1; cr 174x1x1; [cg 1392x1x1; cbrcbrcbr 1392x13x13; "
        "a 1392x1x1; cr 348x1x1] *11; cg 1392x1x1; cbr 1392x13x13; cb 3712x7x7; cbr 3712x13x13; cbr 3712x7x7; "
        "a 3712x1x1; cr 348x1x1; cg 3712x1x1; cbr 3712x7x7; a 3712x1x1; f 1000"),
    # EfficientNetV2 (torchvision.models.efficientnet_v2_s/_m/_l)
    "efficientnet_v2_s@384": (21458488, 8365617152,
        "cbscbscbs 24x192x192; cbs 96x96x96; [cb 48x96x96; cbs 192x96x96] *3; cb 48x96x96; cbs 192x48x48; [cb 64x48x48; "
        "cbs 256x48x48] *4; cbs 256x24x24; a 256x1x1; cs 16x1x1; cg 256x1x1; [cb 128x24x24; cbscbs 512x24x24; "
        "a 512x1x1; cs 32x1x1; cg 512x1x1] *5; cb 128x24x24; cbscbs 768x24x24; a 768x1x1; cs 32x1x1; cg 768x1x1; "
        "[cb 160x24x24; cbscbs 960x24x24; a 960x1x1; cs 40x1x1; cg 960x1x1] *8; cb 160x24x24; cbs 960x24x24; "
        "cbs 960x12x12; a 960x1x1; cs 40x1x1; cg 960x1x1; [cb 256x12x12; cbscbs 1536x12x12; a 1536x1x1; cs 64x1x1; "
        "cg 1536x1x1] *14; cb 256x12x12; cbs 1280x12x12; a 1280x1x1; d 1280; f 1000"),
    "efficientnet_v2_s@225": (21458488, 3202679048,
        "cbscbscbs 24x113x113; cbs 96x57x57; [cb 48x57x57; cbs 192x57x57] *3; cb 48x57x57; cbs 192x29x29; [cb 64x29x29; "
        "cbs 256x29x29] *4; cbs 256x15x15; a 256x1x1; cs 16x1x1; cg 256x1x1; [cb 128x15x15; cbscbs 512x15x15; "
        "a 512x1x1; cs 32x1x1; cg 512x1x1] *5; cb 128x15x15; cbscbs 768x15x15; a 768x1x1; cs 32x1x1; cg 768x1x1; "
        "[cb 160x15x15; cbscbs 960x15x15; a 960x1x1; cs 40x1x1; cg 960x1x1] *8; cb 160x15x15; cbs 960x15x15; "
        "cbs 960x8x8; a 960x1x1; cs 40x1x1; cg 960x1x1; [cb 256x8x8; cbscbs 1536x8x8; a 1536x1x1; cs 64x1x1; "
        "cg 1536x1x1] *14; cb 256x8x8; cbs 1280x8x8; a 1280x1x1; d 1280; f 1000"),
    "efficientnet_v2_m@480": (54139356, 24582460384,
        "cbscbscbscbs 24x240x240; cbs 96x120x120; [cb 48x120x120; cbs 192x120x120] *4; cb 48x120x120; cbs 192x60x60; "
        "[cb 80x60x60; cbs 320x60x60] *5; cbs 320x30x30; a 320x1x1; cs 20x1x1; cg 320x1x1; [cb 160x30x30; cbscbs 640x30x30; "
        "a 640x1x1; cs 40x1x1; cg 640x1x1] *6; cb 160x30x30; cbscbs 960x30x30; a 960x1x1; cs 40x1x1; cg 960x1x1; "
        "[cb 176x30x30; cbscbs 1056x30x30; a 1056x1x1; cs 44x1x1; cg 1056x1x1] *13; cb 176x30x30; cbs 1056x30x30; "
        "cbs 1056x15x15; a 1056x1x1; cs 44x1x1; cg 1056x1x1; [cb 304x15x15; cbscbs 1824x15x15; a 1824x1x1; "
        "cs 76x1x1; cg 1824x1x1] *18; [cb 512x15x15; cbscbs 3072x15x15; a 3072x1x1; cs 128x1x1; cg 3072x1x1] *4; "
        "cb 512x15x15; cbs 1280x15x15; a 1280x1x1; d 1280; f 1000"),
    "efficientnet_v2_m@225": (54139356, 6187463656,
        "cbscbscbscbs 24x113x113; cbs 96x57x57; [cb 48x57x57; cbs 192x57x57] *4; cb 48x57x57; cbs 192x29x29; "
        "[cb 80x29x29; cbs 320x29x29] *5; cbs 320x15x15; a 320x1x1; cs 20x1x1; cg 320x1x1; [cb 160x15x15; cbscbs 640x15x15; "
        "a 640x1x1; cs 40x1x1; cg 640x1x1] *6; cb 160x15x15; cbscbs 960x15x15; a 960x1x1; cs 40x1x1; cg 960x1x1; "
        "[cb 176x15x15; cbscbs 1056x15x15; a 1056x1x1; cs 44x1x1; cg 1056x1x1] *13; cb 176x15x15; cbs 1056x15x15; "
        "cbs 1056x8x8; a 1056x1x1; cs 44x1x1; cg 1056x1x1; [cb 304x8x8; cbscbs 1824x8x8; a 1824x1x1; cs 76x1x1; "
        "cg 1824x1x1] *18; [cb 512x8x8; cbscbs 3072x8x8; a 3072x1x1; cs 128x1x1; cg 3072x1x1] *4; cb 512x8x8; "
        "cbs 1280x8x8; a 1280x1x1; d 1280; f 1000"),
    "efficientnet_v2_l@480": (118515272, 56079699008,
        "cbscbscbscbscbs 32x240x240; cbs 128x120x120; [cb 64x120x120; cbs 256x120x120] *6; cb 64x120x120; cbs 256x60x60; "
        "[cb 96x60x60; cbs 384x60x60] *7; cbs 384x30x30; a 384x1x1; cs 24x1x1; cg 384x1x1; [cb 192x30x30; cbscbs 768x30x30; "
        "a 768x1x1; cs 48x1x1; cg 768x1x1] *9; cb 192x30x30; cbscbs 1152x30x30; a 1152x1x1; cs 48x1x1; cg 1152x1x1; "
        "[cb 224x30x30; cbscbs 1344x30x30; a 1344x1x1; cs 56x1x1; cg 1344x1x1] *18; cb 224x30x30; cbs 1344x30x30; "
        "cbs 1344x15x15; a 1344x1x1; cs 56x1x1; cg 1344x1x1; [cb 384x15x15; cbscbs 2304x15x15; a 2304x1x1; "
        "cs 96x1x1; cg 2304x1x1] *25; [cb 640x15x15; cbscbs 3840x15x15; a 3840x1x1; cs 160x1x1; cg 3840x1x1] *6; "
        "cb 640x15x15; cbs 1280x15x15; a 1280x1x1; d 1280; f 1000"),
    "efficientnet_v2_l@225": (118515272, 14064258784,
        "cbscbscbscbscbs 32x113x113; cbs 128x57x57; [cb 64x57x57; cbs 256x57x57] *6; cb 64x57x57; cbs 256x29x29; "
        "[cb 96x29x29; cbs 384x29x29] *7; cbs 384x15x15; a 384x1x1; cs 24x1x1; cg 384x1x1; [cb 192x15x15; cbscbs 768x15x15; "
        "a 768x1x1; cs 48x1x1; cg 768x1x1] *9; cb 192x15x15; cbscbs 1152x15x15; a 1152x1x1; cs 48x1x1; cg 1152x1x1; "
        "[cb 224x15x15; cbscbs 1344x15x15; a 1344x1x1; cs 56x1x1; cg 1344x1x1] *18; cb 224x15x15; cbs 1344x15x15; "
        "cbs 1344x8x8; a 1344x1x1; cs 56x1x1; cg 1344x1x1; [cb 384x8x8; cbscbs 2304x8x8; a 2304x1x1; cs 96x1x1; "
        "cg 2304x1x1] *25; [cb 640x8x8; cbscbs 3840x8x8; a 3840x1x1; cs 160x1x1; cg 3840x1x1] *6; cb 640x8x8; "
        "cbs 1280x8x8; a 1280x1x1; d 1280; f 1000"),
}
