"""Issue 9's promises on the commands added since (devices, memory, time): every bad input is one
`error:` line and exit 2, never a traceback (README, "What archcost promises")."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from archcost.cli import cli


def one_error(res, *says):
    lines = [x for x in res.stderr.splitlines() if not x.startswith("warning: ")]
    assert res.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: "), (res.exit_code, res.stderr)
    for s in says:
        assert s in lines[0], lines[0]


# the YAML scalars PyYAML turns into Python exceptions, as issue 9 lists them, in a devices file:
# the spec reader's one parser path, so the same located error line as in a spec
@pytest.mark.parametrize("value, says", [("!!float abc", "'abc' is not a valid YAML float"),
                                         ("2001-13-45", "'2001-13-45' is not a valid YAML timestamp"),
                                         ("!!int abc", "'abc' is not a valid YAML int"),
                                         ("!!bool abc", "'abc' is not a valid YAML bool")])
@pytest.mark.parametrize("command", [["devices"], ["time", "alexnet", "--device", "a100-40gb"],
                                     ["memory", "alexnet", "--device", "a100-40gb"]])
def test_a_devices_file_with_a_bad_scalar_is_one_located_error(tmp_path, value, says, command):
    path = tmp_path / "mine.yaml"
    path.write_text(f"mine:\n  memory_gib: {value}\n  bandwidth_gbs: 300\n  tflops: {{float32: 30}}\n"
                    "  source: x\n")
    one_error(CliRunner().invoke(cli, [*command, "--devices", str(path)]), f"{path}:2:", says)


def test_a_devices_file_refuses_aliases_and_non_finite_figures(tmp_path):
    alias = tmp_path / "alias.yaml"
    alias.write_text("a: &x {memory_gib: 1, bandwidth_gbs: 1, tflops: {float32: 1}, source: s}\nb: *x\n")
    one_error(CliRunner().invoke(cli, ["devices", "--devices", str(alias)]), "aliases")
    nan = tmp_path / "nan.yaml"
    nan.write_text("a: {memory_gib: .inf, bandwidth_gbs: 1, tflops: {float32: .nan}, source: s}\n")
    one_error(CliRunner().invoke(cli, ["devices", "--devices", str(nan)]), "'memory_gib' must be a positive finite")


def test_python_m_archcost_version_without_an_installed_package():
    # from a checkout (PYTHONPATH, nothing installed): click's package lookup raised RuntimeError
    res = subprocess.run([sys.executable, "-m", "archcost", "--version"], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.strip() == "archcost, version 0.1.0", res.stderr


# start-up (README: "archcost table alexnet must not import anything new"): the modules of the commands
# added since (reconcile, published figures, devices, training memory, roofline time) stay unimported by
# a table; a spec without published figures does not import the module that checks them
LATER = ("archcost.devices", "archcost.passes.training", "archcost.passes.liveness", "archcost.passes.roofline",
         "archcost.reconcile", "archcost.render.reconcile", "archcost.render.memory", "archcost.render.timing",
         "archcost.render.explain", "archcost.render.plot", "archcost.worksheet", "archcost.sweep",
         "torch", "onnx", "matplotlib")


def _imported_by(*args) -> set:
    code = ("import sys, runpy\nsys.argv = ['archcost', *sys.argv[1:]]\n"
            "try:\n    runpy.run_module('archcost', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)")
    res = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert "conv1" in res.stdout, res.stderr[-2000:]
    return set(res.stderr.splitlines())


def test_table_imports_nothing_it_does_not_need(tmp_path):
    loaded = _imported_by("table", "alexnet")
    assert not [m for m in loaded if m.startswith(LATER)], sorted(m for m in loaded if m.startswith(LATER))
    spec = tmp_path / "net.yaml"
    spec.write_text("name: net\ninput: [3, 8, 8]\nlayers:\n  - {name: conv1, op: conv, out: 4, kernel: 3}\n")
    loaded = _imported_by("table", str(spec))
    assert "archcost.published" not in loaded and not [m for m in loaded if m.startswith(LATER)]


def test_a_sweep_value_of_400_digits_is_named_by_its_size():
    # --vary classes=1e400 is the integer 10**400 (1,329 bits): the error line names it so, not with 400 digits
    res = CliRunner().invoke(cli, ["sweep", "resnet18", "--vary", "classes=1e400"])
    one_error(res, "variant classes=a 1,329-bit number")
    assert len(res.stderr) < 400, res.stderr
