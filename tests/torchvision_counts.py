"""torchvision's multiply-add convention computed from a report, for the zoo's transformer tests.

torchvision's model pages count the multiply-adds of convs, linear layers and the matmuls of
attention, without bias adds. Each op of the transformer modules states that part of its FLOPs
in ``matmul_flops``; conv and fc are their own rule without the bias add.
"""

from archcost.ops import get_op


def torchvision_macs(report) -> int:
    total = 0
    for x in report.layers:
        op = get_op(x.op)
        if hasattr(op, "matmul_flops"):
            total += int(op.matmul_flops(x.attrs, list(x.input_shapes), x.output_shape))
        elif x.kind in ("conv", "fc"):
            total += int(op.flops(x.attrs, list(x.input_shapes), x.output_shape, False))
    return total


def shapes_of(report, rename) -> dict:
    """torchvision module name -> our layer's output shape, for the layers ``rename`` maps."""
    out = {}
    for x in report.layers:
        tv = rename(x.name)
        if tv is not None:
            out[tv] = tuple(x.output_shape)
    return out
