"""GoogLeNet: the paper's network (Caffe rules), its auxiliary classifiers, and torchvision's variant.

Sources: Szegedy et al. 2015 (Going Deeper with Convolutions), Table 1 (output sizes and filter
counts) and Section 5 (the auxiliary classifiers); torchvision.models.googlenet (the shape comments
of GoogLeNet._forward, GoogLeNet_Weights.IMAGENET1K_V1's meta, and the code of its modules).
"""

import pytest

import archcost
from archcost import ArchcostError

# Szegedy et al. 2015, Table 1: output size (C, H, W) of the stem and of every Inception module
TABLE1_SHAPES = {
    "conv1": (64, 112, 112),               # convolution 7x7/2: 112x112x64
    "pool1": (64, 56, 56),                 # max pool 3x3/2: 56x56x64
    "conv2": (192, 56, 56),                # convolution 3x3/1: 56x56x192
    "pool2": (192, 28, 28),                # max pool 3x3/2: 28x28x192
    "inception_3a.output": (256, 28, 28),  # inception (3a): 28x28x256
    "inception_3b.output": (480, 28, 28),  # inception (3b): 28x28x480
    "pool3": (480, 14, 14),                # max pool 3x3/2: 14x14x480
    "inception_4a.output": (512, 14, 14),  # inception (4a): 14x14x512
    "inception_4b.output": (512, 14, 14),  # inception (4b): 14x14x512
    "inception_4c.output": (512, 14, 14),  # inception (4c): 14x14x512
    "inception_4d.output": (528, 14, 14),  # inception (4d): 14x14x528
    "inception_4e.output": (832, 14, 14),  # inception (4e): 14x14x832
    "pool4": (832, 7, 7),                  # max pool 3x3/2: 7x7x832
    "inception_5a.output": (832, 7, 7),    # inception (5a): 7x7x832
    "inception_5b.output": (1024, 7, 7),   # inception (5b): 7x7x1024
    "fc": (1000,),                         # linear: 1x1x1000
}

# Table 1's columns for each module: input channels (the previous row's output),
# #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj
TABLE1_MODULES = [
    (192, 64, 96, 128, 16, 32, 32),        # 3a
    (256, 128, 128, 192, 32, 96, 64),      # 3b
    (480, 192, 96, 208, 16, 48, 64),       # 4a
    (512, 160, 112, 224, 24, 64, 64),      # 4b
    (512, 128, 128, 256, 24, 64, 64),      # 4c
    (512, 112, 144, 288, 32, 64, 64),      # 4d
    (528, 256, 160, 320, 32, 128, 128),    # 4e
    (832, 256, 160, 320, 32, 128, 128),    # 5a
    (832, 384, 192, 384, 48, 128, 128),    # 5b
]


def conv_params(c_in, c_out, k):
    """Weights + one bias per filter (Caffe's convolutions have biases)."""
    return c_out * c_in * k * k + c_out


def layer_facts(report, skip=None):
    """name -> (output shape, params, flops, memory) for every layer, without those starting with `skip`."""
    return {x.name: (x.output_shape, x.params, x.flops, x.memory_kb) for x in report.layers
            if not (skip and x.name.startswith(skip))}


@pytest.mark.parametrize("name", ["googlenet", "googlenet_bn"])
def test_every_module_output_matches_table1(name):
    # torchvision's GoogLeNet._forward comments give the same sizes (N x 64 x 112 x 112 ... N x 1024 x 7 x 7)
    r = archcost.analyze(name)
    assert {n: r.layer(n).output_shape for n in TABLE1_SHAPES} == TABLE1_SHAPES
    assert r.warnings == ()


