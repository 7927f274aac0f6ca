"""ZFNet: Zeiler & Fergus 2014, Figure 3, with the filters of the lecture's slide (EECS 498-007 lecture 8,
seed 000; LECTURES.md section 3): conv1 7x7 stride 2, conv2 5x5 stride 2, conv3-5 512, 1024, 512 filters."""

import archcost


def test_the_map_sizes_of_figure_3():
    # Figure 3: 224 -> conv1 110 -> pool1 55 -> conv2 26 -> pool2 13 -> conv3-5 13 -> pool5 6
    # conv1 (224 + 2 - 7) / 2 + 1 = 110.5 -> 110; pool1 ceil((110 - 3) / 2) + 1 = 55;
    # conv2 (55 - 5) / 2 + 1 = 26; pool2 ceil((26 - 3) / 2) + 1 = 13; pool5 (13 - 3) / 2 + 1 = 6
    r = archcost.analyze("zfnet")
    sizes = [r.layer(n).output_shape[1] for n in ("conv1", "pool1", "conv2", "pool2", "conv5", "pool5")]
    assert sizes == [110, 55, 26, 13, 13, 6]
    assert r.layer("conv1").output_shape[0] == 96 and r.layer("conv4").output_shape[0] == 1024


def test_parameter_total_by_hand():
    # C_out x C_in x K x K + C_out (seed 000's rule)
    conv1 = 96 * 3 * 7 * 7 + 96              # 14,208
    conv2 = 256 * 96 * 5 * 5 + 256           # 614,656
    conv3 = 512 * 256 * 3 * 3 + 512          # 1,180,160
    conv4 = 1024 * 512 * 3 * 3 + 1024        # 4,719,616
    conv5 = 512 * 1024 * 3 * 3 + 512         # 4,719,104
    fc6 = 4096 * (512 * 6 * 6) + 4096        # 18,432 inputs: 75,501,568
    fc7 = 4096 * 4096 + 4096                 # 16,781,312
    fc8 = 1000 * 4096 + 1000                 # 4,097,000
    total = conv1 + conv2 + conv3 + conv4 + conv5 + fc6 + fc7 + fc8
    assert total == 107_627_624
    assert archcost.analyze("zfnet").totals.params == total


def test_conv1_drops_only_padding_so_no_warning():
    # (224 + 2 - 7) / 2 = 109.5: the floor cuts off the last pad column, not an input pixel
    assert archcost.analyze("zfnet").warnings == ()


def test_off_native_input():
    # 227: conv1 (227 + 2 - 7) / 2 + 1 = 112, pool1 ceil(109 / 2) + 1 = 56, conv2 (56 - 5) / 2 + 1 = 26.5 -> 26
    # (drops a row: a warning), pool2 13, pool5 6: fc6 unchanged
    r = archcost.analyze("zfnet", input="3x227x227")
    assert [r.layer(n).output_shape[1] for n in ("conv1", "pool1", "conv2", "pool5")] == [112, 56, 26, 6]
    assert [w.layer for w in r.warnings] == ["conv2"]
    assert r.totals.params == 107_627_624


def test_cli_table(run):
    res = run("table", "zfnet")
    assert res.exit_code == 0 and "107,628" in res.stdout      # params (k), rounded half up
