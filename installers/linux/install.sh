#!/bin/sh
# Install Borderless for this user only (no root needed), from the unpacked release tarball:
#   the program        ~/.local/opt/Borderless/ (this uninstaller is copied in too)
#   a launcher link    ~/.local/bin/borderless
#   the menu entry     ~/.local/share/applications/org.borderless.Borderless.desktop
#   the icons          ~/.local/share/icons/hicolor/*/apps/org.borderless.Borderless.{png,svg}
# Installing again replaces the program and keeps your audit data. Undo with ./uninstall.sh.
set -eu

app_id=org.borderless.Borderless
here=$(cd "$(dirname "$0")" && pwd)
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
program_dir=$HOME/.local/opt/Borderless
bin_dir=$HOME/.local/bin

if [ ! -x "$here/Borderless/borderless" ]; then
    echo "install.sh: $here/Borderless/borderless is missing: run me from the unpacked tarball" >&2
    exit 1
fi

echo "Installing Borderless into $program_dir"
rm -rf "$program_dir"
mkdir -p "$HOME/.local/opt" "$bin_dir" "$data_home/applications"
cp -R "$here/Borderless" "$program_dir"
cp "$here/uninstall.sh" "$program_dir/uninstall.sh"
ln -sfn "$program_dir/borderless" "$bin_dir/borderless"

# The menu entry starts the program by its full path: ~/.local/bin is not on every session's PATH.
{
    grep -v '^Exec=' "$here/$app_id.desktop"
    printf 'Exec="%s"\n' "$program_dir/borderless"
} >"$data_home/applications/$app_id.desktop"

for size in 16 32 48 64 128 256 512; do
    icon_dir=$data_home/icons/hicolor/${size}x$size/apps
    mkdir -p "$icon_dir"
    cp "$here/icons/borderless-$size.png" "$icon_dir/$app_id.png"
done
mkdir -p "$data_home/icons/hicolor/scalable/apps"
cp "$here/icons/borderless.svg" "$data_home/icons/hicolor/scalable/apps/$app_id.svg"

# Let menus and icon themes notice now rather than at the next login (the tools may be absent).
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$data_home/applications" || true
fi
# No icon cache is made here (a stale one would hide other programs' icons): a newer folder
# date tells icon themes to look again.
touch "$data_home/icons/hicolor"

echo "Borderless is installed: find it in your applications menu, or run $bin_dir/borderless"
case ":$PATH:" in
*":$bin_dir:"*) ;;
*) echo "(Add $bin_dir to your PATH to start it as 'borderless' from a terminal.)" ;;
esac
