"""The command line: thin click commands that parse options and call renderers.

Imports are deferred to the command that needs them: start-up is part of the
product. Every :class:`~archcost.errors.ArchcostError` becomes one line on
stderr and exit status 2.
"""

from __future__ import annotations

import re
import sys

import click

from . import __version__
from .errors import ArchcostError, one_line
from .outfile import write_output, write_outputs

FORMATS = ("text", "markdown", "csv", "json", "latex", "html")


class _UsageLine(click.ClickException):
    """A click usage error (bad option value, unknown option or command, missing argument)
    shown as every other error: one line, what and how to fix, exit status 2."""

    exit_code = 2

    def __init__(self, exc: click.UsageError):
        text = re.sub(r"\s*\((Did you mean[^)]*)\)", r". \1", " ".join(exc.format_message().split()))
        sentences = [x[:1].lower() + x[1:] for x in re.split(r"(?<=[.?])\s+", text)]
        what = "; ".join(x.rstrip(".") for x in sentences if not x.startswith("did you mean"))
        hints = "".join(f"{x} " for x in sentences if x.startswith("did you mean"))
        super().__init__(f"{what}; {hints}run '{exc.ctx.command_path if exc.ctx else 'archcost'} --help'")

    def show(self, file=None):
        click.echo(f"error: {one_line(self.message)}", err=True)


class _Group(click.Group):
    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.exceptions.NoArgsIsHelpError:   # bare `archcost`: the help, as click shows it
            raise
        except click.UsageError as exc:
            raise _UsageLine(exc) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _UsageLine(exc) from None
        except ArchcostError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except BrokenPipeError:  # e.g. `archcost table vgg16 | head`
            sys.stderr.close()
            ctx.exit(0)


def _options(f, options):
    """Apply click options so that --help lists them in the order written."""
    for option in reversed(options):
        f = option(f)
    return f


def network_options(f):
    """Options shared by every command that analyzes a network."""
    return _options(f, [
        click.option("--input", "input_", metavar="CxHxW", help="Input shape, e.g. 3x160x160 (or 160 for square)."),
        click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
                     help="Override a spec parameter (repeatable), e.g. --set width=2."),
        click.option("--no-bias-flops", is_flag=True,
                     help="Leave the bias add out of FLOPs. With the default lecture convention this is the "
                          "lecture's count without the bias add: NOT torchvision's or fvcore's figure (use "
                          "--convention for those)."),
        convention_option,
        count_option,
        click.option("--dtype", default="float32", show_default=True,
                     type=click.Choice(["float32", "float16", "bfloat16", "int8", "float64", "fp32", "fp16", "bf16"]),
                     help="Bytes per element for memory."),
        click.option("--batch", default=1, show_default=True, type=click.IntRange(min=1),
                     help="Batch size: memory and FLOPs scale, parameters do not."),
        click.option("--max-nodes", default=100_000, show_default=True, type=click.IntRange(min=1),
                     help="Refuse specs that expand to more layers than this."),
    ])


def _flop_choice(ctx, param, value):
    """Keep --convention / --count where every analysis reads them (ctx.meta), so commands keep their signatures."""
    if value is not None:
        ctx.meta[f"archcost.{param.name}"] = value
    return value


def flop_options() -> dict:
    """The --convention and --count of the running command, as :func:`archcost.analyze` keywords."""
    meta = click.get_current_context().meta
    return {"convention": meta.get("archcost.convention", "lecture"), "count": meta.get("archcost.count", "macs")}


convention_option = click.option(
    "--convention", expose_value=False, callback=_flop_choice, metavar="NAME",
    help="FLOP counting convention: lecture (default), torchvision, fvcore, thop, ptflops, torchinfo; each "
         "reproduces that tool's total ('archcost conventions' lists their rules).")
count_option = click.option(
    "--count", expose_value=False, callback=_flop_choice, type=click.Choice(["macs", "flops"]),
    help="Count multiply-adds (macs, the default) or FLOPs (2 per multiply-add).")


