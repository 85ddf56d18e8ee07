#!/usr/bin/env bash
# One-line set-up for a fresh Debian 12 / Ubuntu machine: OS libraries Qt needs, a venv, the package.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

APT_PACKAGES=(
  # Qt offscreen and xcb (PLATFORM.md)
  libegl1 libgl1 libx11-6 libbrotli1 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0 libxkbcommon0
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0
  libxkbcommon-x11-0 xvfb xauth
  # left to the system by the Linux bundle (installer/pemdesk.spec SYSTEM_LIBS)
  libx11-xcb1 libexpat1 zlib1g libuuid1
  # report checks (pdftotext, pdffonts, pdftoppm) and QR decoding in tests
  poppler-utils zbar-tools
  python3-venv
  # building the Linux bundle (PyInstaller needs binutils; gcc lets it shrink the bundle)
  binutils gcc libc6-dev
  # web portal: browser tests (headless chromium + chromedriver), GeoPackage checks (ogrinfo)
  chromium chromium-driver gdal-bin
)
# PyInstaller (the bundle) needs the shared Python library of the running Python; Debian's own
# python3 is not built shared, so libpython3.X must be installed for it (PLATFORM.md).
PYVER=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
APT_PACKAGES+=("libpython$PYVER" "python$PYVER-venv" ca-certificates)
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
echo "pemdesk is set up: start it with  .venv/bin/pemdesk   and test it with  scripts/test.sh"
