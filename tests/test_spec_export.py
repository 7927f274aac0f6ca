"""`archcost spec NETWORK` (archcost/frontends/spec_export.py): any network as a flat, readable spec
that loads back to the same figures."""

import pytest

import archcost
from archcost.frontends.spec_export import spec_yaml
from archcost.spec import zoo


def _figures(report):
    return [(x.name, x.inputs, x.output_shape, x.params, x.flops, x.memory_kb) for x in report.layers]


def test_spec_command_flattens_a_network_of_blocks_to_rows(run, tmp_path):
    out = tmp_path / "googlenet.yaml"
    assert run("spec", "googlenet", "-o", str(out)).exit_code == 0
    flat, shipped = archcost.analyze(str(out)), archcost.analyze("googlenet")
    assert _figures(flat) == _figures(shipped)
    # Szegedy et al. 2015, Table 1's filter counts with Caffe's biases (tests/test_zoo_googlenet.py)
    assert flat.totals.params == 6_998_552


def test_rows_leave_out_defaults_and_inputs_that_follow():
    text = spec_yaml(archcost.build_graph("googlenet")).splitlines()
    # GoogLeNet's inception (3a) (Szegedy et al. 2015, Table 1: #5x5 reduce 16, #5x5 32, pool proj 32):
    # an explicit input only where a branch starts again from pool2, or where the concat joins them
    at = text.index("- {name: inception_3a.5x5_reduce, op: conv, out: 16, kernel: 1, input: pool2}")
    assert text[at + 1:at + 7] == [
        "- {name: inception_3a.5x5_reduce.relu, op: relu, call: module}",   # the spec sets call explicitly
        "- {name: inception_3a.5x5, op: conv, out: 32, kernel: 5, pad: 2}",
        "- {name: inception_3a.5x5.relu, op: relu, call: module}",
        "- {name: inception_3a.pool, op: maxpool, kernel: 3, stride: 1, pad: 1, ceil_mode: true, input: pool2}",
        "- {name: inception_3a.pool_proj, op: conv, out: 32, kernel: 1}",
        "- {name: inception_3a.pool_proj.relu, op: relu, call: module}"]


@pytest.mark.parametrize("name", [name for name, _, _ in zoo.entries()])
def test_every_zoo_network_written_as_a_flat_spec_loads_back_to_its_figures(name, tmp_path):
    # issue 13's promise for `archcost spec`: the flat rows reload to the shipped spec's figures, layer by layer
    path = tmp_path / f"{name}.yaml"
    path.write_text(spec_yaml(archcost.build_graph(name)))
    flat, shipped = archcost.analyze(str(path)), archcost.analyze(name)
    assert [(x.name, x.inputs, x.output_shape, x.params, x.flops, x.memory_bytes) for x in flat.layers] == \
        [(x.name, x.inputs, x.output_shape, x.params, x.flops, x.memory_bytes) for x in shipped.layers]
    assert flat.totals == shipped.totals
