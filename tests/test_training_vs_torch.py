"""Training memory, backward FLOPs and the inference peak against what PyTorch really does.

Every figure below was measured with torch 2.13.0 (CPU) and torchvision 0.28.0 by
benchmarks/measure_torch.py (weights=None, each model's native input):
- saved: bytes autograd saves in train mode at batch 2 (torch.autograd.graph.saved_tensors_hooks,
  one count per storage, parameters left out; batch norm's running statistics are saved and
  counted), and of them the int64 max-pool indices;
- forward, backward: torch.utils.flop_counter.FlopCounterMode at batch 2 (2 FLOPs per multiply-add,
  convs and matmuls only);
- peak: the eager inference peak at batch 1 (eval, no_grad): the bytes of the storages alive after
  each aten op, seen by a TorchDispatchMode, the input included, parameters left out;
- train peak: the same tracking over a training step's forward and backward at batch 2 (parameter
  gradients included; parameters and buffers left out; SGD without state).
Tolerances (issue 12): saved bytes within 2%, backward FLOPs exact, inference peak within 5%; the
training peak within 2%.
"""

import pytest

import archcost

# network: (saved bytes, of them int64, forward FLOPs, backward FLOPs, eager inference peak)
MEASURED = {
    "alexnet_torchvision": (7_482_368, 1_413_120, 2_856_753_920, 5_432_400_640, 1_936_384),
    "vgg16": (146_710_528, 24_485_888, 61_881_057_280, 123_415_298_048, 26_292_224),
    "vgg11_bn": (157_191_168, 24_485_888, 30_436_360_192, 60_525_903_872, 26_292_224),
    "resnet18": (44_436_480, 3_211_264, 7_256_293_376, 14_040_530_944, 7_024_640),
    "resnet50": (172_243_968, 3_211_264, 16_356_737_024, 32_241_418_240, 11_038_720),
    "resnext50_32x4d": (224_949_248, 3_211_264, 16_921_919_488, 62_041_948_160, 11_038_720),
    "googlenet_bn": (96_458_240, 22_679_552, 5_993_504_768, 11_514_953_728, 7_024_640),
    "inception_v3": (196_636_760, 11_338_240, 22_852_864_384, 45_629_002_112, 14_902_572),
    "densenet121": (261_391_872, 3_211_264, 11_336_646_656, 22_201_237_504, 10_637_312),
    "mobilenet_v2": (156_691_968, 0, 1_203_097_088, 23_356_304_896, 11_038_720),
    "mobilenet_v3_large": (88_423_104, 0, 866_359_040, 22_688_059_648, 7_827_456),
    "mobilenet_v3_small": (32_436_544, 0, 226_041_600, 7_579_395_840, 2_609_152),
    "efficientnet_b0": (176_724_232, 0, 1_543_259_008, 62_828_428_160, 11_038_720),
    "shufflenet_v2_x1_0": (40_899_360, 1_204_224, 579_631_968, 2_835_388_512, 3_010_560),
    "squeezenet1_0": (71_534_656, 8_849_408, 3_275_698_304, 5_880_737_920, 8_523_648),
    "squeezenet1_1": (42_139_456, 5_282_816, 1_396_607_744, 2_708_052_736, 6_079_488),
}

TRAIN_PEAK = {  # bytes alive at the peak of forward + backward, batch 2 (see the module docstring)
    "alexnet_torchvision": 250_312_616,
    "vgg16": 685_776_808,
    "vgg11_bn": 673_439_144,
    "resnet18": 85_378_472,
    "resnet50": 235_777_448,
    "resnext50_32x4d": 282_892_712,
    "googlenet_bn": 106_997_032,
    "inception_v3": 245_320_192,
    "densenet121": 266_332_840,
    "mobilenet_v2": 163_773_608,
    "mobilenet_v3_large": 101_332_392,
    "mobilenet_v3_small": 39_652_712,
    "efficientnet_b0": 184_430_640,
    "shufflenet_v2_x1_0": 46_607_480,
    "squeezenet1_0": 74_278_888,
    "squeezenet1_1": 44_883_688,
}


