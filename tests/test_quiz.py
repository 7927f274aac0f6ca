"""`archcost quiz`: one blank at a time from stdin, the grader's forms, the worked arithmetic after a
wrong answer, a score. Numbers: the lecture's AlexNet conv1 and pool1 (seed 000)."""

from click.testing import CliRunner

from archcost.cli import cli


def _quiz(*args, input):
    return CliRunner().invoke(cli, ["quiz", *args], input=input)


def test_piped_quiz_scores_and_explains():
    # conv1 memory 784 KB ('784 KB' is one of the grader's forms); params 23 k (23,296 exact also right);
    # pool1 memory 182.25 -> 182, answered with KB = 1000 bytes: 46,656 x 4 / 1000 = 186.624 -> 187
    r = _quiz("alexnet", "--rows", "conv1,pool1", "--blank", "memory,params", input="784 KB\n23,296\n187\n0\n")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[-1] == "Score: 3/4"
    assert r.output.count("Right.") == 3
    assert "Not quite: the answer is 182 KB." in r.output
    assert "likely mistake: KB taken as 1000 bytes" in r.output
    assert "46,656 x 4 / 1,024 = 182.25" in r.output     # the worked arithmetic after the wrong answer


def test_skip_and_stop():
    r = _quiz("alexnet", "--rows", "conv1", "--blank", "memory,params", input="\nq\n")
    assert r.exit_code == 0 and r.output.splitlines()[-1] == "Score: 0/0"


def test_korean_quiz_on_an_exercise():
    # He et al. 2016, Fig. 5: the 256-d bottleneck block has 69,632 weights
    r = _quiz("--exercise", "bottleneck", "--lang", "ko", input="69632\n")
    assert r.exit_code == 0, r.output
    assert "퀴즈" in r.output and "정답." in r.output and r.output.splitlines()[-1] == "점수: 1/1"


def test_variant_quiz_is_seeded():
    a = _quiz("alexnet", "--rows", "conv1", "--blank", "output", "--variant", "--seed", "4", input="1\n1\n")
    b = _quiz("alexnet", "--rows", "conv1", "--blank", "output", "--variant", "--seed", "4", input="1\n1\n")
    assert a.output == b.output and "variant of alexnet" in a.output
