"""`drift` (what the mother changed that a child has not taken) and `log`, on real repositories."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from cexact.commands.drift import PENDING, TAKEN, DriftResult, compute_drift
from cexact.commands.log import CREATED, DELETED, recipe_log
from cexact.errors import GitError, InputError
from cexact.model import DeviationKind, Stage
from cexact.recipe.git_source import RecipeSource, read_recipe_source
from tests.git_repos import (
    CHILD_A,
    CHILD_B,
    MOTHER,
    MOTHER_1_2_CHANGES,
    GitRepoBuilder,
    TransferRepo,
    build_transfer_repo,
    recipe,
)

BINDER = "steps[mix].materials[binder].supplier"
SOFTWARE = "steps[coat].equipment[coater-1].software"
OVEN = "steps[dry].parameters.oven_temp"
SOP = "procedures[SOP-COAT-1].revision"


@pytest.fixture(autouse=True)
def _own_parse_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CEXACT_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> TransferRepo:
    return build_transfer_repo(tmp_path_factory.mktemp("shared") / "lines")


@pytest.fixture
def transfer(tmp_path: Path) -> TransferRepo:
    return build_transfer_repo(tmp_path / "lines")


def drift(
    repo: TransferRepo, child: str, mother: str = MOTHER, required: Stage | None = None
) -> DriftResult:
    """`cexact drift CHILD MOTHER`: a file in the work tree, else REV:PATH."""

    def source(argument: str) -> RecipeSource:
        path = repo.root / argument
        return read_recipe_source(str(path) if path.is_file() else argument, repo=repo.root)

    return compute_drift(source(child), source(mother), repo.root, required=required)


def statuses(result: DriftResult) -> dict[str, str]:
    return {item.change.path: item.status for item in result.items}


# --- drift -----------------------------------------------------------------------------


def test_drift_splits_the_mothers_changes_into_taken_and_pending(shared: TransferRepo) -> None:
    result = drift(shared, CHILD_A)
    assert statuses(result) == {BINDER: PENDING, SOFTWARE: PENDING, OVEN: TAKEN, SOP: TAKEN}
    assert result.mother_then.version == "1.0"
    assert result.mother_then_commit == shared.commits["1.0"]
    assert result.mother_now.version == "1.2"
    assert result.child.site == "chandler"
    assert result.required is Stage.COPY_EXACTLY
    assert {item.change.path for item in result.pending} == {BINDER, SOFTWARE}
    assert result.passed is False
    assert result.notes == ()


def test_drift_changes_read_mother_then_to_mother_now(shared: TransferRepo) -> None:
    changes = {item.change.path: item.change for item in drift(shared, CHILD_A).items}
    binder = changes[BINDER]
    assert (binder.mother, binder.child) == ("Solvay", "Arkema")
    assert binder.stage is Stage.COPY_EXACTLY
    assert binder.kind is DeviationKind.CHANGED
    assert changes[SOP].stage is Stage.SYSTEM_SYNERGY
    assert binder.mother_location is not None
    assert binder.mother_location.file == f"{shared.commits['1.0'][:7]}:{MOTHER}"
    assert binder.child_location is not None
    assert binder.child_location.file == str(shared.root / MOTHER)


@pytest.mark.parametrize(
    ("required", "passed"),
    [
        (Stage.MAKE_IT_WORK, True),
        (Stage.PROCESS_OUTPUT_MATCHING, True),
        (Stage.COPY_EXACTLY, False),
        (Stage.SYSTEM_SYNERGY, False),
    ],
)
def test_drift_gate_counts_pending_changes_at_or_below_the_required_stage(
    shared: TransferRepo, required: Stage, passed: bool
) -> None:
    result = drift(shared, CHILD_A, required=required)
    assert result.required is required
    assert result.passed is passed


def test_a_child_at_the_mothers_current_version_has_no_drift(shared: TransferRepo) -> None:
    result = drift(shared, CHILD_B)
    assert result.items == ()
    assert result.passed is True
    assert result.mother_then == result.mother_now
    assert result.mother_then_commit == shared.commits["kumamoto"]


def test_a_child_that_took_every_change_passes(transfer: TransferRepo) -> None:
    caught_up = recipe(
        site="chandler",
        role="child",
        mother_version="1.0",
        binder_supplier="Arkema",
        **MOTHER_1_2_CHANGES,
    )
    transfer.builder.write(CHILD_A, caught_up)  # not committed: the working tree counts
    result = drift(transfer, CHILD_A)
    assert set(statuses(result).values()) == {TAKEN}
    assert len(result.items) == 4
    assert result.pending == ()
    assert result.passed is True


def test_the_newest_commit_declaring_the_version_is_the_transfer_point(
    transfer: TransferRepo,
) -> None:
    transfer.builder.write(
        "recipes/tokyo.yaml",
        recipe(
            site="tokyo", role="child", mother_version="1.1", oven_temp=135, coater_software="3.1.0"
        ),
    )
    result = drift(transfer, "recipes/tokyo.yaml", required=Stage.SYSTEM_SYNERGY)
    assert result.mother_then_commit == transfer.commits["1.1-notes"]  # not the first 1.1 commit
    assert statuses(result) == {BINDER: PENDING, SOP: PENDING}
    assert drift(transfer, "recipes/tokyo.yaml", required=Stage.PROCESS_OUTPUT_MATCHING).passed


def test_a_change_is_pending_when_the_child_differs_below_or_above_it(
    transfer: TransferRepo,
) -> None:
    # the child took the new oven set point but loosened its tolerance: the same
    # quantity still deviates, so the change is not taken
    child = recipe(
        site="chandler", role="child", mother_version="1.0", sop_revision="D", oven_temp=135
    ).replace("unit: degC, tolerance: 3", "unit: degC, tolerance: 5")
    transfer.builder.write(CHILD_A, child)
    assert statuses(drift(transfer, CHILD_A))[OVEN] == PENDING


def test_drift_against_a_mother_at_a_revision(shared: TransferRepo) -> None:
    result = drift(shared, CHILD_A, mother=f"coat-line/1.1:{MOTHER}")
    assert result.mother_now.version == "1.1"
    assert statuses(result) == {SOFTWARE: PENDING, OVEN: TAKEN}


def test_uncommitted_mother_changes_are_drift_and_noted(transfer: TransferRepo) -> None:
    transfer.builder.write(
        MOTHER,
        recipe(version="1.3", loading_usl=10.9, binder_supplier="Arkema", **MOTHER_1_2_CHANGES),
    )
    transfer.builder.write(
        "recipes/tokyo.yaml",
        recipe(site="tokyo", role="child", mother_version="1.2", binder_supplier="Arkema"),
    )
    result = drift(transfer, "recipes/tokyo.yaml", required=Stage.SYSTEM_SYNERGY)
    assert result.mother_then_commit == transfer.commits["1.2"]
    changes = [item.change for item in result.items]
    assert [(c.stage, c.mother, c.child) for c in changes] == [
        (Stage.PROCESS_OUTPUT_MATCHING, 10.8, 10.9)
    ]
    assert result.notes == (f"{transfer.root / MOTHER} has changes not committed to git",)


@pytest.mark.parametrize("tag", ["coat-line/2.0", "coat-line-2.0", "v2.0", "2.0"])
def test_drift_falls_back_to_release_tags(tmp_path: Path, tag: str) -> None:
    builder = GitRepoBuilder(tmp_path / "lines")
    builder.write(MOTHER, recipe(version="2.0.0"))  # declared differently from the tag
    builder.write("README.md", "lines\n")
    released = builder.commit("Mother release")
    builder.tag(tag, annotated=tag.startswith("v"))
    builder.write(MOTHER, recipe(version="2.1.0", oven_temp=140))
    builder.write(CHILD_A, recipe(site="chandler", role="child", mother_version="2.0"))
    builder.commit("Mother 2.1.0; Chandler from 2.0")
    repo = TransferRepo(builder, {})
    result = drift(repo, CHILD_A)
    assert result.mother_then_commit == released
    assert statuses(result) == {OVEN: PENDING}
    assert result.notes == (f"mother version 2.0 found by tag {tag} (no commit declares it)",)


def test_a_tag_without_the_mother_file_is_skipped(tmp_path: Path) -> None:
    builder = GitRepoBuilder(tmp_path / "lines")
    builder.write("README.md", "lines\n")
    builder.commit("Start")
    builder.tag("v2.0")
    builder.write(MOTHER, recipe(version="2.1"))
    builder.write(CHILD_A, recipe(site="chandler", role="child", mother_version="2.0"))
    builder.commit("Mother 2.1")
    with pytest.raises(GitError, match=r"mother version 2\.0 of recipes/mother\.yaml not found"):
        drift(TransferRepo(builder, {}), CHILD_A)


def test_an_unknown_mother_version_is_an_error(transfer: TransferRepo) -> None:
    transfer.builder.write(
        "recipes/tokyo.yaml", recipe(site="tokyo", role="child", mother_version="0.9")
    )
    with pytest.raises(GitError) as raised:
        drift(transfer, "recipes/tokyo.yaml")
    assert str(raised.value) == (
        "mother version 0.9 of recipes/mother.yaml not found in its git history or tags"
    )


def test_a_child_without_a_mother_reference_is_an_input_error(transfer: TransferRepo) -> None:
    # a valid child always names its mother; a second mother recipe does not
    transfer.builder.write("recipes/tokyo.yaml", recipe(site="tokyo", role="mother"))
    with pytest.raises(InputError, match=r"names no mother version \(line\.mother\.version\)"):
        drift(transfer, "recipes/tokyo.yaml")


def test_a_mother_outside_git_has_no_history(shared: TransferRepo, tmp_path: Path) -> None:
    outside = tmp_path / "mother.yaml"
    outside.write_text(recipe(version="1.2"), encoding="utf-8")
    with pytest.raises(GitError, match="not in a git repository; drift needs the mother's history"):
        compute_drift(
            read_recipe_source(str(shared.root / CHILD_A)),
            read_recipe_source(str(outside)),
            shared.root,
        )


# --- log -------------------------------------------------------------------------------


def test_log_classifies_each_commits_changes(shared: TransferRepo) -> None:
    log = recipe_log(MOTHER, shared.root)
    assert log.path == MOTHER
    summary = [
        (e.version.commit, e.recipe_version, e.note, {c.path: c.stage for c in e.changes})
        for e in log.entries
    ]
    commits = shared.commits
    assert summary == [
        (
            commits["1.2"],
            "1.2",
            "",
            {BINDER: Stage.COPY_EXACTLY, SOP: Stage.SYSTEM_SYNERGY},
        ),
        (commits["1.1-notes"], "1.1", "", {}),  # notes are bookkeeping: no deviation
        (commits["1.1"], "1.1", "", {SOFTWARE: Stage.COPY_EXACTLY, OVEN: Stage.COPY_EXACTLY}),
        (commits["1.0"], "1.0", CREATED, {}),
    ]
    oven = next(c for c in log.entries[2].changes if c.path == OVEN)
    assert oven.mother == {"value": 130, "unit": "degC", "tolerance": 3}
    assert oven.child == {"value": 135, "unit": "degC", "tolerance": 3}
    assert oven.child_location is not None
    assert oven.child_location.file == f"{commits['1.1'][:7]}:{MOTHER}"
    assert all(entry.version.content is None for entry in log.entries)  # bytes not kept


def test_log_window_still_compares_its_oldest_entry(shared: TransferRepo) -> None:
    (last,) = recipe_log(MOTHER, shared.root, max_count=1).entries
    assert last.version.commit == shared.commits["1.2"]
    assert {c.path for c in last.changes} == {BINDER, SOP}

    since = recipe_log(MOTHER, shared.root, since=datetime.date(2024, 1, 2)).entries
    assert [e.recipe_version for e in since] == ["1.2", "1.1", "1.1"]
    assert {c.path for c in since[-1].changes} == {SOFTWARE, OVEN}
    assert recipe_log(MOTHER, shared.root, since=datetime.date(2030, 1, 1)).entries == ()


def test_log_notes_invalid_commits_and_goes_on(tmp_path: Path) -> None:
    builder = GitRepoBuilder(tmp_path / "lines")
    builder.write(MOTHER, recipe(version="1.0"))
    builder.commit("1.0")
    builder.write(MOTHER, recipe(version="1.1").replace("role: mother", "role: grandmother"))
    builder.commit("1.1, invalid")
    builder.write(MOTHER, "cexact: 1\nline: [unclosed\n")
    builder.commit("broken YAML")
    builder.write(MOTHER, recipe(version="1.2", oven_temp=140))
    builder.commit("1.2")
    entries = recipe_log(MOTHER, builder.root).entries
    assert [e.version.message for e in entries] == ["1.2", "broken YAML", "1.1, invalid", "1.0"]
    newest, broken, invalid, first = entries
    assert newest.changes == ()
    assert newest.note.startswith("not compared: the previous version is not a valid recipe: ")
    assert f"{newest.version.short}^:{MOTHER}:3:1: YAML syntax error" in newest.note
    assert broken.note.startswith("not a valid recipe here: ")
    assert "YAML syntax error" in broken.note
    assert broken.recipe_version is None
    assert invalid.note.startswith("not a valid recipe here: ")
    assert "line.role: must be one of 'mother', 'child'" in invalid.note
    assert invalid.recipe_version == "1.1"  # still read from the YAML
    assert first.note == CREATED
    for entry in entries:
        assert "\n" not in entry.note


def test_log_records_deletion_and_recreation(tmp_path: Path) -> None:
    builder = GitRepoBuilder(tmp_path / "lines")
    builder.write(MOTHER, recipe(version="1.0"))
    builder.commit("add")
    builder.remove(MOTHER)
    builder.write("README.md", "moved out\n")
    builder.commit("remove")
    builder.write(MOTHER, recipe(version="2.0", oven_temp=150))
    builder.commit("back")
    entries = recipe_log(MOTHER, builder.root).entries
    assert [(e.version.message, e.note, e.deleted) for e in entries] == [
        ("back", CREATED, False),
        ("remove", DELETED, True),
        ("add", CREATED, False),
    ]
    assert entries[1].recipe_version is None


def test_log_paths_and_errors(shared: TransferRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(shared.root / "recipes")
    assert len(recipe_log("./mother.yaml", shared.root).entries) == 4
    assert len(recipe_log(CHILD_A, shared.root).entries) == 2
    assert recipe_log(CHILD_B, shared.root, max_count=0).entries == ()
    with pytest.raises(GitError, match=r"recipes/never\.yaml has no commits"):
        recipe_log("recipes/never.yaml", shared.root)
    with pytest.raises(GitError, match="outside the repository"):
        recipe_log("../../x.yaml", shared.root)
