"""SqueezeNet 1.0 and 1.1 (Iandola et al. 2016; torchvision.models.squeezenet1_0 / squeezenet1_1)."""

import pytest

import archcost
from archcost.errors import ArchcostError


@pytest.mark.parametrize("name, params, gflops", [
    # torchvision's SqueezeNet1_0_Weights / SqueezeNet1_1_Weights meta: "num_params" and "_ops" (GFLOPS)
    ("squeezenet1_0", 1_248_424, 0.819),
    ("squeezenet1_1", 1_235_496, 0.349),
])
def test_torchvision_parameters_and_multiply_adds(name, params, gflops):
    assert archcost.analyze(name).totals.params == params
    r = archcost.analyze(name, bias_flops=False)
    assert round(sum(x.flops for x in r.layers if x.kind == "conv") / 1e9, 3) == gflops


def fire_params(c_in, s, e):
    """squeeze 1x1 (s filters) + expand 1x1 (e) + expand 3x3 (e), each with biases."""
    return (s * c_in + s) + (e * s + e) + (e * s * 9 + e)


def test_fire_modules_by_hand():
    # Iandola et al. 2016, Table 1: s1x1, e1x1 = e3x3 of fire2 .. fire9
    r = archcost.analyze("squeezenet1_0")
    table_1 = {"fire2": (96, 16, 64), "fire3": (128, 16, 64), "fire4": (128, 32, 128), "fire5": (256, 32, 128),
               "fire6": (256, 48, 192), "fire7": (384, 48, 192), "fire8": (384, 64, 256),
               "fire9": (512, 64, 256)}
    for fire, (c_in, s, e) in table_1.items():
        parts = [r.layer(f"{fire}.{p}").params for p in ("squeeze", "expand1x1", "expand3x3")]
        assert sum(parts) == fire_params(c_in, s, e), fire
        assert r.layer(fire).output_shape[0] == 2 * e           # the two expands, concatenated
    conv1, conv10 = 96 * 3 * 7 * 7 + 96, 1000 * 512 + 1000
    assert conv1 + sum(fire_params(*v) for v in table_1.values()) + conv10 == 1_248_424


def test_ceil_mode_pools_at_224():
    # torch's ceil_mode rule: out = ceil((H - 3) / 2) + 1
    v10 = archcost.analyze("squeezenet1_0")
    assert v10.layer("conv1").output_shape == (96, 109, 109)     # (224 - 7) / 2 + 1 = 109.5 -> 109
    assert v10.layer("maxpool1").output_shape == (96, 54, 54)    # ceil(106 / 2) + 1 = 54
    assert v10.layer("maxpool4").output_shape == (256, 27, 27)   # ceil(51 / 2) + 1 = 27 (floor: 26)
    assert v10.layer("maxpool8").output_shape == (512, 13, 13)
    assert v10.layer("avgpool10").output_shape == (1000, 1, 1) and v10.layer("flatten").output_shape == (1000,)
    v11 = archcost.analyze("squeezenet1_1")
    assert v11.layer("conv1").output_shape == (64, 111, 111)     # (224 - 3) / 2 + 1 = 111.5 -> 111
    assert [v11.layer(p).output_shape[1] for p in ("maxpool1", "maxpool3", "maxpool5")] == [55, 27, 13]
    assert "maxpool4" not in [x.name for x in v11.layers] and "maxpool3" not in [x.name for x in v10.layers]


def test_off_native_input():
    # 160, version 1.0: conv1 (160 - 7) / 2 + 1 = 77, maxpool1 ceil(74 / 2) + 1 = 38,
    # maxpool4 ceil(35 / 2) + 1 = 19, maxpool8 ceil(16 / 2) + 1 = 9; the adaptive pool ends at 1x1
    r = archcost.analyze("squeezenet1_0", input="3x160x160")
    assert [r.layer(p).output_shape[1] for p in ("conv1", "maxpool1", "maxpool4", "maxpool8")] == [77, 38, 19, 9]
    assert r.layer("conv10").output_shape == (1000, 9, 9) and r.layer("avgpool10").output_shape == (1000, 1, 1)
    assert r.totals.params == 1_248_424


@pytest.mark.parametrize("name, smallest", [("squeezenet1_0", 21), ("squeezenet1_1", 17)])
def test_torchvision_minimum_input_sizes(name, smallest):
    # torchvision's weights meta "min_size": (21, 21) and (17, 17). At the minimum the last
    # ceil-mode pool sees a 2x2 map: its one 3x3 window starts inside and hangs over the end
    # (torch allows that); one pixel less and it cannot start anywhere
    r = archcost.analyze(name, input=f"3x{smallest}x{smallest}")
    assert r.layer("fire9").output_shape[1:] == (1, 1)
    with pytest.raises(ArchcostError, match="larger than the padded input 1"):
        archcost.analyze(name, input=f"3x{smallest - 1}x{smallest - 1}")


def test_cli_table(run):
    res = run("table", "squeezenet1_1")
    assert res.exit_code == 0 and "fire9.expand3x3" in res.stdout
