"""Where vimbatch keeps its files: the job store (data) and re-creatable caches."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app import APP_NAME

DATA_DIR_ENV = "VIMBATCH_DATA_DIR"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The user data folder: `override`, else $VIMBATCH_DATA_DIR, else the platform's usual place."""
    chosen = override or os.environ.get(DATA_DIR_ENV)
    if chosen:
        path = Path(chosen).expanduser()
    elif sys.platform == "win32":
        path = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / APP_NAME
    elif sys.platform == "darwin":
        path = Path.home() / "Library" / "Application Support" / APP_NAME
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / APP_NAME
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir(data: Path | None = None) -> Path:
    """Re-creatable files (thumbnails, converted uploads). Kept under the data folder when it was
    chosen explicitly, so that tests and portable setups stay self-contained."""
    if data is not None or os.environ.get(DATA_DIR_ENV):
        path = (data or data_dir()) / "cache"
    elif sys.platform == "win32":
        path = (
            Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
            / APP_NAME
            / "Cache"
        )
    elif sys.platform == "darwin":
        path = Path.home() / "Library" / "Caches" / APP_NAME
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        path = Path(base) / APP_NAME
    path.mkdir(parents=True, exist_ok=True)
    return path