def file_options(f):
    """-o FILE and --force: every command that prints can write a file instead (archcost.outfile)."""
    return _options(f, [
        click.option("-o", "--output", help="Write to this file instead of stdout."),
        click.option("--force", is_flag=True, help="Overwrite an existing output file."),
    ])


def output_options(f):
    return file_options(click.option("--format", "fmt", default="text", show_default=True,
                                     type=click.Choice(FORMATS))(f))


def units_option(f):
    """--units for every report's memory: KB as the lecture's (1024 bytes), MB, GB (1024-based)."""
    return click.option("--units", default="KB", show_default=True, type=click.Choice(["KB", "MB", "GB"]),
                        help="Memory unit, 1024-based as the lecture's KB (MB = 1024 KB).")(f)


def allow_unknown_option(f):
    """--allow-unknown: an ONNX file's ops archcost does not understand count as 0 (each one a warning)."""
    def remember(ctx, param, value):
        ctx.meta["allow_unknown"] = value
    return click.option("--allow-unknown", is_flag=True, expose_value=False, callback=remember,
                        help="ONNX input: count ops archcost does not understand as 0 (each one warned).")(f)


def allow_unknown() -> bool:
    return click.get_current_context().meta.get("allow_unknown", False)


def analyze_from_options(network, input_, settings, no_bias_flops, dtype, batch, max_nodes):
    from . import analyze
    from .spec.loader import parse_setting

    parsed = dict(parse_setting(s) for s in settings)
    return analyze(network, input=input_, settings=parsed, bias_flops=not no_bias_flops,
                   dtype=dtype, batch=batch, max_nodes=max_nodes, **flop_options(),
                   allow_unknown=allow_unknown())


def print_warnings(report) -> None:
    for w in report.warnings:
        click.echo(f"warning: {w}", err=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="archcost")
def cli():
    """Static cost analysis of neural-network architectures: shapes, memory, parameters, FLOPs."""


@cli.command()
@allow_unknown_option
@click.argument("network")
@network_options
@output_options
@click.option("--all", "all_", is_flag=True, help="Show in-place layers (ReLU, BN, dropout) as rows of their own.")
@click.option("--exact", is_flag=True, help="Print exact counts instead of the lecture's k / M rounding.")
@units_option
def table(network, input_, settings, no_bias_flops, dtype, batch, max_nodes, fmt, output, force, all_, exact, units):
    """The per-layer table of NETWORK (a zoo name such as alexnet, or a spec file)."""
    from .render.table import render_table

    report = analyze_from_options(network, input_, settings, no_bias_flops, dtype, batch, max_nodes)
    write_output(render_table(report, fmt, all=all_, exact=exact, units=units), output, force)
    print_warnings(report)  # after the table, where the eye ends


@cli.command("list")
@click.option("--family", help="Only this family (e.g. resnet, vgg).")
@convention_option
@count_option
@output_options
def list_(family, fmt, output, force):
    """The networks that ship with archcost, with their source, input, parameters and FLOPs."""
    from .render.zoo import render_zoo

    write_output(render_zoo(family, fmt, **flop_options()), output, force)


@cli.command()
@click.argument("names", nargs=-1)
@file_options
def ops(names, output, force):
    """The registered ops and what each computes; NAMES: their attributes, defaults, layouts and rules."""
    from .render.ops import render_ops

    write_output(render_ops(names), output, force)


@cli.command()
@allow_unknown_option
@click.argument("network")
@click.argument("layers", nargs=-1)
@network_options
@output_options
@units_option
@click.option("--train", is_flag=True, help="Also what each layer saves for backward and why, and its backward FLOPs.")
@click.option("--lang", default="en", show_default=True, help="The text's language: en, ko.")
def explain(network, layers, input_, settings, no_bias_flops, dtype, batch, max_nodes, fmt, output, force, units,
            train, lang):
    """The worked arithmetic of LAYERS of NETWORK (all layers when none is named), step by step."""
    from .render.explain import render_explain

    from .i18n import catalog

    tr = catalog(lang)
    report = analyze_from_options(network, input_, settings, no_bias_flops, dtype, batch, max_nodes)
    text = render_explain(report, layers, fmt, units, train)
    write_output(tr.worked(text) if fmt == "text" else text, output, force)


