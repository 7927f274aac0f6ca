"""torchvision's multiply-add convention computed from a report, for the zoo's transformer tests.

torchvision's model pages count the multiply-adds of convs, linear layers and the matmuls of
attention, without bias adds: archcost's ``torchvision`` FLOP convention (archcost/counting.py),
applied here to a report analysed under any convention.
"""

from archcost.counting import CONVENTIONS, layer_flops
from archcost.ops import get_op


def torchvision_macs(report) -> int:
    return sum(int(layer_flops(CONVENTIONS["torchvision"], get_op(x.op), x.attrs, list(x.input_shapes), x.output_shape))
               for x in report.layers)


def shapes_of(report, rename) -> dict:
    """torchvision module name -> our layer's output shape, for the layers ``rename`` maps."""
    out = {}
    for x in report.layers:
        tv = rename(x.name)
        if tv is not None:
            out[tv] = tuple(x.output_shape)
    return out


def torchvision_shapes(key: str) -> dict:
    """torchvision 0.28's output shape of every leaf module of a model at one input side,
    measured with forward hooks (tests/data/torchvision_shapes.json says how)."""
    import json
    import os
    with open(os.path.join(os.path.dirname(__file__), "data", "torchvision_shapes.json")) as fh:
        return {k: tuple(v) for k, v in json.load(fh)["models"][key].items()}


def assert_shapes_equal_torchvision(report, key: str, inside=()) -> None:
    """Every leaf module torchvision ran has a layer of the same name and output shape, except
    the modules ``inside`` one of our ops (name patterns: a v2 position-bias MLP)."""
    import re
    ours = {x.name: tuple(x.output_shape) for x in report.layers}
    theirs = {k: v for k, v in torchvision_shapes(key).items() if not any(re.search(p, k) for p in inside)}
    assert theirs, key
    assert {k: ours.get(k) for k in theirs} == theirs
