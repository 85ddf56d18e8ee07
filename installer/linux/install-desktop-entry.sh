#!/bin/sh
# Add pemdesk to this user's application menu and let .pemsync files open in it (no root needed).
# Run it from the unpacked folder; run it again after moving the folder. Your data is not here:
# it stays in ~/.local/share/pemdesk whatever you do with this folder.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
APPS=${XDG_DATA_HOME:-$HOME/.local/share}/applications
ICONS=${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/256x256/apps
MIME=${XDG_DATA_HOME:-$HOME/.local/share}/mime
mkdir -p "$APPS" "$ICONS" "$MIME/packages"
sed "s#@INSTALL_DIR@#$HERE#g" "$HERE/pemdesk.desktop" > "$APPS/pemdesk.desktop"
cp "$HERE/pemdesk.png" "$ICONS/pemdesk.png"
cp "$HERE/pemdesk-mime.xml" "$MIME/packages/pemdesk.xml"
command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$MIME" || true
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$APPS" || true
echo "pemdesk added to the applications menu ($APPS/pemdesk.desktop)"
