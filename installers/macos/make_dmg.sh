#!/usr/bin/env bash
# Finish dist/Borderless.app (icon, Info.plist, signature) and pack it into
# borderless-<version>-macos.dmg with a link to /Applications; notarise and staple the disk image
# when the release credentials are set; record its checksum in SHA256SUMS beside it.
#
#   installers/macos/make_dmg.sh [APP [OUTPUT_DIR]]
#
# APP defaults to dist/Borderless.app (PyInstaller's BUNDLE, from installers/borderless.spec),
# OUTPUT_DIR to dist. Runs on macOS only (iconutil, codesign, hdiutil, xcrun).
#
# Release signing, each step skipped with a message when its variables are unset:
#   DEVELOPER_ID        the signing identity, "Developer ID Application: Name (TEAMID)" (see
#                       `security find-identity -v -p codesigning`). Unset: ad-hoc signature,
#                       which runs on the Mac that built it; elsewhere Gatekeeper refuses it
#                       until the person chooses Open in the Finder's context menu (or, on
#                       macOS 15, allows it in System Settings ▸ Privacy & Security).
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD
#                       notarisation by `xcrun notarytool` (an app-specific password of that
#                       Apple ID, made at account.apple.com), then `xcrun stapler staple`.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
app=${1:-$root/dist/Borderless.app}
output_dir=${2:-$root/dist}
icons_dir=$root/resources/icons

for tool in iconutil codesign hdiutil; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "make_dmg.sh: $tool is missing: this script runs on macOS" >&2
        exit 1
    fi
done
version=$(sed -n 's/^__version__ = "\([^"]*\)"$/\1/p' "$root/desktop/borderless/__init__.py")
if [[ -z $version ]]; then
    echo "make_dmg.sh: no __version__ in desktop/borderless/__init__.py" >&2
    exit 1
fi
if [[ ! -x $app/Contents/MacOS/borderless ]]; then
    echo "make_dmg.sh: $app/Contents/MacOS/borderless is missing: build with PyInstaller first" >&2
    exit 1
fi

# Keep one line per artefact in SHA256SUMS, so every package of a release can share the file.
record_checksum() {
    local folder name
    folder=$(dirname "$1")
    name=$(basename "$1")
    touch "$folder/SHA256SUMS"
    {
        awk -v name="$name" '$2 != name && $2 != "*" name' "$folder/SHA256SUMS"
        (cd "$folder" && shasum -a 256 -- "$name")
    } | sort -k 2 >"$folder/SHA256SUMS.new"
    mv "$folder/SHA256SUMS.new" "$folder/SHA256SUMS"
}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# 1. The icon: an .iconset of the rendered PNGs (scripts/build_icons.py), made into an .icns by
#    iconutil. Retina slots take the double size; 512@2x (1024 px) is left out, so the Finder
#    scales the 512 px image up at its largest.
iconset=$stage/borderless.iconset
mkdir -p "$iconset"
for size in 16 32 128 256 512; do
    cp "$icons_dir/borderless-$size.png" "$iconset/icon_${size}x$size.png"
    if [[ $size != 512 ]]; then
        cp "$icons_dir/borderless-$((size * 2)).png" "$iconset/icon_${size}x$size@2x.png"
    fi
done
mkdir -p "$app/Contents/Resources"
iconutil --convert icns --output "$app/Contents/Resources/borderless.icns" "$iconset"

# 2. The Info.plist, with this version.
sed "s/@VERSION@/$version/g" "$here/Info.plist" >"$app/Contents/Info.plist"

# 3. The signature. Both edits above broke PyInstaller's, so the bundle is signed again either way.
if [[ -n ${DEVELOPER_ID:-} ]]; then
    # The hardened runtime is what notarisation requires. Should the signed app fail to start
    # (Python code that needs writable executable memory), sign with
    # --entitlements granting com.apple.security.cs.allow-unsigned-executable-memory.
    codesign --deep --force --options runtime --timestamp --sign "$DEVELOPER_ID" "$app"
    codesign --verify --deep --strict "$app"
else
    echo "DEVELOPER_ID is not set: signing ad hoc; Gatekeeper will warn on other Macs."
    codesign --deep --force --sign - "$app"
fi

# 4. The disk image: the app beside a link to /Applications, to drag it onto.
mkdir -p "$stage/image" "$output_dir"
cp -R "$app" "$stage/image/"
ln -s /Applications "$stage/image/Applications"
dmg=$(cd "$output_dir" && pwd)/borderless-$version-macos.dmg
hdiutil create -volname "Borderless $version" -srcfolder "$stage/image" -fs HFS+ \
    -format UDZO -ov "$dmg"
if [[ -n ${DEVELOPER_ID:-} ]]; then
    codesign --force --timestamp --sign "$DEVELOPER_ID" "$dmg"
fi

# 5. Notarisation, and the ticket stapled to the image so it opens offline too.
if [[ -z ${DEVELOPER_ID:-} ]]; then
    echo "Not notarising: Apple notarises only what a Developer ID signed (set DEVELOPER_ID)."
elif [[ -z ${APPLE_ID:-} || -z ${APPLE_TEAM_ID:-} || -z ${APPLE_APP_PASSWORD:-} ]]; then
    echo "Not notarising: set APPLE_ID, APPLE_TEAM_ID and APPLE_APP_PASSWORD to notarise."
else
    xcrun notarytool submit "$dmg" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
        --password "$APPLE_APP_PASSWORD" --wait
    xcrun stapler staple "$dmg"
fi

record_checksum "$dmg"
echo "$dmg"
