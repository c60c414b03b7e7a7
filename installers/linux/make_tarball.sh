#!/usr/bin/env bash
# Pack the PyInstaller one-folder build into borderless-<version>-linux-<arch>.tar.gz, and record
# its checksum in SHA256SUMS beside it.
#
#   installers/linux/make_tarball.sh [BUILD_DIR [OUTPUT_DIR]]
#
# BUILD_DIR defaults to dist/Borderless (made by PyInstaller from installers/borderless.spec),
# OUTPUT_DIR to dist. The tarball holds one folder, borderless-<version>-linux-<arch>/, with
# Borderless/ (the program; it runs from there as it is), the desktop entry, the icons, and
# install.sh / uninstall.sh for a per-user install (no root). The archive is reproducible: sorted,
# owned by root, dated SOURCE_DATE_EPOCH (default: the last commit), gzip without a timestamp.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build_dir=${1:-$root/dist/Borderless}
output_dir=${2:-$root/dist}
arch=${BORDERLESS_ARCH:-$(uname -m)}
icons_dir=$root/resources/icons

version=$(sed -n 's/^__version__ = "\([^"]*\)"$/\1/p' "$root/desktop/borderless/__init__.py")
if [[ -z $version ]]; then
    echo "make_tarball.sh: no __version__ in desktop/borderless/__init__.py" >&2
    exit 1
fi
if [[ ! -x $build_dir/borderless ]]; then
    echo "make_tarball.sh: $build_dir/borderless is missing: build with PyInstaller first" >&2
    exit 1
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

name=borderless-$version-linux-$arch
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
umask 022
mkdir -p "$stage/$name/icons"
cp -R "$build_dir" "$stage/$name/Borderless"
cp "$here/org.borderless.Borderless.desktop" "$stage/$name/"
cp "$icons_dir/borderless.svg" "$icons_dir"/borderless-*.png "$stage/$name/icons/"
cp "$here/install.sh" "$here/uninstall.sh" "$stage/$name/"
chmod 0755 "$stage/$name/install.sh" "$stage/$name/uninstall.sh"
chmod -R u+rwX,go+rX,go-w "$stage/$name"

mkdir -p "$output_dir"
tarball=$(cd "$output_dir" && pwd)/$name.tar.gz
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
    -C "$stage" -cf - "$name" | gzip -9 -n >"$tarball"
record_checksum "$tarball"
echo "$tarball"
