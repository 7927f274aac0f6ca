"""The lectures' classic questions: every figure comes from archcost's analysis of generated specs."""

import random

import pytest
from click.testing import CliRunner

import archcost
from archcost.cli import cli
from archcost.errors import ArchcostError
from archcost.worksheet import make_sheets
from archcost.worksheet.exercises import EXERCISES, Context
from archcost.worksheet.render import render


def _answers(section):
    return {b.id: b.rounded for p in section.parts for b in getattr(p, "blanks", ())}


def _exact(section):
    return {b.id: b.exact for p in section.parts for b in getattr(p, "blanks", ())}


def test_vgg_stack():
    s = EXERCISES["vgg-stack"].build(Context(random.Random(0)))
    a, e = _answers(s), _exact(s)
    # seed 000 / LECTURES.md section 3: three 3x3 convs see what one 7x7 sees; with C = 64 channels and no
    # biases, 3 x (9C^2) = 27C^2 = 110,592 weights against 49C^2 = 200,704
    assert a["stack.rf"] == 7
    assert (e["stack.params"], e["single.params"]) == (27 * 64**2, 49 * 64**2) == (110592, 200704)
    assert a["ratio.params"] == 0.55                     # 27 / 49 = 0.551
    assert e["stack.flops"] == 56 * 56 * 64 * 27 * 64     # one multiply-add per weight per output position


def test_inception_naive_against_bottlenecks():
    s = EXERCISES["inception"].build(Context(random.Random(0)))
    a, e = _answers(s), _exact(s)
    # EECS 498 / CS231n GoogLeNet slide: 28x28x256 input; 128 1x1, 192 3x3, 96 5x5, 3x3 pool:
    # 28x28x672 output, 854M multiply-adds = 28x28x128x256 + 28x28x192x3x3x256 + 28x28x96x5x5x256
    assert a["naive.channels"] == 672 and a["naive.flops"] == 854
    assert e["naive.flops"] == 784 * (128 * 256 + 192 * 9 * 256 + 96 * 25 * 256) == 854196224
    # with 64 1x1 bottlenecks before the 3x3 and 5x5 and after the pool: 128 + 192 + 96 + 64 = 480 channels;
    # the slide's six terms 28x28x(64x256 + 64x256 + 128x256 + 192x9x64 + 96x25x64 + 64x256) add up to 271M
    # (the slide prints 358M, which is that sum plus the 3x3 term, 86.7M, once more)
    assert a["bottleneck.channels"] == 480
    assert e["bottleneck.flops"] == 784 * (64 * 256 * 3 + 128 * 256 + 192 * 9 * 64 + 96 * 25 * 64) == 271351808
    assert "358M" in " ".join(s.notes)


def test_alexnet_224_erratum():
    s = EXERCISES["alexnet-224"].build(Context(random.Random(0)))
    a = _answers(s)
    # seed 001 / LECTURES.md section 2: 224 - 11 = 213 is not divisible by 4: (224 - 11) / 4 + 1 = 54.25;
    # the 55x55 of the paper's figure needs 227: (227 - 11) / 4 + 1 = 55
    assert (a["given.exact"], a["given.hw"], a["whole.input"], a["whole.hw"]) == (54.25, 54, 227, 55)
    assert a["whole.memory"] == 1134                     # 96 x 55 x 55 x 4 / 1024 = 1,134.375 KB
    assert "floor((224 - 11) / 4 = 53.25) + 1 = 54" in "\n".join(w[2] for w in s.work)


def test_findings_of_alexnet():
    s = EXERCISES["findings"].build(Context(random.Random(0), report=archcost.analyze("alexnet")))
    a = _answers(s)
    # LECTURES.md section 2, the three findings, from the lecture table: conv1's 784 KB is the largest memory,
    # and conv1, pool1, conv2, pool2 hold 784 + 182 + 547 + 127 = 1,640 KB of 2,339 KB = 70%;
    # fc6's 37,753k the most parameters (FC rows: 37,753 + 16,781 + 4,097 = 58,631k of 61,101k = 96%);
    # conv rows hold 73 + 224 + 112 + 150 + 100 = 659M of 718M FLOPs = 92%, conv2 the most (224M)
    assert (a["memory.top"], a["params.top"], a["flops.top"]) == ("conv1", "fc6", "conv2")
    assert (a["memory.share"], a["params.share"], a["flops.share"]) == (70, 96, 92)
    assert "holds" in s.work[1][2]      # archcost findings' statement of finding 2


def test_variants_draw_new_numbers():
    sheets = make_sheets(exercises=["vgg-stack", "inception"], variants=6, seed=1)
    assert len({tuple(b.exact for b in s.blanks()) for s in sheets}) > 1
    for s in sheets:   # 27C^2 against 49C^2 whatever C was drawn
        e = {b.id: b.exact for b in s.blanks()}
        assert e["stack.params"] * 49 == e["single.params"] * 27


def test_list_and_unknown_exercises():
    r = CliRunner().invoke(cli, ["worksheet", "--list-exercises"])
    assert r.exit_code == 0 and all(name in r.output for name in EXERCISES)
    with pytest.raises(ArchcostError, match="did you mean 'inception'"):
        make_sheets(exercises=["inceptoin"])
    with pytest.raises(ArchcostError, match="needs a network"):
        make_sheets(exercises=["findings"])


def test_exercise_sheets_render_with_their_keys():
    s = make_sheets(exercises=["alexnet-224"])[0]
    assert s.id == "alexnet-224-s0"
    assert "54.25" not in render(s, "markdown") and "**54.25**" in render(s, "markdown", key=True)
