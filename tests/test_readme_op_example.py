"""The README's 'op of your own' example registers a working op: shapes, table and explain."""

import re
from pathlib import Path

import pytest

import archcost
from archcost.ops import REGISTRY
from archcost.render.explain import explain_layer


@pytest.fixture
def upsample():
    code = re.search(r"An op of your own.*?```python\n(.*?)```", (Path(__file__).resolve().parents[1]
                                                                  / "README.md").read_text(), re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})   # our own documentation, not a spec
    yield REGISTRY["upsample"]
    del REGISTRY["upsample"]


def test_the_readme_op_example(upsample, spec_file):
    path = spec_file("""\
        name: up
        input: [8, 7, 7]
        layers:
          - {name: up, op: upsample, scale: 2}
          - {name: conv, op: conv, out: 4, kernel: 3, pad: 1}
        """)
    r = archcost.analyze(path)
    assert r.layer("up").output_shape == (8, 14, 14)
    # conv after it: 4 x 8 x 3 x 3 + 4 = 292 parameters, on 14 x 14 (the upsampled map)
    assert r.layer("conv").params == 292 and r.layer("conv").output_shape == (4, 14, 14)
    assert "8 x 14 x 14 = 1,568" in explain_layer(r, "up")
