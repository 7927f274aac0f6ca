"""`archcost plot`: real images of the right size whose plotted values come from the reports."""

import struct
import sys

import pytest

pytest.importorskip("matplotlib")

import archcost  # noqa: E402
from archcost.render.compare import load_networks  # noqa: E402
from archcost.render.plot import compare_figure, image, layers_figure, sweep_figure  # noqa: E402
from archcost.sweep import sweep  # noqa: E402


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_layer_bars_are_the_reports_rows():
    r = archcost.analyze("alexnet")
    fig = layers_figure(r)
    mem, params, flops = ([p.get_height() for p in ax.patches] for ax in fig.axes)
    rows = r.rows()
    assert mem == [x.memory_kb for x in rows]                      # conv1 784 KB (lecture table)
    assert params == pytest.approx([x.params / 1e6 for x in rows])  # fc6 37.75 M
    assert flops == pytest.approx([x.flops / 1e6 for x in rows])    # conv2 224.09 M
    assert mem[0] == 784 and round(params[9], 2) == 37.75
    assert png_size(image(fig, "png")) == (800, 800)


def test_compare_bubbles_are_the_networks_budgets():
    nets = load_networks(["alexnet", "vgg16", "googlenet", "resnet50"])
    fig = compare_figure(nets)
    xy = fig.axes[0].collections[0].get_offsets().tolist()
    # torchvision vgg16 138,357,544 parameters; the lecture's AlexNet 718,063,400 multiply-adds
    assert xy[1][1] == pytest.approx(138.357544) and xy[0][0] == pytest.approx(0.7180634)
    sizes = fig.axes[0].collections[0].get_sizes().tolist()
    assert sizes[3] == max(sizes)            # ResNet-50 has the most activation memory of the four
    assert png_size(image(fig)) == (800, 600)


def test_sweep_curves_and_other_formats():
    rows = sweep("resnet50", ["resolution=128:256:64"])
    fig = sweep_figure("resnet50", rows)
    assert fig.axes[2].lines[0].get_ydata().tolist() == pytest.approx([v.flops / 1e9 for v in rows])
    assert image(sweep_figure("resnet50", rows), "svg").lstrip().startswith(b"<?xml")
    assert image(fig, "pdf")[:5] == b"%PDF-"


def test_plot_from_the_cli(run, tmp_path):
    out = tmp_path / "alexnet.png"
    assert run("plot", "alexnet", "-o", str(out)).exit_code == 0
    assert png_size(out.read_bytes()) == (800, 800)
    both = tmp_path / "budgets.svg"
    assert run("plot", "--compare", "alexnet", "vgg16", "-o", str(both)).exit_code == 0
    assert b"<svg" in both.read_bytes()
    curves = tmp_path / "sweep.png"
    res = run("sweep", "vgg16", "--vary", "resolution=160:224:32", "--plot", str(curves))
    assert res.exit_code == 0 and png_size(curves.read_bytes()) == (1300, 450)
    bad = run("plot", "alexnet", "-o", str(tmp_path / "a.gif"))
    assert bad.exit_code == 2 and ".png, .svg or .pdf" in bad.stderr


def test_without_matplotlib_one_line_says_how_to_install_it(run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)     # `import matplotlib` now raises ImportError
    res = run("plot", "alexnet", "-o", str(tmp_path / "a.png"))
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [
        "error: plots need matplotlib, which is not installed; install it with: pip install 'archcost[plot]'"]
    assert not (tmp_path / "a.png").exists()
