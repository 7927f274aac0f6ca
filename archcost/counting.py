"""FLOP counting conventions as data: what one layer costs, op by op, under each tool's rules.

Every tool that counts FLOPs weighs the same few quantities differently: the conv's
multiply-adds, its bias add, batch norm's elements, a pool's window or its input. An op
names those quantities once (:meth:`archcost.ops.base.Op.counts`, beside its rules); a
:class:`Convention` is a table from op to a weighted sum of them. The cost pass reads the
table (:func:`layer_flops`); no pass asks which convention it holds.

A rule is looked up by ``op@call``, ``kind@call``, ``op``, then ``kind`` (``call`` is how the
reference PyTorch code runs the layer: ``module``, ``functional`` or ``method``, the spec
attribute ``call``; module by default). An op the table does not name takes its ``default``
(0 for most tools). An op that names no counts (one added with only ``flops()``) takes the
convention's fallback: ``weight_ops`` when it has parameters, ``other_ops`` otherwise, and so
does an op whose rule (found by its kind) needs a count it does not name (LeNet's ``subsample``
is a pool without ``inputs``); merging such an op's counts later is a table edit.

Three counts exist for every op: ``rule`` (its own ``flops()`` rule, the lecture's), ``rule_no_bias``
(the same without the bias add) and ``params`` (its parameter count).

>>> from archcost.ops import get_op
>>> conv = get_op("conv")
>>> a = conv.coerce({"out": 64, "kernel": 7, "stride": 2, "pad": 3, "bias": False})
>>> layer_flops(CONVENTIONS["torchvision"], conv, a, [(3, 224, 224)], (64, 112, 112))   # ResNet-50 conv1
118013952
>>> bn = get_op("batchnorm")
>>> [layer_flops(CONVENTIONS[c], bn, bn.coerce({}), [(64, 112, 112)], (64, 112, 112))
...  for c in ("lecture", "torchvision", "fvcore", "thop", "ptflops", "torchinfo")]
[802816, 0, 1605632, 3211264, 1605632, 128]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from .errors import ArchcostError
from .ops.base import suggest

COUNT_FACTORS = {"macs": 1, "flops": 2}   # --count: a multiply-add is 2 FLOPs

UNIVERSAL = {   # counts every op has, from its own rules
    "rule": lambda op, a, ins, out, bias: op.flops(a, ins, out, bias),
    "rule_no_bias": lambda op, a, ins, out, bias: op.flops(a, ins, out, False),
    "params": lambda op, a, ins, out, bias: op.params(a, ins, out),
}


@dataclass(frozen=True)
class Rule:
    """A weighted sum of named counts (``{"elements": 2}``: 2 per element) and why the tool counts so."""

    weights: Mapping[str, int]
    why: str = ""

    def text(self) -> str:
        """'macs + bias', '2 x elements', '0'.

        >>> Rule({"macs": 1, "bias": 1}).text(), Rule({"elements": 2}).text(), Rule({}).text()
        ('macs + bias', '2 x elements', '0')
        """
        parts = [name if w == 1 else f"{w} x {name}" for name, w in self.weights.items() if w]
        return " + ".join(parts) or "0"


def _r(why: str, **weights) -> Rule:
    return Rule(MappingProxyType(weights), why)


ZERO = _r("not counted")


@dataclass(frozen=True)
class Convention:
    """One tool's way of counting: its rules by op, its fallbacks, what it leaves out."""

    name: str
    tool: str            # the tool, its version and the function whose figure this reproduces
    description: str     # what it counts, with the tool's quirks
    leaves_out: str      # the footer: what the figure does not count
    rules: Mapping[str, Rule] = field(default_factory=dict)
    default: Rule = ZERO       # an op with named counts that the table does not name
    weight_ops: Rule = ZERO    # an op that names no counts, with parameters
    other_ops: Rule = ZERO     # ... without parameters

    def rule(self, op, a, has_counts: bool, has_params) -> Rule:
        """The rule for one layer of ``op`` with attributes ``a``.

        >>> from archcost.ops import get_op
        >>> relu = get_op("relu")
        >>> CONVENTIONS["ptflops"].rule(relu, relu.coerce({}), True, False).text()
        '2 x elements'
        >>> CONVENTIONS["ptflops"].rule(relu, relu.coerce({"call": "functional"}), True, False).text()
        'elements'
        """
        if has_counts:
            call = a.get("call") or "module"
            for key in (f"{op.name}@{call}", f"{op.kind}@{call}", op.name, op.kind):
                found = self.rules.get(key)
                if found is not None:
                    return found
            return self.default
        if self.weight_ops == self.other_ops:
            return self.other_ops
        return self.weight_ops if has_params() else self.other_ops


