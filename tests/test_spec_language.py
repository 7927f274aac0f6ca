"""The spec language: blocks, repeats, conditions, defaults, parameters (issue 2 section 1)."""

import re
from pathlib import Path

import pytest

import archcost
from archcost.errors import ArchcostError
from archcost.expr import evaluate, make_divisible


def analyze_text(spec_file, text, **kw):
    return archcost.analyze(spec_file(text), **kw)


def test_the_readme_example_runs_as_documented(spec_file):
    readme = Path(__file__).resolve().parents[1] / "README.md"
    block = re.search(r"## Spec language.*?```yaml\n(.*?)```", readme.read_text(), re.S).group(1)
    r = archcost.analyze(spec_file(block))
    names = [x.name for x in r.rows()]
    assert names == ["conv1", "conv2", "pool", "fc"]
    # conv1: 16 x 3 x 3 x 3 + 16 = 448; conv2: 32 x 16 x 9 + 32 = 4,640; fc: 10 x 32*16*16 + 10 = 81,930
    assert [x.params for x in r.rows()] == [448, 4_640, 0, 81_930]
    wide = archcost.analyze(spec_file(block), settings={"width": 32})
    assert wide.layer("conv2").output_shape == (64, 32, 32)


NESTED = """\
name: nested
input: [8, 16, 16]
params: {c: 8}
defaults:
  conv: {kernel: 3, pad: 1, bias: false}
blocks:
  unit:
    params: {out: ~, stride: 1}
    layers:
      - {name: conv, op: conv, out: out, stride: stride}
      - {name: bn, op: batchnorm}
  res:
    params: {out: ~, stride: 1}
    defaults:
      batchnorm: {affine: false}
    layers:
      - {name: a, op: unit, out: out, stride: stride}
      - {name: b, op: unit, out: out}
      - {name: short, op: conv, input: in, out: out, kernel: 1, pad: 0, stride: stride, when: "stride != 1"}
      - {name: add, op: add, input: [b, short]}
layers:
  - {name: stage, op: res, repeat: 3, out: "c * 2", stride: "2 if i == 0 else 1"}
  - {name: head, op: globalavgpool}
"""


def test_blocks_in_blocks_repeats_and_conditions(spec_file):
    r = analyze_text(spec_file, NESTED)
    names = [x.name for x in r.layers]
    assert names[:6] == ["stage.0.a.conv", "stage.0.a.bn", "stage.0.b.conv", "stage.0.b.bn",
                         "stage.0.short", "stage.0.add"]
    assert "stage.1.short" not in names                   # when: false -> skipped ...
    assert r.layer("stage.1.add").inputs == ("stage.1.b.bn", "stage.0.add")  # ... and passes its input through
    assert r.layer("stage.0.a.conv").output_shape == (16, 8, 8)
    assert r.layer("stage.2.add").output_shape == (16, 8, 8)
    # block defaults: batch norm without affine parameters has none
    assert r.layer("stage.0.a.bn").params == 0
    # spec defaults: 3x3 pad 1 no bias: 16 x 8 x 3 x 3 = 1,152
    assert r.layer("stage.0.a.conv").params == 1_152


def test_name_templates_and_empty_names(spec_file):
    r = analyze_text(spec_file, """\
        name: t
        input: [3, 8, 8]
        blocks:
          cr:
            params: [out]
            layers:
              - {name: "", op: conv, out: out, kernel: 1}
              - {op: relu}
        layers:
          - {name: "conv1_{i+1}", op: cr, repeat: 2, out: "4 * (i + 1)"}
        """)
    assert [x.name for x in r.layers] == ["conv1_1", "conv1_1.relu1", "conv1_2", "conv1_2.relu1"]
    assert r.layer("conv1_2").output_shape == (8, 8, 8)


def test_repeat_zero_skips_and_passes_through(spec_file):
    r = analyze_text(spec_file, """\
        name: t
        input: [3, 8, 8]
        params: {n: 0}
        layers:
          - {name: extra, op: conv, out: 4, kernel: 1, repeat: n}
          - {name: fc, op: fc, out: 2}
        """)
    assert [x.name for x in r.layers] == ["fc"] and r.layer("fc").inputs == ("input",)


def test_set_overrides_and_variants():
    r18 = archcost.analyze("resnet18")
    same = archcost.analyze("resnet", settings={"block": "basic", "layers": [2, 2, 2, 2]})
    assert r18.totals.params == same.totals.params == 11_689_512  # torchvision resnet18
    assert archcost.analyze("vgg_d").totals.params == 138_357_544  # alias of vgg16 (torchvision)


