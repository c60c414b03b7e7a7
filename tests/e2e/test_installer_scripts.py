"""The installer scripts under installers/ run for real, on a stand-in for PyInstaller's build.

The build is a shell script named `borderless` that prints its arguments; the scripts pack it,
and the tarball's install.sh / uninstall.sh run against a temporary HOME (never the real one).
macOS' tools are stubs here, which record how make_dmg.sh calls them.
"""

from __future__ import annotations

import hashlib
import os
import plistlib
import shutil
import struct
import subprocess
import tarfile
from pathlib import Path

import pytest

import borderless

ROOT = Path(__file__).resolve().parents[2]
INSTALLERS = ROOT / "installers"
ICONS = ROOT / "resources" / "icons"
APP_ID = "org.borderless.Borderless"
VERSION = borderless.__version__
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
EPOCH = "1790000000"

needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
needs_dpkg_deb = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb")


def environment(home: Path, **extra: str) -> dict[str, str]:
    """A clean environment: a temporary HOME, no XDG folders of the person running the tests."""
    variables = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("XDG_", "BORDERLESS_", "DEVELOPER_ID", "APPLE_"))
    }
    temporary = home.parent / "tmp"
    temporary.mkdir(exist_ok=True)
    variables.update(
        HOME=str(home), LANG="C.UTF-8", TMPDIR=str(temporary), SOURCE_DATE_EPOCH=EPOCH, **extra
    )
    return variables