def layer_rule(convention: Convention, op, a, ins, out) -> tuple:
    """(the rule one layer is counted by, the op's named counts or None).

    >>> from archcost.ops import get_op
    >>> pool = get_op("globalavgpool")
    >>> layer_rule(CONVENTIONS["thop"], pool, pool.coerce({"call": "method"}), [(1024, 7, 7)], (1024, 1, 1))[0].why
    'x.mean() is no module: thop does not see it'
    """
    counts = op.counts(a, ins, out) if convention.rules else None
    has_params = lambda: bool(op.params(a, ins, out))  # noqa: E731
    rule = convention.rule(op, a, counts is not None, has_params)
    if counts is not None and any(n not in counts and n not in UNIVERSAL for n in rule.weights):
        rule = convention.rule(op, a, False, has_params)   # the op lacks a count its kind's rule needs
    return rule, counts


def layer_flops(convention: Convention, op, a, ins, out, bias_flops: bool = True):
    """One layer's count under ``convention``: exact ints, or a worked :class:`~archcost.arith.Term`.

    ``bias_flops=False`` leaves the bias add out of whatever the convention counts.

    >>> from archcost.ops import get_op
    >>> fc = get_op("fc")
    >>> a = fc.coerce({"out": 1000})
    >>> [layer_flops(CONVENTIONS[c], fc, a, [(2048,)], (1000,)) for c in ("lecture", "torchvision", "ptflops")]
    [2049000, 2048000, 2049000]
    """
    rule, counts = layer_rule(convention, op, a, ins, out)
    total, first = 0, True
    for name, weight in rule.weights.items():
        if not weight or name == "bias" and not bias_flops:
            continue
        if name in UNIVERSAL:
            x = UNIVERSAL[name](op, a, ins, out, bias_flops)
        else:
            x = counts[name]
        x = x if weight == 1 else weight * x
        total, first = (x if first else total + x), False
    return total


# ---------------------------------------------------------------- the conventions
_LECTURE = Convention(
    "lecture",
    "EECS 498-007 lecture 8 (J. Johnson), AlexNet table; archcost's default",
    "every op's own rule: multiply-adds incl. the bias add, pooling per window element, batch norm, "
    "LRN, adds and SE multiplies one per element; --no-bias-flops leaves the bias add out (that is "
    "still this convention, not torchvision's or fvcore's figure)",
    "activations, softmax, dropout, concat, flatten, shuffle, slice (not multiply-adds)",
    default=_r("the op's own flops() rule", rule=1),
    weight_ops=_r("the op's own flops() rule", rule=1),
    other_ops=_r("the op's own flops() rule", rule=1),
)

_TORCHVISION = Convention(
    "torchvision",
    "torchvision 0.28.0 model pages (the weights' meta '_ops', GFLOPS) = calflops 0.3.2 MACs on CNNs "
    "= torch.utils.flop_counter.FlopCounterMode / 2",
    "multiply-adds of the convolutions, fully connected and linear layers and attention's two matmuls "
    "(Q K^T, A V), without the bias add: what torchvision's model pages print as GFLOPS (for a CNN, "
    "calflops' MACs too); the papers' 'FLOPs (multiply-adds)'. FlopCounterMode does not see the fused "
    "CPU attention (aten._scaled_dot_product_*): torchvision's figures add its 2 x heads x L x L x D/h",
    "bias adds, batch norm, layer norm, layer scale, pooling, activations, softmax, adds, SE multiplies",
    {"conv": _r("C_in/groups x K_h x K_w per output element (aten.convolution)", macs=1),
     "fc": _r("in x out (aten.addmm / aten.mm); a linear layer: output elements x in", macs=1),
     "matmul": _r("aten.bmm: output elements x K", matmuls=1),
     "upsample": _r("aten.upsample_nearest2d / aten.upsample_bilinear2d: no formula in FlopCounterMode, 0"),
     "attention": _r("the Q, K, V and output projections (aten.addmm) and Q K^T, A V", macs=1, matmuls=1),
     "window_attention": _r("projections (aten.addmm), Q K^T and A V (aten.bmm) in every window, and "
                            "v2's position bias MLP (aten.addmm / aten.mm)", macs=1, matmuls=1, cpb_macs=1)},
    weight_ops=_r("an op with parameters the table does not name: its own rule without the bias add",
                  rule_no_bias=1),
)

