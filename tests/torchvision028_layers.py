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
}
