"""Real temporary git repositories for tests: write files, commit at fixed dates, tag.

The builder drives the `git` command itself (not gitpython), so the code under
test and the fixture do not share a library. Global and system git
configuration are ignored (the global one is pointed at a file that does not
exist: /dev/null is not always empty in sandboxes); the repository's own config names the committer.
Each commit is dated one day after the previous one (from 2024-01-01 12:00
UTC) unless given a date, so shas and dates are the same on every run.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

FIRST_COMMIT_DATE = datetime.datetime(2024, 1, 1, 12, 0, tzinfo=datetime.UTC)


class GitRepoBuilder:
    """A git repository under `root`, built commit by commit."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._next_date = FIRST_COMMIT_DATE
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "--quiet", "--initial-branch=main")
        self.git("config", "user.name", "Ada Engineer")
        self.git("config", "user.email", "ada@example.com")
        self.git("config", "commit.gpgsign", "false")
        self.git("config", "tag.gpgsign", "false")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        completed = subprocess.run(
            ["git", *args],
            cwd=self.root,
            env={
                **os.environ,
                "GIT_CONFIG_GLOBAL": str(self.root / ".git" / "no-global-config"),
                "GIT_CONFIG_NOSYSTEM": "1",
                **(env or {}),
            },
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {completed.stderr.strip()}")
        return completed.stdout.strip()

    def write(self, path: str, text: str) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    def remove(self, path: str) -> None:
        (self.root / path).unlink()

    def commit(self, message: str, *, date: datetime.datetime | None = None) -> str:
        """Stage everything and commit; returns the full sha."""
        when = date or self._next_date
        self._next_date = when + datetime.timedelta(days=1)
        stamp = when.isoformat()
        self.git("add", "--all")
        self.git(
            "commit",
            "--quiet",
            "--allow-empty",
            "-m",
            message,
            env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp},
        )
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str, revision: str = "HEAD", *, annotated: bool = False) -> None:
        if annotated:
            self.git("tag", "-a", name, "-m", f"release {name}", revision)
        else:
            self.git("tag", name, revision)

    def branch(self, name: str, revision: str = "HEAD") -> None:
        self.git("branch", name, revision)


def recipe(
    *,
    site: str = "dresden",
    role: str = "mother",
    version: str = "1.0",
    mother_version: str | None = None,
    oven_temp: float | str = 130,
    coater_software: str = "3.0.2",
    binder_supplier: str = "Solvay",
    sop_revision: str = "C",
    loading_usl: float | str = 10.8,
    notes: str | None = None,
) -> str:
    """A small valid line recipe; each argument is one thing a transfer can differ in."""
    header = [
        "cexact: 1",
        "line:",
        "  id: coat-line",
        "  name: Anode electrode coating line",
        "  product: anode-roll-A1",
        f"  site: {site}",
        f"  role: {role}",
        f'  version: "{version}"',
    ]
    if mother_version is not None:
        header.append(f'  mother: {{site: dresden, version: "{mother_version}"}}')
    if notes is not None:
        header.append(f"  notes: {notes}")
    body = textwrap.dedent(
        f"""\
        procedures:
          - {{id: SOP-COAT-1, revision: {sop_revision}}}
        steps:
          - id: mix
            name: Slurry mixing
            operation: mixing
            materials:
              - {{id: binder, supplier: {binder_supplier}, grade: Solef-5130}}
          - id: coat
            name: Slot-die coating
            operation: coating
            equipment:
              - {{id: coater-1, vendor: Durr, model: EcoCoat-S, software: "{coater_software}"}}
            outputs:
              loading: {{target: 10.5, unit: mg/cm^2, lsl: 10.2, usl: {loading_usl}}}
          - id: dry
            name: Drying
            operation: drying
            parameters:
              oven_temp: {{value: {oven_temp}, unit: degC, tolerance: 3}}
        """
    )
    return "\n".join(header) + "\n" + body


MOTHER = "recipes/mother.yaml"
CHILD_A = "recipes/chandler.yaml"
CHILD_B = "recipes/kumamoto.yaml"


@dataclass(frozen=True)
class TransferRepo:
    """A mother line with three released versions and two child sites.

    Mother history (each a commit; `*` = tagged `coat-line/<version>`):
      1.0*  the recipe as transferred to both children
      1.1*  oven_temp 130 -> 135, coater software 3.0.2 -> 3.1.0
      (notes only, still 1.1)
      1.2   binder supplier Solvay -> Arkema, SOP-COAT-1 revision C -> D
    Chandler (child A, from 1.0) has since taken the oven temperature and the
    SOP revision, not the software or the supplier. Kumamoto (child B) was
    transferred from 1.2 and matches it.
    """

    builder: GitRepoBuilder
    commits: dict[str, str]

    @property
    def root(self) -> Path:
        return self.builder.root


MOTHER_1_2_CHANGES: dict[str, str] = {
    "oven_temp": "135",
    "coater_software": "3.1.0",
    "sop_revision": "D",
}
"""What mother 1.2 has besides the Arkema binder (besides 1.0's values)."""


def build_transfer_repo(root: Path) -> TransferRepo:
    repo = GitRepoBuilder(root)
    commits: dict[str, str] = {}
    repo.write(MOTHER, recipe(version="1.0"))
    repo.write(CHILD_A, recipe(site="chandler", role="child", mother_version="1.0"))
    commits["1.0"] = repo.commit("Mother 1.0; transfer to Chandler")
    repo.tag("coat-line/1.0")
    repo.write(MOTHER, recipe(version="1.1", oven_temp=135, coater_software="3.1.0"))
    commits["1.1"] = repo.commit("Mother 1.1: hotter oven, coater software 3.1.0")
    repo.tag("coat-line/1.1", annotated=True)
    repo.write(
        MOTHER,
        recipe(version="1.1", oven_temp=135, coater_software="3.1.0", notes="reviewed"),
    )
    commits["1.1-notes"] = repo.commit("Mother: review note")
    repo.write(
        CHILD_A,
        recipe(
            site="chandler", role="child", mother_version="1.0", oven_temp=135, sop_revision="D"
        ),
    )
    commits["chandler"] = repo.commit("Chandler: oven 135 degC, SOP revision D")
    repo.write(MOTHER, recipe(version="1.2", binder_supplier="Arkema", **MOTHER_1_2_CHANGES))
    commits["1.2"] = repo.commit("Mother 1.2: Arkema binder, SOP-COAT-1 rev D")
    repo.write(
        CHILD_B,
        recipe(
            site="kumamoto",
            role="child",
            mother_version="1.2",
            binder_supplier="Arkema",
            **MOTHER_1_2_CHANGES,
        ),
    )
    commits["kumamoto"] = repo.commit("Kumamoto: transfer from 1.2")
    return TransferRepo(repo, commits)
