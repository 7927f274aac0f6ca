"""LeNet-5: the 1998 paper's network (C3's connection table, trainable subsampling, RBF
output) and the common MNIST variant; the conv connection table; seed 003's bias-free counts."""

import pytest

import archcost
from archcost.errors import ArchcostError


def test_lenet5_parameters_layer_by_layer():
    # LeCun et al. 1998, Section II-B: the trainable parameters of every layer
    r = archcost.analyze("lenet5")
    paper = {"C1": 156, "S2": 12, "C3": 1_516, "S4": 32, "C5": 48_120, "F6": 10_164, "output": 840}
    assert {name: r.layer(name).params for name in paper} == paper
    assert r.totals.params == 60_840          # the sum of the above


def test_lenet5_flops_are_the_papers_connection_counts():
    # LeCun et al. 1998, Section II-B: "122,304 connections" (C1), 5,880 (S2), 151,600 (C3),
    # 2,000 (S4), 48,120 (C5): each connection is one multiply-add or one bias add
    r = archcost.analyze("lenet5")
    assert [r.layer(n).flops for n in ("C1", "S2", "C3", "S4", "C5")] == [122_304, 5_880, 151_600, 2_000, 48_120]
    # without the bias adds: C3 100 positions x 60 connected maps x 25; S2 6 x 14 x 14 x 4
    nb = archcost.analyze("lenet5", bias_flops=False)
    assert nb.layer("C3").flops == 100 * 60 * 25 and nb.layer("S2").flops == 6 * 14 * 14 * 4


def test_lenet5_feature_maps_as_figure_2():
    # LeCun et al. 1998, Figure 2: 6@28x28, 6@14x14, 16@10x10, 16@5x5, 120, 84, 10
    r = archcost.analyze("lenet5")
    shapes = [r.layer(n).output_shape for n in ("C1", "S2", "C3", "S4", "C5", "F6", "output")]
    assert shapes == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (120, 1, 1), (84,), (10,)]
    assert r.warnings == ()


def test_rbf_output_layer_rule():
    # Section II-B: 10 Euclidean RBF units of 84 inputs, no bias: 840 weights;
    # our documented rule: a subtraction and a multiply-add per weight
    out = archcost.analyze("lenet5").layer("output")
    assert out.params == 10 * 84 and out.flops == 2 * 10 * 84


def test_lenet5_mnist_variant():
    # Dive into Deep Learning, Section 7.6 (nn.Conv2d(1, 6, 5, padding=2) ... nn.Linear(84, 10)):
    # 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706 parameters
    r = archcost.analyze("lenet5_mnist")
    assert r.input == (1, 28, 28)
    assert [r.layer(n).params for n in ("C1", "C3", "C5", "F6", "output")] == [156, 2_416, 48_120, 10_164, 850]
    assert r.totals.params == 61_706
    assert r.layer("C1").output_shape == (6, 28, 28) and r.layer("flatten").output_shape == (400,)


def test_off_native_inputs():
    # lenet5 at 36x36: C1 36 - 5 + 1 = 32, S2 16, C3 12, S4 6, C5 6 - 5 + 1 = 2 -> F6 reads 120 x 2 x 2
    r = archcost.analyze("lenet5", input="1x36x36")
    assert r.layer("C5").output_shape == (120, 2, 2)
    assert r.layer("F6").params == 84 * 480 + 84
    # the MNIST variant at 32x32 (padded 2): 32, 16, 12, 6 -> flatten 16 x 6 x 6 = 576 into fc 120
    m = archcost.analyze("lenet5_mnist", input="1x32x32")
    assert m.layer("flatten").output_shape == (576,) and m.layer("C5").params == 120 * 576 + 120


def test_cli_table_works(run):
    res = run("table", "lenet5", "--exact")
    assert res.exit_code == 0 and "60,840" in res.stdout and "151,600" in res.stdout


# ---------------------------------------------------------------- the conv connection table
TABLE_NET = """\
name: partial
input: [4, 8, 8]
layers:
  - {name: c, op: conv, out: 3, kernel: 3, table: %s}
"""


def test_a_table_counts_only_the_connected_maps(spec_file):
    # 2 + 3 + 4 = 9 connected maps: 9 x 3 x 3 + 3 biases; 6 x 6 positions x (81 + 3)
    r = archcost.analyze(spec_file(TABLE_NET % "[[0, 1], [1, 2, 3], [0, 1, 2, 3]]"))
    assert r.layer("c").params == 9 * 9 + 3
    assert r.layer("c").flops == 36 * (81 + 3)
    # a full table is an ordinary conv: 3 x 4 x 3 x 3 + 3
    full = archcost.analyze(spec_file(TABLE_NET % "[[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]]"))
    plain = archcost.analyze(spec_file(TABLE_NET.replace(", table: %s", "")))
    assert full.layer("c").params == plain.layer("c").params == 3 * 4 * 9 + 3
    assert full.layer("c").flops == plain.layer("c").flops


@pytest.mark.parametrize("table, words", [
    ("[[0, 1], [1, 2]]", "2 entries for 3 filters"),
    ("[[0, 1], [1, 4], [2]]", "reads input map 4, but the input has 4 maps"),
    ("[[0, 0], [1], [2]]", "lists an input map twice"),
    ("[[0], [], [2]]", "filter 1 must list the input maps"),
    ("[[0], [-1], [2]]", "zero or more"),
    ("5", "list of lists"),
])
def test_bad_tables_are_located_errors(spec_file, table, words):
    with pytest.raises(ArchcostError) as exc:
        archcost.analyze(spec_file(TABLE_NET % table))
    assert words in str(exc.value) and "layer 'c'" in str(exc.value) and ":4:" in str(exc.value)


def test_a_table_and_groups_together_are_refused(spec_file):
    with pytest.raises(ArchcostError, match="give only one"):
        archcost.analyze(spec_file(TABLE_NET % "[[0], [1], [2]], groups: 3"))


# ---------------------------------------------------------------- seed 003's counts
SEED_003 = """\
name: seed003
input: [1, 28, 28]
layers:
  - {name: conv1, op: conv, out: 64, kernel: 3, pad: 1}
  - {name: pool1, op: maxpool, kernel: 2}
  - {name: fc, op: fc, out: 10, bias: false}
"""


def test_seed_003_mnist_cnn_counts(spec_file):
    r = archcost.analyze(spec_file(SEED_003))
    # seed 003: "576 + 64": 64 filters of 3x3x1 and a bias each
    assert r.layer("conv1").params == 576 + 64 == 64 * 3 * 3 * 1 + 64
    # seed 003: the FC from 14x14x64 to 10 outputs has 14x14x64x10 weights
    assert r.layer("pool1").output_shape == (64, 14, 14)
    assert r.layer("fc").params == 14 * 14 * 64 * 10


def test_seed_003_seven_filters_without_biases(spec_file):
    # seed 003: 3x3x3 filters, 7 of them, over a 4x4x3 input give 4x4x7; "3x3x3x7 = 189" parameters
    r = archcost.analyze(spec_file("""\
        name: seed003_conv
        input: [3, 4, 4]
        layers:
          - {name: conv, op: conv, out: 7, kernel: 3, pad: 1, bias: false}
        """))
    assert r.layer("conv").output_shape == (7, 4, 4)
    assert r.layer("conv").params == 189