_FVCORE = Convention(
    "fvcore",
    "fvcore 0.1.5 FlopCountAnalysis(model, x).total() with its default op handles (jit trace)",
    "multiply-adds of conv and linear without bias (aten::_convolution, aten::linear/addmm), batch norm "
    "2 per element in eval mode (1 for its normalisation, 1 for the affine; batchnorm_flop_jit), "
    "adaptive average pooling 1 per input element (aten::adaptive_avg_pool2d). Quirks: max and plain "
    "average pooling (aten::max_pool2d, aten::avg_pool2d) and x.mean() (aten::mean) have no handle, so "
    "fvcore skips them with an 'unsupported operator' warning: ShuffleNetV2's global pool is x.mean() "
    "and counts 0, Inception-v3's F.avg_pool2d branches count 0. Layer norm 5 per element with "
    "gamma and beta (norm_flop_counter: 4, + 1 for the affine). Attention: torch.matmul (Swin's Q K^T "
    "and A V) has a handle, but nn.MultiheadAttention (ViT) runs aten::scaled_dot_product_attention, "
    "which has none: fvcore counts ViT's projections (aten::linear) and skips its matmuls "
    "(vit_b_16: 16,867,412,736 of torchvision's 17,563,828,224; under torch.no_grad() the module's fast "
    "path aten::_native_multi_head_attention hides its projections too)",
    "max pooling, average pooling (not adaptive), x.mean(), activations, adds, multiplies, bias adds, "
    "ViT's attention matmuls",
    {"conv": _r("aten::_convolution: C_in/groups x K_h x K_w per output, no bias", macs=1),
     "fc": _r("aten::linear / aten::addmm: in x out, no bias", macs=1),
     "batchnorm": _r("aten::batch_norm, eval: 1 per element, 2 with affine", elements=1, affine=1),
     "adaptiveavgpool": _r("aten::adaptive_avg_pool2d: 1 per input element", inputs=1),
     "globalavgpool": _r("nn.AdaptiveAvgPool2d / F.adaptive_avg_pool2d trace to aten::adaptive_avg_pool2d: "
                         "1 per input element", inputs=1),
     "globalavgpool@method": _r("x.mean(): aten::mean has no handle, skipped"),
     "upsample": _r("aten::upsample_nearest2d: 1 per output element; aten::upsample_bilinear2d: 4 "
                    "(elementwise_flop_counter(0, 1) and (0, 4))", neighbours=1),
     "pool": _r("aten::max_pool2d / aten::avg_pool2d have no handle, skipped"),
     "layernorm": _r("aten::layer_norm: norm_flop_counter, 4 per element + 1 with the affine", elements=4, affine=1),
     "layernorm2d": _r("torchvision's LayerNorm2d runs aten::layer_norm: 4 per element + 1 with the affine",
                       elements=4, affine=1),
     "matmul": _r("aten::matmul: output elements x K", matmuls=1),
     "attention": _r("nn.MultiheadAttention: aten::linear projections counted; "
                     "aten::scaled_dot_product_attention has no handle, skipped", macs=1),
     "window_attention": _r("aten::linear projections, aten::matmul Q K^T and A V, the v2 MLP's aten::linear",
                            macs=1, matmuls=1, cpb_macs=1)},
    weight_ops=_r("an op with parameters the table does not name: its own rule without the bias add",
                  rule_no_bias=1),
)

