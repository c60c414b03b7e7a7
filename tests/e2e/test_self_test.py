"""`borderless --self-test`, the check a packaged build runs after installing (and CI on the
frozen bundle): the window, a demo scan through it, reports read back, nothing Qt failed to load."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.e2e.conftest import run


def test_the_installed_app_passes_its_self_test(tmp_path: Path) -> None:
    result = run("--self-test", home=tmp_path)
    lines = result.stdout.splitlines()
    assert lines[-1] == "Self-test passed."
    assert any(line.startswith("Window: scanned the demo persona") for line in lines)
    assert any("JSON, HTML, PDF and the map (PNG)" in line for line in lines)
    assert not (tmp_path / "data").exists()  # it writes nothing outside its temporary folder


def test_a_bundle_missing_its_data_fails_the_self_test(tmp_path: Path, monkeypatch) -> None:
    resources = Path(__file__).resolve().parents[2] / "resources"
    broken = tmp_path / "resources"
    shutil.copytree(resources, broken)
    shutil.rmtree(broken / "geo")  # as a spec that forgot a data folder would ship it
    monkeypatch.setenv("BORDERLESS_RESOURCES", str(broken))
    result = run("--self-test", home=tmp_path, check=False)
    assert result.returncode == 1
    assert "FAILED:" in result.stdout
    assert "Self-test passed." not in result.stdout
