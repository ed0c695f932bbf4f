"""The apps' layers (pyproject.toml, docs/architecture.md): each imports only from below.

`make lint` runs the same contract; these tests keep it honest by showing it passes on the tree
and fails when an upward import is added."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(src: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=src,
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """A copy of the package to break on purpose, so the real tree is never touched."""
    shutil.copytree(
        ROOT / "src" / "daybook",
        tmp_path / "daybook",
        ignore=shutil.ignore_patterns("__pycache__", "migrations", "templates", "static"),
    )
    return tmp_path


pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter not installed")


def test_the_tree_keeps_its_layers():
    result = _lint_imports(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tree_copy: Path):
    # core is the bottom layer; importing the review app from it points upward.
    time_module = tree_copy / "daybook" / "core" / "time.py"
    time_module.write_text(time_module.read_text() + "\nfrom daybook.review import choices\n")
    result = _lint_imports(tree_copy)
    assert result.returncode != 0
    assert "daybook.core.time -> daybook.review.choices" in result.stdout


def test_a_cycle_between_two_apps_breaks_the_contract(tree_copy: Path):
    # people -> clients on top of clients -> people: a cycle, so one direction is upward.
    roles = tree_copy / "daybook" / "people" / "roles.py"
    roles.write_text(roles.read_text() + "\nfrom daybook.clients import choices\n")
    result = _lint_imports(tree_copy)
    assert result.returncode != 0
    assert "daybook.people.roles -> daybook.clients.choices" in result.stdout
