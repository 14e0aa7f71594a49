"""Nothing under a folder is skipped silently: what cannot be read is an error that names it.

Issue 13.2: a failing child in an unreadable subfolder was skipped, and
`check` said PASS.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE_LINES, Run


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    """The cmos-gate line with its failing child moved into a subfolder."""
    folder = tmp_path / "f"
    shutil.copytree(SAMPLE_LINES / "cmos-gate", folder)
    (folder / "secret").mkdir()
    (folder / "fab-c-dresden.yaml").rename(folder / "secret" / "fab-c-dresden.yaml")
    (folder / "fab-b-singapore.yaml").unlink()
    return folder


def test_an_unreadable_subfolder_is_an_error_not_a_pass(
    run_cexact: Run, fleet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_scandir = os.scandir
    secret = str(fleet / "secret")

    def scandir(path: str | os.PathLike[str]) -> object:
        if os.fspath(path) == secret:
            raise PermissionError(13, "Permission denied", secret)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    for command in ("check", "validate"):
        result = run_cexact(command, fleet)
        assert result.exit_code == 2, (command, result.stdout)
        assert f"{secret}: error: cannot read the folder: Permission denied" in result.stderr
        assert "nothing was checked" in result.stderr
        assert "PASS" not in result.stdout


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_an_unreadable_subfolder_as_an_ordinary_user(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The reproduction itself: chmod 000, run by a user who cannot read it."""
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv to drop privileges")
    base = Path(
        subprocess.run(["mktemp", "-d"], capture_output=True, text=True, check=True).stdout.strip()
    )
    try:
        base.chmod(0o755)
        folder = base / "f"
        shutil.copytree(SAMPLE_LINES / "cmos-gate", folder)
        (folder / "secret").mkdir()
        (folder / "fab-c-dresden.yaml").rename(folder / "secret" / "fab-c-dresden.yaml")
        (folder / "fab-b-singapore.yaml").unlink()
        for path in (folder, *folder.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        (folder / "secret").chmod(0o000)
        command = [sys.executable, "-m", "cexact", "check", str(folder), "--no-cache"]
        if os.geteuid() == 0:
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        completed = subprocess.run(
            command, capture_output=True, text=True, cwd=base, check=False,
            env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(base)},
        )  # fmt: skip
        assert completed.returncode == 2, completed.stdout + completed.stderr
        assert "secret: error: cannot read the folder" in completed.stderr
    finally:
        (base / "f" / "secret").chmod(0o755)
        shutil.rmtree(base)


def test_broken_links_fifos_and_folders_named_yaml_are_reported(
    run_cexact: Run, fleet: Path
) -> None:
    (fleet / "gone.yaml").symlink_to(fleet / "nowhere.yaml")
    os.mkfifo(fleet / "pipe.yaml")
    result = run_cexact("validate", fleet)
    assert result.exit_code == 2
    assert f"{fleet / 'gone.yaml'}: error: a broken symbolic link" in result.stderr
    assert f"{fleet / 'pipe.yaml'}: error: not a regular file (a FIFO)" in result.stderr


def test_a_fifo_named_on_the_command_line_is_refused_without_blocking(
    run_cexact: Run, tmp_path: Path
) -> None:
    fifo = tmp_path / "recipe.yaml"
    os.mkfifo(fifo)
    result = run_cexact("validate", fifo)  # would block forever on open() for reading
    assert result.exit_code == 2
    assert "not a regular file" in result.stdout


def test_yaml_that_is_not_cexact_is_skipped_under_a_folder_and_refused_by_name(
    run_cexact: Run, fleet: Path
) -> None:
    (fleet / "secret").rename(fleet / "sub")
    workflow = fleet / "ci.yml"
    workflow.write_text("on: [push]\njobs: {}\n", encoding="utf-8")  # YAML 1.1 'on'
    result = run_cexact("check", fleet, "--no-cache")
    assert result.exit_code == 1  # the child fails its gate; the workflow is not a recipe
    assert "ci.yml" not in result.stdout + result.stderr
    named = run_cexact("validate", workflow)
    assert named.exit_code == 2
    assert "not a cexact file" in named.stdout
    hooked = run_cexact("validate", "--skip-unmarked", workflow, fleet / "mother.yaml")
    assert hooked.exit_code == 0, hooked.stdout
