"""ZFNet as Zeiler & Fergus 2014 draw it in Figure 3 (specs/alexnet.yaml, zfnet_paper): 96, 256, 384,
384, 256 filters, conv1 7x7/2, conv2 5x5/2, contrast normalisation after pool1 and pool2.

The paper prints no parameter or multiply-add total; the figures below follow Figure 3's layers by
the rules of LECTURES.md section 1 (C_out x C_in x K x K + C_out; output elements x C_in x K x K)."""

import archcost

LAYERS = {   # Figure 3: (filters, input channels, kernel, output side)
    "conv1": (96, 3, 7, 110), "conv2": (256, 96, 5, 26), "conv3": (384, 256, 3, 13),
    "conv4": (384, 384, 3, 13), "conv5": (256, 384, 3, 13),
}


def test_figure_3_map_sizes_and_contrast_norm_after_the_pools():
    r = archcost.analyze("zfnet_paper")
    # Figure 3: 224 -> 110x110x96 -> pool 55x55x96 -> 26x26x256 -> pool 13x13x256 -> 13x13x384 -> 13x13x384
    # -> 13x13x256 -> pool 6x6x256 -> 4096 -> 4096 -> 1000
    assert [r.layer(n).output_shape for n in ("conv1", "pool1", "contrast_norm1", "conv2", "pool2", "contrast_norm2",
                                                 "conv3", "conv4", "conv5", "pool5")] == \
        [(96, 110, 110), (96, 55, 55), (96, 55, 55), (256, 26, 26), (256, 13, 13), (256, 13, 13),
         (384, 13, 13), (384, 13, 13), (256, 13, 13), (256, 6, 6)]
    assert [r.layer(n).output_shape for n in ("fc6", "fc7", "fc8")] == [(4096,), (4096,), (1000,)]
    names = {x.name for x in r.layers}
    assert "norm1" not in names and "norm2" not in names       # normalisation follows the pools here


def test_parameters_and_multiply_adds_by_figure_3():
    r = archcost.analyze("zfnet_paper", bias_flops=False)
    fcs = {"fc6": (4096, 256 * 6 * 6), "fc7": (4096, 4096), "fc8": (1000, 4096)}
    params = sum(f * c * k * k + f for f, c, k, _ in LAYERS.values()) + sum(o * i + o for o, i in fcs.values())
    macs = sum(f * s * s * c * k * k for f, c, k, s in LAYERS.values()) + sum(o * i for o, i in fcs.values())
    assert params == 62_357_608
    assert r.totals.params == params
    assert sum(x.flops for x in r.layers if x.kind in ("conv", "fc")) == macs == 1_168_032_896
