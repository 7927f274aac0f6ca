"""ZFNet as the lecture describes it (EECS 498-007 lecture 8, seed 000; LECTURES.md section 3):
the lecture's AlexNet with conv1 7x7 stride 2 and 512, 1024, 512 filters in conv3-5.
Pads (chosen in specs/alexnet.yaml): conv1 0 on the 227 input, every other pad the lecture's."""

import archcost


def test_conv1_output_size():
    # (227 + 2 x 0 - 7) / 2 + 1 = 111, exact; then pool1 (111 - 3) / 2 + 1 = 55, pool2 27, pool5 13
    r = archcost.analyze("zfnet")
    assert r.input == (3, 227, 227)
    assert r.layer("conv1").output_shape == (64, 111, 111)
    assert [r.layer(n).output_shape[1] for n in ("pool1", "pool2", "pool5")] == [55, 27, 13]
    assert r.warnings == ()


def test_parameter_total_by_hand():
    # seed 000's rule, C_out x C_in x K x K + C_out, with the lecture's filters 64, 192, 512, 1024, 512
    conv1 = 64 * 3 * 7 * 7 + 64              # 9,472
    conv2 = 192 * 64 * 5 * 5 + 192           # 307,392
    conv3 = 512 * 192 * 3 * 3 + 512          # 885,248
    conv4 = 1024 * 512 * 3 * 3 + 1024        # 4,719,616
    conv5 = 512 * 1024 * 3 * 3 + 512         # 4,719,104
    fc6 = 4096 * (512 * 13 * 13) + 4096      # 86,528 inputs: 354,422,784
    fc7 = 4096 * 4096 + 4096                 # 16,781,312
    fc8 = 1000 * 4096 + 1000                 # 4,097,000
    total = conv1 + conv2 + conv3 + conv4 + conv5 + fc6 + fc7 + fc8
    assert total == 385_941_928
    r = archcost.analyze("zfnet")
    assert r.layer("fc6").params == 354_422_784
    assert r.totals.params == total


def test_off_native_input():
    # 224: conv1 (224 - 7) / 2 + 1 = 109.5 -> 109 (a warning), pool1 54, pool2 (54 - 3) / 2 + 1 = 26.5 -> 26,
    # pool5 (26 - 3) / 2 + 1 = 12.5 -> 12: fc6 reads 512 x 12 x 12 = 73,728 inputs
    r = archcost.analyze("zfnet", input="3x224x224")
    assert r.layer("conv1").output_shape == (64, 109, 109)
    assert r.layer("pool5").output_shape == (512, 12, 12)
    assert r.layer("fc6").params == 4096 * 73_728 + 4096
    assert r.warnings[0].layer == "conv1" and "109.5" in str(r.warnings[0])


def test_cli_table(run):
    res = run("table", "zfnet")
    assert res.exit_code == 0 and "385,942" in res.stdout      # params (k), rounded half up