def test_input_override_forms():
    assert archcost.analyze("vgg16", input="3x160x160").input == (3, 160, 160)
    assert archcost.analyze("vgg16", input="160").input == (3, 160, 160)
    assert archcost.analyze("vgg16", input=(1, 64, 96)).layer("pool5").output_shape == (512, 2, 3)


def test_unknown_header_key_suggests(spec_file):
    with pytest.raises(ArchcostError, match="unknown key 'layer'.*did you mean 'layers'"):
        analyze_text(spec_file, "name: t\ninput: [3, 8, 8]\nlayers: [{op: relu}]\nlayer: []\n")


def test_a_block_that_uses_itself(spec_file):
    with pytest.raises(ArchcostError, match=r"block 'loop' uses itself \(loop -> loop\)"):
        analyze_text(spec_file, """\
            name: t
            input: [3, 8, 8]
            blocks:
              loop: {layers: [{op: loop}]}
            layers: [{op: loop}]
            """)


def test_block_parameters_are_checked(spec_file):
    text = """\
        name: t
        input: [3, 8, 8]
        blocks:
          b: {params: [out], layers: [{op: conv, out: out, kernel: 1}]}
        layers: [{name: x, op: b, %s}]
        """
    with pytest.raises(ArchcostError, match="block 'b' has no parameter 'ot'.*did you mean 'out'"):
        analyze_text(spec_file, text % "ot: 4")
    with pytest.raises(ArchcostError, match="block 'b' needs the parameter 'out'"):
        analyze_text(spec_file, text % "when: true")


def test_max_nodes_bounds_the_expansion(spec_file):
    text = "name: t\ninput: [4]\nlayers: [{name: f, op: fc, out: 4, repeat: 1000}]\n"
    assert len(analyze_text(spec_file, text).layers) == 1000
    with pytest.raises(ArchcostError, match="more than 100 layers.*--max-nodes"):
        analyze_text(spec_file, text, max_nodes=100)


def test_errors_inside_blocks_name_the_instance(spec_file):
    with pytest.raises(ArchcostError) as e:
        analyze_text(spec_file, NESTED.replace("{name: b, op: unit, out: out}", "{name: b, op: unit, out: out, kernel: 3}"))
    assert e.value.layer == "stage.b" or "stage" in e.value.layer
    assert "no parameter 'kernel'" in str(e.value)


# ---- the safe evaluator
@pytest.mark.parametrize("channels, width, expected", [
    # torchvision EfficientNet-B4 (width 1.4): stem 32 -> 48, stage 2: 24 -> 32, head 1280 -> 1792
    (32, 1.4, 48), (24, 1.4, 32), (1280, 1.4, 1792),
    # MobileNetV2 at width 0.35: first conv 32 -> 16
    (32, 0.35, 16),
])
def test_make_divisible_matches_torchvision(channels, width, expected):
    assert make_divisible(channels * width, 8) == expected


def test_arithmetic_is_exact_and_bounded():
    assert evaluate("ceil(3 * 1.1)", {}) == 4
    assert evaluate("[2, 3, 4][i] * 2", {"i": 1}) == 6
    assert evaluate("x // 2 + x % 3", {"x": 7}) == 4
    with pytest.raises(ArchcostError, match="cannot be computed"):
        evaluate("1 // 0", {})


def test_the_grammar_page_example_runs_with_the_counts_worked_by_hand(spec_file):
    page = Path(__file__).resolve().parents[1] / "docs" / "spec-language.md"
    block = re.search(r"## A complete example\n\n```yaml\n(.*?)```", page.read_text(), re.S).group(1)
    path = spec_file(block)
    # stem 16x3x9 = 432; stage1 block: 2 x (16x16x9 + 32) = 4,672, twice = 9,344;
    # stage2.0: 32x16x9 + 64 + 32x32x9 + 64 + 1x1 shortcut 32x16 = 14,464; stage2.1: 2 x (9,216 + 64) = 18,560;
    # fc 10x32 + 10 = 330
    assert archcost.analyze(path).totals.params == 432 + 9_344 + 14_464 + 18_560 + 330
    # SE: excitation FC out x out + out per block: 2 x 272 + 2 x 1,056
    assert archcost.analyze(path, settings={"se": True}).totals.params == 43_130 + 2 * 272 + 2 * 1_056


def test_the_zoo_is_found_from_a_checkout_without_install(monkeypatch):
    # `python -c "import archcost"` in the repository imports ./archcost, which has no specs inside
    from archcost.spec import zoo

    def missing(name):
        raise ModuleNotFoundError(name)

    monkeypatch.setattr(zoo.resources, "files", missing)
    assert (Path(zoo.spec_dir()) / "alexnet.yaml").exists()
