"""Usage errors in the one-line form of every other error, `python -m archcost`, and the Python
API's argument checks (README, "What archcost promises"). Figures: the lecture's AlexNet (EECS 498
lecture 8), 61,100,840 parameters; at 224 x 224 conv1's output is (224 + 4 - 11) / 4 + 1 = 55.25 -> 55."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

import archcost
from archcost.errors import ArchcostError
from archcost.spec import zoo


@pytest.mark.parametrize("args, says, helps", [
    (["table", "alexnet", "--batch", "x"], "invalid value for '--batch': 'x' is not a valid integer range", "table"),
    (["table", "alexnet", "--batch", "0"], "invalid value for '--batch'", "table"),
    (["table", "alexnet", "--dtype", "f8"], "invalid value for '--dtype': 'f8' is not one of 'float32'", "table"),
    (["compare", "alexnet", "--format", "pdf"], "invalid value for '--format'", "compare"),
    (["table", "alexnet", "--bach", "3"], "no such option '--bach'; did you mean one of: '--batch'", "table"),
    (["tabel", "alexnet"], "no such command 'tabel'; did you mean 'table'?", None),
    (["--bogus"], "no such option '--bogus'", None),
    (["table"], "missing argument 'NETWORK'", "table"),
    (["plot", "alexnet"], "missing option '-o' / '--output'", "plot"),
])
def test_usage_errors_are_one_error_line(run, args, says, helps):
    res = run(*args)
    assert res.exit_code == 2 and res.stdout == "" and res.stderr.count("\n") == 1, res.stderr
    line = res.stderr.rstrip("\n")
    assert line.startswith(f"error: {says}"), line
    assert line.endswith(f"run 'cli {helps} --help'" if helps else "run 'cli --help'"), line  # CliRunner's name
    assert "Usage:" not in line and "Try " not in line


def test_python_dash_m_archcost_is_the_command(tmp_path):
    p = subprocess.run([sys.executable, "-m", "archcost", "table", "alexnet", "--batch", "x"],
                       capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 2 and p.stderr == ("error: invalid value for '--batch': 'x' is not a valid integer range; "
                                              "run 'archcost table --help'\n")
    p = subprocess.run([sys.executable, "-m", "archcost", "table", "alexnet", "--format", "json"],
                       capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0 and '"params": 61100840' in p.stdout


def test_analyze_takes_a_path_and_an_int_input():
    path = pathlib.Path(zoo.spec_dir()) / "alexnet.yaml"
    assert archcost.analyze(path).totals.params == 61_100_840
    r = archcost.analyze("alexnet", input=224)          # as the CLI's --input 224: square, the spec's 3 channels
    assert r.input == (3, 224, 224) and r.layer("conv1").output_shape == (64, 55, 55)
    assert archcost.analyze("alexnet", input="3x160x160").input == archcost.analyze("alexnet", input=(3, 160, 160)).input


@pytest.mark.parametrize("args, kwargs, says", [
    ((None,), {}, "analyze() takes a zoo name, a spec path, a Spec or a graph, not None"),
    ((3,), {}, "not 3"),
    ((b"alexnet",), {}, "not b'alexnet'"),
    (({"name": "x"},), {}, "not {'name': 'x'}"),
    (("alexnet",), {"settings": 3}, "settings must map parameter names to values, not 3"),
    (("alexnet",), {"settings": [("filters", 2)]}, "settings must map"),
    (("alexnet",), {"settings": {1: 2}}, "settings must map"),
    (("alexnet",), {"max_nodes": 0}, "max_nodes must be a positive integer, not 0"),
    (("alexnet",), {"max_nodes": -5}, "not -5"),
    (("alexnet",), {"max_nodes": True}, "not True"),
    (("alexnet",), {"input": 22.5}, "input must be a shape, not 22.5"),
    (("alexnet",), {"input": True}, "input must be a shape, not True"),
])
def test_analyze_refuses_wrong_arguments_with_the_fix(args, kwargs, says):
    with pytest.raises(ArchcostError) as err:
        archcost.analyze(*args, **kwargs)
    text = str(err.value)
    assert type(err.value) is ArchcostError and says in text and ("; write " in text or "; e.g. " in text), text


def test_an_unknown_layer_names_the_nearest_layers():
    r = archcost.analyze("alexnet")
    with pytest.raises(ArchcostError) as err:
        r.layer("conv")
    assert str(err.value) == "alexnet has no layer 'conv'; did you mean 'conv5', 'conv4' or 'conv3'?"
    with pytest.raises(ArchcostError) as err:
        r.layer("zzz")
    assert str(err.value).startswith("alexnet has no layer 'zzz'; its layers are: conv1, relu1, pool1,")