def test_paper_parameters_are_the_sum_of_table1():
    # Derived from Table 1's filter counts with Caffe's biases (bvlc_googlenet deploy.prototxt)
    modules = sum(conv_params(c, n1, 1) + conv_params(c, r3, 1) + conv_params(r3, n3, 3)
                  + conv_params(c, r5, 1) + conv_params(r5, n5, 5) + conv_params(c, pp, 1)
                  for c, n1, r3, n3, r5, n5, pp in TABLE1_MODULES)
    stem = conv_params(3, 64, 7) + conv_params(64, 64, 1) + conv_params(64, 192, 3)
    linear = 1024 * 1000 + 1000
    assert stem + modules + linear == 6_998_552
    assert archcost.analyze("googlenet").totals.params == 6_998_552
    assert archcost.analyze("inception_v1").totals.params == 6_998_552   # the alias


def test_paper_aux_classifiers_add_exactly_their_own_parameters():
    # Section 5: 5x5 average pool stride 3 -> 4x4x512 (4a) and 4x4x528 (4d), 1x1 conv 128 + ReLU,
    # FC 1024 + ReLU, dropout 70%, FC 1000 + softmax
    aux1 = (512 * 128 + 128) + (4 * 4 * 128 * 1024 + 1024) + (1024 * 1000 + 1000)   # 65,664 + 2,098,176 + 1,025,000
    aux2 = (528 * 128 + 128) + (4 * 4 * 128 * 1024 + 1024) + (1024 * 1000 + 1000)   # 67,712 + 2,098,176 + 1,025,000
    assert (aux1, aux2) == (3_188_840, 3_190_888)
    base = archcost.analyze("googlenet")
    with_aux = archcost.analyze("googlenet", settings={"aux": True})
    assert with_aux.totals.params - base.totals.params == aux1 + aux2 == 6_379_728
    assert with_aux.totals.params == 13_378_280
    assert with_aux.layer("aux1.pool").output_shape == (512, 4, 4)
    assert with_aux.layer("aux2.pool").output_shape == (528, 4, 4)
    assert with_aux.layer("aux2.fc1").params == 4 * 4 * 128 * 1024 + 1024
    assert with_aux.layer("aux2.prob").output_shape == (1000,)
    # and it changes nothing else: every other layer is the same, in the same order
    assert layer_facts(with_aux, skip="aux") == layer_facts(base)
    assert [x.name for x in with_aux.layers if not x.name.startswith("aux")] == [x.name for x in base.layers]


def test_torchvision_googlenet_parameters():
    # torchvision GoogLeNet_Weights.IMAGENET1K_V1 meta: "num_params": 6624904 (aux heads dropped)
    r = archcost.analyze("googlenet_bn")
    assert r.totals.params == 6_624_904
    # BasicConv2d: conv without bias + batch norm (eps 0.001, 2 parameters per channel)
    assert r.layer("conv1").params == 64 * 3 * 7 * 7
    assert r.layer("conv1.bn").params == 2 * 64
    assert r.layer("conv1.bn").attrs["eps"] == 0.001
    # torchvision's "5x5" branch is a 3x3 conv, pad 1 (the known quirk, pytorch/vision#906)
    assert r.layer("inception_3a.5x5").attrs["kernel"] == (3, 3)
    assert r.layer("inception_3a.5x5").attrs["pad"] == (1, 1)
    # maxpool4 = MaxPool2d(2, stride=2, ceil_mode=True); the pool branch: MaxPool2d(3, 1, 1, ceil_mode=True)
    assert r.layer("pool4").attrs["kernel"] == (2, 2)
    assert r.layer("inception_4a.pool").attrs["ceil_mode"] is True


def test_torchvision_googlenet_with_aux_heads():
    # torchvision googlenet(aux_logits=True): 13,004,888 parameters
    # InceptionAux: adaptive avg pool 4x4, BasicConv2d(C, 128, 1), fc1 2048 -> 1024, dropout 0.7, fc2 1024 -> 1000
    aux1 = (512 * 128 + 2 * 128) + (2048 * 1024 + 1024) + (1024 * 1000 + 1000)   # 65,792 + 2,098,176 + 1,025,000
    aux2 = (528 * 128 + 2 * 128) + (2048 * 1024 + 1024) + (1024 * 1000 + 1000)   # 67,840 + 2,098,176 + 1,025,000
    base = archcost.analyze("googlenet_bn")
    with_aux = archcost.analyze("googlenet_bn", settings={"aux": True})
    assert 6_624_904 + aux1 + aux2 == with_aux.totals.params == 13_004_888
    assert with_aux.layer("aux1.adaptive_pool").output_shape == (512, 4, 4)
    assert layer_facts(with_aux, skip="aux") == layer_facts(base)


