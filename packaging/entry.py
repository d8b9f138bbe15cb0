"""PyInstaller's entry point: the very `vimbatch` command that pip installs as a console script,
so the GUI, `--self-test` and every sub-command behave the same frozen and from source."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
