"""Builds the vimbatch app for the platform this runs on, with PyInstaller and packaging/vimbatch.spec.

    python packaging/build.py            # → dist/vimbatch/ (Windows, Linux) or dist/vimbatch.app
    python packaging/build.py --clean    # forget PyInstaller's cache first (after upgrades)

Prints where the app is, its size on disk and how long the build took. Needs the `build` extra:
`pip install -e .[build]`.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "vimbatch.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build"

sys.path.insert(0, str(ROOT / "packaging"))
import make_icons  # noqa: E402


def app_path(dist: Path = DIST) -> Path:
    """The folder a user gets: the .app bundle on macOS, the one-folder build elsewhere."""
    return dist / "vimbatch.app" if sys.platform == "darwin" else dist / "vimbatch"


def executable_path(dist: Path = DIST) -> Path:
    if sys.platform == "darwin":
        return dist / "vimbatch.app" / "Contents" / "MacOS" / "vimbatch"
    return dist / "vimbatch" / ("vimbatch.exe" if sys.platform == "win32" else "vimbatch")


def size_on_disk(folder: Path) -> tuple[int, int]:
    """(bytes, files) under `folder`, counting each file once: macOS bundles are full of
    symlinks into Contents/Resources, which `du` also skips."""
    total = files = 0
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            path = Path(dirpath, name)
            if not path.is_symlink():
                total += path.stat().st_size
                files += 1
    return total, files


def icons_missing() -> bool:
    # Not an mtime check: a fresh clone's mtimes are checkout order, and remaking committed
    # icons with another Pillow version would leave the tree dirty for nothing.
    return not all(path.exists() for path in make_icons.outputs())


def build(*, clean: bool = False, dist: Path = DIST, work: Path = WORK) -> Path:
    if icons_missing():
        print("vimbatch build: icon files are missing, making them from resources/icon.png")
        make_icons.make_icons()
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        str(SPEC),
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
    ]
    if clean:
        command.append("--clean")
    subprocess.run(command, cwd=ROOT, check=True)
    folder = app_path(dist)
    if sys.platform.startswith("linux"):
        # Beside the executable, so installing is two copies (docs/BUILDING.md).
        shutil.copy2(ROOT / "packaging" / "vimbatch.desktop", folder / "vimbatch.desktop")
        shutil.copy2(make_icons.OUTPUT_DIR / "vimbatch-256.png", folder / "vimbatch.png")
    return folder


def gpl_files(folder: Path) -> list[Path]:
    """Files from pillow-heif or its x265 encoder (GPLv2): the app reads HEIC through pi-heif,
    and pillow-heif is a test-only dependency that must never slip into the bundle."""
    return [
        p for p in folder.rglob("*") if "x265" in p.name.lower() or "pillow_heif" in p.name.lower()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the vimbatch app for this platform.")
    parser.add_argument("--clean", action="store_true", help="clear PyInstaller's cache first")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("PyInstaller") is None:
        print(
            "vimbatch build: PyInstaller is missing; run: pip install -e .[build]", file=sys.stderr
        )
        return 1
    started = time.monotonic()
    try:
        folder = build(clean=args.clean)
    except subprocess.CalledProcessError as error:
        print(
            f"vimbatch build: FAILED (PyInstaller exited with {error.returncode})", file=sys.stderr
        )
        return 1
    elapsed = time.monotonic() - started
    gpl = gpl_files(folder)
    if gpl:
        print(
            "vimbatch build: FAILED: the bundle carries GPL code it must not ship: "
            + ", ".join(str(p.relative_to(folder)) for p in gpl[:5]),
            file=sys.stderr,
        )
        return 1
    size, files = size_on_disk(folder)
    print(
        f"vimbatch build: {folder.relative_to(ROOT)} — {size / 1e6:.1f} MB on disk, "
        f"{files} files, built in {elapsed:.1f} s"
    )
    print(f"vimbatch build: run it with {executable_path().relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
