"""Per-student variants: different, valid networks, analyzed by the normal pipeline, reproducible."""

import pytest

import archcost
from archcost.errors import ArchcostError
from archcost.worksheet import make_sheets
from archcost.worksheet.variants import draw_variants, parse_vary


def _windows(report):
    """(input side, kernel, stride, pad) of every conv and pool of a report."""
    return [(x.input_shape[1], x.attrs["kernel"][0], x.attrs["stride"][0], x.attrs["pad"][0])
            for x in report.layers if x.kind in ("conv", "pool") and "kernel" in x.attrs]


@pytest.fixture(scope="module")
def variants():
    return draw_variants("alexnet", 30, seed=3)


def test_every_output_size_is_an_integer(variants):
    # the lecture's own AlexNet floors pool1: (56 - 3) / 2 + 1 = 27.5 (LECTURES.md section 1); variants must not
    assert any((h + 2 * p - k) % s for h, k, s, p in _windows(archcost.analyze("alexnet")))
    for v in variants:
        assert all((h + 2 * p - k) % s == 0 for h, k, s, p in _windows(v.report)), v.changes
        assert not v.report.warnings


def test_variants_differ(variants):
    assert len({repr(v.changes) for v in variants}) == 30
    assert len({tuple(x.output_shape for x in v.report.rows()) for v in variants}) == 30


def test_a_variant_is_the_pipeline_on_the_changed_network(variants):
    v = variants[0]
    again = archcost.analyze(archcost.build_graph("alexnet", input=v.changes["input"]))
    assert again.input == v.report.input
    conv1 = v.report.layer("conv1")
    h = v.report.input[1]
    k, s, p = conv1.attrs["kernel"][0], conv1.attrs["stride"][0], conv1.attrs["pad"][0]
    c = conv1.attrs["out"]
    side = (h + 2 * p - k) // s + 1                     # LECTURES.md section 1, the output-size rule
    assert conv1.output_shape == (c, side, side)
    assert conv1.params == c * 3 * k * k + c            # weights + one bias per filter
    assert conv1.flops == c * side * side * (3 * k * k + 1)


def test_the_classifier_keeps_its_classes(variants):
    assert {v.report.layer("fc8").output_shape for v in variants} == {(1000,)}


def test_bounds_are_respected():
    vs = draw_variants("alexnet", 10, seed=0, vary=["input=200:210", "filters=off", "stride=off"])
    assert all(200 <= v.report.input[1] <= 210 for v in vs)
    assert {v.report.layer("conv2").attrs["out"] for v in vs} == {192}
    assert {v.report.layer("conv1").attrs["stride"] for v in vs} == {(4, 4)}


def test_same_seed_same_variants():
    a = [v.changes for v in draw_variants("alexnet", 5, seed=11)]
    assert a == [v.changes for v in draw_variants("alexnet", 5, seed=11)]
    assert a != [v.changes for v in draw_variants("alexnet", 5, seed=12)]


def test_sheets_have_their_own_ids_and_keys():
    sheets = make_sheets("alexnet", variants=4, seed=2, groups=("memory",), rows=("conv1",))
    assert [s.id for s in sheets] == [f"alexnet-s2-0{i}" for i in range(1, 5)]
    keys = [s.blanks()[0].exact for s in sheets]
    assert len(set(keys)) > 1
    for s in sheets:
        assert s.info["changes"]["input"][1] == s.info["input"][1]


def test_odd_maps_make_resnet_exact():
    # ResNet's 7x7 stride-2 conv1 on 224 is not whole: (224 + 2 x 3 - 7) / 2 = 111.5 (torchvision resnet18);
    # on odd inputs the draws find windows that divide, e.g. 227 -> 113 -> 57 -> 29 -> 15 -> 8
    for v in draw_variants("resnet18", 3, seed=0):
        assert all((h + 2 * p - k) % s == 0 for h, k, s, p in _windows(v.report))


def test_draws_that_cannot_divide_exactly_say_so():
    fixed = ["input=224:224", "kernel=off", "stride=off"]     # 224 is even: conv1 can only floor
    with pytest.raises(ArchcostError, match="allow-floor"):
        draw_variants("resnet18", 2, seed=0, vary=fixed)
    assert len(draw_variants("resnet18", 2, seed=0, vary=fixed, allow_floor=True)) == 2


def test_bad_vary_is_an_error_with_a_fix():
    with pytest.raises(ArchcostError, match="did you mean 'input'"):
        parse_vary(["inptu=200:240"])
    with pytest.raises(ArchcostError, match="KNOB=LO:HI"):
        parse_vary(["input=240"])
