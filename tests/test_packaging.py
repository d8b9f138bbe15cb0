"""The release files name what the project is: the same version, spec, executable and entry point.

The release workflow, the Inno Setup script, the AppStream metadata and the .deb maker are read
here (not run: Windows and macOS builds happen on GitHub's runners, the .deb in
packaging/ci_deb.sh), so that a renamed spec, a new version or a moved entry point cannot
silently leave one of them behind.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from app import APP_NAME, __version__

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
ISS = PACKAGING / "vimbatch.iss"
SPEC = PACKAGING / "vimbatch.spec"
METAINFO = PACKAGING / "net.vimmerse.vimbatch.metainfo.xml"
DESKTOP = PACKAGING / "vimbatch.desktop"


def load_script(name: str) -> ModuleType:
    """A script from packaging/ (not a package) as a module."""
    spec = importlib.util.spec_from_file_location(f"packaging_{name}", PACKAGING / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(PACKAGING))  # build.py imports make_icons beside it
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(PACKAGING))
    return module


def pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def workflow_steps() -> list[dict[str, Any]]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps: list[dict[str, Any]] = workflow["jobs"]["build"]["steps"]
    return steps


def step_runs(fragment: str) -> list[str]:
    """The `run:` scripts of the workflow steps that contain `fragment`."""
    return [step["run"] for step in workflow_steps() if fragment in step.get("run", "")]


def iss_setup() -> tuple[dict[str, str], dict[str, list[str]]]:
    """The .iss file's #define values and its sections' lines (comments dropped)."""
    defines: dict[str, str] = {}
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in ISS.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        if match := re.fullmatch(r'#define\s+(\w+)\s+"([^"]*)"', line):
            defines[match.group(1)] = match.group(2)
        elif match := re.fullmatch(r"\[(\w+)\]", line):
            current = match.group(1)
            sections[current] = []
        elif not line.startswith("#"):
            sections.setdefault(current, []).append(line)
    return defines, sections


def iss_directive(sections: dict[str, list[str]], key: str) -> str:
    values = [line.split("=", 1)[1] for line in sections["Setup"] if line.split("=", 1)[0] == key]
    assert len(values) == 1, f"{key} appears {len(values)} times in [Setup]"
    return values[0]


# --- one version --------------------------------------------------------------------------


def test_pyproject_version_is_app_version() -> None:
    assert pyproject()["project"]["version"] == __version__


def test_workflow_reads_the_version_from_app() -> None:
    [run] = [step["run"] for step in workflow_steps() if step.get("id") == "version"]
    assert "version=$(python -c" in run and "$GITHUB_OUTPUT" in run
    code = re.search(r"python -c '([^']*)'", run)
    assert code is not None
    printed = subprocess.run(
        [sys.executable, "-c", code.group(1)], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert printed == __version__


def test_the_installers_are_given_that_version() -> None:
    uses_version = [
        step
        for step in workflow_steps()
        if step.get("env", {}).get("VERSION") == "${{ steps.version.outputs.version }}"
    ]
    runs = "\n".join(step["run"] for step in uses_version)
    assert "/DAppVersion=$env:VERSION" in runs  # Inno Setup
    assert "macos-arm64.dmg" in runs  # hdiutil
    # The .iss takes the version from outside and names no version of its own.
    text = ISS.read_text(encoding="utf-8")
    assert "#ifndef AppVersion" in text and "#error" in text
    assert "#define AppVersion" not in text
    _defines, sections = iss_setup()
    assert iss_directive(sections, "AppVersion") == "{#AppVersion}"


def test_metainfo_newest_release_is_app_version() -> None:
    root = ET.parse(METAINFO).getroot()
    releases = root.findall("releases/release")
    assert releases, "no <release> in the AppStream metadata"
    assert releases[0].get("version") == __version__
    dates = [release.get("date", "") for release in releases]
    assert dates == sorted(dates, reverse=True), "releases must be newest first"


def test_deb_version_follows_app_version() -> None:
    make_deb = load_script("make_deb")
    assert make_deb.debian_version(__version__) == __version__.replace("rc", "~rc")
    assert make_deb.debian_version("1.2.0rc1") == "1.2.0~rc1"
    assert make_deb.debian_version("1.2.0.dev3") == "1.2.0~dev3"
    assert make_deb.debian_version("1.2.0.post1") == "1.2.0+post1"
    with pytest.raises(ValueError):
        make_deb.debian_version("one")


# --- one spec, one executable, one entry point --------------------------------------------


def test_workflow_builds_packaging_spec_on_three_platforms() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    matrix = workflow["jobs"]["build"]["strategy"]["matrix"]["include"]
    assert {entry["os"] for entry in matrix} == {"windows-latest", "macos-latest", "ubuntu-latest"}
    assert workflow["jobs"]["build"]["runs-on"] == "${{ matrix.os }}"
    assert step_runs("python packaging/build.py")
    build = load_script("build")
    assert build.SPEC == SPEC and SPEC.is_file()


def test_workflow_runs_the_python_part_of_scripts_test() -> None:
    script = (ROOT / "scripts" / "test").read_text(encoding="utf-8")
    [ci] = step_runs("pytest")

    def commands(text: str) -> list[str]:
        """Each command line, without the venv's folder, `python -m`, quotes and pytest's "$@"."""
        lines = [line.strip().replace('"', "") for line in text.splitlines()]
        return [
            re.sub(r"^(\$VENV/bin/)?(python -m )?", "", line).replace("$@", "").strip()
            for line in lines
            if line
            and not line.startswith(("#", "say ", "set ", "source ", "ensure_", "cd ", "export "))
        ]

    script_commands = commands(script)
    ci_commands = commands(ci)
    assert {"mypy", "pytest"} <= set(script_commands), script_commands
    for command in script_commands:
        assert any(line.startswith(command) for line in ci_commands), command
    install = step_runs("pip install")
    assert any('-e ".[test,build]"' in run for run in install)


def test_workflow_self_tests_each_built_app() -> None:
    [step] = [step for step in workflow_steps() if step.get("name") == "Self-test the built app"]
    run = step["run"]
    assert '"$app" --self-test' in run
    executables = {
        "Windows": f"dist/{APP_NAME}/{APP_NAME}.exe",
        "macOS": f"dist/{APP_NAME}.app/Contents/MacOS/{APP_NAME}",
        "*": f"dist/{APP_NAME}/{APP_NAME}",
    }
    for runner, executable in executables.items():
        assert f"{runner}) app={executable} ;;" in run, executable
    # The same paths as build.py reports, at least for the platform this test runs on.
    build = load_script("build")
    assert build.executable_path(Path("dist")).as_posix() in executables.values()


def test_entry_point_is_the_console_script() -> None:
    target = pyproject()["project"]["scripts"][APP_NAME]
    module, function = target.split(":")
    entry = (PACKAGING / "entry.py").read_text(encoding="utf-8")
    assert f"from {module} import {function}" in entry
    spec = SPEC.read_text(encoding="utf-8")
    assert '"packaging" / "entry.py"' in spec
    assert "name=APP_NAME" in spec  # the executable is vimbatch(.exe)


def test_iss_installs_the_built_app_per_user_with_start_menu_and_uninstaller() -> None:
    defines, sections = iss_setup()
    assert defines["AppName"] == APP_NAME
    assert defines["AppExeName"] == f"{APP_NAME}.exe"
    assert iss_directive(sections, "PrivilegesRequired") == "lowest"
    assert iss_directive(sections, "DefaultDirName").startswith("{autopf}")
    assert "Uninstallable" not in "".join(sections["Setup"])  # Inno's default: yes
    assert iss_directive(sections, "UninstallDisplayIcon") == "{app}\\{#AppExeName}"
    files = "".join(sections["Files"])
    assert f'Source: "..\\dist\\{APP_NAME}\\*"' in files and "recursesubdirs" in files
    assert any(line.startswith('Name: "{autoprograms}\\') for line in sections["Icons"])
    # The setup program's name is the one the workflow installs and uploads.
    output = iss_directive(sections, "OutputBaseFilename")
    assert output == "{#AppName}-{#AppVersion}-windows-setup"
    assert step_runs('dist\\vimbatch-$env:VERSION-windows-setup.exe"')
    assert iss_directive(sections, "SetupIconFile") == "..\\resources\\icons\\vimbatch.ico"
    assert (ROOT / "resources" / "icons" / "vimbatch.ico").is_file()


def test_signing_steps_run_only_with_their_secrets() -> None:
    for step in workflow_steps():
        secrets = re.findall(r"secrets\.(\w+)", yaml.safe_dump(step.get("env", {})))
        if secrets:
            assert "env.CAN_" in step.get("if", "") or "CAN_SIGN" in step.get("run", ""), step.get(
                "name"
            )


# --- the Linux package --------------------------------------------------------------------


def test_metainfo_names_the_app_its_desktop_file_and_screenshots() -> None:
    root = ET.parse(METAINFO).getroot()
    spec = SPEC.read_text(encoding="utf-8")
    bundle_id = re.search(r'BUNDLE_ID = "([^"]+)"', spec)
    assert bundle_id is not None
    assert root.findtext("id") == bundle_id.group(1) == METAINFO.name.removesuffix(".metainfo.xml")
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/binary") == APP_NAME
    shots = [image.text or "" for image in root.iter("image")]
    assert shots
    for url in shots:
        assert url.startswith("https://")
        assert (ROOT / "docs" / "screenshots" / url.rsplit("/", 1)[1]).is_file(), url
        assert f"/v{__version__}/" in url, "screenshots are linked at the release's tag"


def test_desktop_file_starts_the_installed_app() -> None:
    entries = dict(
        line.split("=", 1)
        for line in DESKTOP.read_text(encoding="utf-8").splitlines()
        if "=" in line
    )
    make_deb = load_script("make_deb")
    assert entries["Exec"] == entries["TryExec"] == f"{make_deb.INSTALL_DIR}/{APP_NAME}"
    assert entries["Icon"] == APP_NAME


def test_deb_depends_on_what_bootstrap_installs_for_qt() -> None:
    make_deb = load_script("make_deb")
    debs = make_deb.bootstrap_debs()
    assert {"libegl1", "libfontconfig1", "libxcb-cursor0", "xvfb"} <= set(debs)
    if sys.platform.startswith("linux"):
        depends = make_deb.depends()
        assert depends[0].startswith("libc6 (>= ")
        names = {name.strip() for entry in depends for name in entry.split("|")}
        assert "xvfb" not in names and "xauth" not in names
        assert set(debs) - make_deb.TEST_ONLY_DEBS <= names
        assert "libglib2.0-0t64 | libglib2.0-0" in depends


def test_deb_carries_every_icon_size() -> None:
    make_deb = load_script("make_deb")
    make_icons = load_script("make_icons")
    assert make_deb.icon_sizes() == sorted(make_icons.PNG_SIZES)