def run(
    *command: str | Path, home: Path, answer: str = "", **extra: str
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(part) for part in command],
        input=answer,
        capture_output=True,
        text=True,
        env=environment(home, **extra),
        timeout=120,
    )
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture
def build(tmp_path: Path) -> Path:
    """What PyInstaller leaves in dist/Borderless, in miniature."""
    folder = tmp_path / "dist" / "Borderless"
    (folder / "_internal" / "resources").mkdir(parents=True)
    (folder / "_internal" / "resources" / "README.md").write_text("resources\n")
    program = folder / "borderless"
    program.write_text('#!/bin/sh\necho "borderless $*"\n')
    program.chmod(0o755)
    return folder


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def checksums(folder: Path) -> dict[str, str]:
    """SHA256SUMS of `folder` as {file name: hash}, after checking each hash."""
    sums = {}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
        sums[name] = digest
    return sums


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_icons_come_in_every_size() -> None:
    assert (ICONS / "borderless.svg").read_text().startswith("<?xml")
    for size in ICON_SIZES:
        assert png_size(ICONS / f"borderless-{size}.png") == (size, size)
    data = (ICONS / "borderless.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    sides = []
    for index in range(count):
        width, height, _, _, _, bits, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * index
        )
        assert width == height and bits == 32
        assert offset + length <= len(data)
        sides.append(width or 256)
    assert sides == [16, 24, 32, 48, 64, 256]


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils")
def test_the_desktop_entry_is_valid() -> None:
    entry = INSTALLERS / "linux" / f"{APP_ID}.desktop"
    result = subprocess.run(
        ["desktop-file-validate", str(entry)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error:" not in result.stdout


@needs_bash
def test_the_tarball_holds_the_program_its_entry_icons_and_installer(
    build: Path, home: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    script = INSTALLERS / "linux" / "make_tarball.sh"
    made = run("bash", script, build, output, home=home, BORDERLESS_ARCH="x86_64")
    name = f"borderless-{VERSION}-linux-x86_64"
    tarball = output / f"{name}.tar.gz"
    assert made.stdout.strip() == str(tarball)
    with tarfile.open(tarball) as archive:
        members = {member.name: member for member in archive.getmembers()}
    assert {member.split("/")[0] for member in members} == {name}
    for path in (
        "Borderless/borderless",
        "Borderless/_internal/resources/README.md",
        f"{APP_ID}.desktop",
        "icons/borderless.svg",
        *(f"icons/borderless-{size}.png" for size in ICON_SIZES),
        "install.sh",
        "uninstall.sh",
    ):
        assert f"{name}/{path}" in members, path
    for program in ("Borderless/borderless", "install.sh", "uninstall.sh"):
        assert members[f"{name}/{program}"].mode & 0o111, program
    assert {(member.uid, member.gid, member.mtime) for member in members.values()} == {
        (0, 0, int(EPOCH))
    }
    assert set(checksums(output)) == {tarball.name}

    # The same build gives the same bytes.
    first = tarball.read_bytes()
    run("bash", script, build, output, home=home, BORDERLESS_ARCH="x86_64")
    assert tarball.read_bytes() == first


@needs_bash
def test_install_then_uninstall_in_a_temporary_home(
    build: Path, home: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    run("bash", INSTALLERS / "linux" / "make_tarball.sh", build, output, home=home)
    with tarfile.open(next(output.glob("*.tar.gz"))) as archive:
        archive.extractall(tmp_path / "unpacked", filter="tar")
    (unpacked,) = (tmp_path / "unpacked").iterdir()

    run(unpacked / "install.sh", home=home)
    program = home / ".local" / "opt" / "Borderless"
    launcher = home / ".local" / "bin" / "borderless"
    entry = home / ".local" / "share" / "applications" / f"{APP_ID}.desktop"
    icons = home / ".local" / "share" / "icons" / "hicolor"
    assert (program / "borderless").is_file() and (program / "uninstall.sh").is_file()
    assert launcher.is_symlink() and launcher.resolve() == (program / "borderless").resolve()
    assert run(launcher, "scan", "--offline", home=home).stdout == "borderless scan --offline\n"
    assert f'Exec="{program / "borderless"}"' in entry.read_text().splitlines()
    assert (icons / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    for size in ICON_SIZES:
        assert png_size(icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png") == (size, size)

    # Audit data and settings, as the app leaves them.
    audit = home / ".local" / "share" / "Borderless"
    audit.mkdir()
    (audit / "audit.sqlite").write_bytes(b"SQLite format 3\x00")
    settings = home / ".config" / "Borderless"
    settings.mkdir(parents=True)
    (settings / "Borderless.conf").write_text("[data]\nfolder=/elsewhere/audit\n")

    # No answer (no terminal) keeps the data; the program and its traces go.
    kept = run(program / "uninstall.sh", home=home)
    assert "[y/N]" in kept.stdout and "Kept" in kept.stdout
    assert "/elsewhere/audit: it is left as it is" in kept.stdout
    assert not program.exists() and not launcher.exists() and not launcher.is_symlink()
    assert not entry.exists()
    assert not list(icons.rglob(f"{APP_ID}.*"))
    assert (audit / "audit.sqlite").is_file() and settings.is_dir()

    # Install again (the data is still there), and this time answer yes.
    run(unpacked / "install.sh", home=home)
    assert (audit / "audit.sqlite").is_file()
    deleted = run(unpacked / "uninstall.sh", home=home, answer="y\n")
    assert "Deleted" in deleted.stdout
    assert not audit.exists() and not settings.exists() and not program.exists()
    assert not (home / ".local" / "opt").exists()


@needs_bash
@needs_dpkg_deb
def test_the_deb_installs_into_opt_with_its_dependencies(
    build: Path, home: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    script = INSTALLERS / "linux" / "make_deb.sh"
    run("bash", script, build, output, home=home, BORDERLESS_ARCH="amd64")
    deb = output / f"borderless_{VERSION}_amd64.deb"

    def field(name: str) -> str:
        return run("dpkg-deb", "--field", deb, name, home=home).stdout.strip()

    assert field("Package") == "borderless"
    assert field("Version") == VERSION
    assert field("Architecture") == "amd64"
    depends = {part.strip() for part in field("Depends").split(",")}
    assert {"libgl1", "libegl1", "libxcb-cursor0", "libxkbcommon-x11-0"} <= depends
    assert "fonts-noto-cjk" in field("Recommends")

    listing = run("dpkg-deb", "--contents", deb, home=home).stdout.splitlines()
    owners = {line.split()[1] for line in listing}
    assert owners == {"root/root"}
    paths = {line.split()[5] for line in listing}
    assert "./opt/Borderless/borderless" in paths
    assert f"./usr/share/applications/{APP_ID}.desktop" in paths
    assert f"./usr/share/icons/hicolor/256x256/apps/{APP_ID}.png" in paths
    assert f"./usr/share/icons/hicolor/scalable/apps/{APP_ID}.svg" in paths
    assert any(
        line.endswith("./usr/bin/borderless -> /opt/Borderless/borderless") for line in listing
    )

    unpacked = tmp_path / "root"
    run("dpkg-deb", "--extract", deb, unpacked, home=home)
    assert os.access(unpacked / "opt" / "Borderless" / "borderless", os.X_OK)
    assert set(checksums(output)) == {deb.name}

    # The tarball's checksum joins the .deb's in the same SHA256SUMS.
    run("bash", INSTALLERS / "linux" / "make_tarball.sh", build, output, home=home)
    first = deb.read_bytes()
    run("bash", script, build, output, home=home, BORDERLESS_ARCH="amd64")
    assert deb.read_bytes() == first
    assert len(checksums(output)) == 2


STUB = """#!/bin/sh
# A stand-in for macOS' {name}: records how it was called, and makes what it would have made.
echo "{name} $*" >>"$TOOL_LOG"
case "{name} $1" in
"iconutil --convert") ls "$5" >>"$TOOL_LOG"; : >"$4" ;;
"hdiutil create") for last in "$@"; do :; done; ls "$5" >>"$TOOL_LOG"; : >"$last" ;;
esac
"""


@needs_bash
@pytest.mark.skipif(shutil.which("shasum") is None, reason="needs shasum")
@pytest.mark.parametrize("release", [False, True], ids=["unsigned", "release"])
def test_make_dmg_finishes_the_app_and_skips_what_has_no_credentials(
    release: bool, home: Path, tmp_path: Path
) -> None:
    app = tmp_path / "dist" / "Borderless.app"
    (app / "Contents" / "MacOS").mkdir(parents=True)
    (app / "Contents" / "MacOS" / "borderless").write_text("#!/bin/sh\n")
    (app / "Contents" / "MacOS" / "borderless").chmod(0o755)
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    for tool in ("iconutil", "codesign", "hdiutil", "xcrun"):
        (stubs / tool).write_text(STUB.format(name=tool))
        (stubs / tool).chmod(0o755)
    log = tmp_path / "tools.log"
    credentials = (
        {
            "DEVELOPER_ID": "Developer ID Application: Example (TEAM123456)",
            "APPLE_ID": "release@example.org",
            "APPLE_TEAM_ID": "TEAM123456",
            "APPLE_APP_PASSWORD": "placeholder",
        }
        if release
        else {}
    )
    output = tmp_path / "out"
    made = run(
        "bash",
        INSTALLERS / "macos" / "make_dmg.sh",
        app,
        output,
        home=home,
        PATH=f"{stubs}{os.pathsep}{os.environ['PATH']}",
        TOOL_LOG=str(log),
        **credentials,
    )
    dmg = output / f"borderless-{VERSION}-macos.dmg"
    assert made.stdout.strip().endswith(str(dmg))
    calls = log.read_text()

    info = plistlib.loads((app / "Contents" / "Info.plist").read_bytes())
    assert info["CFBundleIdentifier"] == APP_ID
    assert info["CFBundleShortVersionString"] == VERSION
    assert info["CFBundleExecutable"] == "borderless"
    assert info["LSMinimumSystemVersion"] == "11.0"
    for slot in ("icon_16x16.png", "icon_16x16@2x.png", "icon_256x256@2x.png", "icon_512x512.png"):
        assert slot in calls
    assert (app / "Contents" / "Resources" / "borderless.icns").exists()
    assert "Applications" in calls and "Borderless.app" in calls
    assert set(checksums(output)) == {dmg.name}

    if release:
        assert "--options runtime" in calls
        assert "xcrun notarytool submit" in calls and "--team-id TEAM123456" in calls
        assert f"xcrun stapler staple {dmg}" in calls
    else:
        assert "codesign --deep --force --sign -" in calls
        assert "xcrun" not in calls
        assert "DEVELOPER_ID is not set" in made.stdout
        assert "Not notarising" in made.stdout
