"""Measure torchvision's own models: every layer's output shape, parameters, multiply-adds.

Not a test and never imported by one: it needs torch and torchvision, which archcost and its
tests never depend on. It wrote ``torchvision028_layers.py`` (torch 2.13.0, torchvision 0.28.0,
CPU, weights=None, one zero image, batch axis dropped):

    /path/to/python-with-torchvision tests/measure_torchvision.py mnasnet1_0@224 mnasnet1_0@193 ...

prints one entry per name@side for that file's LAYERS. Shapes come from forward hooks on every
leaf module (conv, batch norm, activations, pools, linear, dropout) in the order they run;
torchvision's functional steps (residual adds, SE rescales, x.mean, flatten) have no module, and
StochasticDepth is an identity at inference. Multiply-adds are torchvision's convention: conv
out_elements x C_in / groups x K x K and linear out_elements x in_features, no bias adds.

The layer list is written compactly (see ``expand`` in torchvision028_layers.py): consecutive
ops with the same shape share one token (``cbr 32x112x112`` = conv, batch norm, ReLU), and a
run of identical groups of tokens is ``[...] *n``.
"""

import sys

LETTER = {"Conv2d": "c", "BatchNorm2d": "b", "ReLU": "r", "SiLU": "s", "Sigmoid": "g",
          "AdaptiveAvgPool2d": "a", "Linear": "f", "Dropout": "d", "MaxPool2d": "m", "AvgPool2d": "v",
          "Hardswish": "h", "Hardsigmoid": "k", "ReLU6": "6", "Flatten": "l"}
IDENTITY = {"StochasticDepth", "Identity"}


def measure(name, side):
    import torch
    from torchvision import models
    model = getattr(models, name)(weights=None).eval()
    seq, macs = [], [0]

    def hook(mod, inp, out):
        kind = type(mod).__name__
        if kind in IDENTITY:
            return
        seq.append((LETTER[kind], "x".join(map(str, out.shape[1:]))))
        if kind == "Conv2d":
            macs[0] += out.numel() * (mod.in_channels // mod.groups) * mod.kernel_size[0] * mod.kernel_size[1]
        elif kind == "Linear":
            macs[0] += out.numel() * mod.in_features

    for mod in model.modules():
        if not list(mod.children()):
            mod.register_forward_hook(hook)
    with torch.no_grad():
        model(torch.zeros(1, 3, side, side))
    return sum(p.numel() for p in model.parameters()), macs[0], seq


def encode(seq):
    """[(letter, shape)] -> the compact text: same-shape neighbours merged, repeated groups bracketed."""
    tokens = []
    for letter, shape in seq:
        if tokens and tokens[-1][1] == shape:
            tokens[-1][0] += letter
        else:
            tokens.append([letter, shape])
    tokens = [f"{ops} {shape}" for ops, shape in tokens]
    out, i = [], 0
    while i < len(tokens):
        best = (1, 1)                       # (unit length, repeats)
        for unit in range(1, 41):
            n = 1
            while tokens[i + n * unit:i + (n + 1) * unit] == tokens[i:i + unit]:
                n += 1
            if n > 1 and (n - 1) * unit > (best[1] - 1) * best[0]:
                best = (unit, n)
        unit, n = best
        out.append(tokens[i] if n == 1 else f"[{'; '.join(tokens[i:i + unit])}] *{n}")
        i += unit * n
    return "; ".join(out)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        name, side = arg.split("@")
        params, macs, seq = measure(name, int(side))
        text, lines = encode(seq), []
        while text:                         # lines of at most ~100 characters, cut after a "; "
            cut = text.find("; ", 96) + 2 if len(text) > 100 and text.find("; ", 96) >= 0 else len(text)
            lines.append(text[:cut])
            text = text[cut:]
        body = "\n".join(f'        "{line}"' for line in lines)
        print(f'    "{arg}": ({params}, {macs},\n{body}),')
