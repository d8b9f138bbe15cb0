"""PyInstaller's entry point: the very `vimbatch` command that pip installs as a console script,
so the GUI, `--self-test` and every sub-command behave the same frozen and from source."""

import multiprocessing
import sys

from app.cli import main

if __name__ == "__main__":
    # The window checks photos in worker processes ("spawn"): in a frozen app each of them
    # starts this executable again, and this turns it into a worker instead of a second app.
    multiprocessing.freeze_support()
    sys.exit(main())
