"""What `-o` does to each kind of path, and what every error while writing looks like (README,
"What archcost promises"): devices, FIFOs and symlinks are written through, regular files
atomically, worksheet classes as one set; every OS error is one `error:` line, exit 2, and
nothing partial is left. The content checked is the lecture's AlexNet table (EECS 498 lecture 8:
conv1 784 KB, 23 k parameters, 73 MFLOP), as `archcost table alexnet` prints it to stdout."""

from __future__ import annotations

import errno
import os
import resource
import stat
import subprocess
import sys
import threading

import pytest
from click.testing import CliRunner

from archcost.cli import cli

CONV1 = "conv1         3       227         64        11         4      2       64         56            784            23          73"


@pytest.fixture(scope="module")
def table():
    res = CliRunner().invoke(cli, ["table", "alexnet"], catch_exceptions=False)
    assert CONV1 in res.stdout
    return res.stdout


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def one_error(res, *says):
    """Exit 2 and exactly one line on stderr besides warnings: 'error: ...', naming what it says."""
    lines = [x for x in res.stderr.splitlines() if not x.startswith("warning: ")]
    assert res.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: "), (res.exit_code, res.stderr)
    for s in says:
        assert s in lines[0], lines[0]
    return lines[0]


def no_temp(folder) -> None:
    left = [n for n in os.listdir(folder) if n.startswith(".archcost-")]
    assert not left, left


def process(*args, **kw):
    return subprocess.run([sys.executable, "-m", "archcost", *args], capture_output=kw.pop("capture", True),
                          text=True, **kw)


# ---------------------------------------------------------------- written through, never replaced
def test_a_device_stays_a_device_even_with_force(tmp_path, table):
    dev = tmp_path / "null"
    try:
        os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))      # a private /dev/null
    except OSError:
        pytest.skip("cannot make a device node here")
    res = invoke("table", "alexnet", "-o", str(dev), "--force")
    assert res.exit_code == 0, res.output
    assert stat.S_ISCHR(dev.stat().st_mode) and dev.stat().st_rdev == os.makedev(1, 3)
    assert invoke("table", "alexnet", "-o", "/dev/null").exit_code == 0        # no --force needed: nothing is lost
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    no_temp(tmp_path)


def test_dev_stdout_writes_to_the_descriptor_where_it_points(tmp_path, table):
    log = tmp_path / "log.txt"
    log.write_text("first\n")
    with open(log, "a") as fh:          # `archcost table alexnet -o /dev/stdout >> log.txt`: appended, no --force
        p = process("table", "alexnet", "-o", "/dev/stdout", cwd=tmp_path, stdout=fh, capture=False)
    assert p.returncode == 0 and log.read_text() == "first\n" + table
    assert sorted(os.listdir(tmp_path)) == ["log.txt"] and not log.is_symlink()


def read_fifo(path, got):
    with open(path, "rb") as fh:
        got.append(fh.read())


def test_a_fifo_stays_a_fifo_and_its_reader_gets_the_table(tmp_path, table):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=read_fifo, args=(fifo, got), daemon=True)
    reader.start()
    res = invoke("table", "alexnet", "-o", str(fifo), "--force")
    reader.join(10)
    assert res.exit_code == 0, res.output
    assert stat.S_ISFIFO(fifo.stat().st_mode) and got == [table.encode()]
    no_temp(tmp_path)


def test_a_symlink_stays_a_symlink_and_its_target_is_written(tmp_path, table):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "t.txt"
    target.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    assert one_error(invoke("table", "alexnet", "-o", str(link)), "already exists", "--force")
    assert invoke("table", "alexnet", "-o", str(link), "--force").exit_code == 0
    assert link.is_symlink() and os.readlink(link) == str(target) and target.read_text() == table
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "real" / "new.txt")
    assert invoke("table", "alexnet", "-o", str(dangling)).exit_code == 0
    assert dangling.is_symlink() and (tmp_path / "real" / "new.txt").read_text() == table
    no_temp(tmp_path)
    no_temp(tmp_path / "real")


def test_a_regular_file_is_replaced_whole_keeping_its_mode(tmp_path, table):
    out = tmp_path / "t.txt"
    out.write_text("old")
    out.chmod(0o640)
    assert invoke("table", "alexnet", "-o", str(out), "--force").exit_code == 0
    assert out.read_text() == table and stat.S_IMODE(out.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["t.txt"]


def test_the_longest_legal_name_is_written(tmp_path, table):
    name = "t" * 250 + ".txt"     # 254 bytes: under NAME_MAX (255), too long for '<name>.tmp<pid>'
    assert invoke("table", "alexnet", "-o", str(tmp_path / name)).exit_code == 0
    assert os.listdir(tmp_path) == [name] and (tmp_path / name).read_text() == table


# ---------------------------------------------------------------- every OS error: one line, exit 2, nothing left
@pytest.mark.parametrize("where, says", [
    ("missing/t.txt", "does not exist"),
    ("afile/t.txt", "Not a directory"),
    ("t" * 300 + ".txt", "File name too long"),
    ("adir", "is a folder"),
    ("", "empty"),
])
def test_os_errors_are_one_line(tmp_path, where, says):
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    path = str(tmp_path / where) if where else ""
    for command in (["table", "alexnet"], ["list"], ["explain", "alexnet", "conv1"], ["findings", "alexnet"],
                    ["compare", "alexnet", "lenet5"]):
        one_error(invoke(*command, "-o", path, "--force"), says)
    assert sorted(os.listdir(tmp_path)) == ["adir", "afile"] and (tmp_path / "afile").read_text() == "x"


def test_proc_and_a_full_device(tmp_path):
    # as root, permissions do not stop a write: /proc/version's folder takes no new file, /dev/full is full
    one_error(invoke("table", "alexnet", "-o", "/proc/version", "--force"), "'/proc/version'", "/proc")
    one_error(invoke("table", "alexnet", "-o", "/dev/full"), "'/dev/full'", os.strerror(errno.ENOSPC))
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_file_too_large_leaves_nothing(tmp_path):
    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))   # the table is 2,392 bytes

    p = process("table", "alexnet", "-o", "t.txt", cwd=tmp_path, preexec_fn=small_files)
    assert p.returncode == 2 and p.stderr.splitlines()[-1] == \
        f"error: cannot write 't.txt': {os.strerror(errno.EFBIG)}; the file system or a limit refuses a file " \
        "this large: choose another place"
    assert os.listdir(tmp_path) == []