# FlopCounterMode overcounts the backward of grouped and depthwise convs in torch 2.13: for these the
# backward is checked by formula on its (right) forward count: weights' and input's gradients each
# repeat the forward's multiply-adds, except the first conv's input gradient (the image needs none):
# 2 x forward - 2 FLOPs x the first conv's multiply-adds at batch 2, by hand:
FIRST_CONV_FLOPS = {
    "resnext50_32x4d": 64 * 112 * 112 * 3 * 7 * 7 * 2 * 2,        # 472,055,808
    "mobilenet_v2": 32 * 112 * 112 * 3 * 3 * 3 * 2 * 2,           # 43,352,064
    "mobilenet_v3_large": 16 * 112 * 112 * 3 * 3 * 3 * 2 * 2,     # 21,676,032
    "mobilenet_v3_small": 16 * 112 * 112 * 3 * 3 * 3 * 2 * 2,
    "efficientnet_b0": 32 * 112 * 112 * 3 * 3 * 3 * 2 * 2,
    "shufflenet_v2_x1_0": 24 * 112 * 112 * 3 * 3 * 3 * 2 * 2,     # 32,514,048
}

# the networks whose saved bytes archcost matches to the byte (no dropout, no squeeze-and-excitation
# gates; see test_saved_bytes_within_2_percent for the others)
EXACT_SAVED = ("resnet18", "resnet50", "resnext50_32x4d", "densenet121", "shufflenet_v2_x1_0")


def _train(name):
    return archcost.analyze(name, batch=2, bias_flops=False).training_memory("sgd")


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_saved_bytes_within_2_percent(name):
    m = _train(name)
    ours = m.activations + m.buffers      # PyTorch's count includes batch norm's running statistics
    torch_saved = MEASURED[name][0]
    assert abs(ours - torch_saved) <= 0.02 * torch_saved, (ours, torch_saved)
    if name in EXACT_SAVED:
        assert ours == torch_saved


def test_resnet18_anchor_by_dtype():
    # issue 12's public anchor: 44,436,480 bytes = 41,225,216 float32 + 3,211,264 int64 max-pool indices
    m = _train("resnet18")
    int64 = sum(s.bytes for x in m.layers for s in (x.saved or ()) if s.counted and s.dtype == "int64")
    assert int64 == 3_211_264 == MEASURED["resnet18"][1]
    assert m.activations + m.buffers - int64 == 41_225_216


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_int64_indices_exact(name):
    m = _train(name)
    assert sum(s.bytes for x in m.layers for s in (x.saved or ()) if s.counted and s.dtype == "int64") \
        == MEASURED[name][1]


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_forward_and_backward_flops(name):
    report = archcost.analyze(name, batch=2, bias_flops=False)
    m = report.training_memory("sgd")
    _, _, forward, backward, _ = MEASURED[name]
    assert 2 * sum(x.flops for x in report.layers if x.kind in ("conv", "fc")) == forward
    ours = 2 * m.backward_flops_of(kinds=("conv", "fc"))
    if name in FIRST_CONV_FLOPS:
        assert backward > ours == 2 * forward - FIRST_CONV_FLOPS[name]   # PyTorch overcounts these
    else:
        assert ours == backward


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_inference_peak_within_5_percent(name):
    ours = archcost.analyze(name).inference_peak().peak
    torch_peak = MEASURED[name][4]
    if name == "densenet121":
        # torchvision's DenseNet keeps every layer's features in a list and concatenates them afresh in
        # each layer (a copy the spec's running concat does not make): archcost is 18.9% under
        assert 0.80 * torch_peak < ours < 0.82 * torch_peak
    else:
        assert abs(ours - torch_peak) <= 0.05 * torch_peak, (ours, torch_peak)


def test_inplace_activation_keeps_a_copy_of_its_input():
    # torch 2.13: F.relu6(x, inplace=True) saves a copy of x (a storage of its own); F.relu_ saves its
    # result, which is x's storage (measured in benchmarks/measure_torch.py's networks: MobileNetV2 saves
    # 156,691,968 bytes at batch 2, 48 MB of them these copies)
    m = _train("mobilenet_v2")
    relu6 = next(x for x in m.layers if x.name == "conv1_relu6")
    assert relu6.saved[0].storage == "conv1_relu6:original input" and relu6.saved[0].counted
    layers = {x.name: x for x in _train("resnet18").layers}
    # relu_ saves its result, bn1's output (64 x 112 x 112 x 4 bytes x 2 images), which the maxpool saves too
    assert layers["relu"].saved[0].storage == "bn1" and layers["relu"].saved_bytes == 6_422_528
    assert layers["maxpool"].saved[0].storage == "bn1" and not layers["maxpool"].saved[0].counted


