"""The four specs of the core issue: totals against their published figures."""

import json

import pytest

import archcost


@pytest.mark.parametrize("name, params", [
    ("vgg16", 138_357_544),      # torchvision.models.vgg16
    ("resnet50", 25_557_032),    # torchvision.models.resnet50
    ("alexnet", 61_100_840),     # torchvision's AlexNet has the lecture's channels: same count
])
def test_parameter_totals(name, params):
    assert archcost.analyze(name).totals.params == params


def test_googlenet_matches_table_1_of_the_paper():
    # Szegedy et al. 2015, Table 1: output size of every Inception module
    r = archcost.analyze("googlenet")
    table_1 = {"inception_3a": (256, 28), "inception_3b": (480, 28), "inception_4a": (512, 14),
               "inception_4b": (512, 14), "inception_4c": (512, 14), "inception_4d": (528, 14),
               "inception_4e": (832, 14), "inception_5a": (832, 7), "inception_5b": (1024, 7)}
    for module, (c, hw) in table_1.items():
        assert r.layer(f"{module}.output").output_shape == (c, hw, hw), module
    assert r.layer("pool5").output_shape == (1024, 1, 1)


def test_resnet50_has_residual_adds_and_no_warnings():
    r = archcost.analyze("resnet50")
    assert sum(1 for x in r.layers if x.op == "add") == 16   # 3 + 4 + 6 + 3 bottlenecks
    assert r.warnings == ()


def test_table_cli_options(run):
    res = run("table", "vgg16", "--input", "3x160x160", "--format", "json")
    doc = json.loads(res.stdout)
    assert doc["input"] == [3, 160, 160]
    pool5 = next(x for x in doc["layers"] if x["name"] == "pool5")
    assert pool5["output_shape"] == [512, 5, 5]
    res = run("table", "resnet50", "--all")
    assert "layer1.0.bn1" in res.stdout and "layer1.0.relu" in res.stdout
    assert "layer1.0.bn1" not in run("table", "resnet50").stdout


def test_batch_and_dtype_scale_memory_and_flops_not_params():
    base = archcost.analyze("alexnet")
    half = archcost.analyze("alexnet", dtype="float16", batch=8)
    assert half.layer("conv1").memory_kb == 784 / 2 * 8
    assert half.layer("conv1").flops == 73_056_256 * 8
    assert half.totals.params == base.totals.params


def test_list_shows_the_zoo(run):
    res = run("list", "--format", "csv")
    assert res.exit_code == 0
    assert "alexnet,alexnet,3x227x227,61100840" in res.stdout
    assert "resnet50,resnet," in res.stdout
    only = run("list", "--family", "vgg")
    assert "vgg16" in only.stdout and "resnet50" not in only.stdout


def test_ops_lists_the_registry(run):
    out = run("ops").stdout
    for name in ("conv", "maxpool", "avgpool", "globalavgpool", "adaptiveavgpool", "fc", "flatten", "relu",
                 "batchnorm", "lrn", "dropout", "concat", "add", "mul", "softmax", "input"):
        assert f"\n{name} " in "\n" + out, name


def test_table_units(run):
    # seed 000: conv1 784 KB = 784 / 1024 = 0.765625 MB (the lecture's KB is 1024 bytes, so MB is too)
    res = run("table", "alexnet", "--units", "MB")
    assert "memory (MB)" in res.stdout and "1024-based" in res.stdout
    conv1 = next(line for line in res.stdout.splitlines() if line.startswith("conv1"))
    assert conv1.split()[-3] == "0.77"
