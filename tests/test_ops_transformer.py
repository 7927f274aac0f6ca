"""The transformer ops: their worked arithmetic equals their numbers, and bad input is one located error."""

import pytest

import archcost
from archcost.errors import ArchcostError
from archcost.render.explain import work


@pytest.mark.parametrize("name, prefix", [
    ("vit_b_16", "encoder_layer_0."), ("swin_t", "features.1.1."), ("swin_v2_t", "features.1.1."),
    ("convnext_tiny", "features.1.0."), ("maxvit_t", "blocks.0.layers.0.layers.grid_attention."),
])
def test_every_layer_of_a_block_explains_to_its_numbers(name, prefix):
    r = archcost.analyze(name)
    layers = [x for x in r.layers if x.name.startswith(prefix)]
    assert len(layers) >= 8
    for x in layers:
        v = {q: val for q, _, val in work(x, r).lines}
        assert (v["parameters"], v["FLOPs"], float(v["memory (KB)"])) == (x.params, x.flops, x.memory_kb), x.name


def _net(spec_file, layers, shape="[3, 32, 32]"):
    return spec_file(f"name: bad\ninput: {shape}\nlayers:\n" + "".join(f"  - {x}\n" for x in layers))


@pytest.mark.parametrize("layers, shape, message", [
    # torch.nn.MultiheadAttention(768, 7) raises: embed_dim must be divisible by num_heads
    (["{name: a, op: attention, heads: 7}"], "[197, 768]", "7 heads do not divide the width 768"),
    (["{name: a, op: attention, heads: 2}"], "[3, 32, 32]", "op 'attention' reads windows x tokens x dim, got C x H x W (3x32x32); add a reshape or permute"),
    (["{name: w, op: window_attention, heads: 3, window: 7}"], "[96, 56, 56]",
     "op 'window_attention' reads H x W x C (channels last), got C x H x W (96x56x56); "
     "add a permute layer with dims [1, 2, 0] before it"),
    # torch.reshape refuses a shape whose product is not the element count
    (["{name: r, op: reshape, shape: [5, -1]}"], "[3, 32, 32]", "cannot reshape 3x32x32 (3,072 elements) to"),
    (["{name: p, op: permute, dims: [0, 0, 1]}"], "[3, 32, 32]", "permute dims [0, 0, 1] are not an order"),
    (["{name: t, op: transpose, dims: [0, 3]}"], "[3, 32, 32]", "transpose needs two different axes of 3"),
    (["{name: s, op: select, axis: 0, index: 9}"], "[3, 32, 32]", "select index 9 of axis 0 is outside 3x32x32"),
    # torch: x[:, 0] of an N x 10 tensor is N numbers, one per image, no axis left (found by the fuzzer)
    (["{name: f, op: flatten}", "{name: s, op: select, axis: 0}"], "[10, 1, 1]",
     "select drops an axis, and its input 10 has only one"),
    (["{name: a, op: linear, out: 8}", "{name: b, op: linear, out: 8}", "{name: m, op: matmul, input: [a, b]}"],
     "[5, 16]", "matmul of 5x8 by 5x8: the inner sizes or the leading axes differ"),
    (["{name: p, op: pad, pads: [1, 1, 1]}"], "[3, 32, 32]", "pad needs pairs of non-negative entries"),
    # torchvision's maxvit_t refuses maps that its 7 x 7 windows do not divide
    (["{name: p, op: partition, size: 7}"], "[3, 32, 32]", "a 32x32 map cannot be cut into 7 x 7 windows"),
])
def test_bad_input_is_one_located_error(spec_file, layers, shape, message):
    with pytest.raises(ArchcostError) as exc:
        archcost.analyze(_net(spec_file, layers, shape))
    assert message in str(exc.value) and ".yaml:" in str(exc.value) and "layer '" in str(exc.value)


def test_matmul_counts_one_multiply_add_per_product_term(spec_file):
    # Q K^T of one head of ViT-B/16: 197 x 64 by (197 x 64)^T -> 197 x 197, 64 multiply-adds each
    path = _net(spec_file, ["{name: q, op: linear, out: 64}", "{name: k, op: linear, out: 64, input: in}",
                            "{name: s, op: matmul, transpose_b: true, input: [q, k]}"], "[197, 768]")
    s = archcost.analyze(path).layer("s")
    assert (s.output_shape, s.flops, s.params) == ((197, 197), 197 * 197 * 64, 0)
