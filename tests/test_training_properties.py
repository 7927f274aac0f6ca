"""Properties of the training, liveness and roofline passes on one network of every zoo family.

The figures these passes give are checked against PyTorch in test_training_vs_torch.py; here, what
must hold whatever the network: how each part scales with the batch, how the liveness scopes order,
that no op lacks a rule, that the per-layer records add up to the totals.
"""

import pytest
import yaml
from hypothesis import given
from test_fuzz import FUZZ, outcome, random_spec, write

import archcost
from archcost.errors import ArchcostError
from archcost.render.memory import render_memory
from archcost.ops import get_op
from archcost.passes.storage import storages

ONE_PER_FAMILY = ["alexnet", "lenet5", "vgg11_lrn", "googlenet", "inception_v3", "resnet50_dcn", "se_resnet50",
                  "densenet121", "squeezenet1_0", "mobilenet_v3_small", "shufflenet_v2_x0_5", "efficientnet_b0",
                  "alexnet_paper", "vit_b_16", "swin_v2_t", "convnext_tiny"]


@pytest.fixture(scope="module", params=ONE_PER_FAMILY)
def report(request):
    return archcost.analyze(request.param)


def test_every_op_has_training_rules(report):
    m = report.training_memory()
    assert m.missing == ()
    assert all(x.saved is not None and x.backward_flops is not None for x in m.layers)


def test_saved_bytes_scale_with_the_batch(report):
    one, three = (report.training_memory("sgd", batch=b) for b in (1, 3))
    # per-channel vectors (batch norm's mean and invstd) and per-block tensors (Swin's position index) do not
    # scale; everything else saved does (layer norm's mean and rstd are per row: they do)
    pairs = [(s1, s3) for x1, x3 in zip(one.layers, three.layers) for s1, s3 in zip(x1.saved or (), x3.saved or ())]
    assert all(s3.bytes in (s1.bytes, 3 * s1.bytes) for s1, s3 in pairs)
    fixed = sum(s1.bytes for s1, s3 in pairs if s1.counted and s3.bytes == s1.bytes)
    assert {s1.tensor for s1, s3 in pairs if s1.counted and s3.bytes == s1.bytes} <= {
        "mean", "invstd", "index", "coords table", "mlp hidden", "bias sigmoid", "logit scale"}
    assert three.activations - fixed == 3 * (one.activations - fixed)
    assert three.state == one.state and three.gradients == one.gradients
    assert sum(x.saved_bytes for x in one.layers) == one.activations
    assert one.peak == one.state + one.peak_saved + one.peak_param_grads + one.peak_act_grads
    assert one.peak_saved <= one.activations and one.peak_param_grads <= one.gradients
    # backward multiply-adds are per image
    assert three.backward_flops_of() == 3 * one.backward_flops_of()


def test_each_storage_counted_once(report):
    m = report.training_memory()
    counted = [s.storage for x in m.layers for s in (x.saved or ()) if s.counted]
    assert len(counted) == len(set(counted))
    every = {s.storage for x in m.layers for s in (x.saved or ())}
    assert every == set(counted)


def test_liveness_scopes_order_and_scale(report):
    dataflow, block, modules = (report.inference_peak(scope=s).peak for s in ("dataflow", "block", "modules"))
    assert 0 < dataflow <= block <= modules
    # everything alive scales with the batch but scratch made once per batch (Swin's position bias and mask)
    once = {x.name: sum(int(t.elements) * 4 for t in get_op(x.op).scratch(x.attrs, list(x.input_shapes),
                                                                           x.output_shape) if not t.batched)
            for x in report.layers}
    one = report.inference_peak()
    assert 4 * block - 3 * once[one.layer] <= report.inference_peak(batch=4).peak <= 4 * block
    if not any(once.values()):
        assert report.inference_peak(batch=4).peak == 4 * block
    # the peak never exceeds every storage alive at once (the input and each layer that writes a new
    # tensor, float32) plus the largest scratch (max pooling's int64 indices)
    st = storages(report)
    scratch = max((sum(int(t.elements) * 8 for t in get_op(x.op).scratch(x.attrs, list(x.input_shapes),
                                                                         x.output_shape))
                   for x in report.layers), default=0)
    assert modules <= sum(st.elements.values()) * 4 + scratch


def test_roofline_parts(report):
    t = report.time("a100-40gb", train=True)
    assert t.train_step > t.inference > 0
    for x in t.layers:
        assert x.forward.time == max(x.forward.compute_s, x.forward.memory_s)
        assert x.backward is not None
    assert sum(x.forward.flops for x in t.layers) == 2 * report.totals.flops   # the table's multiply-adds x 2



@FUZZ
@given(spec=random_spec())
def test_random_specs_train_infer_and_time(spec, tmp_path_factory):
    # the fuzz suite's random specs from the op schemas: every one that analyzes also gets its training
    # memory, inference peak, roofline and memory report, or one ArchcostError (never another exception)
    report = outcome(write(tmp_path_factory, yaml.safe_dump(spec, allow_unicode=True)))
    if isinstance(report, ArchcostError) or not report.layers:
        return
    m = report.training_memory("adamw", "bf16", batch=3)
    assert m.peak >= m.state >= 0 and m.activations >= 0 and m.missing == ()
    for scope in ("dataflow", "block", "modules"):
        assert report.inference_peak(scope=scope).peak >= 0
    t = report.time("h100-sxm", "bf16", train=True)
    assert t.train_step >= t.inference >= 0
    for fmt in ("text", "csv", "json"):
        render_memory(report, "train", fmt=fmt)
        render_memory(report, "inference", fmt=fmt)
