"""Where resources and data are found: checkout, wheel, PyInstaller bundle, overrides."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from borderless import paths


def test_resources_are_found_in_the_checkout() -> None:
    assert (paths.resources_dir() / "demo" / "personas.json").is_file()


def test_a_pyinstaller_bundle_is_looked_in_first(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "resources").mkdir()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.resources_dir() == tmp_path / "resources"


def test_the_environment_variable_overrides_all(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(paths.RESOURCES_VARIABLE, str(tmp_path))
    assert paths.resources_dir() == tmp_path


def test_missing_resources_name_where_they_were_looked_for(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(paths.RESOURCES_VARIABLE, str(tmp_path / "nowhere"))
    monkeypatch.setattr(paths, "_PACKAGE_DIR", tmp_path / "pkg" / "borderless")
    with pytest.raises(FileNotFoundError, match="nowhere"):
        paths.resources_dir()


def test_data_dir_precedence(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(paths.DATA_DIR_VARIABLE, str(tmp_path / "from-env"))
    assert paths.data_dir() == tmp_path / "from-env"
    assert paths.data_dir(tmp_path / "given") == tmp_path / "given"
    monkeypatch.delenv(paths.DATA_DIR_VARIABLE)
    assert paths.data_dir().name == "Borderless"


def test_private_folders_are_private_but_existing_ones_are_left_alone(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    made = paths.ensure_private_dir(shared / "a" / "b")
    assert stat.S_IMODE((shared / "a").stat().st_mode) == 0o700
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
