"""Reading recipes from git: REV:PATH, provenance, refusals, a file's history."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

from cexact.errors import GitError, RecipeLoadError
from cexact.recipe import git_source
from cexact.recipe.git_repository import FileVersion, check_revision, open_repository
from cexact.recipe.git_source import git_blob_sha, locate_in_repository, read_recipe_source
from tests.git_repos import (
    CHILD_A,
    CHILD_B,
    MOTHER,
    GitRepoBuilder,
    TransferRepo,
    build_transfer_repo,
    recipe,
)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> TransferRepo:
    """One transfer repository for the tests that only read it."""
    return build_transfer_repo(tmp_path_factory.mktemp("shared") / "lines")


@pytest.fixture
def transfer(tmp_path: Path) -> TransferRepo:
    """A transfer repository of this test's own, free to modify."""
    return build_transfer_repo(tmp_path / "lines")


@pytest.fixture
def in_shared(shared: TransferRepo, monkeypatch: pytest.MonkeyPatch) -> TransferRepo:
    monkeypatch.chdir(shared.root)
    return shared


def declared(source: git_source.RecipeSource) -> str:
    for line in source.content.decode().splitlines():
        if line.startswith("  version:"):
            return line.split('"')[1]
    raise AssertionError("no line.version")


# --- reading at a revision -------------------------------------------------------------


@pytest.mark.parametrize(
    ("revision", "version"),
    [
        ("coat-line/1.0", "1.0"),  # lightweight tag
        ("coat-line/1.1", "1.1"),  # annotated tag: peeled to its commit
        ("HEAD", "1.2"),
        ("main", "1.2"),  # branch
        ("HEAD~1", "1.2"),
        ("HEAD~2", "1.1"),
        ("HEAD^^^^", "1.1"),
        ("coat-line/1.1^", "1.0"),
        ("main~5", "1.0"),
    ],
)
def test_reads_a_recipe_at_a_revision(in_shared: TransferRepo, revision: str, version: str) -> None:
    source = read_recipe_source(f"{revision}:{MOTHER}")
    assert declared(source) == version
    assert source.display == f"{revision}:{MOTHER}"
    assert source.path is None
    assert source.provenance is not None
    assert source.provenance.revision == revision
    assert source.provenance.path == MOTHER
    assert source.provenance.dirty is False
    assert len(source.provenance.commit) == 40


def test_reads_at_full_and_abbreviated_commit_shas(in_shared: TransferRepo) -> None:
    sha = in_shared.commits["1.1"]
    for revision in (sha, sha[:10]):
        source = read_recipe_source(f"{revision}:{MOTHER}")
        assert declared(source) == "1.1"
        assert source.provenance is not None
        assert source.provenance.commit == sha


