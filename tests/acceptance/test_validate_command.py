"""`cexact validate` and the rest of the command line, as a user runs them.

Findings are printed as `file:line:col: error: message (rule)`, one per line,
then a summary; exit 0 when everything is valid, 2 otherwise. Errors that stop
the command are one line on stderr: `cexact: error: ...`.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cexact import __version__
from tests.conftest import MINIMAL_RECIPE, ROOT, SAMPLE_LINES, CommandResult, run_cexact_process

Run = Callable[..., CommandResult]

EXAMPLES = ROOT / "tests" / "example-files"
CORPUS = ROOT / "tests" / "corpus" / "yaml-test-suite"
FULL_CORPUS = ROOT.parent / "shared" / "corpora" / "yaml-test-suite"

VALID_RECIPE = MINIMAL_RECIPE
INVALID_RECIPE = VALID_RECIPE.replace("unit: rpm", "unit: furlongs_per_fortnightz")

FINDING_LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+)(?::(?P<column>\d+))?: error: .+ \((?P<rule>[a-z-]+)\)$"
)
SUMMARY_LINE = re.compile(r"^(\d+ file\(s\) valid|\d+ of \d+ file\(s\) invalid, \d+ finding\(s\))$")


def write_yaml(folder: Path, text: str, name: str = "recipe.yaml") -> Path:
    """Write a YAML string to `folder/name` (creating folders) and return its path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def output_lines(result: CommandResult) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.strip()]


def finding_lines(result: CommandResult) -> list[str]:
    return [line for line in output_lines(result) if not SUMMARY_LINE.match(line)]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} is not in the text {occurrence} time(s)")


# --- Valid and invalid files ----------------------------------------------------------


def test_a_valid_recipe_exits_0_with_a_summary(run_cexact: Run, tmp_path: Path) -> None:
    result = run_cexact("validate", write_yaml(tmp_path, VALID_RECIPE))
    assert result.exit_code == 0
    assert output_lines(result) == ["1 file(s) valid"]
    assert result.stderr == ""


def test_an_invalid_recipe_exits_2_with_a_located_finding(run_cexact: Run, tmp_path: Path) -> None:
    path = write_yaml(tmp_path, INVALID_RECIPE)
    result = run_cexact("validate", path)
    assert result.exit_code == 2
    column = INVALID_RECIPE.splitlines()[7].index("unit") + 1
    assert output_lines(result) == [
        f"{path}:8:{column}: error: unknown unit 'furlongs_per_fortnightz' (unit)",
        "1 of 1 file(s) invalid, 1 finding(s)",
    ]


def test_every_finding_is_one_line_in_the_documented_form(run_cexact: Run, tmp_path: Path) -> None:
    text = INVALID_RECIPE.replace("target: 5000", "target: 9000") + "colour: blue\n"
    text = text.replace("role: mother", "role: parent")
    path = write_yaml(tmp_path, text)
    result = run_cexact("validate", path)
    assert result.exit_code == 2
    findings = finding_lines(result)
    assert findings
    for line in findings:
        match = FINDING_LINE.match(line)
        assert match, line
        assert match["file"] == str(path)
    assert SUMMARY_LINE.match(output_lines(result)[-1])


def test_a_yaml_problem_is_a_finding_with_the_yaml_rule(run_cexact: Run, tmp_path: Path) -> None:
    text = VALID_RECIPE.replace('version: "1.0"', "version: 1.10")
    path = write_yaml(tmp_path, text)
    result = run_cexact("validate", path)
    assert result.exit_code == 2
    [finding] = finding_lines(result)
    assert finding.startswith(f"{path}:2:{text.splitlines()[1].index('1.10') + 1}: error: ")
    assert "quote" in finding
    assert finding.endswith("(yaml)")


