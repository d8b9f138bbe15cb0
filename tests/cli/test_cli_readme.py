"""The README's command list and exit codes say what the command line does (scripts rely on
them): every command and option the parser has, every exit status."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from app.cli.exit_codes import ExitCode
from app.cli.parser import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"


def _command_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## The command line") :]
    return section[section.index("```") + 3 : section.index("```", section.index("```") + 3)]


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no sub-commands")


def test_every_command_and_option_is_in_the_readme() -> None:
    block = _command_block()
    lines = {
        name: "\n".join(
            line for line in _command_lines(block) if line.startswith(f"vimbatch {name}")
        )
        for name in _subcommands()
    }
    for name, sub in _subcommands().items():
        assert lines[name], f"vimbatch {name} is missing from the README"
        for action in sub._actions:
            long = [o for o in action.option_strings if o.startswith("--")]
            if not long or action.help == argparse.SUPPRESS or long[0] in ("--help", "--verbose"):
                continue
            assert long[0] in lines[name], f"{long[0]} of vimbatch {name} is not in the README"
    assert "-v/--verbose" in block


def _command_lines(block: str) -> list[str]:
    """One entry per command: its continuation lines (indented) joined to it."""
    joined: list[str] = []
    for line in block.splitlines():
        if line.startswith(" ") and joined:
            joined[-1] += " " + line.strip()
        elif line.strip():
            joined.append(line.strip())
    return joined


def test_every_exit_status_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    sentence = text[text.index("Exit status:") :].split("\n\n", 1)[0]
    listed = {int(n) for n in re.findall(r"(?:^|[;:] )(\d+) ", sentence)}
    assert listed == {int(code) for code in ExitCode}