@cli.command()
@click.argument("network", required=False)
@network_options
@click.option("-o", "--output", "folder", metavar="FOLDER", help="Write the files into FOLDER (created if missing).")
@click.option("--format", "formats", default="markdown,html", show_default=True,
              help="Comma list of markdown, html, latex, pdf (pip install 'archcost[pdf]'), or all; "
                   "moodle, gift, qti: the blanks as LMS questions.")
@click.option("--blank", default="output,memory,params,flops", show_default=True,
              help="The table's column groups to leave blank.")
@click.option("--blank-rate", type=float, help="Leave only this share of those cells blank, drawn at random (e.g. 0.4).")
@click.option("--rows", help="Only these rows get blanks, e.g. conv1,pool1.")
@click.option("--seed", default=0, show_default=True, type=int, help="The same seed gives the same files, byte for byte.")
@click.option("--variants", default=0, type=click.IntRange(0, 500), help="One different network per student.")
@click.option("--vary", multiple=True, metavar="KNOB=LO:HI",
              help="Bound the variants' draws: input, filters, kernel, stride (or KNOB=off).")
@click.option("--allow-floor", is_flag=True, help="Let variants keep divisions that are not whole.")
@click.option("--exercise", "exercises", multiple=True, metavar="NAME", help="An exercise (repeatable); default: table.")
@click.option("--list-exercises", is_flag=True, help="Show the exercises and stop.")
@click.option("--force", is_flag=True, help="Replace the class in a folder that is not empty, as one set.")
@click.option("--lang", default="en", show_default=True, help="The sheets' language: en, ko (archcost/locale/*.po).")
@click.option("--font", type=click.Path(dir_okay=False), help="A TrueType font for PDF text beyond Latin-1 (Korean).")
@click.option("--roster", type=click.Path(dir_okay=False), help="A class list CSV (id, name, email): one variant each.")
@click.option("--difficulty", default="varied", show_default=True,
              type=click.Choice(["lecture", "varied", "structure"]),
              help="lecture: the lecture's own numbers; varied: each variant its own; structure: layers vary too.")
@click.option("--exam", is_flag=True, help="No conventions block and no hints; room for working under each exercise.")
@click.option("--shuffle", is_flag=True, help="Each sheet's exercises and questions in its own order.")
def worksheet(network, input_, settings, no_bias_flops, dtype, batch, max_nodes, folder, formats, blank, blank_rate,
              rows, seed, variants, vary, allow_floor, exercises, list_exercises, force, lang, font, roster,
              difficulty, exam, shuffle):
    """A worksheet on NETWORK with blanks, its answer key (worked arithmetic), key.json and answers CSVs."""
    from .outfile import write_folder
    from .spec.loader import parse_setting
    from .worksheet import CLASS_FILE, make_sheets, parse_formats, worksheet_files
    from .worksheet import list_exercises as listing
    from .worksheet.table import parse_groups

    from .i18n import catalog
    from .worksheet.roster import assign, read_roster

    catalog(lang)   # an unknown language fails before any work
    if list_exercises:
        write_output(listing(lang), None, False)
        return
    if not folder:
        raise ArchcostError("no output folder", "give one with -o, e.g. -o out/")
    students = read_roster(roster) if roster else None
    if students and variants and variants != len(students):
        raise ArchcostError(f"--variants {variants} but the roster has {len(students)} students",
                            "drop --variants: a roster gives one variant per student")
    sheets = make_sheets(network, exercises, seed, len(students) if students else variants, vary, allow_floor,
                         parse_groups(blank), blank_rate, tuple(rows.split(",")) if rows else None, input_,
                         dict(parse_setting(s) for s in settings), max_nodes=max_nodes, difficulty=difficulty,
                         exam=exam, shuffle=shuffle, bias_flops=not no_bias_flops, dtype=dtype, batch=batch,
                         **flop_options())
    sheets = assign(sheets, students) if students else sheets
    files = worksheet_files(sheets, parse_formats(formats), lang, font)
    write_folder(folder, files, force, owned=CLASS_FILE.fullmatch)
    click.echo(f"wrote {len(files)} files to {folder}: {len(sheets)} sheet(s), their keys, answers CSVs and key.json")
    for w in sheets[0].info.get("warnings", ()):
        click.echo(f"warning: {w}", err=True)


