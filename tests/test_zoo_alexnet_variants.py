"""AlexNet variants of specs/alexnet.yaml: the 2012 paper's two-GPU network and torchvision's.

(The lecture's `alexnet` table is pinned cell by cell in test_alexnet_table.py.)
"""

import archcost


def test_alexnet_paper_parameters():
    # Krizhevsky et al. 2012, Section 3 / Figure 2 (seed 001); groups 2 where a layer reads one GPU's half
    r = archcost.analyze("alexnet_paper")
    by_hand = {
        "conv1": 96 * 3 * 11 * 11 + 96,          # 34,944
        "conv2": 256 * (96 // 2) * 5 * 5 + 256,   # 307,456: each GPU's 128 filters read its 48 maps
        "conv3": 384 * 256 * 3 * 3 + 384,        # 885,120: reads both GPUs
        "conv4": 384 * (384 // 2) * 3 * 3 + 384,  # 663,936
        "conv5": 256 * (384 // 2) * 3 * 3 + 256,  # 442,624
        "fc6": 4096 * 256 * 6 * 6 + 4096,
        "fc7": 4096 * 4096 + 4096,
        "fc8": 1000 * 4096 + 1000,
    }
    assert {n: r.layer(n).params for n in by_hand} == by_hand
    assert r.totals.params == 60_965_224    # the paper's network: 60,965,224 parameters (issue 3)


def test_alexnet_paper_maps_at_227():
    # seed 001: 55x55x96 after conv1 only if the input is 227: (227 - 11) / 4 + 1 = 55, every division exact
    r = archcost.analyze("alexnet_paper")
    assert r.input == (3, 227, 227)
    assert r.layer("conv1").output_shape == (96, 55, 55)
    assert r.layer("norm1").output_shape == (96, 55, 55)      # LRN before the pool, as the paper orders them
    assert r.layer("pool1").output_shape == (96, 27, 27)
    assert r.layer("pool2").output_shape == (256, 13, 13)
    assert r.layer("pool5").output_shape == (256, 6, 6)
    assert r.warnings == ()


def test_alexnet_paper_at_224_warns_at_conv1(run):
    # seed 001: the paper's 224 x 224 input does not give 55: (224 - 11) / 4 + 1 = 54.25
    r = archcost.analyze("alexnet_paper", input="3x224x224")
    first = r.warnings[0]
    assert first.layer == "conv1" and "(224 - 11) / 4 + 1 = 54.25" in str(first)
    assert r.layer("conv1").output_shape == (96, 54, 54)
    res = run("table", "alexnet_paper", "--input", "3x224x224")
    assert res.exit_code == 0
    assert "layer 'conv1': (224 - 11) / 4 + 1 = 54.25 is not whole" in res.stderr


def test_alexnet_torchvision_parameters_and_macs():
    # torchvision.models.alexnet: num_params 61,100,840; _ops 0.714 (GFLOPS: conv and fc multiply-adds)
    r = archcost.analyze("alexnet_torchvision")
    assert r.input == (3, 224, 224) and r.totals.params == 61_100_840
    assert r.layer("conv1").output_shape == (64, 55, 55)    # (224 + 2 x 2 - 11) / 4 + 1 = 55.25 -> 55
    assert r.warnings == ()                                 # the floor drops only padding
    nb = archcost.analyze("alexnet_torchvision", bias_flops=False)
    macs = sum(x.flops for x in nb.layers if x.kind in ("conv", "fc"))
    assert macs == 714_188_480 and round(macs / 1e9, 3) == 0.714


def test_alexnet_torchvision_off_native_input():
    # 160: conv1 (160 + 4 - 11) / 4 + 1 = 39, pool1 19, pool2 9, pool5 (9 - 3) / 2 + 1 = 4; torch's
    # AdaptiveAvgPool2d((6, 6)) makes it 6x6 again, so fc6 still reads 9,216 inputs: same parameters
    r = archcost.analyze("alexnet_torchvision", input="3x160x160")
    assert r.layer("pool5").output_shape == (256, 4, 4)
    assert r.layer("avgpool").output_shape == (256, 6, 6)
    assert r.totals.params == 61_100_840
    # torchvision's min_size (63, 63): pool5 is 1x1 there
    assert archcost.analyze("alexnet_torchvision", input="3x63x63").layer("pool5").output_shape == (256, 1, 1)


def test_the_lecture_network_has_none_of_the_variant_rows():
    r = archcost.analyze("alexnet")
    names = [x.name for x in r.rows(all=True)]
    assert not {"norm1", "norm2", "avgpool", "drop5", "drop6", "drop7"} & set(names)
    assert r.totals.params == 61_100_840     # torchvision's count: the lecture's channels


def test_list_shows_the_family(run):
    res = run("list", "--family", "alexnet", "--format", "csv")
    assert "alexnet_paper,alexnet,3x227x227,60965224" in res.stdout
    assert "alexnet_torchvision,alexnet,3x224x224,61100840" in res.stdout
