#!/usr/bin/env bash
# Build the Linux bundle: dist/pemdesk-<version>-linux-x86_64.tar.gz (one folder, no Python needed).
#
#   bash installer/build_linux.sh            (from anywhere; uses the repository's .venv)
#
# Steps: generate THIRD_PARTY_LICENSES.md (in the build folder) from the installed distributions, run PyInstaller on
# installer/pemdesk.spec, add the desktop file, icon and a README, then pack the tarball.
# No AppImage: appimagetool is not on PyPI or in Debian, and we download no tools here.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PY=${PY:-$ROOT/.venv/bin/python}
VERSION=$("$PY" -c "import sys; sys.path.insert(0, 'src'); from pemdesk import __version__; print(__version__)")
ARCH=$(uname -m)
NAME="pemdesk-$VERSION-linux-$ARCH"
WORK=${WORK:-$ROOT/build/pyinstaller}
DIST=$ROOT/dist

# PyInstaller needs binutils (objdump, objcopy) on Linux; strip and a C compiler are optional
# (without them the bundle keeps its debug symbols / the real x265 encoder: ~50 MB more).
command -v objcopy >/dev/null || { echo "binutils (objcopy) is needed: apt-get install binutils"; exit 1; }
command -v cc >/dev/null || echo "note: no C compiler (cc): the real x265 encoder is shipped"

echo "== licences"
# Written into the build folder: the build leaves tracked files untouched (the committed
# installer/THIRD_PARTY_LICENSES.md is refreshed by hand with collect_licenses.py).
mkdir -p "$WORK"
export PEMDESK_LICENCES="$WORK/THIRD_PARTY_LICENSES.md"
"$PY" installer/collect_licenses.py --output "$PEMDESK_LICENCES"

echo "== pyinstaller ($NAME)"
rm -rf "$DIST/pemdesk" "$DIST/$NAME"
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" installer/pemdesk.spec

echo "== desktop integration files"
mv "$DIST/pemdesk" "$DIST/$NAME"
install -m 644 resources/icons/pemdesk-256.png "$DIST/$NAME/pemdesk.png"
install -m 644 installer/linux/pemdesk.desktop "$DIST/$NAME/pemdesk.desktop"
install -m 644 installer/linux/pemdesk-mime.xml "$DIST/$NAME/pemdesk-mime.xml"
install -m 755 installer/linux/install-desktop-entry.sh "$DIST/$NAME/install-desktop-entry.sh"
install -m 644 installer/linux/README.txt "$DIST/$NAME/README.txt"
# The bundled licence file again, now with the native libraries PyInstaller copied in.
"$PY" installer/collect_licenses.py --bundle "$DIST/$NAME" --output "$DIST/$NAME/THIRD_PARTY_LICENSES.md"
# the program's copy (Help > About) is a link to it (0.6 MB once, not twice)
ln -sf ../../../THIRD_PARTY_LICENSES.md "$DIST/$NAME/_internal/pemdesk/resources/THIRD_PARTY_LICENSES.md"

echo "== tarball"
tar -C "$DIST" -czf "$DIST/$NAME.tar.gz" "$NAME"
echo "unpacked: $(du -sm "$DIST/$NAME" | cut -f1) MB   packed: $(du -m "$DIST/$NAME.tar.gz" | cut -f1) MB"
echo "built $DIST/$NAME.tar.gz"