@cli.command()
@click.argument("key", type=click.Path(dir_okay=False))
@click.argument("answers", nargs=-1, required=True)
@click.option("--format", "fmt", default="text", show_default=True, type=click.Choice(["text", "csv", "json"]),
              help="csv: one gradebook row per file; json: every mark.")
@click.option("-o", "--output", help="Write to this file instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@click.option("--lang", default="en", show_default=True, help="The report's language: en, ko.")
@click.option("--summary", is_flag=True,
              help="The class summary instead: per cell the share wrong, common wrong values, the mistake behind "
                   "them; copies.")
@click.option("--roster", type=click.Path(dir_okay=False), help="The class list CSV (id, name, email) for --gradebook.")
@click.option("--gradebook", type=click.Choice(["moodle", "canvas", "csv"]),
              help="One row per student in the columns this LMS's grade import reads.")
@click.option("--assignment", default="archcost", show_default=True, help="The gradebook's score column.")
@click.option("--weight", "weights", multiple=True, metavar="EXERCISE=W",
              help="Weigh an exercise's blanks (repeatable).")
@click.option("--unit-credit", default=0.0, type=click.FloatRange(0, 1),
              help="Credit for the right value in another unit.")
@click.option("--carry-credit", default=0.0, type=click.FloatRange(0, 1),
              help="Credit for a cell right from the student's own wrong output shape.")
@click.pass_context
def grade(ctx, key, answers, fmt, output, force, lang, summary, roster, gradebook, assignment, weights, unit_credit,
          carry_credit):
    """Grade ANSWERS (answers CSVs, or folders of them) against KEY, the worksheet's key.json.

    Exit status 2 when a file or a row had a problem (each named on stderr), after grading the rest."""
    from .i18n import catalog
    from .worksheet.classreport import render_gradebook, render_summary
    from .worksheet.grade import Credit, grade_files, load_key, parse_weights, render_grades
    from .worksheet.roster import read_roster

    tr = catalog(lang)
    credit = Credit(unit_credit, carry_credit, parse_weights(weights))
    students = read_roster(roster) if roster else None
    results = grade_files(key, answers, credit)
    problems = [p for r in results for p in r.problems]
    for p in problems:
        click.echo(f"problem: {tr(p)}", err=True)
    if gradebook:
        text = render_gradebook(results, load_key(key), gradebook, students, assignment, lang)
    elif summary:
        text = render_summary(results, load_key(key), lang, fmt)
    else:
        text = render_grades(results, fmt, lang)
    write_output(text, output, force)
    if problems:
        ctx.exit(2)


@cli.command()
@allow_unknown_option
@click.argument("networks", nargs=-1, required=True)
@network_options
@output_options
@units_option
@click.option("--until", "until", multiple=True, metavar="[NET:]RES|LAYER",
              help="Only the layers before the spatial size first drops below RES, or up to LAYER.")
@click.option("--reach", multiple=True, metavar="[NET:]RES",
              help="Only the layers up to the first output of RES or less (GoogLeNet's stem: --reach 28).")
@click.option("--part", "part_name", default="all", show_default=True,
              type=click.Choice(["all", "features", "classifier"]),
              help="classifier: the layers after the last output larger than 1x1; features: the rest.")
@click.option("--stages/--no-stages", default=True, show_default=True, help="Also compare stage by stage.")
@click.option("--memory", "memory_mode", type=click.Choice(["train", "inference"]),
              help="Also the memory to train (weights, gradients, optimizer state, saved activations) or infer.")
@click.option("--optimizer", default="adam", show_default=True, type=click.Choice(["sgd", "momentum", "adam", "adamw"]))
def compare(networks, input_, settings, no_bias_flops, dtype, batch, max_nodes, fmt, output, force, units,
            until, reach, part_name, stages, memory_mode, optimizer):
    """Budgets of NETWORKS side by side (vgg16 googlenet, vgg16@3x160x160 ...), with ratios against the first.

    Options for one network take a NET: prefix (--set resnet50:classes=10, --until googlenet:pool2)."""
    from .render.compare import load_networks, render_compare

    nets = load_networks(networks, settings, until, reach, part_name, input=input_, bias_flops=not no_bias_flops,
                         dtype=dtype, batch=batch, max_nodes=max_nodes, **flop_options(),
                         allow_unknown=allow_unknown())
    write_output(render_compare(nets, fmt, units, stages, memory_mode, optimizer), output, force)


@cli.command()
@allow_unknown_option
@click.argument("network")
@network_options
@output_options
@units_option
def findings(network, input_, settings, no_bias_flops, dtype, batch, max_nodes, fmt, output, force, units):
    """Where NETWORK's memory, parameters and FLOPs sit, and the lecture's three findings checked on it."""
    from .render.findings import render_findings

    report = analyze_from_options(network, input_, settings, no_bias_flops, dtype, batch, max_nodes)
    write_output(render_findings(report, fmt, units), output, force)


@cli.command()
@click.argument("network")
@click.option("--vary", "varies", multiple=True, required=True, metavar="NAME=LO:HI:STEP|A,B,C",
              help="A spec parameter, or resolution (the input side), and its values (repeatable: a grid).")
@network_options
@output_options
@units_option
@click.option("--plot", "plot_path", help="Also draw the curves (.png, .svg, .pdf).")
def sweep(network, varies, input_, settings, no_bias_flops, dtype, batch, max_nodes, fmt, output, force, units,
          plot_path):
    """Totals of every variant of NETWORK over a grid (--vary resolution=128:640:32 --vary width_mult=1:2:0.1)."""
    from .conventions import Conventions
    from .render.sweep import render_sweep
    from .spec.loader import parse_setting
    from .sweep import sweep as run_sweep

    conv = Conventions(bias_flops=not no_bias_flops, dtype=dtype, batch=batch, **flop_options())
    variants = run_sweep(network, varies, dict(parse_setting(s) for s in settings), input_, conv, max_nodes=max_nodes)
    outputs = []
    if plot_path:
        from .render.plot import image, image_format, sweep_figure

        outputs.append((plot_path, image(sweep_figure(network, variants, units), image_format(plot_path))))
    write_outputs([*outputs, (output, render_sweep(network, variants, fmt, units, conv))], force)


@cli.command()
@allow_unknown_option
@click.argument("networks", nargs=-1, required=True)
@network_options
@units_option
@click.option("--compare", "several", is_flag=True,
              help="FLOPs against parameters, one bubble per network (area = memory), as Canziani et al. 2016.")
@click.option("-o", "--output", required=True, help="The image: .png, .svg or .pdf.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
def plot(networks, input_, settings, no_bias_flops, dtype, batch, max_nodes, units, several, output, force):
    """Per-layer bars of memory, parameters and FLOPs of a network (or, with --compare, several networks)."""
    from .render.plot import compare_figure, image, image_format, layers_figure

    kind = image_format(output)
    if several:
        from .render.compare import load_networks

        nets = load_networks(networks, settings, input=input_, bias_flops=not no_bias_flops, dtype=dtype,
                             batch=batch, max_nodes=max_nodes, **flop_options(),
                             allow_unknown=allow_unknown())
        fig = compare_figure(nets, units)
    elif len(networks) != 1:
        raise ArchcostError(f"plot draws one network's layers, got {len(networks)} networks",
                            "pass --compare to draw several side by side")
    else:
        fig = layers_figure(analyze_from_options(networks[0], input_, settings, no_bias_flops, dtype, batch,
                                                 max_nodes), units)
    write_output(image(fig, kind), output, force)


@cli.command()
@click.option("--format", "fmt", default="text", show_default=True, type=click.Choice(["text", "markdown", "json"]))
@file_options
def conventions(fmt, output, force):
    """The FLOP counting conventions, op by op: what each tool counts, with its version and function."""
    from .render.reconcile import render_conventions

    write_output(render_conventions(fmt), output, force)


@cli.command()
@click.argument("network")
@click.option("--input", "input_", metavar="CxHxW", help="Input shape, e.g. 3x160x160 (or 160 for square).")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE", help="Override a spec parameter (repeatable).")
@click.option("--format", "fmt", default="text", show_default=True, type=click.Choice(["text", "markdown", "json"]))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
def reconcile(network, input_, settings, fmt, output, force):
    """NETWORK under every FLOP convention, beside its sources' published figures, each difference itemized."""
    from .reconcile import reconcile as run
    from .render.reconcile import render_reconcile
    from .spec.loader import parse_setting

    write_output(render_reconcile(run(network, input_, dict(parse_setting(s) for s in settings)), fmt), output, force)


@cli.command()
@click.argument("network")
@network_options
@output_options
@click.option("--mode", default="train", show_default=True, type=click.Choice(["train", "inference"]),
              help="train: weights, gradients, optimizer state, saved activations; inference: peak by liveness.")
@click.option("--optimizer", default="adam", show_default=True, type=click.Choice(["sgd", "momentum", "adam", "adamw"]))
@click.option("--device", help="Compare with this device's memory (archcost devices).")
@click.option("--fit", is_flag=True, help="With --device: the largest batch that trains and infers in its memory.")
@click.option("--devices", "devices_file", type=click.Path(dir_okay=False), help="A devices file of your own.")
@click.option("--units", default="MB", show_default=True, type=click.Choice(["KB", "MB", "GB"]),
              help="Memory unit (1024-based).")
@click.option("--scope", default="block", show_default=True, type=click.Choice(["block", "modules", "dataflow"]),
              help="Inference liveness: what holds a tensor past its last reader (README: Will it fit?).")
def memory(network, input_, settings, no_bias_flops, dtype, batch, max_nodes, fmt, output, force, mode, optimizer,
           device, fit, devices_file, units, scope):
    """Training memory (--mode train) or the inference peak by liveness of NETWORK, per layer and in total."""
    from .render.memory import render_memory

    if fit and not device:
        raise ArchcostError("--fit needs a device", "add e.g. --device a100-40gb (archcost devices lists them)")
    report = analyze_from_options(network, input_, settings, no_bias_flops, dtype, batch, max_nodes)
    write_output(render_memory(report, mode, optimizer, fmt=fmt, units=units, device=device, fit=fit,
                               devices=devices_file, scope=scope), output, force)


@cli.command("time")
@click.argument("network")
@network_options
@output_options
@click.option("--device", required=True, help="A device of 'archcost devices' (e.g. a100-40gb).")
@click.option("--train", is_flag=True, help="Also the backward pass and the optimizer step (a training step).")
@click.option("--optimizer", default="adam", show_default=True, type=click.Choice(["sgd", "momentum", "adam", "adamw"]))
@click.option("--devices", "devices_file", type=click.Path(dir_okay=False), help="A devices file of your own.")
def time_(network, input_, settings, no_bias_flops, dtype, batch, max_nodes, fmt, output, force, device, train,
          optimizer, devices_file):
    """Roofline time of NETWORK on a device, per layer: max(FLOPs / peak, bytes / bandwidth) and which bound."""
    from .render.timing import render_time

    report = analyze_from_options(network, input_, settings, no_bias_flops, dtype, batch, max_nodes)
    write_output(render_time(report, device, train, optimizer, fmt, devices_file), output, force)


@cli.command()
@output_options
@click.option("--devices", "devices_file", type=click.Path(dir_okay=False), help="A devices file of your own.")
def devices(fmt, output, force, devices_file):
    """The devices archcost knows (memory, bandwidth, peak FLOP/s per dtype, datasheet); add yours with --devices."""
    from .render.timing import render_devices

    write_output(render_devices(fmt, devices_file), output, force)


def graph_options(f):
    """The options that pick a network's graph (no counting conventions): for export and spec."""
    return _options(f, [
        click.option("--input", "input_", metavar="CxHxW", help="Input shape, e.g. 3x160x160 (or 160 for square)."),
        click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
                     help="Override a spec parameter (repeatable), e.g. --set width=2."),
        click.option("--max-nodes", default=100_000, show_default=True, type=click.IntRange(min=1),
                     help="Refuse specs that expand to more layers than this."),
        allow_unknown_option,
    ])


def graph_from_options(network, input_, settings, max_nodes):
    from . import build_graph
    from .spec.loader import parse_setting

    return build_graph(network, input_, dict(parse_setting(s) for s in settings), max_nodes, allow_unknown())


@cli.command("export")
@click.argument("network")
@graph_options
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The .onnx file to write.")
@click.option("--weights", default="zeros", show_default=True, type=click.Choice(["zeros", "none"]),
              help="zeros: zero-filled initializers; none: weights as graph inputs (a small file).")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
def export(network, input_, settings, max_nodes, output, weights, force):
    """NETWORK as an ONNX graph (opset 17; 19 for DeformConv; pip install 'archcost[onnx]'), e.g. for Netron."""
    from .frontends.onnx_export import export_model, write_onnx

    model = export_model(graph_from_options(network, input_, settings, max_nodes), weights)
    write_output(write_onnx(model), output, force)
    click.echo(f"wrote {output}: {len(model.graph.node)} ONNX nodes, opset {model.opset_import[0].version}, "
               f"weights {weights}", err=True)


@cli.command("spec")
@click.argument("network")
@graph_options
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
def spec(network, input_, settings, max_nodes, output, force):
    """A readable YAML spec of NETWORK (an .onnx file, or any network), one row per layer."""
    from .frontends.spec_export import spec_yaml

    write_output(spec_yaml(graph_from_options(network, input_, settings, max_nodes), network), output, force)


@cli.command()
@click.argument("network", required=False)
@network_options
@click.option("--exercise", "exercises", multiple=True, metavar="NAME",
              help="An exercise (repeatable); default: table.")
@click.option("--blank", default="output,memory,params,flops", show_default=True,
              help="The table's column groups to ask.")
@click.option("--rows", help="Only these rows, e.g. conv1,pool1.")
@click.option("--seed", default=0, show_default=True, type=int, help="With --variant: which variant.")
@click.option("--variant", is_flag=True, help="A variant's numbers instead of the lecture's.")
@click.option("--lang", default="en", show_default=True, help="The quiz's language: en, ko.")
def quiz(network, input_, settings, no_bias_flops, dtype, batch, max_nodes, exercises, blank, rows, seed, variant,
         lang):
    """Self-study: the blanks of a worksheet on NETWORK asked one at a time on stdin, with the worked arithmetic
    after a wrong answer and a score at the end."""
    from .i18n import catalog
    from .spec.loader import parse_setting
    from .worksheet import make_sheets
    from .worksheet.quiz import run_quiz
    from .worksheet.table import parse_groups

    catalog(lang)
    sheet = make_sheets(network, exercises, seed, 1 if variant else 0, (), False, parse_groups(blank), None,
                        tuple(rows.split(",")) if rows else None, input_, dict(parse_setting(s) for s in settings),
                        max_nodes=max_nodes, bias_flops=not no_bias_flops, dtype=dtype, batch=batch,
                        **flop_options())[0]
    run_quiz(sheet, sys.stdin, sys.stdout, lang)


def main(argv=None):
    import gc

    # One command per process: what it analyzes lives until the process ends, so the collector's full
    # scans find nothing to free (each one walks every object: 0.2 s of a 100,000-layer table, three of
    # them 0.5 s of its JSON). Young cycles are still collected; the full scan waits 100 times longer.
    threshold = gc.get_threshold()
    gc.set_threshold(threshold[0], threshold[1], max(threshold[2], 1000))
    cli.main(args=argv, prog_name="archcost")


if __name__ == "__main__":
    main()
