"""Runtime hook: a windowed build on Windows (console=False) starts with sys.stdout and
sys.stderr set to None, and the first library that writes a warning to them raises
AttributeError. Point them at the null device instead; `--self-test-output FILE` is how a
windowed build reports its result."""

import os
import sys
from pathlib import Path

# Left open on purpose: they live as long as the process.
if sys.stdout is None:
    sys.stdout = Path(os.devnull).open("w", encoding="utf-8")  # noqa: SIM115
if sys.stderr is None:
    sys.stderr = Path(os.devnull).open("w", encoding="utf-8")  # noqa: SIM115