_THOP = Convention(
    "thop",
    "thop 0.1.1 profile(model, inputs=(x,)) (module forward hooks, register_hooks)",
    "conv and linear multiply-adds without bias (count_convNd ignores the bias since 0.1), batch norm "
    "4 per element (count_normalization: calculate_norm's 2 x elements, doubled for the affine), "
    "average pooling 1 per output, adaptive average pooling (H x W / (h x w) + 1) per output "
    "(= inputs + outputs; thop computes it in floating point). Quirks: only nn.Module layers are "
    "seen: F.adaptive_avg_pool2d (MobileNetV2, DenseNet), F.avg_pool2d (Inception-v3) and x.mean() "
    "count 0; nn.ReLU, ReLU6 and max pools are registered as zero ops; SiLU, Hardswish, Sigmoid "
    "have no hook and count 0. nn.LayerNorm 4 per element (count_normalization), but hooks are looked "
    "up by exact type: torchvision's LayerNorm2d (a subclass) counts 0. Attention: nn.MultiheadAttention "
    "has no hook and its out_proj's forward never runs, Swin runs its qkv and proj weights with F.linear: "
    "thop counts no attention at all (vit_b_16: 11,286,254,592; swin_t: 2,978,099,712) and its parameter "
    "total loses them (vit_b_16: 58,067,176 of 86,567,656), except v2's position bias MLP, whose "
    "nn.Linear modules run",
    "activations, max pooling, functional pooling, adds, multiplies, bias adds, attention",
    {"conv": _r("count_convNd: output elements x C_in/groups x K_h x K_w, no bias", macs=1),
     "fc": _r("count_linear: in_features x output elements, no bias", macs=1),
     "batchnorm": _r("count_normalization: 2 per element, x 2 with affine", elements=2, affine=2),
     "avgpool": _r("count_avgpool: 1 per output element", outputs=1),
     "adaptiveavgpool": _r("count_adap_avgpool: (kernel + 1) per output = inputs + outputs", inputs=1, outputs=1),
     "globalavgpool": _r("count_adap_avgpool: (H x W + 1) per output", inputs=1, outputs=1),
     "pool@functional": _r("a functional pool is no module: thop does not see it"),
     "pool@method": _r("x.mean() is no module: thop does not see it"),
     "upsample": _r("count_upsample (calculate_upsample): 1 per output element for nearest, 11 for bilinear",
                    interpolation=1),
     "upsample@functional": _r("F.interpolate is no module: thop does not see it"),
     "prelu": _r("count_prelu: 1 per element in eval mode", elements=1),
     "layernorm": _r("count_normalization: 2 per element, x 2 with affine", elements=2, affine=2),
     "layernorm2d": _r("torchvision's LayerNorm2d subclasses nn.LayerNorm: no hook for its type"),
     "attention": _r("nn.MultiheadAttention has no hook; its out_proj's forward never runs"),
     "window_attention": _r("F.linear and torch.matmul are no modules; v2's position bias MLP runs nn.Linear "
                            "modules: count_linear", cpb_macs=1),
     "conv_transpose": _r("count_convNd on a ConvTranspose2d: output elements x C_in/groups x K_h x K_w, "
                          "no bias", output_macs=1)},
    weight_ops=_r("an op with parameters the table does not name: its own rule without the bias add",
                  rule_no_bias=1),
)