def test_measured_with_torch_when_available():
    torch = pytest.importorskip("torch")
    # one conv, then in-place ReLU6: autograd saves the conv's input and a copy of the conv's output
    w = torch.randn(4, 3, 3, 3, requires_grad=True)
    x = torch.randn(1, 3, 8, 8)
    seen = set()
    with torch.autograd.graph.saved_tensors_hooks(lambda t: seen.add(t.untyped_storage().data_ptr()) or t,
                                                  lambda t: t):
        y = torch.nn.functional.conv2d(x, w)
        torch.nn.functional.relu6(y, inplace=True)
    assert y.untyped_storage().data_ptr() not in seen and len(seen - {w.untyped_storage().data_ptr()}) == 2


# The eager inference peak within each top-level module (batch 1), measured as above with forward hooks
# marking which module runs (benchmarks/measure_torch.py, torch 2.13.0 / torchvision 0.28.0). These specs
# name their layers after torchvision's modules, so scope="modules" (every enclosing block holds what it
# reads from outside until it returns, as each Python caller holds its argument) reproduces them exactly.
PEAK_BY_MODULE = {
    "resnet18": {"conv1": 3_813_376, "bn1": 7_024_640, "relu": 3_813_376, "maxpool": 6_221_824,
                 "layer1": 3_813_376, "layer2": 2_609_152, "layer3": 1_605_632, "layer4": 1_103_872,
                 "avgpool": 704_512, "fc": 608_160},
    "resnet50": {"conv1": 3_813_376, "bn1": 7_024_640, "relu": 3_813_376, "maxpool": 6_221_824,
                 "layer1": 11_038_720, "layer2": 8_630_272, "layer3": 4_616_192, "layer4": 2_609_152,
                 "avgpool": 1_011_712, "fc": 614_304},
    "inception_v3": {"Conv2d_1a_3x3": 6_756_268, "Conv2d_2a_3x3": 9_446_444, "Conv2d_2b_3x3": 14_902_572,
                     "maxpool1": 10_697_388, "Conv2d_3b_1x1": 5_847_596, "Conv2d_4a_3x3": 10_521_068,
                     "maxpool2": 7_766_700, "Mixed_5b": 4_522_412, "Mixed_5c": 5_306_412, "Mixed_5d": 5_620_012,
                     "Mixed_6a": 4_259_628, "Mixed_6b": 3_958_188, "Mixed_6c": 3_958_188, "Mixed_6d": 3_958_188,
                     "Mixed_6e": 3_958_188, "Mixed_7a": 2_708_396, "Mixed_7b": 2_449_068, "Mixed_7c": 2_694_828,
                     "avgpool": 1_605_292, "fc": 1_085_004},
}


@pytest.mark.parametrize("name", sorted(PEAK_BY_MODULE))
def test_inference_peak_inside_every_module(name):
    peak = archcost.analyze(name).inference_peak(scope="modules")
    ours: dict = {}
    for layer, live in peak.per_layer:
        top = layer.split(".")[0]
        ours[top] = max(ours.get(top, 0), live)
    # (a module that runs no aten op at inference, inception's dropout, has no measured figure)
    assert {k: ours[k] for k in PEAK_BY_MODULE[name]} == PEAK_BY_MODULE[name]
    # the default scope (the innermost block holds) misses only ResNet-18's layer1, where the stage holds the
    # maxpool's output through its two blocks: 3,010,560 against 3,813,376; the networks' peaks are the same
    block = {n: b for n, b in archcost.analyze(name).inference_peak().per_layer}
    assert max(block.values()) == peak.peak == MEASURED[name][4]


@pytest.mark.parametrize("name", sorted(TRAIN_PEAK))
def test_training_peak_within_2_percent(name):
    m = archcost.analyze(name, batch=2).training_memory("sgd")
    ours = m.peak - m.weights - m.buffers          # PyTorch's figure leaves parameters and buffers out
    assert abs(ours - TRAIN_PEAK[name]) <= 0.02 * TRAIN_PEAK[name], (ours, TRAIN_PEAK[name])


