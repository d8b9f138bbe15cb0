# Sourced by scripts/run and scripts/test: installs whatever a fresh machine is missing
# (Debian's Qt runtime libraries, a virtual environment with the project in it), then returns.
# Safe to run again: each step is skipped when already done.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"

# Qt's offscreen platform needs these; the xcb ones are for a real (or Xvfb) screen.
QT_DEBS=(libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libxkbcommon0 libdbus-1-3 fonts-dejavu-core)
XCB_DEBS=(xvfb xauth libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
          libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xfixes0 libxcb-xkb1
          libx11-xcb1 libxrender1 libsm6 libice6)

say() { printf '\033[1mvimbatch:\033[0m %s\n' "$*" >&2; }

ensure_debs() {
    command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 || return 0
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
            say "please install these system packages first: ${missing[*]}"; return 0
        fi
    fi
    say "installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

pick_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3 python3.13 python3.12 python3.11 python; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"; return 0
        fi
    done
    say "Python 3.11 or newer is needed"; return 1
}

# ensure_venv EXTRAS: create .venv and install the project (editable) with the given extras,
# again only when pyproject.toml changed since the last install.
ensure_venv() {
    local extras="$1" python stamp want
    python=$(pick_python) || return 1
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating a virtual environment in .venv"
        "$python" -m venv "$VENV" || { ensure_debs python3-venv && "$python" -m venv "$VENV"; }
    fi
    stamp="$VENV/.installed-$extras"
    want=$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        say "installing vimbatch and its dependencies ($extras)"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT[$extras]"
        echo "$want" > "$stamp"
    fi
}
