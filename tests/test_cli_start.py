"""The command line starts fast: `--help` imports neither the driver nor pandas, commands are
imported when they run, and the help listing says what each command's own help says.
(Timings are printed by bench/cli.py, not asserted here.)"""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.core import TyperCommand

from kg.cli import COMMANDS, load_command

PROBE = """
import sys
from kg.cli import main
sys.argv = ["supplymap", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
heavy = [m for m in ("neo4j", "pandas", "pydantic_settings", "numpy") if m in sys.modules]
print("LOADED:" + ",".join(heavy), file=sys.stderr)
"""


def _loaded(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=False
    )
    line = next(x for x in done.stderr.splitlines() if x.startswith("LOADED:"))
    return {m for m in line.removeprefix("LOADED:").split(",") if m}


def test_help_imports_no_driver_and_no_pandas() -> None:
    assert _loaded("--help") == set()
    assert _loaded("analyze", "--help") >= {"neo4j"}  # a command's own help loads it


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_listing_says_what_each_command_says(name: str) -> None:
    real = load_command(name)
    listed = TyperCommand(name, help=COMMANDS[name][2])
    assert listed.get_short_help_str(1000) == real.get_short_help_str(1000)