def test_reads_at_another_branch(transfer: TransferRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    transfer.builder.branch("release-1.1", transfer.commits["1.1"])
    monkeypatch.chdir(transfer.root)
    source = read_recipe_source(f"release-1.1:{MOTHER}")
    assert declared(source) == "1.1"


def test_the_repository_can_be_named_from_outside_it(shared: TransferRepo, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    source = read_recipe_source(f"coat-line/1.0:{MOTHER}", repo=shared.root)
    assert declared(source) == "1.0"
    nested = read_recipe_source(f"HEAD:{MOTHER}", repo=shared.root / "recipes")
    assert declared(nested) == "1.2"


def test_dot_slash_paths_start_at_the_current_directory(
    shared: TransferRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(shared.root / "recipes")
    for argument in ("HEAD:./mother.yaml", "HEAD:../recipes/mother.yaml", f"HEAD:{MOTHER}"):
        source = read_recipe_source(argument)
        assert source.provenance is not None
        assert source.provenance.path == MOTHER, argument
    with pytest.raises(GitError, match=r"recipes/recipes/mother\.yaml does not exist at HEAD"):
        read_recipe_source("HEAD:./recipes/mother.yaml")
    with pytest.raises(GitError, match=r"^mother\.yaml does not exist at HEAD$"):
        read_recipe_source("HEAD:mother.yaml")  # no './': relative to the root


def test_an_existing_file_wins_over_rev_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    odd = tmp_path / "HEAD:odd.yaml"
    odd.write_text(recipe(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    source = read_recipe_source("HEAD:odd.yaml")
    assert source.path == Path("HEAD:odd.yaml")
    assert source.provenance is None  # not in a repository


def test_a_missing_file_without_colon_is_a_missing_file(in_shared: TransferRepo) -> None:
    with pytest.raises(RecipeLoadError, match="no such file"):
        read_recipe_source("recipes/nowhere.yaml")


# --- provenance of working-tree files --------------------------------------------------


def test_working_tree_file_has_head_and_is_clean(in_shared: TransferRepo) -> None:
    source = read_recipe_source(CHILD_A)
    assert source.display == CHILD_A
    assert source.path == Path(CHILD_A)
    assert source.content == (in_shared.root / CHILD_A).read_bytes()
    assert source.provenance == git_source.GitProvenance(
        commit=in_shared.commits["kumamoto"], revision="working tree", path=CHILD_A, dirty=False
    )


def test_modified_and_untracked_files_are_dirty(transfer: TransferRepo) -> None:
    mother = transfer.root / MOTHER
    mother.write_text(recipe(version="1.3"), encoding="utf-8")
    provenance = read_recipe_source(str(mother)).provenance
    assert provenance is not None
    assert provenance.dirty is True
    assert provenance.path == MOTHER  # an absolute file path still gets its path in the repo

    untracked = transfer.builder.write("recipes/new-site.yaml", recipe(site="new-site"))
    provenance = read_recipe_source(str(untracked)).provenance
    assert provenance is not None
    assert provenance.dirty is True
    assert provenance.commit == transfer.commits["kumamoto"]


def test_a_file_outside_any_repository_has_no_provenance(tmp_path: Path) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_text(recipe(), encoding="utf-8")
    assert read_recipe_source(str(plain)).provenance is None


def test_a_file_in_a_repository_without_commits_has_no_provenance(tmp_path: Path) -> None:
    builder = GitRepoBuilder(tmp_path / "empty")
    path = builder.write("line.yaml", recipe())
    assert read_recipe_source(str(path)).provenance is None


def test_blob_sha_matches_git() -> None:
    assert git_blob_sha(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"


def test_locate_in_repository(shared: TransferRepo, tmp_path: Path) -> None:
    root, path = locate_in_repository(shared.root / "recipes" / "gone.yaml")
    assert (root, path) == (shared.root.resolve(), "recipes/gone.yaml")
    with pytest.raises(GitError, match="not inside a git repository"):
        locate_in_repository(tmp_path / "x.yaml")


# --- refusals --------------------------------------------------------------------------

BAD_REVISIONS = [
    ("", "empty"),
    ("-x", "must not begin with '-'"),
    ("--output=/tmp/x", "must not begin with '-'"),
    ("a..b", r"'\.\.' ranges"),
    ("HEAD...main", r"'\.\.' ranges"),
    ("HEAD@{1}", "reflog"),
    ("@{-1}", "reflog"),
    ("main@{yesterday}", "reflog"),
    ("HEAD^{tree}", r"only ~N and \^N"),
    ("HEAD~x", r"only ~N and \^N"),
    ("~1", "a name must come before"),
    ("^", "a name must come before"),
    ("my tag", "' ' is not allowed"),
    ("a\tb", "control character"),
    ("a\nb", "control character"),
    ("a\x7fb", "control character"),
    ("what?", r"'\?' is not allowed"),
    ("v*", r"'\*' is not allowed"),
    ("v[1]", r"'\[' is not allowed"),
    ("a\\b", "is not allowed"),
    ("/main", "begin or end with '/'"),
    ("main/", "begin or end with '/'"),
    ("refs//tags", "'//'"),
    ("v1.", "end with '.'"),
    (".hidden", "begin with '.'"),
    ("refs/.x", "begin with '.'"),
    ("main.lock", r"end with '\.lock'"),
    ("@", "write HEAD"),
]


@pytest.mark.parametrize(("revision", "reason"), BAD_REVISIONS)
def test_bad_revisions_are_refused_before_git(
    revision: str, reason: str, in_shared: TransferRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_git(*args: object) -> None:
        raise AssertionError("git was reached")

    monkeypatch.setattr(git_source, "open_repository", no_git)
    with pytest.raises(GitError, match=reason) as raised:
        read_recipe_source(f"{revision}:{MOTHER}")
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    "revision", ["HEAD", "HEAD~2", "v1^", "v1^2", "HEAD^^~3", "coat-line/1.0", "a" * 40, "@x"]
)
def test_good_revision_forms_pass_the_check(revision: str) -> None:
    check_revision(revision)


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (f"no-such-tag:{MOTHER}", "unknown revision 'no-such-tag'"),
        (f"HEAD~99:{MOTHER}", r"unknown revision 'HEAD~99'"),
        (f"{'0' * 40}:{MOTHER}", "unknown revision"),
        ("HEAD:../x", r"path '\.\./x' is outside the repository"),
        ("HEAD:recipes/../../x", "is outside the repository"),
        ("HEAD:/etc/passwd", "must be relative to the repository root, not absolute"),
        ("HEAD:", "empty path"),
        ("HEAD:.", "names the repository root"),
        ("HEAD:recipes/missing.yaml", "recipes/missing.yaml does not exist at HEAD"),
        (f"coat-line/1.0:{CHILD_B}", f"{CHILD_B} does not exist at coat-line/1.0"),
        (f"HEAD:{MOTHER}/x", r"recipes/mother\.yaml/x does not exist at HEAD"),
        ("HEAD:recipes", "recipes at HEAD is a tree, not a file"),
    ],
)
def test_unreadable_revisions_and_paths_are_refused(
    in_shared: TransferRepo, argument: str, message: str
) -> None:
    with pytest.raises(GitError, match=message) as raised:
        read_recipe_source(argument)
    assert "\n" not in str(raised.value)
    assert raised.value.exit_code == 2


def test_outside_a_repository_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(GitError, match="not inside a git repository"):
        read_recipe_source(f"HEAD:{MOTHER}")
    with pytest.raises(GitError, match="not inside a git repository"):
        read_recipe_source(f"HEAD:{MOTHER}", repo=tmp_path / "no-such-folder")


def test_dot_slash_from_outside_the_work_tree_is_refused(
    shared: TransferRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(GitError, match="outside the repository's work tree"):
        read_recipe_source("HEAD:./recipes/mother.yaml", repo=shared.root)


def test_a_blob_over_the_size_limit_is_refused(in_shared: TransferRepo) -> None:
    with pytest.raises(GitError, match="over the 100-byte limit"):
        read_recipe_source(f"HEAD:{MOTHER}", max_bytes=100)


def test_a_symbolic_link_at_a_revision_is_refused(tmp_path: Path) -> None:
    builder = GitRepoBuilder(tmp_path / "links")
    builder.write("real.yaml", recipe())
    (builder.root / "link.yaml").symlink_to("real.yaml")
    builder.commit("a link")
    with pytest.raises(GitError, match="symbolic link"):
        read_recipe_source("HEAD:link.yaml", repo=builder.root)


# --- a file's history ------------------------------------------------------------------


def test_history_is_newest_first_with_metadata(shared: TransferRepo) -> None:
    versions = file_history(MOTHER, shared.root)
    commits = shared.commits
    assert [v.commit for v in versions] == [
        commits["1.2"],
        commits["1.1-notes"],
        commits["1.1"],
        commits["1.0"],
    ]
    newest = versions[0]
    assert newest.short == commits["1.2"][: len(newest.short)]
    assert newest.author == "Ada Engineer"
    assert newest.email == "ada@example.com"
    assert newest.date == "2024-01-05T12:00:00+00:00"
    assert newest.message == "Mother 1.2: Arkema binder, SOP-COAT-1 rev D"
    assert newest.content == (shared.root / MOTHER).read_bytes()
    assert b'version: "1.0"' in (versions[-1].content or b"")


def test_history_since_and_max_count(shared: TransferRepo) -> None:
    since = datetime.date(2024, 1, 3)
    assert [v.date[:10] for v in file_history(MOTHER, shared.root, since=since)] == [
        "2024-01-05",
        "2024-01-03",
    ]
    assert len(file_history(MOTHER, shared.root, max_count=2)) == 2
    assert [v.commit for v in file_history(MOTHER, shared.root, max_count=1)] == [
        shared.commits["1.2"]
    ]
    one = file_history(MOTHER, shared.root, since=datetime.date(2024, 1, 2), max_count=1)
    assert [v.date[:10] for v in one] == ["2024-01-05"]
    assert file_history(MOTHER, shared.root, since=datetime.date(2025, 1, 1)) == []
    assert file_history("recipes/never.yaml", shared.root) == []


def test_history_from_a_revision(shared: TransferRepo) -> None:
    versions = file_history(MOTHER, shared.root, revision="coat-line/1.1")
    assert [v.commit for v in versions] == [shared.commits["1.1"], shared.commits["1.0"]]


def test_history_records_deletions_offsets_and_first_lines(tmp_path: Path) -> None:
    builder = GitRepoBuilder(tmp_path / "repo")
    tokyo = datetime.timezone(datetime.timedelta(hours=9))
    builder.write("line.yaml", recipe())
    builder.commit("Create\n\nwith a body", date=datetime.datetime(2024, 3, 1, 8, 0, tzinfo=tokyo))
    builder.remove("line.yaml")
    builder.commit("Delete", date=datetime.datetime(2024, 3, 2, 8, 0, tzinfo=tokyo))
    versions = file_history("line.yaml", builder.root)
    assert [(v.message, v.content is None) for v in versions] == [
        ("Delete", True),
        ("Create", False),
    ]
    assert versions[1].date == "2024-03-01T08:00:00+09:00"
    # `since` is the day in the author's own offset (2024-02-29 23:00 UTC here)
    assert len(file_history("line.yaml", builder.root, since=datetime.date(2024, 3, 1))) == 2


def test_history_refuses_bad_paths_and_revisions(shared: TransferRepo, tmp_path: Path) -> None:
    with pytest.raises(GitError, match="outside the repository"):
        file_history("../x.yaml", shared.root)
    with pytest.raises(GitError, match="not absolute"):
        file_history("/x.yaml", shared.root)
    with pytest.raises(GitError, match="must not begin with '-'"):
        file_history(MOTHER, shared.root, revision="--all")
    with pytest.raises(GitError, match="not inside a git repository"):
        file_history(MOTHER, tmp_path)


def test_a_damaged_repository_gives_a_git_error_not_a_traceback(tmp_path: Path) -> None:
    builder = GitRepoBuilder(tmp_path / "damaged")
    builder.write("line.yaml", recipe())
    builder.commit("a line")
    blob = builder.git("rev-parse", "HEAD:line.yaml")
    (builder.root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    with pytest.raises(GitError, match=r"cannot read line\.yaml at HEAD: .* missing") as raised:
        read_recipe_source("HEAD:line.yaml", repo=builder.root)
    assert "\n" not in str(raised.value)
    with pytest.raises(GitError, match=r"cannot read line\.yaml at"):
        file_history("line.yaml", builder.root)


def file_history(path: str, repo: Path, **options: Any) -> list[FileVersion]:
    """The commits that touched `path`, as `cexact log` and `drift` read them."""
    with open_repository(repo) as repository:
        return list(repository.history(repository.path_in_repository(path), **options))