_PTFLOPS = Convention(
    "ptflops",
    "ptflops 0.7.5 get_model_complexity_info(model, (3, H, W), backend='pytorch') with its defaults "
    "(count_functional=True)",
    "conv and linear multiply-adds with the bias add, batch norm 2 per element (1 without affine), "
    "pooling 1 per INPUT element, ReLU 1 per element. Quirks (count_functional=True): ptflops hooks "
    "nn.ReLU, nn.MaxPool2d, nn.AvgPool2d and nn.AdaptiveAvgPool2d AND patches F.relu, F.max_pool2d, "
    "F.avg_pool2d, F.adaptive_avg_pool2d, which those modules call in their forward: every such module "
    "is counted twice, a bare F.relu or F.max_pool2d once. nn.ReLU6 is counted once (it runs "
    "F.hardtanh, not patched), nn.SiLU once (no module hook, but F.silu is patched); Sigmoid, "
    "Hardswish, Hardsigmoid count 0; x + y and x * s are Python operators, not the patched torch.add "
    "/ torch.mul: 0; x.mean() is not patched: 0. nn.LayerNorm takes bn_flops_counter_hook, which "
    "looks for 'affine' (a LayerNorm has 'elementwise_affine'): 1 per element; LayerNorm2d (a subclass) "
    "has no hook. nn.MultiheadAttention's hook counts Q scaling, projections with biases, Q K^T, the "
    "softmax and A V. Swin runs its projections with F.linear, which ptflops does not patch: only its "
    "Tensor.matmul calls (both matmuls in v1, A V in v2, whose Q K^T is the @ operator) and F.softmax "
    "count (swin_t: 3,128,183,416 of 4,490,566,656 + bias adds)",
    "adds, SE multiplies, x.mean(), sigmoid, hard-swish, Swin's projections",
    {"conv": _r("conv_flops_counter_hook: multiply-adds + 1 bias add per output", macs=1, bias=1),
     "fc": _r("linear_flops_counter_hook: in x out + out", macs=1, bias=1),
     "batchnorm": _r("bn_flops_counter_hook: 1 per element, x 2 with affine", elements=1, affine=1),
     "relu": _r("nn.ReLU: module hook + patched F.relu in its forward: twice per element", elements=2),
     "relu@functional": _r("F.relu: once per element", elements=1),
     "relu6": _r("nn.ReLU6: module hook only (its forward runs F.hardtanh)", elements=1),
     "leakyrelu": _r("nn.LeakyReLU: module hook only (F.leaky_relu is not patched)", elements=1),
     "elu": _r("nn.ELU: module hook + patched F.elu", elements=2),
     "elu@functional": _r("F.elu: once per element", elements=1),
     "prelu": _r("nn.PReLU: module hook + patched F.prelu", elements=2),
     "prelu@functional": _r("F.prelu: once per element", elements=1),
     "gelu": _r("nn.GELU: module hook + patched F.gelu", elements=2),
     "gelu@functional": _r("F.gelu: once per element", elements=1),
     "silu": _r("nn.SiLU: no module hook; its forward runs the patched F.silu", elements=1),
     "swish": _r("nn.SiLU: no module hook; its forward runs the patched F.silu", elements=1),
     "softmax": _r("nn.Softmax runs the patched F.softmax", elements=1),
     "pool": _r("pool_flops_counter_hook + the patched functional in its forward: twice per input element",
                inputs=2),
     "pool@functional": _r("a patched F.*_pool2d: once per input element", inputs=1),
     "pool@method": _r("x.mean() is not patched"),
     "upsample": _r("nn.Upsample: upsample_flops_counter_hook + the patched F.interpolate its forward calls: "
                    "twice per output element", outputs=2),
     "upsample@functional": _r("the patched F.interpolate: N x C x the size given, or input elements x S^2 "
                               "(once per output element for a whole factor)", outputs=1),
     "lrn": _r("nn.LocalResponseNorm has no hook; it runs F.avg_pool3d (not patched)"),
     "layernorm": _r("bn_flops_counter_hook: 1 per element (a LayerNorm has no 'affine')", elements=1),
     "layernorm2d": _r("torchvision's LayerNorm2d: no hook for the subclass"),
     "matmul": _r("patched Tensor.matmul: output elements x K", matmuls=1),
     "attention": _r("multihead_attention_counter_hook: Q scaling, projections + biases, Q K^T, softmax, A V",
                     queries=1, macs=1, bias=1, matmuls=1, scores=1),
     "window_attention": _r("F.linear is not patched; patched Tensor.matmul (Q K^T in v1, A V) and F.softmax; "
                            "v2's position bias MLP: nn.Linear hooks with the bias add, nn.ReLU twice",
                            qk_call=1, av=1, scores=1, cpb_macs=1, cpb_hidden=3)},
    weight_ops=_r("an op with parameters the table does not name: its own rule with the bias add", rule=1),
)

