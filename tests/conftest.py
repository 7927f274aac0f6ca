"""Shared test helpers: run the CLI in-process and write small specs."""

from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

from archcost.cli import cli


@pytest.fixture
def run():
    """run("table", "alexnet") -> click Result (exit_code, stdout, stderr)."""
    runner = CliRunner()

    def _run(*args):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return _run


@pytest.fixture
def spec_file(tmp_path):
    """spec_file(yaml_text) -> path of a spec file with that (dedented) text."""
    def _write(text: str, name: str = "net.yaml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return str(path)

    return _write
