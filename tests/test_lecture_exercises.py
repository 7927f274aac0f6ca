"""The lectures' other exercises, their keys from archcost's own rules, checked against the sources'
numbers; difficulty levels, exam mode, shuffled questions."""

import random
from fractions import Fraction

import pytest

from archcost.worksheet import make_sheets
from archcost.worksheet.document import blocks
from archcost.worksheet.exercises import EXERCISES, Context


def _keys(name, **ctx):
    s = EXERCISES[name].build(Context(random.Random(0), **ctx))
    return {b.id: b.exact for p in s.parts for b in getattr(p, "blanks", ())}


def test_bottleneck_is_he_et_al_figure_5():
    # He et al. 2016, Fig. 5 (right): 256-d, 1x1 64, 3x3 64, 1x1 256: 16,384 + 36,864 + 16,384 weights;
    # two 3x3 convs of 256: 2 x 589,824
    k = _keys("bottleneck")
    assert k["bottleneck.params"] == 69_632 and k["plain.params"] == 1_179_648
    # on ResNet-50's 56x56 conv2_x map: 69,632 x 3,136 multiply-adds
    assert k["bottleneck.flops"] == 69_632 * 56 * 56 and k["plain.flops"] == 1_179_648 * 56 * 56


def test_depthwise_saving_is_one_over_n_plus_one_over_k_squared():
    # Howard et al. 2017 (MobileNets), Section 3.1: separable / standard = 1/N + 1/D_K^2
    k = _keys("depthwise")
    assert k["ratio.flops"] == Fraction(1, 512) + Fraction(1, 9)
    assert k["standard.params"] == 512 * 512 * 9 and k["separable.params"] == 512 * 9 + 512 * 512
    v = EXERCISES["depthwise"].build(Context(random.Random(3), varied=True, structure=True))
    n = int(v.prompt[0].split(" with ")[1].split()[0])
    kk = int(v.prompt[0].split("A standard ")[1].split("x")[0])
    assert {b.id: b.exact for b in v.parts[0].blanks}["ratio.flops"] == Fraction(1, n) + Fraction(1, kk * kk)


def test_se_block_parameters():
    # Hu et al. 2018 (SENet), Section 4: the excitation's FCs hold 2C^2/r weights, here with their C/r + C biases
    k = _keys("se")
    assert k["se.params"] == 2 * 256 * 256 // 16 + 256 // 16 + 256 == 8_464
    # pool sums 256 x 56 x 56, FCs 16 x 257 + 256 x 17 (with bias adds), rescale 256 x 56 x 56
    assert k["se.flops"] == 2 * 256 * 56 * 56 + 16 * 257 + 256 * 17


def test_receptive_field_of_a_vgg_like_stack():
    # 1 + (3-1) + (3-1) = 5; + (2-1) = 6, stride 2; + 2x2 + 2x2 = 14; + (2-1)x2 = 16, stride 4; + 2x4 = 24
    assert _keys("receptive-field") == {"rf.conv2": 5, "rf.maxpool3": 6, "rf.conv7": 24}


def test_googlenet_1x1_is_the_28x28x192_example():
    # the 28x28x192 -> 5x5, 32 filters example of Szegedy et al.'s 1x1 reductions (Inception 3a's 5x5 branch,
    # 16 reduce filters): 120,422,400 multiply-adds direct; 2,408,448 + 10,035,200 = 12,443,648 with the 1x1
    k = _keys("googlenet-1x1")
    assert k["direct.flops"] == 28 * 28 * 32 * 5 * 5 * 192 == 120_422_400
    assert k["reduce.flops"] == 2_408_448 and k["reduced.flops"] == 12_443_648 and k["reduced.hw"] == 28


def test_compound_scaling_rule_and_the_real_ratio():
    # Tan & Le 2019 (EfficientNet), Section 3.3: alpha = 1.2, beta = 1.1, gamma = 1.15, alpha beta^2 gamma^2 ~ 2
    k = _keys("compound")
    assert k["rule"] == Fraction(12, 10) * Fraction(11, 10) ** 2 * Fraction(115, 100) ** 2
    # base: 5 convs of 40 channels on 32x32: 5 x 40 x 40 x 9 x 32 x 32; scaled: 6 convs, 44 channels, 37x37
    assert k["base.flops"] == 5 * 40 * 40 * 9 * 32 * 32
    assert k["scaled.flops"] == 6 * 44 * 44 * 9 * 37 * 37