def test_valid_and_invalid_files_together_exit_2_and_count_both(
    run_cexact: Run, tmp_path: Path
) -> None:
    good = write_yaml(tmp_path, VALID_RECIPE, "good.yaml")
    bad = write_yaml(tmp_path, INVALID_RECIPE, "bad.yaml")
    result = run_cexact("validate", good, bad)
    assert result.exit_code == 2
    assert all(str(good) not in line for line in finding_lines(result))
    assert output_lines(result)[-1] == "1 of 2 file(s) invalid, 1 finding(s)"


# --- The example files ----------------------------------------------------------------

VALID_EXAMPLES = sorted((EXAMPLES / "valid").glob("*.y*ml"))
INVALID_EXAMPLES = sorted((EXAMPLES / "invalid").glob("*.yaml"))


def test_the_valid_example_folder_validates(run_cexact: Run) -> None:
    assert len(VALID_EXAMPLES) >= 3
    result = run_cexact("validate", EXAMPLES / "valid")
    assert result.exit_code == 0, result.stdout
    assert output_lines(result) == [f"{len(VALID_EXAMPLES)} file(s) valid"]


@pytest.mark.parametrize("example", INVALID_EXAMPLES, ids=lambda p: p.stem)
def test_each_invalid_example_is_reported_where_it_is_marked(
    run_cexact: Run, example: Path
) -> None:
    """Each file says `# expect: RULE` and marks the offending line with `# <- error`."""
    text = example.read_text(encoding="utf-8")
    rule = re.search(r"^# expect: ([a-z-]+)$", text, re.MULTILINE)
    assert rule, "the example names the rule it expects"
    marked = [n for n, line in enumerate(text.splitlines(), 1) if line.endswith("# <- error")]
    assert len(marked) == 1, "the example marks exactly one line"
    result = run_cexact("validate", example)
    assert result.exit_code == 2
    [finding] = finding_lines(result)
    match = FINDING_LINE.match(finding)
    assert match, finding
    assert (match["file"], int(match["line"]), match["rule"]) == (
        str(example),
        marked[0],
        rule[1],
    )


# --- Folders --------------------------------------------------------------------------


def test_a_folder_is_searched_recursively_for_yaml_and_yml(run_cexact: Run, tmp_path: Path) -> None:
    write_yaml(tmp_path, VALID_RECIPE, "a.yaml")
    write_yaml(tmp_path, VALID_RECIPE, "site/b.yml")
    write_yaml(tmp_path, VALID_RECIPE, "site/deeper/c.yaml")
    write_yaml(tmp_path, "not: [yaml", "notes.txt")
    result = run_cexact("validate", tmp_path)
    assert result.exit_code == 0, result.stdout
    assert output_lines(result) == ["3 file(s) valid"]


def test_an_invalid_file_deep_in_a_folder_is_found(run_cexact: Run, tmp_path: Path) -> None:
    write_yaml(tmp_path, VALID_RECIPE, "a.yaml")
    bad = write_yaml(tmp_path, INVALID_RECIPE, "site/deeper/bad.yml")
    result = run_cexact("validate", tmp_path)
    assert result.exit_code == 2
    [finding] = finding_lines(result)
    assert finding.startswith(f"{bad}:8:")
    assert output_lines(result)[-1] == "1 of 2 file(s) invalid, 1 finding(s)"


def test_hidden_folders_are_skipped(run_cexact: Run, tmp_path: Path) -> None:
    write_yaml(tmp_path, VALID_RECIPE, "a.yaml")
    write_yaml(tmp_path, INVALID_RECIPE, ".git/broken.yaml")
    write_yaml(tmp_path, INVALID_RECIPE, "site/.cache/broken.yml")
    result = run_cexact("validate", tmp_path)
    assert result.exit_code == 0, result.stdout
    assert output_lines(result) == ["1 file(s) valid"]


