"""The command line: every command has help text and is documented in the README."""

from __future__ import annotations

import click
from click.testing import CliRunner

from conftest import REPO
from pipeline import cli


def _commands() -> dict[str, click.Command]:
    """Every command, with subcommands of groups as "group sub"."""
    found: dict[str, click.Command] = {}
    for name, command in cli.commands.items():
        found[name] = command
        if isinstance(command, click.Group):
            for sub, subcommand in command.commands.items():
                found[f"{name} {sub}"] = subcommand
    return found


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text()
    assert _commands(), "no commands registered"
    for name, command in _commands().items():
        assert command.help and len(command.help) > 20, name
        assert f"`{name}`" in readme or (isinstance(command, click.Group) and f"`{name} " in readme), f"command {name!r} missing from README.md"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.opts} has no help text"
                long = max(param.opts, key=len)
                if long != "--project":
                    assert f"`{long}" in readme, f"option {long} of {name} missing from README.md"


def test_help_runs_for_every_command() -> None:
    runner = CliRunner()
    for name in _commands():
        result = runner.invoke(cli, [*name.split(), "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage:" in result.output


def test_list_shows_kind_edition_languages_and_status(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from conftest import make_project, run

    root = make_project(tmp_path)
    result = run(root, "list", check=True)
    lines = [line.split() for line in result.stdout.splitlines()]
    assert lines[0] == ["ID", "KIND", "EDITION", "LANGUAGES", "STATUS"]
    rows = {line[0]: line[1:] for line in lines[1:]}
    assert rows["calm-place"][:4] == ["information-handout", "2", "en", "current"]
    assert rows["old-log"][:4] == ["worksheet", "1", "en", "archived"]


def test_check_passes_on_the_shipped_library() -> None:
    from conftest import run

    result = run(REPO, "check", check=True)
    assert "ok: 22 resources" in result.stdout
