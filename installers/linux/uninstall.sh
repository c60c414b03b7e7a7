#!/bin/sh
# Remove Borderless installed for this user by install.sh: the program, the launcher link, the
# menu entry and the icons. Your audit data is deleted only if you answer yes (the default keeps
# it, and so does running without a terminal to answer from).
set -eu

app_id=org.borderless.Borderless
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
config_home=${XDG_CONFIG_HOME:-$HOME/.config}
program_dir=$HOME/.local/opt/Borderless
launcher=$HOME/.local/bin/borderless
# Where the app keeps them (platformdirs' user_data_dir, Qt's QSettings): see borderless/paths.py.
audit_dir=$data_home/Borderless
settings_dir=$config_home/Borderless

echo "Removing Borderless from $program_dir"
rm -rf "$program_dir"
# The link only if it is ours: another borderless may have been installed there since.
if [ -L "$launcher" ] && [ "$(readlink "$launcher")" = "$program_dir/borderless" ]; then
    rm -f "$launcher"
fi
rm -f "$data_home/applications/$app_id.desktop"
for size in 16 32 48 64 128 256 512 scalable; do
    [ "$size" = scalable ] && icon_dir=$size || icon_dir=${size}x$size
    rm -f "$data_home/icons/hicolor/$icon_dir/apps/$app_id".*
    # The folders go too if nothing else is in them (rmdir leaves them otherwise).
    rmdir "$data_home/icons/hicolor/$icon_dir/apps" "$data_home/icons/hicolor/$icon_dir" 2>/dev/null || true
done
rmdir "$HOME/.local/opt" 2>/dev/null || true
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$data_home/applications" 2>/dev/null || true
fi
if [ -d "$data_home/icons/hicolor" ]; then
    touch "$data_home/icons/hicolor"
fi

if [ -f "$settings_dir/Borderless.conf" ] && grep -q '^folder=' "$settings_dir/Borderless.conf"; then
    picked=$(sed -n 's/^folder=//p' "$settings_dir/Borderless.conf" | head -n 1)
    echo "Settings named another data folder, $picked: it is left as it is."
fi
if [ -d "$audit_dir" ]; then
    echo "Your audit data (what Borderless gathered from your browsers) is in $audit_dir."
    printf 'Delete it, and Borderless'"'"'s settings, too? [y/N] '
    answer=
    read -r answer || answer=
    case $answer in
    [yY] | [yY][eE][sS])
        rm -rf "$audit_dir" "$settings_dir"
        echo "Deleted $audit_dir"
        ;;
    *)
        echo "Kept $audit_dir"
        ;;
    esac
fi
echo "Borderless is uninstalled."
