"""DenseNet-121/161/169/201 (torchvision) and the paper's DenseNet-264 (specs/densenet.yaml)."""

import pytest

import archcost

# name: (growth rate k, block sizes, stem filters); Huang et al. 2017 Table 1, torchvision.models.densenet
CONFIGS = {
    "densenet121": (32, (6, 12, 24, 16), 64),
    "densenet161": (48, (6, 12, 36, 24), 96),
    "densenet169": (32, (6, 12, 32, 32), 64),
    "densenet201": (32, (6, 12, 48, 32), 64),
    "densenet264": (32, (6, 12, 64, 48), 64),
}


def densenet_params(k, blocks, init, bn_size=4, classes=1000):
    """Parameters written out layer by layer, without the tool (BN = 2 per channel, convs
    without bias, FC with bias)."""
    total = 3 * 7 * 7 * init + 2 * init                  # conv0 7x7, norm0
    c = init
    for b, n in enumerate(blocks):
        for _ in range(n):                               # dense layer on c channels
            total += 2 * c + c * bn_size * k             # norm1, conv1 1x1 -> 4k
            total += 2 * bn_size * k + bn_size * k * k * 3 * 3   # norm2, conv2 3x3 -> k
            c += k
        if b < len(blocks) - 1:                          # transition: norm, conv 1x1 -> c/2
            total += 2 * c + c * (c // 2)
            c //= 2
    return total + 2 * c + c * classes + classes         # norm5, classifier


@pytest.mark.parametrize("name, params", [
    ("densenet121", 7_978_856),     # torchvision.models.densenet121
    ("densenet161", 28_681_000),    # torchvision.models.densenet161
    ("densenet169", 14_149_480),    # torchvision.models.densenet169
    ("densenet201", 20_013_928),    # torchvision.models.densenet201
])
def test_parameters_match_torchvision(name, params):
    assert archcost.analyze(name).totals.params == params
    assert densenet_params(*CONFIGS[name]) == params   # the hand formula agrees with torchvision too


def test_densenet264_by_independent_arithmetic():
    # Huang et al. 2017, Table 1: DenseNet-264 = blocks (6, 12, 64, 48), k = 32; not in torchvision.
    # Closed form, block by block (k = 32, 4k = 128, 3x3 conv 128 x 32 x 9 = 36,864 weights):
    # a dense layer on c channels has 2c + 128c + 256 + 36,864 = 130c + 37,120 parameters;
    # a block of n layers from c0 sums c0, c0 + 32, ..., so 130 (n c0 + 32 n(n-1)/2) + 37,120 n.
    def block(c0, n):
        return 130 * (n * c0 + 32 * n * (n - 1) // 2) + 37_120 * n

    def transition(c):
        return 2 * c + c * (c // 2)

    stem = 3 * 49 * 64 + 2 * 64                                   # 9,536
    total = (stem
             + block(64, 6) + transition(64 + 6 * 32)             # 256 -> 128
             + block(128, 12) + transition(128 + 12 * 32)         # 512 -> 256
             + block(256, 64) + transition(256 + 64 * 32)         # 2304 -> 1152
             + block(1152, 48)                                    # -> 1152 + 48 x 32 = 2688
             + 2 * 2688 + 2688 * 1000 + 1000)                     # norm5, classifier
    assert total == densenet_params(*CONFIGS["densenet264"]) == 33_337_704
    assert archcost.analyze("densenet264").totals.params == total


@pytest.mark.parametrize("name, gflops", [
    # torchvision.models docs, "GFLOPS" column: conv + fc multiply-adds, rounded to 0.01
    ("densenet121", 2.83), ("densenet161", 7.73), ("densenet169", 3.36), ("densenet201", 4.29),
])
def test_multiply_adds_round_to_torchvisions_gflops(name, gflops):
    r = archcost.analyze(name, bias_flops=False)
    assert round(sum(x.flops for x in r.layers if x.kind in ("conv", "fc")) / 1e9, 2) == gflops


def final_channels(k, blocks, init):
    c = init
    for b, n in enumerate(blocks):
        c += n * k
        if b < len(blocks) - 1:
            c //= 2
    return c


def torch_out(size, kernel, stride, pad):
    """torch's conv / pool output size (floor): floor((size + 2 pad - kernel) / stride) + 1."""
    return (size + 2 * pad - kernel) // stride + 1


@pytest.mark.parametrize("size", [224, 160, 225])
@pytest.mark.parametrize("name", ["densenet121", "densenet161"])
def test_block_outputs_at_any_input(name, size):
    k, blocks, init = CONFIGS[name]
    side = torch_out(torch_out(size, 7, 2, 3), 3, 2, 1)     # conv0 7/2 pad 3, pool0 3/2 pad 1
    r = archcost.analyze(name, input=f"3x{size}x{size}")
    c = init
    for b, n in enumerate(blocks, start=1):
        c += n * k
        assert r.layer(f"denseblock{b}.denselayer{n}").output_shape == (c, side, side)
        if b < 4:
            c //= 2
            side = torch_out(side, 2, 2, 0)                 # transition's 2x2 average pool
            assert r.layer(f"transition{b}.pool").output_shape == (c, side, side)
    assert c == final_channels(*CONFIGS[name])              # 1024 for 121, 2208 for 161
    assert r.layer("classifier").input_shape == (c, 1, 1)   # adaptive pool: any size -> 1x1


def test_224_gives_table_1s_sizes_and_225_warns_about_the_odd_pool():
    # Huang et al. 2017, Table 1: dense blocks at 56, 28, 14, 7
    r = archcost.analyze("densenet121")
    assert [r.layer(f"denseblock{b}.denselayer{n}").output_shape[1]
            for b, n in zip((1, 2, 3, 4), (6, 12, 24, 16))] == [56, 28, 14, 7]
    assert r.warnings == ()
    odd = archcost.analyze("densenet121", input="3x225x225")
    # (57 - 2) / 2 + 1 = 28.5: transition1's pool never reads the last row, as torch
    assert any("transition1.pool" in str(w) for w in odd.warnings)