def test_torchvision_googlenet_multiply_adds():
    # torchvision GoogLeNet_Weights.IMAGENET1K_V1 meta: "_ops": 1.498 (GFLOPS = conv and linear multiply-adds)
    r = archcost.analyze("googlenet_bn", bias_flops=False)
    macs = sum(x.flops for x in r.layers if x.kind in ("conv", "fc"))
    assert macs == 1_498_376_192
    assert round(macs / 1e9, 3) == 1.498


def torch_ceil_pool(n, k, s):
    """torch's MaxPool2d(k, s, ceil_mode=True) output length (no padding):
    round up, unless the last window would start outside the input."""
    out = -(-(n - k) // s) + 1
    return out - 1 if (out - 1) * s >= n else out


def test_torchvision_googlenet_off_native_input():
    # 3x160x160: conv1 floor((160 + 6 - 7) / 2) + 1; the pools round up (ceil_mode=True);
    # AdaptiveAvgPool2d((1, 1)) keeps the FC at 1024 inputs, so the parameters do not change
    conv1 = (160 + 2 * 3 - 7) // 2 + 1                      # 80
    pool1 = torch_ceil_pool(conv1, 3, 2)                     # 40
    pool2 = torch_ceil_pool(pool1, 3, 2)                     # 20
    pool3 = torch_ceil_pool(pool2, 3, 2)                     # 10
    pool4 = torch_ceil_pool(pool3, 2, 2)                     # 5
    assert (conv1, pool1, pool2, pool3, pool4) == (80, 40, 20, 10, 5)
    expected = {
        "conv1": (64, conv1, conv1),
        "pool1": (64, pool1, pool1),
        "inception_3b.output": (480, pool2, pool2),
        "inception_4e.output": (832, pool3, pool3),
        "inception_5b.output": (1024, pool4, pool4),
        "aux2.adaptive_pool": (528, 4, 4),
        "avgpool": (1024, 1, 1),
    }
    r = archcost.analyze("googlenet_bn", input="3x160x160", settings={"aux": True})
    assert {n: r.layer(n).output_shape for n in expected} == expected
    assert r.totals.params == 13_004_888       # torchvision googlenet(aux_logits=True), any input size


def test_paper_googlenet_off_native_input():
    # Caffe at 3x320x320: ceil-mode pools, and the fixed 7x7/1 average pool leaves 4x4,
    # so the FC (InnerProduct) sees 1024 x 4 x 4 inputs
    conv1 = (320 + 2 * 3 - 7) // 2 + 1                      # 160
    pool4 = conv1
    for _ in range(4):                                       # pool1 .. pool4, 3x3/2 rounded up
        pool4 = torch_ceil_pool(pool4, 3, 2)
    pool5 = pool4 - 7 + 1
    assert (conv1, pool4, pool5) == (160, 10, 4)
    r = archcost.analyze("googlenet", input="3x320x320", settings={"aux": True})
    assert r.layer("pool5").output_shape == (1024, pool5, pool5)
    assert r.layer("fc").params == 1024 * pool5 * pool5 * 1000 + 1000
    # the auxiliary pool: 5x5/3 on 20x20 -> ceil(15 / 3) + 1 = 6
    assert r.layer("aux1.pool").output_shape == (512, 6, 6)


def test_paper_googlenet_too_small_input_is_an_error():
    # at 160 pool4 leaves 5x5, smaller than the 7x7 average pool: Caffe fails too
    with pytest.raises(ArchcostError, match="larger than the padded input"):
        archcost.analyze("googlenet", input="3x160x160")
