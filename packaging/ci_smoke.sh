#!/usr/bin/env bash
# CI smoke test of the Linux app: build it from packaging/vimbatch.spec, then run the frozen
# `vimbatch --self-test` offscreen. Exits non-zero when the build or the self-test fails.
#
#     bash packaging/ci_smoke.sh
#
# Installs what is missing the same way scripts/test does (scripts/bootstrap.sh): Debian's Qt
# runtime libraries plus the X11 ones, so that the bundle carries the libraries Qt's xcb plugin
# links to (libxcb-icccm4, libxcb-keysyms1, ...) for desktops that lack them; then the venv with
# the `build` extra (PyInstaller).
set -euo pipefail
# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/bootstrap.sh"
ensure_debs "${QT_DEBS[@]}" "${XCB_DEBS[@]}"
ensure_venv build
cd "$ROOT"

smoke() { printf '\033[1mvimbatch smoke:\033[0m %s\n' "$*" >&2; }

smoke "building the Linux app"
"$VENV/bin/python" packaging/build.py

APP="$ROOT/dist/vimbatch/vimbatch"
[ -x "$APP" ] || { smoke "FAILED: the build made no $APP"; exit 1; }

smoke "running the frozen app's self-test"
started=$(date +%s.%N)
# No keyring service in CI: the null backend keeps keyring from probing D-Bus for seconds.
# The frozen app gets a private data folder and a private HOME: nothing of the machine's leaks in.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
set +e
output=$(QT_QPA_PLATFORM=offscreen HOME="$scratch" VIMBATCH_DATA_DIR="$scratch/data" \
    PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring \
    timeout 120 "$APP" --self-test)
status=$?
set -e
elapsed=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
printf '%s\n' "$output"
size=$(du -s --si "$ROOT/dist/vimbatch" | cut -f1)
smoke "frozen self-test: exit $status in ${elapsed} s; app size on disk ${size}B"
if [ "$status" -ne 0 ]; then
    smoke "FAILED: the frozen app's self-test exited with $status"
    exit 1
fi
case "$output" in
    "vimbatch self-test: ok "*) ;;
    *) smoke "FAILED: the self-test did not print its ok line"; exit 1 ;;
esac
