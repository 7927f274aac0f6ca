"""The channel data-movement ops: ``channel_shuffle`` and ``slice`` (archcost/ops/shuffle.py).

Shapes are ShuffleNet V2 1x's (Ma et al. 2018, Table 5): stage 2 carries 116 channels at
28x28, and a basic unit splits them into two halves of 58 (torchvision's x.chunk(2, dim=1)).
"""

import pytest

from archcost import ArchcostError, analyze
from archcost.arith import Term, value
from archcost.ops import get_op
from archcost.spec.loader import spec_from_data

STAGE2 = (116, 28, 28)   # Ma et al. 2018, Table 5, 1x: Stage2 output 28x28, 116 channels


def _run(op_name, attrs, shape):
    op = get_op(op_name)
    a = op.coerce(attrs)
    out = op.shape(a, [shape])
    return out, op.params(a, [shape], out), op.flops(a, [shape], out, True)


def test_slice_takes_a_channel_range():
    # the two halves of a ShuffleNet V2 1x basic unit: 116 / 2 = 58 channels each
    assert _run("slice", {"start": 0, "end": 58}, STAGE2) == ((58, 28, 28), 0, 0)
    assert _run("slice", {"start": 58}, STAGE2) == ((58, 28, 28), 0, 0)
    assert _run("slice", {"start": 10, "end": 13}, STAGE2)[0] == (3, 28, 28)


def test_channel_shuffle_keeps_the_shape_and_costs_nothing():
    assert _run("channel_shuffle", {"groups": 2}, STAGE2) == (STAGE2, 0, 0)
    assert _run("channel_shuffle", {"groups": 4}, STAGE2) == (STAGE2, 0, 0)   # 116 = 4 x 29


@pytest.mark.parametrize("attrs", [{"start": 58, "end": 58}, {"start": 0, "end": 117}, {"start": 116}])
def test_slice_outside_the_channels_is_an_error(attrs):
    with pytest.raises(ArchcostError, match="does not fit the 116 input channels"):
        _run("slice", attrs, STAGE2)


def test_shuffle_groups_must_divide_the_channels():
    with pytest.raises(ArchcostError, match="groups 3 do not divide the 116"):
        _run("channel_shuffle", {"groups": 3}, STAGE2)


def test_bad_attributes_are_located_errors():
    with pytest.raises(ArchcostError, match="needs the attribute 'groups'"):
        get_op("channel_shuffle").coerce({})
    with pytest.raises(ArchcostError, match="'start' must be zero or more"):
        get_op("slice").coerce({"start": -1})


def test_rules_run_on_terms_for_worked_arithmetic():
    op = get_op("slice")
    out = op.shape(op.coerce({"start": 58}), [tuple(Term(d) for d in STAGE2)])
    assert [value(d) for d in out] == [58, 28, 28]
    assert out[0].text == "116 - 58"


SPLIT_SHUFFLE = {
    "name": "split_shuffle", "input": [116, 28, 28],
    "layers": [
        {"name": "x1", "op": "slice", "end": 58},
        {"name": "x2", "op": "slice", "input": "input", "start": 58},
        {"name": "conv", "op": "conv", "out": 58, "kernel": 1, "bias": False},
        {"name": "cat", "op": "concat", "input": ["x1", "conv"]},
        {"name": "shuffle", "op": "channel_shuffle", "groups": 2},
    ],
}


def test_a_split_is_two_slices_of_one_input_and_only_the_conv_costs():
    r = analyze(spec_from_data(SPLIT_SHUFFLE))
    assert r.layer("x1").inputs == r.layer("x2").inputs == ("input",)
    assert r.layer("shuffle").output_shape == STAGE2
    # 58 x 58 1x1 weights; multiply-adds 58 x 28 x 28 outputs x 58
    assert r.totals.params == 58 * 58 == 3364
    assert r.totals.flops == 58 * 28 * 28 * 58 == 2637376
    # data movement has no memory exemption: like flatten and concat, its output is counted
    assert r.layer("shuffle").memory_kb == 116 * 28 * 28 * 4 / 1024
