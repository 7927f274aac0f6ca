"""Small things users hit: input shapes, messages, hints, the ops listing, the README's counts."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import archcost
from archcost.cli import cli
from archcost.errors import ArchcostError


def run(*args):
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_channels_last_input_is_a_located_warning():
    # torchvision resnet18 takes N x 3 x 224 x 224 (channels first); 224x224x3 is the
    # channels-last habit of TensorFlow and PIL
    code, out, err = run("table", "resnet18", "--input", "224x224x3")
    lines = [line for line in err.splitlines() if "looks like channels" in line]
    assert code == 0 and len(lines) == 1
    assert lines[0].startswith("warning: zoo:resnet.yaml:") and "layer 'input'" in lines[0]
    assert "write 3x224x224" in lines[0]
    code, out, err = run("table", "resnet18", "--input", "3x224x224")
    assert "looks like channels" not in err
    code, out, err = run("table", "lenet5", "--input", "1x40x40")          # a spec's own channel count
    assert "looks like channels" not in err


def test_a_wrong_rank_is_an_error():
    code, out, err = run("table", "resnet18", "--input", "3x224")
    assert code == 2 and err.count("\n") == 1 and "a side is missing" in err and "--input 3x224x224" in err
    code, out, err = run("table", "resnet18", "--input", "160x200")       # H x W keeps C
    assert code == 0
    with pytest.raises(ArchcostError, match="has 3 size"):
        from archcost.spec.loader import spec_from_data
        archcost.analyze(spec_from_data({"name": "mlp", "input": [784], "layers": [{"op": "fc", "out": 10}]},
                                        "<mlp>"), input="3x224x224")


def test_warnings_name_a_zoo_spec_by_its_zoo_name():
    # AlexNet pool1 (lecture table): (56 - 3) / 2 + 1 = 27.5, floored to 27
    code, out, err = run("table", "alexnet")
    assert err.startswith("warning: zoo:alexnet.yaml:") and "specs/" not in err
