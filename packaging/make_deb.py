"""Makes the Debian package from the one-folder Linux app (dist/vimbatch/, packaging/build.py).

    python packaging/make_deb.py         # → dist/vimbatch_<version>_<arch>.deb

No network: dpkg-deb packs what is here. The package holds
- the app under /opt/vimbatch/ and a `vimbatch` launcher in /usr/bin,
- the menu entry (packaging/vimbatch.desktop) and the icon in every size of
  resources/icons/ in the hicolor theme,
- the AppStream metadata (packaging/net.vimmerse.vimbatch.metainfo.xml) for software centres.
Its Depends are the system libraries scripts/bootstrap.sh installs for Qt (less the tools
that only tests use) plus the few the bundle links to beyond those. No maintainer scripts:
dpkg's triggers refresh the icon cache and the menu, so removing the package leaves nothing.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import APP_NAME, __version__  # noqa: E402

PACKAGING = ROOT / "packaging"
APP_DIR = ROOT / "dist" / APP_NAME
OUT_DIR = ROOT / "dist"
STAGE = ROOT / "build" / "deb"
BOOTSTRAP = ROOT / "scripts" / "bootstrap.sh"
ICONS = ROOT / "resources" / "icons"
DESKTOP_FILE = PACKAGING / "vimbatch.desktop"
METAINFO = PACKAGING / "net.vimmerse.vimbatch.metainfo.xml"
INSTALL_DIR = f"/opt/{APP_NAME}"

# In bootstrap.sh's lists for the tests' virtual screen, not for the app.
TEST_ONLY_DEBS = {"xvfb", "xauth"}
# Linked to by the bundle but not in bootstrap.sh's lists (they come with a desktop anyway):
# the Wayland platform plugin's client libraries, and libxcb itself.
EXTRA_DEBS = ("libwayland-client0", "libwayland-cursor0", "libxcb1")
# Renamed for 64-bit time_t in Debian 13 and Ubuntu 24.04: either name will do.
RENAMED_DEBS = {"libglib2.0-0": "libglib2.0-0t64 | libglib2.0-0"}
MAINTAINER = os.environ.get("VIMBATCH_DEB_MAINTAINER", "Vimmerse <support@vimmerse.net>")
HOMEPAGE = "https://www.vimmerse.net/"
# The Linux app folder also carries these for a manual install (packaging/build.py); the
# package puts them where the desktop looks instead.
LOOSE_FILES = {"vimbatch.desktop", "vimbatch.png"}

LAUNCHER = f"""#!/bin/sh
# vimbatch: the app and its command line (installed by the vimbatch package).
exec {INSTALL_DIR}/{APP_NAME} "$@"
"""

COPYRIGHT = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: vimbatch
Source: https://www.vimmerse.net/

Files: *
Copyright: Vimmerse
License: proprietary
 vimbatch's own code is proprietary. All rights reserved.

Files: opt/vimbatch/_internal/*
Copyright: The Qt Company and others; the Python Software Foundation; the authors of httpx,
 keyring, cryptography, Pillow, blake3, pi-heif, libheif and libde265
License: various
 Qt for Python (PySide6) and Qt, libheif and libde265 are under the LGPL version 3, shipped as
 separate shared libraries that can be replaced. Python is under the PSF licence; httpx and
 cryptography under BSD or Apache-2.0 terms; keyring under MIT; Pillow under MIT-CMU;
 blake3 under CC0 or Apache-2.0. On Debian systems the LGPL is in
 /usr/share/common-licenses/LGPL-3.
"""