_TORCHINFO = Convention(
    "torchinfo",
    "torchinfo 1.8.0 summary(model, input_size=(1, 3, H, W)) 'Total mult-adds' (LayerInfo.calculate_macs)",
    "summed over leaf modules with parameters: a Conv* module counts (weights + biases) x output "
    "positions (its multiply-adds with the bias add); every other module counts its parameter count "
    "once per sample: an nn.Linear its in x out + out multiply-adds, but batch norm 2 x C (gamma and "
    "beta) however large its map, a PReLU its slopes. Modules without parameters count 0. Only "
    "parameters named weight or bias of modules whose forward runs count: an nn.Linear on a token "
    "sequence counts its parameters once (not per token), nn.MultiheadAttention (in_proj_weight; its "
    "out_proj never runs) and Swin's F.linear attention count 0, as do the class token, position "
    "embedding and layer scale (vit_b_16: 173,232,616, i.e. 0.17 G of 17.56 G)",
    "pooling, activations, adds, multiplies, batch norm's per-element work, linear layers' per-token "
    "work, attention",
    {"conv": _r("a Conv* module: (weights + biases) x output positions", macs=1, bias=1),
     "conv_transpose": _r("a ConvTranspose2d: (weights + biases) x output positions", output_macs=1, bias=1),
     "attention": _r("in_proj_weight is not named weight, out_proj's forward never runs: 0"),
     "window_attention": _r("its qkv and proj modules run through F.linear, not their forward: 0; v2's "
                            "position bias MLP runs its nn.Linear modules: their parameters", cpb_params=1),
     "token": _r("class_token, pos_embedding: parameters of a module, not named weight or bias: 0"),
     "layer_scale": _r("a parameter of the block, not named weight or bias: 0"),
     "matmul": _r("no module: 0")},
    default=_r("any other module: its parameter count, once per sample (0 without parameters)", params=1),
    weight_ops=_r("a module with parameters: its parameter count, once per sample", params=1),
    other_ops=_r("a module without parameters: 0"),
)

_CALFLOPS = Convention(
    "calflops",
    "calflops 0.3.2 calculate_flops(model, input_shape=(1, 3, H, W)) MACs (patched torch functions)",
    "torchvision's convention as calflops sees it: conv, linear and torch.matmul / Tensor.matmul "
    "multiply-adds without bias adds; for a CNN it equals torchvision's figure. Quirks: "
    "nn.MultiheadAttention (ViT) runs F.scaled_dot_product_attention, which calflops does not patch: "
    "ViT's Q K^T and A V count 0 (vit_b_16: 16,848,500,736, torchvision's 17.56 G less 0.715 G); "
    "Swin v2 writes Q K^T with the @ operator, not patched either (swin_v2_t: 5,820,152,832)",
    "bias adds, batch norm, layer norm, pooling, activations, adds, multiplies, ViT's attention matmuls, "
    "Swin v2's Q K^T",
    {"conv": _r("F.conv2d: C_in/groups x K_h x K_w per output element", macs=1),
     "fc": _r("F.linear: output elements x in", macs=1),
     "matmul": _r("torch.matmul: output elements x K", matmuls=1),
     "upsample": _r("the patched F.interpolate adds FLOPs, no MACs: 0"),
     "attention": _r("its projections (F.linear); F.scaled_dot_product_attention is not patched", macs=1),
     "window_attention": _r("F.linear projections, .matmul() Q K^T (v1) and A V, v2's MLP (F.linear)",
                            macs=1, qk_call=1, av=1, cpb_macs=1)},
    weight_ops=_r("an op with parameters the table does not name: its own rule without the bias add",
                  rule_no_bias=1),
)

CONVENTIONS: dict[str, Convention] = {c.name: c for c in (_LECTURE, _TORCHVISION, _FVCORE, _THOP, _PTFLOPS,
                                                           _TORCHINFO, _CALFLOPS)}


def get_convention(name: str) -> Convention:
    """The convention called ``name``, or one clear error with a suggestion.

    >>> get_convention("fvcore").name
    'fvcore'
    """
    found = CONVENTIONS.get(name)
    if found is None:
        hint = suggest(name, CONVENTIONS)
        raise ArchcostError(f"unknown FLOP convention '{name}'",
                            hint or f"use one of {', '.join(CONVENTIONS)} ('archcost conventions' lists them)")
    return found
