#!/usr/bin/env bash
# CI test of the Linux package, end to end, on this machine (as root, or with sudo):
#   make the .deb from the built app (dist/vimbatch/, packaging/ci_smoke.sh builds it),
#   validate its menu entry and AppStream metadata, install it with apt, check what it put
#   where and that its Depends cover every system library the app links to, run the
#   installed `vimbatch --self-test` offscreen, then remove and purge it and check that
#   nothing is left behind.
#
#     bash packaging/ci_smoke.sh && bash packaging/ci_deb.sh
#
# Safe to run again: a vimbatch package left installed by an earlier run is purged first, and
# the package is purged on the way out whatever happens.
set -euo pipefail
# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/bootstrap.sh"
cd "$ROOT"

deb() { printf '\033[1mvimbatch deb:\033[0m %s\n' "$*" >&2; }
fail() { deb "FAILED: $*"; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "installing a package needs root (or sudo)"
    SUDO=sudo
else
    SUDO=""
fi
apt_get() { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -y -qq "$@"; }
installed() { dpkg-query -W -f='${Status}' vimbatch 2>/dev/null | grep -q "ok installed"; }
purge() {  # apt only knows a package installed from a file while dpkg still lists it
    if dpkg-query -W vimbatch >/dev/null 2>&1; then apt_get purge vimbatch >/dev/null; fi
}

# desktop-file-validate and appstreamcli: Debian's desktop-file-utils and appstream.
ensure_debs desktop-file-utils appstream
[ -x "$ROOT/dist/vimbatch/vimbatch" ] || fail "no app in dist/vimbatch: run packaging/ci_smoke.sh first"

purge
trap purge EXIT

deb "making the package"
rm -f dist/vimbatch_*.deb
# make_deb.py needs only the standard library: the project's venv, or the Python there is.
python="$VENV/bin/python"
[ -x "$python" ] || python=$(command -v python3)
"$python" packaging/make_deb.py
package=$(ls "$ROOT"/dist/vimbatch_*.deb)
size=$(stat -c %s "$package")

deb "validating the menu entry and the AppStream metadata"
desktop-file-validate packaging/vimbatch.desktop
appstreamcli validate --no-net --pedantic packaging/net.vimmerse.vimbatch.metainfo.xml
# The two as installed, together: the metadata's launchable must name the desktop file.
appstreamcli validate-tree --no-net build/deb/root

deb "installing $(basename "$package") with apt"
# Its Depends may name libraries this machine lacks: fresh package lists for apt to fetch them.
apt_get update
apt_get install "$package" >/dev/null
installed || fail "apt-get install did not install vimbatch"

[ "$(PATH=/usr/local/bin:/usr/bin:/bin command -v vimbatch)" = /usr/bin/vimbatch ] \
    || fail "the vimbatch command is not /usr/bin/vimbatch"
[ -x /opt/vimbatch/vimbatch ] || fail "/opt/vimbatch/vimbatch is missing"
exec_line=$(sed -n 's/^Exec=//p' /usr/share/applications/vimbatch.desktop | cut -d' ' -f1)
[ -x "$exec_line" ] || fail "the menu entry starts $exec_line, which is not there"
[ -f /usr/share/metainfo/net.vimmerse.vimbatch.metainfo.xml ] || fail "the AppStream file is missing"
for icon in resources/icons/vimbatch-*.png; do
    px=${icon##*-}; px=${px%.png}
    cmp -s "$icon" "/usr/share/icons/hicolor/${px}x${px}/apps/vimbatch.png" \
        || fail "icon ${px}x${px} is not installed in the hicolor theme"
done

deb "checking that the package's Depends cover the system libraries the app links to"
# Every library the bundle loads from outside /opt/vimbatch must come from a package that
# vimbatch depends on, directly or not (libraries Qt opens at run time are not seen here).
# Every package named in the recursive listing, providers of virtual packages included
# (Ubuntu's libglib2.0-0 is provided by libglib2.0-0t64).
closure=$(apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances vimbatch \
    | sed -E 's/^ +//; s/^\|?[A-Za-z-]+: //' | tr -d '<>' | sort -u)
missing=()
checked=0
while read -r library; do
    [ -n "$library" ] || continue
    [ "$library" = "not" ] && fail "a library of the installed app is not found (ldd)"
    owner=$(dpkg -S "$(readlink -f "$library")" 2>/dev/null || dpkg -S "$library" 2>/dev/null || true)
    owner=${owner%%:*}
    checked=$((checked + 1))
    grep -qx "$owner" <<<"$closure" || missing+=("$library (${owner:-no package})")
done < <(find /opt/vimbatch -type f \( -name '*.so*' -o -path /opt/vimbatch/vimbatch \) -print0 \
    | LD_LIBRARY_PATH=/opt/vimbatch/_internal xargs -0 -n 20 ldd 2>/dev/null \
    | awk '$2 == "=>" && $3 !~ "^/opt/vimbatch/" { print $3 }' | sort -u)
[ ${#missing[@]} -eq 0 ] || fail "Depends lacks the packages of: ${missing[*]}"
[ "$checked" -gt 0 ] || fail "ldd found no system library at all: the check is broken"
deb "$checked system libraries, all from packages vimbatch depends on"

deb "running the installed app's self-test offscreen"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"; purge' EXIT
set +e
output=$(cd "$scratch" && env PATH=/usr/bin:/bin QT_QPA_PLATFORM=offscreen HOME="$scratch" \
    VIMBATCH_DATA_DIR="$scratch/data" PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring \
    timeout 180 vimbatch --self-test)
status=$?
set -e
printf '%s\n' "$output"
[ "$status" -eq 0 ] || fail "the installed self-test exited with $status"
case "$output" in
    "vimbatch self-test: ok "*) ;;
    *) fail "the installed self-test did not print its ok line" ;;
esac

deb "removing the package"
apt_get remove vimbatch >/dev/null
[ ! -e /opt/vimbatch ] || fail "apt-get remove left $(find /opt/vimbatch | head -5 | tr '\n' ' ')"
# With no configuration files to keep, dpkg forgets a removed package at once; purge anyway
# in case a later version has some.
purge
dpkg-query -W vimbatch >/dev/null 2>&1 && fail "dpkg still knows vimbatch after purge"
for path in /usr/bin/vimbatch /usr/share/applications/vimbatch.desktop \
        /usr/share/metainfo/net.vimmerse.vimbatch.metainfo.xml /usr/share/doc/vimbatch; do
    [ ! -e "$path" ] || fail "purge left $path"
done
left=$(find /usr/share/icons/hicolor -name vimbatch.png)
[ -z "$left" ] || fail "purge left $left"

deb "ok: $(basename "$package") is $(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1e6 }') MB; it validated, installed, passed its self-test and left nothing behind"
