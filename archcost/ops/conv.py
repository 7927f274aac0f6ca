"""Convolution: ``conv`` (with groups and dilation; depthwise is groups = C_in).

A connection table (``table``) gives partial connectivity, as LeNet-5's C3
(LeCun et al. 1998, Table I): one list per filter of the input maps it reads.
Parameters and FLOPs then count only the connected maps:

>>> from archcost.ops import get_op
>>> conv = get_op("conv")
>>> a = conv.coerce({"out": 2, "kernel": 5, "table": [[0, 1, 2], [1, 2, 3, 4]]})
>>> out = conv.shape(a, [(6, 14, 14)]); out
(2, 10, 10)
>>> conv.params(a, [(6, 14, 14)], out)      # (3 + 4) x 5 x 5 + 2
177
>>> conv.flops(a, [(6, 14, 14)], out)       # 10 x 10 x 177
17700
"""

from __future__ import annotations

from ..arith import elements, floor_div
from ..errors import ArchcostError
from .base import (Attr, COERCE, Op, Saved, bias_rule, need_rank, register, show_pair, spatial,
                   weight_backward, window_notes, window_rules)


def conv_weights_per_output(a, c_in):
    """C_in / groups x K_h x K_w: the weights one output element uses."""
    g = a["groups"]
    per_group = c_in if g == 1 else floor_div(c_in, g)
    return per_group * a["kernel"][0] * a["kernel"][1]


def need_groups(a, c_in) -> None:
    """The groups must divide the input channels and the filters (conv and transposed conv)."""
    g = a["groups"]
    if int(c_in) % g or a["out"] % g:
        raise ArchcostError(f"groups {g} must divide both the input channels {int(c_in)} and the filters {a['out']}",
                            "change 'groups' or the channel counts")


def _table(name, v):
    """[[0, 1, 2], [1, 2, 3], ...] -> a tuple of tuples: for each filter, the input maps it reads."""
    fix = "write one list of input map indexes per filter, e.g. table: [[0, 1, 2], [1, 2, 3]]"
    if not isinstance(v, (list, tuple)) or not v:
        raise ArchcostError(f"attribute '{name}' must be a list of lists of input maps, got {v!r}", fix)
    rows = []
    for j, entry in enumerate(v):
        if not isinstance(entry, (list, tuple)) or not entry:
            raise ArchcostError(f"attribute '{name}': filter {j} must list the input maps it reads, got {entry!r}", fix)
        maps = tuple(COERCE["count"](name, m) for m in entry)
        if len(set(maps)) != len(maps):
            raise ArchcostError(f"attribute '{name}': filter {j} lists an input map twice ({list(maps)})",
                                "list each input map once")
        rows.append(maps)
    return tuple(rows)


COERCE["table"] = _table   # the attribute kind of `table`


