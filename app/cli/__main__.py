"""`python -m app.cli ...`: the same as the `vimbatch` command."""

import sys

from app.cli import main

# Guarded: processes that check photos start with "spawn", which runs this module again.
if __name__ == "__main__":
    sys.exit(main())
