"""Plots (the optional extra ``archcost[plot]``, matplotlib with the Agg backend).

- :func:`layers_figure`: per-layer bars of memory, parameters and FLOPs in three aligned panels;
- :func:`compare_figure`: FLOPs against parameters, one bubble per network, its area the memory
  (the picture of Canziani et al. 2016);
- :func:`sweep_figure`: a sweep's curves, one panel per budget.

Every plotted number is read from a report (or a sweep's totals); :func:`image` renders a
figure to png, svg or pdf bytes.

>>> import archcost
>>> fig = layers_figure(archcost.analyze("alexnet"))      # doctest: +SKIP
>>> image(fig, "png")[:4]                                 # doctest: +SKIP
b'\\x89PNG'
"""

from __future__ import annotations

import io

from ..errors import ArchcostError, one_line
from .parts import scale_for
from .units import memory_in

FORMATS = ("png", "svg", "pdf")
MAX_PLOT_ROWS = 1_000      # bars a layers plot draws; more is refused with the reason
MAX_WIDTH_INCHES = 40      # 4,000 pixels at 100 dpi: wider, and a bar per row makes a 75,000-pixel PNG
KIND_COLORS = {"conv": "#1f77b4", "pool": "#ff7f0e", "fc": "#2ca02c", "norm": "#9467bd", "merge": "#8c564b",
               "reshape": "#7f7f7f", "act": "#e377c2", "dropout": "#bcbd22",
               "attention": "#d62728", "token": "#17becf", "matmul": "#ff9896"}


def pyplot():
    """matplotlib.pyplot on the Agg backend, or one clear error saying how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise ArchcostError("plots need matplotlib, which is not installed",
                            "install it with: pip install 'archcost[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def image_format(path: str | None, default: str = "png") -> str:
    """The image format a file name asks for (png, svg or pdf)."""
    ext = (path or "").rsplit(".", 1)[-1].lower() if path and "." in path else default
    if ext not in FORMATS:
        raise ArchcostError(f"cannot write a '{ext}' image", f"name the file .png, .svg or .pdf (got {path})")
    return ext


def image(fig, fmt: str = "png", dpi: int = 100) -> bytes:
    """The figure as png/svg/pdf bytes (the figure is closed)."""
    plt = pyplot()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, metadata={"Software": "archcost"} if fmt == "png" else None)
    plt.close(fig)
    return buf.getvalue()


def literal(text, width: int | None = None) -> str:
    r"""Text from a spec or the command line as matplotlib must draw it: '$' escaped (it would
    start mathtext), control characters escaped, and with ``width`` a long name cut, its end kept.

    >>> literal("cost in $ and $x$"), literal("a" * 50 + "conv1", 12)
    ('cost in \\$ and \\$x\\$', '...aaaaconv1')
    """
    text = one_line(str(text))
    if width and len(text) > width:
        text = "..." + text[-(width - 3):]
    return text.replace("$", r"\$")


def _tight(fig) -> None:
    """tight_layout, quietly: when long labels leave it no room it keeps the figure as it is."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fig.tight_layout()


def _conventions(c, units) -> str:
    return (f"memory: {c.dtype} activations in {units} (1024-based); FLOPs: {c.flops_text()}" + (f"; batch {c.batch}" if c.batch != 1 else ""))