def test_output_sizes_only():
    s = make_sheets("alexnet", ("output-sizes",))[0]
    assert {b.id.split(".")[1] for b in s.blanks()} == {"c_out", "hw_out"}
    assert dict((b.id, b.exact) for b in s.blanks())["conv1.hw_out"] == 56   # (227 + 4 - 11) / 4 + 1


def test_difficulty_levels():
    lecture = make_sheets(None, ("bottleneck",), variants=3, difficulty="lecture")
    assert {s.blanks()[0].exact for s in lecture} == {69_632}
    varied = make_sheets(None, ("bottleneck",), variants=3)
    assert len({tuple(b.exact for b in s.blanks()) for s in varied}) == 3
    structure = make_sheets(None, ("receptive-field",), variants=4, difficulty="structure")
    assert len({s.sections[0].prompt[0] for s in structure}) > 1     # the stacks themselves differ


def test_exam_mode_and_shuffle():
    exam = make_sheets(None, ("bottleneck", "depthwise"), exam=True, shuffle=True, seed=2)[0]
    doc = blocks(exam)
    heads = [b[1] for b in doc if b[0] == "h"]
    assert "Conventions" not in heads
    assert not any(b[0] == "p" and b[1] == "Count this exercise by:" for b in doc)
    assert sum(1 for b in doc if b[0] == "pre" and b[1] == "Room for your working:") == 2
    plain = make_sheets(None, ("bottleneck", "depthwise"), seed=2)[0]
    assert sorted(b.id for b in exam.blanks()) == sorted(b.id for b in plain.blanks())
    assert [b.id for b in exam.blanks()] != [b.id for b in plain.blanks()]
    assert any(b[0] == "pre" for b in blocks(exam, key=True))   # the key keeps its working


def test_unknown_difficulty_is_an_error():
    from archcost.errors import ArchcostError

    with pytest.raises(ArchcostError, match="no such level"):
        make_sheets(None, ("bottleneck",), difficulty="hard")


def test_numbers_from_the_network_named():
    # GoogLeNet's inception 3a 5x5 branch (Szegedy et al. 2015, Table 1): 28x28x192, 16 reduce, 32 5x5 filters
    s = make_sheets("googlenet", ("googlenet-1x1",))[0]
    assert s.id == "googlenet-s0" and {b.id: b.exact for b in s.blanks()}["direct.flops"] == 120_422_400
    # ResNet-50's conv2_x bottleneck (He et al. 2016, Table 1): 256 -> 64 -> 64 -> 256 on 56x56
    assert make_sheets("resnet50", ("bottleneck",))[0].blanks()[0].exact == 69_632
    # MobileNetV2's first depthwise conv (Sandler et al. 2018, Table 2): 32 channels, 112x112, then 16 1x1 filters
    k = {b.id: b.exact for b in make_sheets("mobilenet_v2", ("depthwise",))[0].blanks()}
    assert k["separable.params"] == 32 * 9 + 32 * 16 and k["ratio.flops"] == Fraction(1, 16) + Fraction(1, 9)
    from archcost.errors import ArchcostError

    both = make_sheets("resnet50", ("bottleneck", "depthwise"))[0]   # no depthwise conv: the lecture's numbers
    assert {b.id: b.exact for b in both.blanks()}["standard.params"] == 512 * 512 * 9
    assert both.info["warnings"] == ["resnet50 has no depthwise conv followed by a 1x1 conv for exercise "
                                     "'depthwise': it uses the lecture's numbers"]
    with pytest.raises(ArchcostError, match="bring their own networks"):
        make_sheets("resnet50", ("compound",))


def test_lecture_level_gives_every_student_the_lectures_table():
    # the lecture's AlexNet conv1 on every sheet: 784 KB (seed 000)
    sheets = make_sheets("alexnet", variants=3, difficulty="lecture", groups=("memory",), rows=("conv1",))
    assert [s.id for s in sheets] == ["alexnet-s0-01", "alexnet-s0-02", "alexnet-s0-03"]
    assert {s.blanks()[0].exact for s in sheets} == {784.0}


@pytest.mark.parametrize("name", ["bottleneck", "depthwise", "se", "receptive-field", "googlenet-1x1", "compound"])
def test_a_class_of_thirty_gets_thirty_different_keys(name):
    sheets = make_sheets(None, (name,), variants=30)
    assert len({tuple(b.exact for b in s.blanks()) for s in sheets}) == 30
