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


def test_compare_refuses_a_prefix_that_names_two_networks():
    code, out, err = run("compare", "resnet", "resnet", "--set", "resnet:layers=[2,2,2,2]", "--no-stages")
    assert code == 2 and "names networks 1, 2 alike" in err and "2:layers=[2,2,2,2]" in err
    # by position it is one network: ResNet-18's layers [2,2,2,2] give 11,689,512 parameters (torchvision)
    code, out, err = run("compare", "resnet", "resnet", "--set", "2:layers=[2,2,2,2]", "--set", "2:block=basic",
                         "--no-stages", "--format", "csv")
    assert code == 0 and "11689512" in out


def test_hints_never_suggest_the_opposite_op():
    from archcost.ops.base import suggest
    assert suggest("upsample", ["subsample", "maxpool"]) == ""
    assert suggest("minpool", ["maxpool", "avgpool"]) == ""
    assert suggest("maxpol", ["maxpool", "avgpool"]) == "did you mean 'maxpool'?"
    assert suggest("kernal", ["kernel"]) == "did you mean 'kernel'?"


def test_pad_valid_is_no_padding():
    # 'valid' (TensorFlow, Keras) is no padding: AlexNet paper's conv1, (224 - 11) / 4 + 1 = 54.25 -> 54
    from archcost.spec.loader import spec_from_data
    spec = {"name": "v", "input": [3, 224, 224], "layers": [{"name": "c", "op": "conv", "out": 96, "kernel": 11,
                                                             "stride": 4, "pad": "valid"}]}
    r = archcost.analyze(spec_from_data(spec, "<v>"))
    assert r.layer("c").output_shape == (96, 54, 54)


def test_exact_footer_describes_exact_figures():
    code, out, err = run("table", "alexnet", "--exact")
    footer = out.strip().splitlines()[-1]
    assert "params and FLOPs: exact counts" in footer and "rounded half up" not in footer
    assert "73,056,256" in out           # conv1's FLOPs, EECS 498 lecture 8: 200,704 x 364


def test_explain_writes_every_number_with_separators():
    # AlexNet fc6 (lecture table): 4,096 x 9,216 + 4,096 = 37,752,832 parameters
    code, out, err = run("explain", "alexnet", "fc6")
    assert "4,096 x 9,216 + 4,096 = 37,752,832" in out and "4,096 x 4 / 1,024 = 16" in out
    import re
    worked = out.strip().split("\n")[2:-1]     # the working, between the title and the footer's unit definitions
    assert worked and not re.search(r"(?<![\d,.x])\d{4,}(?![\d,])", "\n".join(worked))


def test_ops_describes_one_op_and_lists_all():
    code, out, err = run("ops", "conv")
    assert code == 0 and "groups    1" in out and "bias      true" in out and "out       required" in out
    assert "C_out x C_in x K x K + C_out" in out
    code, out, err = run("ops")
    from archcost.ops import all_ops
    assert code == 0 and len(out.splitlines()) == len(all_ops())
    code, out, err = run("ops", "upsampel")
    assert code == 2 and err.startswith("error: unknown op")


def test_the_readme_counts_are_true():
    import os
    import re

    from archcost.spec.zoo import _files, entries
    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8").read()
    networks, files = map(int, re.search(r"(\d+) networks in (\d+) spec files", readme).groups())
    assert (networks, files) == (len(entries()), len(_files()))
    assert "pip install '.[pdf]'" in readme


def test_generated_files_stay_out_of_the_repository():
    import os
    root = os.path.join(os.path.dirname(__file__), "..")
    if not os.path.isdir(os.path.join(root, ".git")) and not os.path.isfile(os.path.join(root, ".git")):
        pytest.skip("not a checkout")
    import subprocess
    tracked = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True).stdout.split()
    assert "scaling.png" not in tracked
    assert "scaling.png" in open(os.path.join(root, ".gitignore"), encoding="utf-8").read().split()