def layers_figure(report, units: str = "KB"):
    """Three aligned panels of per-row bars (the table's rows): memory, parameters, FLOPs."""
    rows = report.rows()
    if len(rows) > MAX_PLOT_ROWS:   # a bar each: past this, bars thinner than a pixel and a wait of minutes
        raise ArchcostError(f"{report.network} has {len(rows):,} table rows; a plot draws at most {MAX_PLOT_ROWS:,}",
                            "plot a part of it (--set fewer repeats), or read 'archcost findings' for its shares")
    plt = pyplot()
    names = [x.name for x in rows]
    colors = [KIND_COLORS.get(x.kind, "#17becf") for x in rows]
    pd, pp = scale_for([x.params for x in rows])
    fd, fp = scale_for([x.flops for x in rows])
    series = [([memory_in(x.memory_kb, units) for x in rows], f"memory ({units})"),
              ([x.params / pd for x in rows], f"params ({pp})" if pp else "params"),
              ([x.flops / fd for x in rows], f"FLOPs ({fp})" if fp else "FLOPs")]
    fig, axes = plt.subplots(3, 1, sharex=True, figsize=(min(MAX_WIDTH_INCHES, max(8, 0.25 * len(rows) + 3)), 8))
    for ax, (values, label) in zip(axes, series):
        ax.bar(range(len(rows)), values, color=colors)
        ax.set_ylabel(label)
        ax.grid(axis="y", alpha=0.3)
    axes[-1].set_xlim(-0.6, len(rows) - 0.4)
    step = max(1, len(rows) // 60)
    axes[-1].set_xticks(range(0, len(rows), step))
    axes[-1].set_xticklabels([literal(n, 40) for n in names[::step]], rotation=90, fontsize=8 if len(rows) < 40 else 6)
    kinds = list(dict.fromkeys(x.kind for x in rows))
    axes[0].legend(handles=[plt.Rectangle((0, 0), 1, 1, color=KIND_COLORS.get(k, "#17becf")) for k in kinds],
                   labels=kinds, fontsize=8, ncol=len(kinds), loc="upper right")
    axes[0].set_title(f"{literal(report.network, 60)}: where each budget sits, layer by layer\n"
                      f"{_conventions(report.conventions, units)}", fontsize=9)
    _tight(fig)
    return fig


def compare_figure(nets, units: str = "KB"):
    """FLOPs (x) against parameters (y) for each compared network; bubble area = memory."""
    plt = pyplot()
    flops = [n.budget.flops for n in nets]
    params = [n.budget.params for n in nets]
    memory = [memory_in(n.budget.memory_kb, units) for n in nets]
    fd, fp = scale_for(flops)
    pd, pp = scale_for(params)
    top = max(memory) or 1
    fig, ax = plt.subplots(figsize=(8, 6))
    xs, ys = [f / fd for f in flops], [p / pd for p in params]
    areas = [3000 * m / top for m in memory]     # points^2
    ax.scatter(xs, ys, s=areas, alpha=0.45, c=range(len(nets)), cmap="tab10", edgecolors="black")
    for n, x, y, m, a in zip(nets, xs, ys, memory, areas):
        shown = f"{m:,.0f}" if units == "KB" else f"{m:,.1f}"
        ax.annotate(f"{literal(n.label, 40)}\n{shown} {units}", (x, y), xytext=((a / 3.1416) ** 0.5 + 4, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=9)
    ax.set_xlabel(f"FLOPs ({fp}, multiply-adds)")
    ax.set_ylabel(f"parameters ({pp})")
    ax.set_xlim(0, max(xs) * 1.2)
    ax.set_ylim(0, max(ys) * 1.25)
    ax.grid(alpha=0.3)
    ax.set_title(f"FLOPs against parameters; bubble area = activation memory\n"
                 f"({_conventions(nets[0].report.conventions, units)})", fontsize=9)
    _tight(fig)
    return fig


def sweep_figure(network: str, variants, units: str = "KB"):
    """A sweep's curves: memory, parameters and FLOPs against the first varied name, one line
    per value of the second."""
    plt = pyplot()
    names = list(variants[0].values)
    xname, line = names[0], names[1] if len(names) > 1 else None
    xs = list(dict.fromkeys(v.values[xname] for v in variants))
    numeric = all(isinstance(x, (int, float)) for x in xs)
    pd, pp = scale_for([v.params for v in variants])
    fd, fp = scale_for([v.flops for v in variants])
    panels = [(lambda v: memory_in(v.memory_kb, units), f"memory ({units})"),
              (lambda v: v.params / pd, f"params ({pp})" if pp else "params"),
              (lambda v: v.flops / fd, f"FLOPs ({fp})" if fp else "FLOPs")]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.5))
    groups = list(dict.fromkeys(v.values[line] for v in variants)) if line else [None]
    shade = plt.get_cmap("viridis")
    for ax, (get, label) in zip(axes, panels):
        ax.yaxis.set_major_formatter("{x:,.6g}")
        for i, gval in enumerate(groups):
            pts = [v for v in variants if line is None or v.values[line] == gval]
            x = [v.values[xname] if numeric else xs.index(v.values[xname]) for v in pts]
            ax.plot(x, [get(v) for v in pts], marker="o", markersize=3, label=literal(f"{line}={gval}", 40) if line else None,
                    color=shade(i / max(1, len(groups) - 1) * 0.9))
        ax.set_xlabel(literal(xname))
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        if not numeric:
            ax.set_xticks(range(len(xs)))
            ax.set_xticklabels([literal(x, 20) for x in xs])
    if line:
        axes[-1].legend(fontsize=7, ncol=2 if len(groups) > 6 else 1)
    fig.suptitle(literal(f"sweep {network}: {', '.join(names)}", 100), fontsize=10)
    _tight(fig)
    return fig
