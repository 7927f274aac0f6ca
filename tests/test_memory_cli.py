"""`archcost memory`, `time`, `devices`, `explain --train`, `compare --memory` and the Python API.

Parameter counts are torchvision's (resnet18 11,689,512; resnet50 25,557,032); device figures are
the vendors' datasheets as archcost/devices.yaml cites them; bytes per parameter of mixed-precision
Adam are Rajbhandari et al. 2020 (ZeRO), Section 3.1: 2 + 2 + 12 = 16.
"""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

import archcost
from archcost.cli import cli
from archcost.ops import REGISTRY, Op

RESNET18_PARAMS = 11_689_512
RESNET50_PARAMS = 25_557_032


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env)


def test_memory_json_parts():
    r = run("memory", "resnet18", "--batch", "2", "--optimizer", "adam", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["weights"] == doc["gradients"] == 4 * RESNET18_PARAMS
    assert doc["optimizer_state"] == 2 * 4 * RESNET18_PARAMS       # Adam: exp_avg and exp_avg_sq, fp32
    assert doc["master_weights"] == 0
    assert doc["activations"] + doc["buffers"] == 44_436_480          # PyTorch 2.13's saved bytes (see test_training_vs_torch)
    assert doc["peak"] == sum(doc[k] for k in ("weights", "master_weights", "optimizer_state", "buffers",
                                               "peak_saved", "peak_param_grads", "peak_act_grads"))


def test_mixed_precision_adam_is_16_bytes_per_parameter():
    m = archcost.analyze("resnet50").training_memory("adamw", "bf16", batch=64)
    assert m.weights + m.master_weights + m.gradients + m.optimizer_state == 16 * RESNET50_PARAMS
    assert m.dtype == "bfloat16" and m.master_weights == 4 * RESNET50_PARAMS
    # batch norm's mean and invstd stay float32 under bf16: 53 batch norms, 26,560 channels x 2 x 4 bytes
    bn = sum(s.bytes for x in m.layers for s in (x.saved or ()) if s.tensor in ("mean", "invstd"))
    assert bn == 26_560 * 2 * 4


def test_sgd_momentum_state():
    sgd = archcost.analyze("resnet18").training_memory("sgd")
    momentum = archcost.analyze("resnet18").training_memory("momentum")
    assert sgd.optimizer_state == 0 and momentum.optimizer_state == 4 * RESNET18_PARAMS


@pytest.mark.parametrize("mode", ["train", "inference"])
def test_fit_is_the_largest_batch(mode):
    report = archcost.analyze("resnet50")
    capacity = 40 * 2**30                # A100 40 GB (NVIDIA A100 datasheet): 40 GiB of HBM2
    b = report.largest_batch("a100-40gb", mode, "adamw", "bf16")
    need = (lambda n: report.training_memory("adamw", "bf16", n).peak) if mode == "train" else \
        (lambda n: report.inference_peak("bf16", n).total)
    assert need(b) <= capacity < need(b + 1)
    r = run("memory", "resnet50", "--dtype", "bf16", "--optimizer", "adamw", "--device", "a100-40gb", "--fit")
    assert r.exit_code == 0 and f"the largest batch that trains is {report.largest_batch('a100-40gb', 'train', 'adamw', 'bf16'):,}" in r.output


def test_inference_mode_names_the_peak_layer():
    r = run("memory", "resnet50", "--mode", "inference", "--units", "KB")
    assert r.exit_code == 0
    # PyTorch 2.13 eager: 11,038,720 bytes while layer1.0's shortcut batch norm runs
    assert "peak by liveness 10,780.00 KB at layer1.0.downsample.1" in r.output
    assert "lecture's sum of outputs" in r.output


@pytest.mark.parametrize("fmt", ["text", "markdown", "csv", "json", "latex", "html"])
@pytest.mark.parametrize("mode", ["train", "inference"])
def test_every_format(fmt, mode):
    r = run("memory", "squeezenet1_1", "--mode", mode, "--format", fmt)
    assert r.exit_code == 0 and "squeezenet1_1" in r.output or fmt == "csv" and "fire2" in r.output


def test_time_roofline_arithmetic():
    t = archcost.analyze("resnet50", bias_flops=False).time("a100-40gb", "bf16", batch=64, train=True)
    conv1 = t.layers[0]
    assert conv1.forward.flops == 2 * 118_013_952 * 64          # torchvision conv1's multiply-adds, x 2, x 64
    assert conv1.forward.compute_s == pytest.approx(conv1.forward.flops / 312e12)   # A100 bf16 dense
    assert conv1.forward.memory_s == pytest.approx(conv1.forward.bytes / 1555e9)   # A100 40 GB bandwidth
    assert conv1.forward.time == max(conv1.forward.compute_s, conv1.forward.memory_s)
    assert conv1.backward.flops == conv1.forward.flops          # weights' gradient only: the image needs none
    assert t.train_step > 2 * t.inference
    r = run("time", "resnet50", "--device", "a100-40gb", "--batch", "64", "--dtype", "bf16", "--train")
    assert r.exit_code == 0 and "training step" in r.output and "compute" in r.output


def test_devices_listed_and_added(tmp_path, monkeypatch):
    r = run("devices")
    for key in ("h100-sxm", "a100-40gb", "a100-80gb", "l4", "t4", "rtx-4090", "v100"):
        assert key in r.output
    mine = tmp_path / "mine.yaml"
    mine.write_text("my-npu:\n  name: My NPU\n  memory_gib: 8\n  bandwidth_gbs: 100\n"
                    "  tflops: {float32: 10}\n  source: my own measurement\n")
    assert "my-npu" in run("devices", "--devices", str(mine)).output
    assert "my-npu" in run("devices", env={"ARCHCOST_DEVICES": str(mine)}).output
    t = archcost.analyze("alexnet").time("my-npu", devices=str(mine))
    assert t.device.memory_bytes == 8 * 2**30
    r = run("time", "alexnet", "--device", "t4", "--dtype", "bf16")
    assert r.exit_code == 2 and r.output.startswith("error: device 't4' has no bfloat16 figure")


def test_bad_inputs_are_one_line_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("x: {memory_gib: 8}\n")
    for args in (["devices", "--devices", str(bad)], ["time", "alexnet", "--device", "a100"],
                 ["memory", "alexnet", "--fit"], ["memory", "alexnet", "--dtype", "int8"]):
        r = run(*args)
        assert r.exit_code == 2 and r.output.startswith("error:") and len(r.output.splitlines()) == 1, r.output


def test_explain_train_shows_what_is_saved_and_why():
    r = run("explain", "resnet50", "maxpool", "conv1", "--train", "--no-bias-flops")
    assert r.exit_code == 0
    # max_pool2d_with_indices saves int64 indices: 8 bytes per output element (64 x 56 x 56)
    assert "saves indices           200,704 x 8 = 1,605,632 bytes" in r.output
    assert "(the storage of bn1: already counted)" in r.output
    assert "no input gradient" in r.output       # conv1: the image needs no gradient
    assert "backward FLOPs          118,013,952" in r.output


def test_compare_memory():
    r = run("compare", "resnet50", "mobilenet_v2", "--memory", "train", "--batch", "2", "--no-stages",
            "--format", "csv")
    assert r.exit_code == 0
    rows = [line.split(",") for line in r.output.splitlines()]
    peak = rows[0].index("train_peak_bytes")
    assert int(rows[1][peak]) == archcost.analyze("resnet50", batch=2).training_memory().peak


def test_an_op_without_rules_is_reported_not_zero(tmp_path, monkeypatch):
    class NoRuleScale(Op):
        name = "test_norule_scale"
        doc = "an op with forward rules only"
        attrs = {}

        def shape(self, a, ins, warn=lambda m: None):
            return tuple(ins[0])

    monkeypatch.setitem(REGISTRY, NoRuleScale.name, NoRuleScale())   # registered for this test only

    spec = tmp_path / "net.yaml"
    spec.write_text("name: net\ninput: [3, 8, 8]\nlayers:\n  - {name: c, op: conv, out: 4, kernel: 3}\n"
                    "  - {name: s, op: test_norule_scale}\n")
    m = archcost.analyze(str(spec)).training_memory()
    assert m.missing == ("test_norule_scale",)
    assert m.layers[1].saved is None and m.layers[1].backward_flops is None
    r = run("memory", str(spec))
    assert "no training rule for op(s) test_norule_scale" in r.output and "no rule" in r.output


def test_start_up_imports_nothing_new():
    code = ("import sys, archcost.cli; print(sorted(m for m in sys.modules if m.startswith('archcost.') "
            "or m in ('yaml', 'networkx')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for module in ("archcost.passes.training", "archcost.passes.liveness", "archcost.passes.roofline",
                   "archcost.devices", "archcost.render.memory", "networkx", "yaml"):
        assert module not in out


@pytest.mark.parametrize("command, lines", [
    ("memory resnet50 --batch 64 --dtype bf16 --optimizer adamw --device a100-40gb --fit", slice(0, 20)),
    ("memory resnet50 --mode inference", slice(2, 13)),
    ("time resnet50 --device a100-40gb --batch 64 --dtype bf16 --train", slice(3, 9)),
])
def test_readme_will_it_fit_examples_are_real(command, lines):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    out = run(*command.split()).output.splitlines()[lines]
    assert f"$ archcost {command}" in readme
    assert "\n".join(out) in readme
