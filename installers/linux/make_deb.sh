#!/usr/bin/env bash
# Build borderless_<version>_<arch>.deb from the PyInstaller one-folder build, and record its
# checksum in SHA256SUMS beside it.
#
#   installers/linux/make_deb.sh [BUILD_DIR [OUTPUT_DIR]]
#
# BUILD_DIR defaults to dist/Borderless, OUTPUT_DIR to dist. The package installs the program in
# /opt/Borderless, links /usr/bin/borderless to it, and adds the desktop entry and the hicolor
# icons under /usr/share; dpkg's triggers refresh the menus and the icon cache, so it has no
# maintainer scripts. Removing it leaves each person's audit data in their home, as Debian policy
# asks. Needs dpkg-deb (1.19 or newer, for --root-owner-group); no root.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build_dir=${1:-$root/dist/Borderless}
output_dir=${2:-$root/dist}
icons_dir=$root/resources/icons
app_id=org.borderless.Borderless
maintainer=${BORDERLESS_MAINTAINER:-Borderless developers <maintainers@borderless.invalid>}

version=$(sed -n 's/^__version__ = "\([^"]*\)"$/\1/p' "$root/desktop/borderless/__init__.py")
if [[ -z $version ]]; then
    echo "make_deb.sh: no __version__ in desktop/borderless/__init__.py" >&2
    exit 1
fi
if [[ ! -x $build_dir/borderless ]]; then
    echo "make_deb.sh: $build_dir/borderless is missing: build with PyInstaller first" >&2
    exit 1
fi
if [[ -n ${BORDERLESS_ARCH:-} ]]; then
    arch=$BORDERLESS_ARCH
elif command -v dpkg >/dev/null 2>&1; then
    arch=$(dpkg --print-architecture)
else
    case $(uname -m) in
    x86_64) arch=amd64 ;;
    aarch64) arch=arm64 ;;
    *) arch=$(uname -m) ;;
    esac
fi
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}

# Keep one line per artefact in SHA256SUMS, so the tarball and the .deb can share the file.
record_checksum() {
    local folder name
    folder=$(dirname "$1")
    name=$(basename "$1")
    touch "$folder/SHA256SUMS"
    {
        awk -v name="$name" '$2 != name && $2 != "*" name' "$folder/SHA256SUMS"
        (cd "$folder" && sha256sum -- "$name")
    } | sort -k 2 >"$folder/SHA256SUMS.new"
    mv "$folder/SHA256SUMS.new" "$folder/SHA256SUMS"
}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
umask 022
package=$stage/borderless
mkdir -p "$package/DEBIAN" "$package/opt" "$package/usr/bin" "$package/usr/share/applications" \
    "$package/usr/share/doc/borderless" "$package/usr/share/icons/hicolor/scalable/apps"
cp -R "$build_dir" "$package/opt/Borderless"
ln -s /opt/Borderless/borderless "$package/usr/bin/borderless"
cp "$here/$app_id.desktop" "$package/usr/share/applications/"
for size in 16 32 48 64 128 256 512; do
    mkdir -p "$package/usr/share/icons/hicolor/${size}x$size/apps"
    cp "$icons_dir/borderless-$size.png" "$package/usr/share/icons/hicolor/${size}x$size/apps/$app_id.png"
done
cp "$icons_dir/borderless.svg" "$package/usr/share/icons/hicolor/scalable/apps/$app_id.svg"
cat >"$package/usr/share/doc/borderless/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Borderless
Comment: The data bundled in /opt/Borderless keep their own licences, listed in the
 README.md of its resources folder (geo databases: CC BY 4.0; map shapes: public domain;
 tracker list: MIT). Python, Qt (LGPL-3.0) and the other libraries bundled there are under
 their own licences.

Files: *
Copyright: Borderless developers
License: MIT
EOF
{
    printf 'borderless (%s) unstable; urgency=medium\n\n' "$version"
    printf '  * Release %s, built from the PyInstaller one-folder build.\n\n' "$version"
    printf ' -- %s  %s\n' "$maintainer" "$(date -u -R -d "@$epoch")"
} | gzip -9 -n >"$package/usr/share/doc/borderless/changelog.gz"
chmod -R u+rwX,go+rX,go-w "$package"

# Qt's xcb platform plugin and its font and GL stack come from the system; the rest is bundled.
depends_list=(
    libgl1 libegl1 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1
    libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
    libxcb-shape0 libxcb-util1 libxcb-xkb1 fonts-dejavu-core
)
depends=$(printf '%s, ' "${depends_list[@]}")
depends=${depends%, }
cat >"$package/DEBIAN/control" <<EOF
Package: borderless
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$package" | cut -f 1)
Section: utils
Priority: optional
Depends: $depends
Recommends: fonts-noto-cjk
Description: see which countries and companies your browsing data goes to
 Borderless reads the evidence already on your computer (browser history, the
 host names in cookie jars, DNS logs) and shows which platforms, companies and
 countries your visits reach, and which data-protection laws apply there. It
 reads copies of browser files only, never writes to a browser profile and
 never reads a cookie's name or value.
EOF

mkdir -p "$output_dir"
deb=$(cd "$output_dir" && pwd)/borderless_${version}_$arch.deb
SOURCE_DATE_EPOCH=$epoch dpkg-deb --build --root-owner-group "$package" "$deb" >/dev/null
record_checksum "$deb"
echo "$deb"
