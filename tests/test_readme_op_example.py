"""The README's 'op of your own' example registers a working op: shapes, table and explain."""

import re
from pathlib import Path

import pytest

import archcost
from archcost.ops import REGISTRY
from archcost.render.explain import explain_layer


@pytest.fixture
def reflect_pad():
    code = re.search(r"An op of your own.*?```python\n(.*?)```", (Path(__file__).resolve().parents[1]
                                                                  / "README.md").read_text(), re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})   # our own documentation, not a spec
    yield REGISTRY["reflect_pad"]
    del REGISTRY["reflect_pad"]


def test_the_readme_op_example(reflect_pad, spec_file):
    path = spec_file("""\
        name: up
        input: [8, 7, 7]
        layers:
          - {name: padded, op: reflect_pad, pad: 1}
          - {name: conv, op: conv, out: 4, kernel: 3}
        """)
    r = archcost.analyze(path)
    assert r.layer("padded").output_shape == (8, 9, 9)
    # conv after it, unpadded: 4 x 8 x 3 x 3 + 4 = 292 parameters, (9 - 3) + 1 = 7 on the padded map
    assert r.layer("conv").params == 292 and r.layer("conv").output_shape == (4, 7, 7)
    assert "8 x 9 x 9 = 648" in explain_layer(r, "padded")
