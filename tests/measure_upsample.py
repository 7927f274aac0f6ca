"""Measure what the FLOP tools count for upsampling and for a difference of two activations.

Not a test and never imported by one: it needs torch and the tools, which archcost and its tests
never depend on. Its figures are pinned in tests/test_upsample_sub.py (torch 2.13.0 CPU, fvcore
0.1.5, thop 0.1.1, ptflops 0.7.5, torchinfo 1.8.0, calflops 0.3.2):

    /path/to/python-with-the-tools tests/measure_upsample.py

For each module on a 1x64x28x28 input it prints FlopCounterMode's total, fvcore's
FlopCountAnalysis.total(), thop's profile() MACs, ptflops' MACs (backend 'pytorch', defaults),
torchinfo's total mult-adds and calflops' MACs and FLOPs; then the tensors autograd saves for
backward (torch.autograd.graph.saved_tensors_hooks: shape and dtype of each) and
FlopCounterMode's count of the backward.
"""

import contextlib
import io
import warnings


def modules():
    import torch.nn as nn
    import torch.nn.functional as F

    class Interpolate(nn.Module):
        def __init__(self, **kw):
            super().__init__()
            self.kw = kw

        def forward(self, x):
            return F.interpolate(x, **self.kw)

    class Sub(nn.Module):
        def forward(self, x):
            a, b = x.chunk(2, dim=1)   # two activations of 32x28x28; chunk is a view, counted by no tool
            return a - b

    return {
        "Upsample(scale_factor=2, nearest)": nn.Upsample(scale_factor=2, mode="nearest"),
        "Upsample(scale_factor=2, bilinear)": nn.Upsample(scale_factor=2, mode="bilinear"),
        "Upsample(scale_factor=2, bilinear, align_corners)": nn.Upsample(scale_factor=2, mode="bilinear",
                                                                         align_corners=True),
        "Upsample(size=(56, 56), nearest)": nn.Upsample(size=(56, 56), mode="nearest"),
        "Upsample(size=(56, 56), bilinear)": nn.Upsample(size=(56, 56), mode="bilinear"),
        "F.interpolate(scale_factor=2, nearest)": Interpolate(scale_factor=2, mode="nearest"),
        "F.interpolate(scale_factor=2, bilinear)": Interpolate(scale_factor=2, mode="bilinear"),
        "F.interpolate(size=(56, 56), nearest)": Interpolate(size=(56, 56), mode="nearest"),
        "F.interpolate(size=(56, 56), bilinear)": Interpolate(size=(56, 56), mode="bilinear"),
        "Upsample(scale_factor=3, nearest) on 1x64x7x7": (nn.Upsample(scale_factor=3), (1, 64, 7, 7)),
        "x[:, :32] - x[:, 32:]": Sub(),
    }


def quiet(f):
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        return f()


def measure(m, shape):
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    x = torch.randn(*shape)
    out = {}
    with FlopCounterMode(display=False) as fc:
        y = m(x)
    out["shape"] = tuple(y.shape)
    out["FlopCounterMode"] = fc.get_total_flops()

    from fvcore.nn import FlopCountAnalysis
    out["fvcore"] = quiet(lambda: FlopCountAnalysis(m, x).total())

    import copy
    from thop import profile
    out["thop"] = int(quiet(lambda: profile(copy.deepcopy(m), inputs=(x,), verbose=False))[0])

    from ptflops import get_model_complexity_info
    out["ptflops"] = quiet(lambda: get_model_complexity_info(copy.deepcopy(m), tuple(shape[1:]), backend="pytorch",
                                                             as_strings=False, print_per_layer_stat=False))[0]

    from torchinfo import summary
    out["torchinfo"] = quiet(lambda: summary(m, input_size=shape, verbose=0)).total_mult_adds

    from calflops import calculate_flops

    class Holder(torch.nn.Module):   # calflops reads the device of the first parameter: one that is never used
        def __init__(self, inner):
            super().__init__()
            self.inner, self.unused = inner, torch.nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return self.inner(x)

    flops, macs, _ = quiet(lambda: calculate_flops(model=Holder(copy.deepcopy(m)), input_shape=shape,
                                                   output_as_string=False, print_results=False,
                                                   print_detailed=False))
    out["calflops MACs"], out["calflops FLOPs"] = macs, flops

    saved = []

    def pack(t):
        saved.append((tuple(t.shape), str(t.dtype).replace("torch.", "")))
        return t

    x = torch.randn(*shape, requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        y = m(x)
    out["saved"] = saved
    with FlopCounterMode(display=False) as fc:
        y.backward(torch.ones_like(y))
    out["backward FlopCounterMode"] = fc.get_total_flops()
    return out


def main():
    import torch

    print(f"torch {torch.__version__}")
    for name, m in modules().items():
        m, shape = m if isinstance(m, tuple) else (m, (1, 64, 28, 28))
        print(name, "on", "x".join(map(str, shape)))
        for k, v in measure(m.eval(), shape).items():
            print(f"    {k}: {v}")


if __name__ == "__main__":
    main()
