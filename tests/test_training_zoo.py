"""Every shipped network gets its training memory, inference peak and roofline time with a rule for every
op (README "Will it fit?": an op without rules makes the totals lower bounds, which no zoo network may be)."""

import pytest

import archcost
from archcost.spec.zoo import entries


@pytest.mark.parametrize("name", sorted(name for name, _, _ in entries()))
def test_every_zoo_network_trains_infers_and_times(name):
    report = archcost.analyze(name)
    m = report.training_memory("adamw")
    assert m.missing == (), m.missing
    # AdamW in float32 keeps 16 bytes a parameter: weights, gradients, two moments (torch.optim.AdamW)
    assert m.weights + m.gradients + m.optimizer_state == 16 * report.totals.params
    assert m.peak >= m.state + m.buffers
    peak = report.inference_peak()
    assert 0 < peak.peak <= sum(x.memory_bytes for x in report.layers) + 4 * max(
        (x.memory_bytes for x in report.layers), default=0) + report.totals.memory_bytes
    report.time("a100-40gb", train=True)   # a roofline for every layer (raises on an op without rules)