def test_a_folder_without_yaml_files_is_an_error(run_cexact: Run, tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("nothing here\n", encoding="utf-8")
    result = run_cexact("validate", tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith("cexact: error: ")
    assert str(tmp_path) in result.stderr


def test_a_nonexistent_path_is_a_one_line_error(run_cexact: Run, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-recipe.yaml"
    result = run_cexact("validate", missing)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("cexact: error: ")
    assert str(missing) in lines[0]
    assert "Traceback" not in result.stderr


def test_a_nonexistent_path_among_good_ones_validates_nothing(
    run_cexact: Run, tmp_path: Path
) -> None:
    good = write_yaml(tmp_path, VALID_RECIPE)
    result = run_cexact("validate", good, tmp_path / "missing.yaml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("cexact: error: ")


# --- Output formats and files ---------------------------------------------------------


def test_json_output_parses_and_describes_each_file(run_cexact: Run, tmp_path: Path) -> None:
    good = write_yaml(tmp_path, VALID_RECIPE, "good.yaml")
    bad = write_yaml(tmp_path, INVALID_RECIPE, "bad.yaml")
    result = run_cexact("validate", "--format", "json", good, bad)
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["summary"] == {"files": 2, "invalid": 1, "findings": 1}
    files = {entry["path"]: entry for entry in report["files"]}
    assert files[str(good)]["valid"] is True
    assert files[str(good)]["findings"] == []
    assert files[str(bad)]["valid"] is False
    [finding] = files[str(bad)]["findings"]
    assert finding["rule"] == "unit"
    assert finding["line"] == 8
    assert "furlongs_per_fortnightz" in finding["message"]


def test_json_output_for_a_valid_file(run_cexact: Run, tmp_path: Path) -> None:
    result = run_cexact("validate", "-f", "json", write_yaml(tmp_path, VALID_RECIPE))
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["valid"] is True
    assert report["summary"]["findings"] == 0
    assert all(entry["findings"] == [] for entry in report["files"])


def test_an_unknown_format_is_a_usage_error(run_cexact: Run, tmp_path: Path) -> None:
    result = run_cexact("validate", "--format", "xml", write_yaml(tmp_path, VALID_RECIPE))
    assert result.exit_code == 2
    assert result.stderr.startswith("cexact: error: ")
    assert "xml" in result.stderr


@pytest.mark.parametrize("option", ["-o", "--output"])
def test_the_report_can_be_written_to_a_file(run_cexact: Run, tmp_path: Path, option: str) -> None:
    bad = write_yaml(tmp_path, INVALID_RECIPE)
    report = tmp_path / "out" / "report.txt"
    report.parent.mkdir()
    result = run_cexact("validate", option, report, bad)
    assert result.exit_code == 2
    assert result.stdout == ""
    written = report.read_text(encoding="utf-8").splitlines()
    assert written[0].startswith(f"{bad}:8:")
    assert written[-1] == "1 of 1 file(s) invalid, 1 finding(s)"


def test_a_json_report_can_be_written_to_a_file(run_cexact: Run, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = run_cexact("validate", "-f", "json", "-o", report, write_yaml(tmp_path, VALID_RECIPE))
    assert result.exit_code == 0
    assert json.loads(report.read_text(encoding="utf-8"))["valid"] is True


def test_max_file_size_refuses_larger_files(run_cexact: Run, tmp_path: Path) -> None:
    path = write_yaml(tmp_path, VALID_RECIPE)
    size = path.stat().st_size
    result = run_cexact("validate", "--max-file-size", str(size - 1), path)
    assert result.exit_code == 2
    [finding] = finding_lines(result)
    assert finding.startswith(f"{path}")
    assert f"{size - 1:,}-byte limit" in finding
    assert finding.endswith("(yaml)")


def test_max_file_size_allows_files_up_to_the_limit(run_cexact: Run, tmp_path: Path) -> None:
    path = write_yaml(tmp_path, VALID_RECIPE)
    result = run_cexact("validate", "--max-file-size", str(path.stat().st_size), path)
    assert result.exit_code == 0


@pytest.mark.parametrize("size", ["0", "-5", "lots"])
def test_a_nonsense_max_file_size_is_a_usage_error(
    run_cexact: Run, tmp_path: Path, size: str
) -> None:
    result = run_cexact("validate", "--max-file-size", size, write_yaml(tmp_path, VALID_RECIPE))
    assert result.exit_code == 2
    assert result.stderr.startswith("cexact: error: ")


# --- The rest of the command line -----------------------------------------------------


def test_version(run_cexact: Run) -> None:
    result = run_cexact("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"cexact {__version__}"


def test_bare_cexact_prints_help_and_exits_0(run_cexact: Run) -> None:
    result = run_cexact()
    assert result.exit_code == 0
    assert "Usage" in result.stdout
    assert "validate" in result.stdout
    assert "schema" in result.stdout


def test_validate_help(run_cexact: Run) -> None:
    result = run_cexact("validate", "--help")
    assert result.exit_code == 0
    assert "--format" in result.stdout
    assert "--max-file-size" in result.stdout


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("validate", "--no-such-option", "x.yaml"), "--no-such-option"),
        (("--no-such-option",), "--no-such-option"),
        (("frobnicate",), "frobnicate"),
    ],
    ids=["validate-option", "global-option", "command"],
)
def test_unknown_options_and_commands_exit_2(
    run_cexact: Run, args: tuple[str, ...], named: str
) -> None:
    result = run_cexact(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("cexact: error: ")
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_without_a_path_exits_2(run_cexact: Run) -> None:
    result = run_cexact("validate")
    assert result.exit_code == 2
    assert result.stderr.startswith("cexact: error: ")


def _stage_annotations(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "x-cexact-stage" in node:
            yield node["x-cexact-stage"]
        for value in node.values():
            yield from _stage_annotations(value)
    elif isinstance(node, list):
        for value in node:
            yield from _stage_annotations(value)


@pytest.mark.parametrize("args", [("schema",), ("schema", "recipe")])
def test_schema_prints_the_recipe_json_schema(run_cexact: Run, args: tuple[str, ...]) -> None:
    result = run_cexact(*args)
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["type"] == "object"
    assert {"cexact", "line", "steps"} <= set(schema["required"])
    stages = set(_stage_annotations(schema))
    assert {"make-it-work", "process-output-matching", "copy-exactly", "system-synergy"} <= stages


def test_an_unknown_schema_exits_2(run_cexact: Run) -> None:
    result = run_cexact("schema", "nope")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("cexact: error: ")
    assert "nope" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_the_installed_command_runs_as_a_real_process(tmp_path: Path) -> None:
    result = run_cexact_process("validate", write_yaml(tmp_path, INVALID_RECIPE))
    assert result.exit_code == 2
    assert "furlongs_per_fortnightz" in result.stdout
    assert "Traceback" not in result.stderr


# --- The sample lines -----------------------------------------------------------------


def _sample_recipes() -> list[Path]:
    if not SAMPLE_LINES.is_dir():
        return []
    found = sorted([*SAMPLE_LINES.rglob("*.yaml"), *SAMPLE_LINES.rglob("*.yml")])
    return [
        path
        for path in found
        if re.search(r"^steps:", path.read_text(encoding="utf-8", errors="replace"), re.M)
    ]


SAMPLE_RECIPES = _sample_recipes()
NO_SAMPLES = pytest.mark.skipif(
    not SAMPLE_RECIPES, reason="no sample recipes in sample_lines/ yet (sample_lines/**/*.yaml)"
)


def _sample_params() -> list[Any]:
    if not SAMPLE_RECIPES:
        return [pytest.param(None, marks=NO_SAMPLES, id="no-samples")]
    return [pytest.param(p, id=str(p.relative_to(SAMPLE_LINES))) for p in SAMPLE_RECIPES]


@NO_SAMPLES
def test_the_sample_lines_are_valid(run_cexact: Run) -> None:
    result = run_cexact("validate", SAMPLE_LINES)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert SUMMARY_LINE.match(output_lines(result)[-1])


Breakage = tuple[str, int, str, str]
"""(broken text, expected line, expected rule, a phrase the message must contain)."""


def _unknown_unit_under(section: str) -> Callable[[str], Breakage | None]:
    """A breakage: the first quantity or output under `section:` gets an unknown unit."""

    def breakage(text: str) -> Breakage | None:
        lines = text.splitlines(keepends=True)
        enclosing: list[tuple[int, str]] = []  # (indent, key) of the open block mappings
        for index, line in enumerate(lines):
            stripped = line.lstrip(" ")
            if not stripped.strip() or stripped.startswith("#"):
                continue
            indent = len(line) - len(stripped)
            while enclosing and enclosing[-1][0] >= indent:
                enclosing.pop()
            block_key = re.match(r"([A-Za-z_][\w-]*):\s*(#.*)?$", stripped)
            if block_key:
                enclosing.append((indent, block_key[1]))
                continue
            flow = re.match(r"[\w.-]+: \{.*\bunit: ([^,}\s]+)", stripped)
            block = re.match(r"unit: ([^\s#]+)", stripped)
            parents = [key for _, key in enclosing]
            unit = (flow if parents[-1:] == [section] else None) or (
                block if parents[-2:-1] == [section] else None
            )
            if unit:
                start, end = unit.start(1) + indent, unit.end(1) + indent
                lines[index] = line[:start] + "furlongs_per_fortnightz" + line[end:]
                return "".join(lines), index + 1, "unit", "unknown unit 'furlongs_per_fortnightz'"
        return None

    return breakage


def _duplicate_step_id(text: str) -> Breakage | None:
    """Give the second step the first step's id."""
    lines = text.splitlines(keepends=True)
    try:
        start = next(i for i, line in enumerate(lines) if re.match(r"steps:\s*(#.*)?$", line))
    except StopIteration:
        return None
    items: list[tuple[int, re.Match[str]]] = []
    step_indent: int | None = None
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if re.match(r"[^\s#-]", line):  # the next top-level key ends the steps
            break
        item = re.match(r"( *)- id: ([^\s#]+)", line)
        if item is None:
            continue
        if step_indent is None:
            step_indent = len(item[1])
        if len(item[1]) == step_indent:
            items.append((index, item))
    if len(items) < 2:
        return None
    (first_index, first), (second_index, second) = items[0], items[1]
    line = lines[second_index]
    lines[second_index] = line[: second.start(2)] + first[2] + line[second.end(2) :]
    message = f"first on line {first_index + 1}"
    return "".join(lines), second_index + 1, "duplicate-id", message


def _unquoted_version(text: str) -> Breakage | None:
    """Remove the quotes around the first version that looks like a number."""
    pattern = re.compile(r'\b(?:version|software|firmware|revision): "(\d+(?:\.\d+)?)"')
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        match = pattern.search(line)
        if match:
            quoted = f'"{match[1]}"'
            lines[index] = line.replace(quoted, match[1], 1)
            return "".join(lines), index + 1, "yaml", "quote"
    return None


def _unknown_top_level_key(text: str) -> Breakage | None:
    """Add `colour: blue` right after the `cexact: 1` line."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if re.match(r"cexact:\s*1\s*(#.*)?$", line):
            lines.insert(index + 1, "colour: blue\n")
            return "".join(lines), index + 2, "schema", "unknown field 'colour'"
    return None


def _duplicate_top_level_key(text: str) -> Breakage | None:
    """Write the `cexact: 1` line twice."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if re.match(r"cexact:\s*1\s*(#.*)?$", line):
            lines.insert(index + 1, "cexact: 1\n")
            return "".join(lines), index + 2, "yaml", f"first on line {index + 1}"
    return None


BREAKAGES: dict[str, Callable[[str], Breakage | None]] = {
    "unknown-unit-in-environment": _unknown_unit_under("environment"),
    "unknown-unit-in-parameters": _unknown_unit_under("parameters"),
    "unknown-unit-in-outputs": _unknown_unit_under("outputs"),
    "duplicate-step-id": _duplicate_step_id,
    "unquoted-version": _unquoted_version,
    "unknown-key": _unknown_top_level_key,
    "duplicate-key": _duplicate_top_level_key,
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
@pytest.mark.parametrize("sample", _sample_params())
def test_a_broken_copy_of_a_sample_recipe_is_reported_at_the_broken_line(
    run_cexact: Run, tmp_path: Path, sample: Path, breakage: str
) -> None:
    original = sample.read_text(encoding="utf-8")
    broken = BREAKAGES[breakage](original)
    if broken is None:
        pytest.skip(f"{sample.name} has nothing to break this way ({breakage})")
    text, line, rule, phrase = broken
    assert text != original
    copy = tmp_path / sample.name
    copy.write_text(text, encoding="utf-8")
    result = run_cexact("validate", copy)
    assert result.exit_code == 2, result.stdout
    located = [f for f in finding_lines(result) if f.startswith(f"{copy}:{line}:")]
    assert located, f"expected a finding at line {line}:\n{result.stdout}"
    assert located[0].endswith(f"({rule})")
    assert phrase in located[0]


@NO_SAMPLES
def test_a_sample_recipe_copied_elsewhere_is_still_valid(run_cexact: Run, tmp_path: Path) -> None:
    copies = []
    for index, sample in enumerate(SAMPLE_RECIPES):
        copy = tmp_path / f"{index}-{sample.name}"
        shutil.copyfile(sample, copy)
        copies.append(copy)
    result = run_cexact("validate", *copies)
    assert result.exit_code == 0, result.stdout


# --- The YAML test suite --------------------------------------------------------------

CORPUS_CASES = sorted(CORPUS.glob("*/in.yaml"))


def test_the_corpus_copy_is_present() -> None:
    assert len(CORPUS_CASES) >= 40
    assert (CORPUS / "LICENSE").is_file()
    assert sum(1 for case in CORPUS_CASES if (case.parent / "error").exists()) >= 5


@pytest.mark.parametrize("case", CORPUS_CASES, ids=lambda p: p.parent.name)
def test_every_yaml_test_suite_case_gets_a_clean_answer(run_cexact: Run, case: Path) -> None:
    result = run_cexact("validate", case)
    assert result.exit_code in (0, 2)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == ""
    lines = output_lines(result)
    assert lines
    for line in lines[:-1]:
        match = FINDING_LINE.match(line)
        assert match, line
        assert match["file"] == str(case)
    assert SUMMARY_LINE.match(lines[-1]), lines[-1]


@pytest.mark.parametrize(
    "case",
    [case for case in CORPUS_CASES if (case.parent / "error").exists()],
    ids=lambda p: p.parent.name,
)
def test_yaml_the_suite_calls_invalid_is_reported_as_a_yaml_error(
    run_cexact: Run, case: Path
) -> None:
    result = run_cexact("validate", case)
    assert result.exit_code == 2
    [finding] = finding_lines(result)
    assert finding.endswith("(yaml)")
    assert FINDING_LINE.match(finding), finding


@pytest.mark.skipif(
    not FULL_CORPUS.is_dir(), reason=f"the full YAML test suite is not at {FULL_CORPUS}"
)
def test_the_whole_yaml_test_suite_gets_clean_answers() -> None:
    # Named one by one: under a folder, YAML that is not cexact's would be passed over.
    result = run_cexact_process("validate", *sorted(FULL_CORPUS.rglob("*.yaml")))
    assert result.exit_code in (0, 2)
    assert "Traceback" not in result.stdout + result.stderr
    lines = output_lines(result)
    assert SUMMARY_LINE.match(lines[-1]), lines[-1]
    for line in lines[:-1]:
        assert FINDING_LINE.match(line), line


def test_an_unknown_unit_in_free_form_configuration_is_a_warning(run_cexact: Run) -> None:
    case = ROOT / "tests" / "cases" / "configuration-unknown-unit-stays-a-mapping" / "child.yaml"
    result = run_cexact("validate", case)
    assert result.exit_code == 0
    assert f"{case}:60:30: warning: unknown unit 'mesh-number'" in result.stdout
    assert result.stdout.rstrip().endswith("1 file(s) valid, 1 warning(s)")