@register
class Conv(Op):
    name = "conv"
    kind = "conv"
    accepts = ("CHW",)
    doc = "2-D convolution: out filters of kernel K over C_in/groups channels"
    attrs = {
        "out": Attr("size", doc="number of filters (output channels)"),
        "kernel": Attr("pair", doc="kernel size K or [K_h, K_w]"),
        "stride": Attr("pair", 1, "stride S"),
        "pad": Attr("pad", 0, "zero padding P per side, [P_h, P_w], 'same' or 'valid' (= 0)"),
        "dilation": Attr("pair", 1, "dilation D: the kernel spans D x (K - 1) + 1"),
        "groups": Attr("size", 1, "channel groups (C_in for a depthwise conv)"),
        "bias": Attr("bool", True, "one bias per filter"),
        "table": Attr("table", None, "connection table: for each filter, the input maps it reads (LeNet-5's C3)"),
    }

    def finish(self, a):
        table = a["table"]
        if table is not None and len(table) != a["out"]:
            raise ArchcostError(f"the connection table has {len(table)} entries for {a['out']} filters",
                                "give one list of input maps per filter")
        if table is not None and a["groups"] != 1:
            raise ArchcostError("a connection table and groups both choose the input maps: give only one",
                                "drop 'groups' (a table can express any grouping)")

    def shape(self, a, ins, warn=lambda m: None):
        (x,) = ins
        need_rank(self.name, x, 3)
        c, h, w = x
        need_groups(a, c)
        for j, maps in enumerate(a["table"] or ()):
            if max(maps) >= int(c):
                raise ArchcostError(f"filter {j} of the connection table reads input map {max(maps)}, "
                                    f"but the input has {int(c)} maps (0 to {int(c) - 1})",
                                    "fix the table, or the previous layer's filters")
        oh, ow = spatial(a, h, w, warn)
        return (a["out"], oh, ow)

    def weights(self, a, ins):
        """All filters' weights (without biases)."""
        if a["table"] is not None:
            connections = sum(len(maps) for maps in a["table"])   # LeNet-5's C3: 60 of 16 x 6
            return connections * a["kernel"][0] * a["kernel"][1]
        return a["out"] * conv_weights_per_output(a, ins[0][0])

    def params(self, a, ins, out):
        weights = self.weights(a, ins)
        return weights + a["out"] if a["bias"] else weights

    def flops(self, a, ins, out, bias_flops=True):
        if a["table"] is not None:
            # filters read different numbers of maps: every output position uses every weight once
            per_position = self.weights(a, ins)
            if a["bias"] and bias_flops:
                per_position = per_position + a["out"]
            return elements(out[1:], "output positions") * per_position
        per_output = conv_weights_per_output(a, ins[0][0])
        if a["bias"] and bias_flops:
            per_output = per_output + 1
        return elements(out) * per_output

    def counts(self, a, ins, out):
        """macs: the weights' multiply-adds (the rule above without the bias); bias: one add per output."""
        if a["table"] is not None:
            macs = elements(out[1:], "output positions") * self.weights(a, ins)
        else:
            macs = elements(out) * conv_weights_per_output(a, ins[0][0])
        return {"macs": macs, "bias": elements(out) if a["bias"] else 0}

    def rules(self, a, bias_flops=True, flops=True):
        add = " + 1" if bias_flops else ""
        if a["table"] is not None:
            out = [("conv.table", "A conv with a connection table ('reads N maps' in its notes: N maps over all "
                                  "its filters) has N x K x K weights + C_out biases"
                                  + (", and H' x W' x (N x K x K" + (" + C_out" if bias_flops else "") + ") FLOPs."
                                     if flops else "."))]
        else:
            out = [("conv", "Conv: parameters C_out x C_in x K x K + C_out (one bias per filter)"
                            + (f"; FLOPs are output elements x (C_in x K x K{add})"
                               + (", the + 1 being the bias add." if bias_flops else ", without the bias add.")
                               if flops else "; its multiply-adds are output elements x C_in x K x K."))]
        if a["groups"] > 1:
            out.append(("conv.groups", "A conv marked 'groups g' splits its channels into g groups: each filter "
                                       "sees C_in / g channels, so C_in / g replaces C_in in its parameters and "
                                       "multiply-adds (a depthwise conv: g = C_in)."))
        if not a["bias"]:
            out.append(bias_rule(bias_flops and flops))
        return window_rules(a) + out

    def notes(self, a):
        table = (f"reads {sum(map(len, a['table']))} maps",) if a["table"] is not None else ()
        groups = (f"groups {a['groups']}",) if a["groups"] > 1 else ()
        return table + groups + (() if a["bias"] else ("no bias",)) + window_notes(a)

    def cells(self, a):
        return {"filters": a["out"], "kernel": show_pair(a["kernel"]),
                "stride": show_pair(a["stride"]), "pad": show_pair(a["pad"])}

    def saves(self, a, ins, out):
        # derivatives.yaml, convolution: convolution_backward(grad, input, weight, ...) reads the input
        # (for the weights' gradient) and the weight (a parameter, not an activation)
        return (Saved("input", elements(ins[0], "input elements"),
                      "convolution_backward reads it for the weights' gradient (derivatives.yaml: convolution)"),)

    def backward_flops(self, a, ins, out, input_grad=True, bias_flops=True):
        return weight_backward(self.flops(a, ins, out, bias_flops=False), elements(out), a["bias"], input_grad,
                               bias_flops)