# Saved bytes under torch.autocast("cpu", dtype=torch.bfloat16) at batch 2 (benchmarks/measure_torch.py,
# torch 2.13.0): autocast casts each weight to bf16 per call and autograd keeps those copies, so PyTorch's
# figure is archcost's bf16 saved activations + buffers (fp32) + the bf16 copy of the weights (the
# "weights" line of mixed precision, besides the fp32 master weights).
SAVED_AUTOCAST_BF16 = {
    "resnet18": 47_220_096,
    "mobilenet_v2": 85_421_952,
    "efficientnet_b0": 99_002_564,
    "vgg11_bn": 356_563_328,
}


@pytest.mark.parametrize("name", sorted(SAVED_AUTOCAST_BF16))
def test_mixed_precision_saved_bytes_within_2_percent(name):
    m = archcost.analyze(name, batch=2).training_memory("sgd", "bf16")
    ours = m.activations + m.buffers + m.weights
    assert abs(ours - SAVED_AUTOCAST_BF16[name]) <= 0.02 * SAVED_AUTOCAST_BF16[name], (ours, SAVED_AUTOCAST_BF16[name])


# ---------------------------------------------------------------- the transformers
# Measured as above (benchmarks/measure_torch.py, torch 2.13.0 CPU, torchvision 0.28.0, weights=None, each
# model's native input: 224, swin_v2_t 256; `--by-module` shows what each module saves):
# network: (saved bytes at batch 2, forward FLOPs, backward FLOPs, eager inference peak at batch 1,
#           training peak at batch 2)
TRANSFORMERS = {
    "vit_b_16": (236_321_360, 67_394_002_944, 134_325_583_872, 8_469_504, 353_148_920),
    "vit_b_32": (60_878_624, 17_452_425_216, 34_442_428_416, 2_598_912, 354_408_360),
    "swin_t": (213_498_928, 17_962_266_624, 35_866_730_496, 15_131_788, 271_718_448),
    "swin_v2_t": (367_589_176, 23_721_437_184, 47_361_847_296, 19_711_104, 416_607_320),
    "convnext_tiny": (218_311_752, 17_822_125_056, 137_130_077_184, 12_644_352, 277_139_096),
}
TRANSFORMER_KINDS = ("conv", "fc", "attention", "matmul")

# torchvision's Swin and ConvNeXt drop residual branches with stochastic_depth_prob 0.2 and 0.1 by default,
# each block's probability rising from 0 (the first block: the identity); the specs' stochastic depth is
# p = 0. A block with p > 0 keeps its noise, one float per image, twice per block (Swin: after the attention
# and the MLP; ConvNeXt: once per block but torchvision's count is per call): 4 bytes x 2 images x calls
NOISE = {"vit_b_16": 0, "vit_b_32": 0,
         "swin_t": 4 * 2 * 2 * (12 - 1),           # 12 blocks, 2 calls each
         "swin_v2_t": 4 * 2 * 2 * (12 - 1),
         "convnext_tiny": 4 * 2 * (18 - 1)}        # 18 blocks, 1 call each

# FlopCounterMode (torch 2.13) has no formula for _scaled_dot_product_flash_attention_for_cpu, the fused
# kernel nn.MultiheadAttention runs in ViT on CPU: it counts no Q K^T and A V at all. Their multiply-adds,
# by hand (12 layers x 2 matmuls x L x L x D per image, L = 197 or 50 tokens, D = 768), are added back to
# PyTorch's figure: once in the forward, twice in the backward (the gradients of both operands)
FUSED_ATTENTION_MACS = {"vit_b_16": 12 * 2 * 197 * 197 * 768, "vit_b_32": 12 * 2 * 50 * 50 * 768}

# Swin V2's position bias MLP runs once per forward, whatever the batch; archcost counts it per image (its
# table's FLOPs are per image): at batch 2 it counts one MLP more than PyTorch. Its multiply-adds per block,
# (2M - 1)^2 = 225 relative positions, hidden 512, h heads: forward 225 x (2 x 512 + 512 x h); backward both
# linears' weight gradients and the hidden layer's gradient: 225 x 512 x (2 + 2h); heads 3, 6, 12, 24 in
# 2, 2, 6, 2 blocks
V2_HEADS = [3, 3, 6, 6] + [12] * 6 + [24, 24]
V2_MLP_FORWARD = sum(225 * (2 * 512 + 512 * h) for h in V2_HEADS)      # 18,662,400
V2_MLP_BACKWARD = sum(225 * 512 * (2 + 2 * h) for h in V2_HEADS)       # 34,560,000

