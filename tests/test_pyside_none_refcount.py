"""Regression guard for PYSIDE-3474: PySide6 6.12.0 on CPython 3.11 drops a reference to None on
every Qt call that returns None and aborts the interpreter after ~5,400 of them (exit 134).
pyproject.toml pins PySide6 below 6.12 on 3.11; this proves the installed pair survives."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
from PySide6.QtCore import QObject
o = QObject()
for _ in range(20_000):
    o.setObjectName("a")
print("ok")
"""


def test_twenty_thousand_none_returning_qt_calls_do_not_abort() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