def test_a_closed_stdout_is_an_error_and_a_closed_pipe_is_quiet(tmp_path):
    p = process("table", "alexnet", cwd=tmp_path, preexec_fn=lambda: os.close(1))
    assert p.returncode == 2 and p.stderr.splitlines()[-1].startswith("error: standard output is closed; ")
    with open("/dev/full", "w") as full:
        p = process("table", "alexnet", cwd=tmp_path, stdout=full, capture=False, stderr=subprocess.PIPE)
    assert p.returncode == 2 and p.stderr.splitlines()[-1].startswith("error: cannot write '<stdout>': No space")
    # `... | head -c 10` on 504,071 bytes (more than a pipe holds): the reader leaves early, nothing is said, exit 0
    p = subprocess.run(f"'{sys.executable}' -m archcost table densenet264 --all --format json | head -c 10; "
                       "exit ${PIPESTATUS[0]}", shell=True, capture_output=True, text=True, cwd=tmp_path,
                       executable="/bin/bash")
    assert p.returncode == 0 and p.stdout == '{\n  "netwo' and p.stderr == ""


# ---------------------------------------------------------------- two files: all or none
def test_sweep_with_a_plot_writes_both_or_neither(tmp_path):
    pytest.importorskip("matplotlib")
    out, png = tmp_path / "out.txt", tmp_path / "p.png"
    out.write_text("keep")
    args = ["sweep", "alexnet", "--vary", "resolution=227:228:1", "--plot", str(png), "-o", str(out)]
    one_error(invoke(*args), "'" + str(out) + "' already exists")
    assert os.listdir(tmp_path) == ["out.txt"] and out.read_text() == "keep"
    one_error(invoke(*args[:-2], "-o", str(tmp_path / "missing" / "o.txt")), "does not exist")
    assert os.listdir(tmp_path) == ["out.txt"]
    one_error(invoke(*args[:-1], str(png), "--force"), "same file")
    assert invoke(*args, "--force").exit_code == 0
    assert png.read_bytes()[:4] == b"\x89PNG" and "227" in out.read_text()


# ---------------------------------------------------------------- worksheet: a class, whole or nothing
WS = ["worksheet", "alexnet", "--format", "markdown"]


def test_worksheet_into_a_file_is_an_error(tmp_path):
    (tmp_path / "f").write_text("x")
    one_error(invoke(*WS, "-o", str(tmp_path / "f")), "is a file, not a folder")
    one_error(invoke(*WS, "-o", ""), "no output folder")


@pytest.mark.parametrize("where, says", [
    ("afile/class", "afile' is a file, not a folder"),
    ("afile/x/class", "afile' is a file, not a folder"),
    ("/proc/class", "its folder '/proc' takes no new files"),
    ("c" * 300, "File name too long"),
])
def test_worksheet_os_errors_are_one_line_and_leave_nothing(tmp_path, monkeypatch, where, says):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    one_error(invoke(*WS, "-o", where), f"cannot write '{where}': ", says)
    assert os.listdir(tmp_path) == ["afile"]


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
def test_an_interrupted_worksheet_leaves_nothing(tmp_path, monkeypatch, failure):
    import archcost.outfile

    calls = []

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 4:
            raise failure

    monkeypatch.setattr(archcost.outfile.os, "fsync", fsync)
    res = CliRunner().invoke(cli, [*WS, "--variants", "3", "-o", str(tmp_path / "a" / "class")])
    if isinstance(failure, OSError):
        one_error(res, "No space left on device")
    else:
        assert res.exit_code == 1               # click's "Aborted!"
    assert len(calls) == 4 and os.listdir(tmp_path) == []   # no class, no temporary folder, no parent made


def test_two_runs_never_mix_two_classes(tmp_path):
    out = tmp_path / "class"
    assert invoke(*WS, "--variants", "3", "-o", str(out)).exit_code == 0
    assert len(os.listdir(out)) == 3 * 3 + 2 + 1       # 3 x (sheet, key, answers), the two -all files, key.json
    one_error(invoke(*WS, "--variants", "2", "-o", str(out)), "not empty", "--force")
    assert invoke(*WS, "--variants", "2", "-o", str(out), "--force").exit_code == 0
    names = os.listdir(out)
    assert len(names) == 2 * 3 + 2 + 1 and not [n for n in names if "s0-03" in n], names
    (out / "notes.txt").write_text("mine")
    one_error(invoke(*WS, "-o", str(out), "--force"), "'notes.txt'")
    assert (out / "notes.txt").read_text() == "mine" and len(os.listdir(out)) == 10
    assert sorted(os.listdir(tmp_path)) == ["class"]