# ConvNeXt's depthwise 7x7 convs: FlopCounterMode overcounts their backward (see FIRST_CONV_FLOPS); checked
# by formula: 2 x forward - the stem's input gradient (96 x 56 x 56 outputs x 3 x 4 x 4, 2 FLOPs, 2 images)
CONVNEXT_STEM_FLOPS = 96 * 56 * 56 * 3 * 4 * 4 * 2 * 2


@pytest.mark.parametrize("name", sorted(TRANSFORMERS))
def test_transformer_saved_bytes(name):
    m = _train(name)
    ours = m.activations + m.buffers
    torch_saved = TRANSFORMERS[name][0]
    assert abs(ours - torch_saved) <= 0.02 * torch_saved
    assert ours == torch_saved - NOISE[name]      # to the byte, but for the stochastic-depth noise


@pytest.mark.parametrize("name", sorted(TRANSFORMERS))
def test_transformer_forward_and_backward_flops(name):
    report = archcost.analyze(name, batch=2, bias_flops=False)
    m = report.training_memory("sgd")
    _, forward, backward, _, _ = TRANSFORMERS[name]
    ours_forward = 2 * sum(x.flops for x in report.layers if x.kind in TRANSFORMER_KINDS)
    ours_backward = 2 * m.backward_flops_of(kinds=TRANSFORMER_KINDS)
    fused = FUSED_ATTENTION_MACS.get(name, 0) * 2 * 2          # 2 FLOPs per multiply-add, 2 images
    if name == "swin_v2_t":
        assert ours_forward == forward + 2 * V2_MLP_FORWARD     # one MLP more (2 images, one MLP run)
        assert ours_backward == backward + 2 * V2_MLP_BACKWARD
    elif name == "convnext_tiny":
        assert ours_forward == forward
        assert backward > ours_backward == 2 * forward - CONVNEXT_STEM_FLOPS
    else:
        assert ours_forward == forward + fused
        assert ours_backward == backward + 2 * fused


@pytest.mark.parametrize("name", ["swin_t", "swin_v2_t", "convnext_tiny"])
def test_transformer_inference_peak_by_modules(name):
    # these specs name their layers after torchvision's modules: scope="modules" (each stage's Sequential
    # holds its input through all its blocks) gives PyTorch's eager peak to the byte: Swin's at a bmm inside
    # the window attention of features.1.1 (its scratch: the windows, Q, K, V, the probabilities...),
    # ConvNeXt's at the GELU of features.1.1
    report = archcost.analyze(name)
    torch_peak = TRANSFORMERS[name][3]
    assert report.inference_peak(scope="modules").peak == torch_peak
    # the default scope frees the stage's input after its first block: under by one block input
    # (swin_t -8.0%, swin_v2_t -8.0%, convnext_tiny -9.5%), a miss of the 5% goal
    block = report.inference_peak().peak
    assert 0.90 * torch_peak < block < 0.93 * torch_peak


@pytest.mark.parametrize("name", ["vit_b_16", "vit_b_32"])
def test_vit_inference_peak_misses_one_held_sequence(name):
    # torchvision's VisionTransformer.forward holds the class-token sequence (L x D, the cat's output) while
    # the encoder runs; the spec's layer names (torchvision's without "encoder.layers.") put no block around
    # the encoder that could hold it: archcost is under by exactly that tensor (vit_b_16 -7.1%, vit_b_32 -5.9%)
    tokens = {"vit_b_16": 197, "vit_b_32": 50}[name]
    for scope in ("block", "modules"):
        assert archcost.analyze(name).inference_peak(scope=scope).peak + tokens * 768 * 4 == TRANSFORMERS[name][3]


@pytest.mark.parametrize("name", sorted(TRANSFORMERS))
def test_transformer_training_peak_within_2_percent(name):
    m = archcost.analyze(name, batch=2).training_memory("sgd")
    ours = m.peak - m.weights - m.buffers
    assert abs(ours - TRANSFORMERS[name][4]) <= 0.02 * TRANSFORMERS[name][4], (ours, TRANSFORMERS[name][4])