def debian_version(version: str) -> str:
    """A PEP 440 version as Debian orders it: pre-releases sort before the release (`~`)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)*)(?:\.?(a|b|rc)(\d+))?(?:\.(dev|post)(\d+))?", version)
    if match is None:
        raise ValueError(f"app.__version__ {version!r} is not a version Debian can order")
    release, pre, pre_n, extra, extra_n = match.groups()
    result = release
    if pre:
        result += f"~{pre}{pre_n}"
    if extra == "dev":
        result += f"~dev{extra_n}"
    elif extra == "post":
        result += f"+post{extra_n}"
    return result


def bootstrap_debs(script: Path = BOOTSTRAP) -> list[str]:
    """The QT_DEBS and XCB_DEBS lists of scripts/bootstrap.sh, in order: one source of truth
    for what Qt needs from the system, so the package cannot drift from what CI tests with."""
    text = script.read_text(encoding="utf-8")
    names: list[str] = []
    for array in ("QT_DEBS", "XCB_DEBS"):
        match = re.search(rf"^{array}=\(([^)]*)\)", text, re.MULTILINE)
        if match is None:
            raise ValueError(f"{script} has no {array}=(...) list")
        names += match.group(1).split()
    return names


def glibc_version() -> str:
    """The C library the bundle was built against: its binaries need this one or newer."""
    name, version = os.confstr("CS_GNU_LIBC_VERSION").split()  # e.g. "glibc 2.36"
    assert name == "glibc", name
    return version


def depends() -> list[str]:
    debs = [name for name in bootstrap_debs() if name not in TEST_ONLY_DEBS]
    debs += [name for name in EXTRA_DEBS if name not in debs]
    return [f"libc6 (>= {glibc_version()})", *(RENAMED_DEBS.get(name, name) for name in debs)]


def architecture() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], check=True, capture_output=True, text=True
    ).stdout.strip()


def icon_sizes(icons: Path = ICONS) -> list[int]:
    """Every size the icon set has (resources/icons/vimbatch-<size>.png), smallest first."""
    sizes = []
    for path in icons.glob(f"{APP_NAME}-*.png"):
        match = re.fullmatch(rf"{APP_NAME}-(\d+)\.png", path.name)
        if match:
            sizes.append(int(match.group(1)))
    return sorted(sizes)


def installed_size_kib(root: Path) -> int:
    """What dpkg reports as Installed-Size: KiB, each file rounded up (as dpkg-gencontrol)."""
    total = 0
    for dirpath, _dirnames, filenames in os.walk(root):
        if Path(dirpath).name == "DEBIAN":
            continue
        for name in filenames:
            path = Path(dirpath, name)
            total += 1 if path.is_symlink() else math.ceil(path.lstat().st_size / 1024)
    return total


def control(version: str, arch: str, size_kib: int) -> str:
    return (
        f"Package: {APP_NAME}\n"
        f"Version: {version}\n"
        f"Architecture: {arch}\n"
        f"Maintainer: {MAINTAINER}\n"
        f"Installed-Size: {size_kib}\n"
        f"Depends: {', '.join(depends())}\n"
        "Section: graphics\n"
        "Priority: optional\n"
        f"Homepage: {HOMEPAGE}\n"
        "Description: turn a pile of photos into Vimmerse workflows in one go\n"
        " vimbatch is a desktop app for event photographers, shop owners and marketing\n"
        " teams: drop photos or folders on the window, pick a Vimmerse template, press\n"
        " one button, and every photo becomes a finished image or video to preview,\n"
        " save, rate and mark as delivered. The `vimbatch` command runs the same engine\n"
        " without a window.\n"
    )


def write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(0o644)


def normalise_modes(root: Path) -> None:
    """Folders 0755, files 0644 or 0755 when executable: the same package whatever the
    builder's umask, and nothing in /opt writable by anyone but root."""
    for dirpath, _dirnames, filenames in os.walk(root):
        Path(dirpath).chmod(0o755)
        for name in filenames:
            path = Path(dirpath, name)
            if not path.is_symlink():
                path.chmod(0o755 if path.stat().st_mode & 0o111 else 0o644)


def stage(app_dir: Path, root: Path) -> None:
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(
        app_dir,
        root / INSTALL_DIR.lstrip("/"),
        symlinks=True,
        ignore=lambda folder, names: [
            n for n in names if Path(folder) == app_dir and n in LOOSE_FILES
        ],
    )
    normalise_modes(root)
    write(root / "usr" / "bin" / APP_NAME, LAUNCHER, 0o755)
    share = root / "usr" / "share"
    copy(DESKTOP_FILE, share / "applications" / DESKTOP_FILE.name)
    copy(METAINFO, share / "metainfo" / METAINFO.name)
    for size in icon_sizes():
        copy(
            ICONS / f"{APP_NAME}-{size}.png",
            share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_NAME}.png",
        )
    write(share / "doc" / APP_NAME / "copyright", COPYRIGHT)
    normalise_modes(share)


def build_deb(app_dir: Path = APP_DIR, out_dir: Path = OUT_DIR, stage_dir: Path = STAGE) -> Path:
    executable = app_dir / APP_NAME
    if not executable.is_file():
        raise SystemExit(
            f"make_deb: {executable} is missing: build the app first (python packaging/build.py)"
        )
    version, arch = debian_version(__version__), architecture()
    root = stage_dir / "root"
    stage(app_dir, root)
    write(root / "DEBIAN" / "control", control(version, arch, installed_size_kib(root)))
    root.joinpath("DEBIAN").chmod(0o755)
    out_dir.mkdir(parents=True, exist_ok=True)
    deb = out_dir / f"{APP_NAME}_{version}_{arch}.deb"
    # --root-owner-group: files owned by root without fakeroot. xz (dpkg's default) gives the
    # smallest download; dpkg-deb compresses on every core.
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root), str(deb)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return deb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Make the vimbatch .deb from dist/vimbatch/.")
    parser.add_argument("--app", type=Path, default=APP_DIR, help="the one-folder app")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where the .deb goes")
    args = parser.parse_args(argv)
    if shutil.which("dpkg-deb") is None:
        print("make_deb: dpkg-deb is missing (Debian and Ubuntu have it)", file=sys.stderr)
        return 1
    started = time.monotonic()
    deb = build_deb(args.app.resolve(), args.out.resolve())
    print(
        f"make_deb: {deb.relative_to(ROOT) if deb.is_relative_to(ROOT) else deb} — "
        f"{deb.stat().st_size / 1e6:.1f} MB, made in {time.monotonic() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
