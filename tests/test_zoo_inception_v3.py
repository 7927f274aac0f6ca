"""Inception-v3 as torchvision builds it (Szegedy et al. 2016; torchvision.models.inception_v3).

Sources: torchvision's inception.py (the shape comments of Inception3._forward, the module
definitions) and Inception_V3_Weights.IMAGENET1K_V1's meta (num_params, min_size, _ops).
"""

import pytest

import archcost
from archcost import ArchcostError

# torchvision Inception3._forward comments, at 3 x 299 x 299
SHAPES_299 = {
    "Conv2d_1a_3x3": (32, 149, 149),
    "Conv2d_2a_3x3": (32, 147, 147),
    "Conv2d_2b_3x3": (64, 147, 147),
    "maxpool1": (64, 73, 73),
    "Conv2d_3b_1x1": (80, 73, 73),
    "Conv2d_4a_3x3": (192, 71, 71),
    "maxpool2": (192, 35, 35),
    "Mixed_5b.output": (256, 35, 35),
    "Mixed_5c.output": (288, 35, 35),
    "Mixed_5d.output": (288, 35, 35),
    "Mixed_6a.output": (768, 17, 17),
    "Mixed_6e.output": (768, 17, 17),
    "Mixed_7a.output": (1280, 8, 8),
    "Mixed_7b.output": (2048, 8, 8),
    "Mixed_7c.output": (2048, 8, 8),
    "avgpool": (2048, 1, 1),
    "fc": (1000,),
}

# InceptionAux: BasicConv2d(768, 128, 1), BasicConv2d(128, 768, 5), Linear(768, 1000);
# a BasicConv2d has no conv bias and 2 batch-norm parameters per channel
AUX_PARAMS = (768 * 128 + 2 * 128) + (128 * 768 * 5 * 5 + 2 * 768) + (768 * 1000 + 1000)


def test_parameters_without_and_with_the_aux_head():
    # torchvision inception_v3(aux_logits=False): 23,834,568;
    # Inception_V3_Weights.IMAGENET1K_V1 meta "num_params": 27161264 (with AuxLogits)
    base = archcost.analyze("inception_v3")
    with_aux = archcost.analyze("inception_v3", settings={"aux": True})
    assert base.totals.params == 23_834_568
    assert AUX_PARAMS == 98_560 + 2_459_136 + 769_000 == 3_326_696
    assert with_aux.totals.params == 23_834_568 + AUX_PARAMS == 27_161_264
    # the head changes nothing else
    facts = [(x.name, x.output_shape, x.params, x.flops, x.memory_kb) for x in with_aux.layers
             if not x.name.startswith("AuxLogits")]
    assert facts == [(x.name, x.output_shape, x.params, x.flops, x.memory_kb) for x in base.layers]


def test_output_shapes_at_299():
    r = archcost.analyze("inception_v3", settings={"aux": True})
    assert {n: r.layer(n).output_shape for n in SHAPES_299} == SHAPES_299
    # InceptionAux.forward comments: N x 768 x 5 x 5 after the pool, N x 768 x 1 x 1 after conv1
    assert r.layer("AuxLogits.pool").output_shape == (768, 5, 5)
    assert r.layer("AuxLogits.conv1").output_shape == (768, 1, 1)
    assert r.warnings == ()       # every division is exact at 299


def test_asymmetric_kernels():
    # InceptionC(768, channels_7x7=128): branch7x7_2 = BasicConv2d(128, 128, kernel_size=(1, 7), padding=(0, 3))
    r = archcost.analyze("inception_v3")
    conv = r.layer("Mixed_6b.branch7x7_2")
    assert (conv.attrs["kernel"], conv.attrs["pad"]) == ((1, 7), (0, 3))
    assert conv.params == 128 * 128 * 1 * 7
    assert conv.output_shape == (128, 17, 17)
    tall = r.layer("Mixed_6b.branch7x7_3")     # BasicConv2d(128, 192, kernel_size=(7, 1), padding=(3, 0))
    assert (tall.attrs["kernel"], tall.params, tall.output_shape) == ((7, 1), 192 * 128 * 7, (192, 17, 17))
    # InceptionE: the 1x3 and 3x1 convs side by side, concatenated to 768 channels
    assert r.layer("Mixed_7b.branch3x3").output_shape == (768, 8, 8)
    assert r.layer("Mixed_7b.branch3x3_2b").params == 384 * 384 * 3


def test_multiply_adds():
    # Inception_V3_Weights.IMAGENET1K_V1 meta: "_ops": 5.713 (GFLOPS = conv and linear multiply-adds)
    r = archcost.analyze("inception_v3", bias_flops=False)
    macs = sum(x.flops for x in r.layers if x.kind in ("conv", "fc"))
    assert macs == 5_713_216_096
    assert round(macs / 1e9, 3) == 5.713


def floor_out(n, k, s, p=0):
    """torch's Conv2d / MaxPool2d / AvgPool2d output length (floor)."""
    return (n + 2 * p - k) // s + 1


def test_output_shapes_at_342():
    # 342 is torchvision's resize size for this model (transforms: resize_size=342); every
    # unpadded 3x3 shrinks by 2, every stride-2 3x3 is floor((n - 3) / 2) + 1
    c1a = floor_out(342, 3, 2)                 # 170
    c2a = floor_out(c1a, 3, 1)                 # 168
    pool1 = floor_out(c2a, 3, 2)               # 83
    c4a = floor_out(pool1, 3, 1)               # 81
    pool2 = floor_out(c4a, 3, 2)               # 40
    grid17 = floor_out(pool2, 3, 2)            # 19
    grid8 = floor_out(grid17, 3, 2)            # 9
    aux_pool = floor_out(grid17, 5, 3)         # 5
    assert (c1a, c2a, pool1, c4a, pool2, grid17, grid8, aux_pool) == (170, 168, 83, 81, 40, 19, 9, 5)
    expected = {
        "Conv2d_1a_3x3": (32, c1a, c1a),
        "Conv2d_2b_3x3": (64, c2a, c2a),
        "maxpool1": (64, pool1, pool1),
        "Conv2d_4a_3x3": (192, c4a, c4a),
        "Mixed_5b.output": (256, pool2, pool2),
        "Mixed_6a.output": (768, grid17, grid17),
        "AuxLogits.pool": (768, aux_pool, aux_pool),
        "AuxLogits.conv1": (768, aux_pool - 5 + 1, aux_pool - 5 + 1),
        "Mixed_7a.output": (1280, grid8, grid8),
        "Mixed_7c.output": (2048, grid8, grid8),
    }
    r = archcost.analyze("inception_v3", input="3x342x342", settings={"aux": True})
    assert {n: r.layer(n).output_shape for n in expected} == expected
    assert r.totals.params == 27_161_264       # adaptive pools: the same weights at any size
    # 342 does not divide evenly: the floors that leave input rows unread are reported
    warned = {w.layer for w in r.warnings}
    assert {"Conv2d_1a_3x3", "maxpool1", "Mixed_6a.branch_pool", "AuxLogits.pool"} <= warned


def test_smallest_input():
    # Inception_V3_Weights.IMAGENET1K_V1 meta: "min_size": (75, 75); at 75 Mixed_7a leaves 1x1
    r = archcost.analyze("inception_v3", input="3x75x75")
    assert r.layer("Mixed_7c.output").output_shape == (2048, 1, 1)
    with pytest.raises(ArchcostError, match="larger than the padded input"):
        archcost.analyze("inception_v3", input="3x74x74")
