"""`cexact diff`'s core: compare a child recipe with its mother, classify, decide.

Returns one `DiffResult`; renderers turn it into terminal text, JSON, Markdown.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cexact.differ import Difference, RecipeDiffer
from cexact.model import NOT_COMPARED, Deviation, SourceLocation, Stage
from cexact.policy import DEFAULT_POLICY, Policy
from cexact.recipes import load_recipe_source
from cexact.schema_annotations import annotated_schema
from cexact.waivers import DEFAULT_EXPIRING_WITHIN_DAYS, Waiver, WaiverOutcome, apply_waivers
from cexact.yaml_loader import (
    DEFAULT_LIMITS,
    LoadedDocument,
    LoadLimits,
    PathKey,
    read_source_bytes,
)

if TYPE_CHECKING:
    from cexact.git_source import GitProvenance, RecipeSource
    from cexact.matching import MatchReport

DEFAULT_REQUIRED_STAGE = Stage.COPY_EXACTLY


@dataclass(frozen=True, slots=True)
class RecipeSummary:
    """Which recipe was compared: enough to find it again and prove it unchanged."""

    path: str
    line_id: str
    site: str
    role: str
    version: str
    sha256: str
    commit: str | None = None
    """The git commit the recipe was read at (or the HEAD of its working tree)."""
    dirty: bool | None = None
    """Whether the working file differs from that commit (None: not in git)."""

    @classmethod
    def of(cls, document: LoadedDocument, provenance: GitProvenance | None = None) -> RecipeSummary:
        line = document.data["line"]
        return cls(
            path=document.source,
            line_id=line["id"],
            site=line["site"],
            role=line["role"],
            version=line["version"],
            sha256=document.sha256,
            commit=provenance.commit if provenance else None,
            dirty=provenance.dirty if provenance else None,
        )


@dataclass(frozen=True, slots=True)
class StageCount:
    stage: Stage
    open: int
    waived: int


@dataclass(frozen=True, slots=True)
class DiffResult:
    """The one result of comparing a child with its mother."""

    mother: RecipeSummary
    child: RecipeSummary
    required: Stage
    achieved: Stage | None
    deviations: tuple[Deviation, ...]
    notes: tuple[str, ...] = ()
    waivers: tuple[WaiverOutcome, ...] = ()
    """What each waiver for this child site did (covered, expired, unused)."""
    today: datetime.date | None = None
    """The date waiver expiry was judged on."""
    matching: MatchReport | None = None
    """The statistical matching of measured outputs, when measurements were given."""

    @property
    def passed(self) -> bool:
        return self.achieved is not None and self.achieved.rank >= self.required.rank

    @property
    def counts(self) -> tuple[StageCount, ...]:
        return tuple(
            StageCount(
                stage,
                sum(1 for d in self.deviations if d.stage is stage and not d.waived),
                sum(1 for d in self.deviations if d.stage is stage and d.waived),
            )
            for stage in Stage.ordered()
        )


def achieved_stage(deviations: Iterable[Deviation]) -> Stage | None:
    """The highest stage with no open deviation at it or below; None if make-it-work fails."""
    blocking = {d.stage for d in deviations if not d.waived}
    achieved: Stage | None = None
    for stage in Stage.ordered():
        if stage in blocking:
            break
        achieved = stage
    return achieved


def classify(
    differences: Iterable[Difference],
    policy: Policy,
    mother: LoadedDocument,
    child: LoadedDocument,
    measured: Iterable[Deviation] = (),
) -> tuple[Deviation, ...]:
    """Deviations with their stage (schema annotation, then policy), sorted.

    `measured` are deviations found in measurement data (output matching):
    the policy applies to them too, and they are ordered by their step.
    """
    step_order = {step["id"]: index for index, step in enumerate(mother.data["steps"])}
    deviations = []
    for deviation in measured:
        stage_name = policy.stage_for(deviation.path, deviation.stage.value)
        if stage_name != NOT_COMPARED:
            order = step_order.get(deviation.step, -1) if deviation.step else -1
            deviations.append((order, replace(deviation, stage=Stage(stage_name))))
    for difference in differences:
        stage_name = policy.stage_for(difference.path, difference.stage)
        if stage_name == NOT_COMPARED:
            continue
        deviations.append(
            (
                difference.order,
                Deviation(
                    path=difference.path,
                    kind=difference.kind,
                    stage=Stage(stage_name),
                    severity=difference.severity,
                    mother=difference.mother,
                    child=difference.child,
                    mother_location=_located(mother, difference.mother_path),
                    child_location=_located(child, difference.child_path),
                    step=difference.step,
                    detail=difference.detail,
                ),
            )
        )
    deviations.sort(key=lambda pair: (pair[1].stage.rank, pair[0], pair[1].path))
    return tuple(deviation for _, deviation in deviations)


def _located(document: LoadedDocument, path: PathKey | None) -> SourceLocation | None:
    if path is None:
        return None
    position = document.position_of(path)
    if position is None:
        return None
    return SourceLocation(document.source, position[0], position[1])


def compare_documents(
    mother: LoadedDocument,
    child: LoadedDocument,
    *,
    required: Stage | None = None,
    policy: Policy = DEFAULT_POLICY,
    waivers: Sequence[Waiver] = (),
    today: datetime.date | None = None,
    expiring_within_days: int = DEFAULT_EXPIRING_WITHIN_DAYS,
    mother_provenance: GitProvenance | None = None,
    child_provenance: GitProvenance | None = None,
    matching: MatchReport | None = None,
) -> DiffResult:
    """Compare, classify, apply waivers and decide the achieved stage.

    With `matching` (the sites' measured outputs), outputs that do not match
    are process-output-matching deviations like any other.
    """
    today = today or datetime.date.today()
    differences = RecipeDiffer(annotated_schema("recipe")).diff(
        mother.data, child.data, mother.boolean_paths, child.boolean_paths
    )
    deviations, outcomes = apply_waivers(
        classify(
            differences,
            policy,
            mother,
            child,
            _measured_deviations(matching),
        ),
        waivers,
        line_id=child.data["line"]["id"],
        site=child.data["line"]["site"],
        today=today,
        expiring_within_days=expiring_within_days,
    )
    return DiffResult(
        mother=RecipeSummary.of(mother, mother_provenance),
        child=RecipeSummary.of(child, child_provenance),
        required=required
        or policy.required_for(child.data["line"]["id"], child.data["line"]["site"])
        or DEFAULT_REQUIRED_STAGE,
        achieved=achieved_stage(deviations),
        deviations=deviations,
        notes=tuple(_transfer_notes(mother.data, child.data)),
        waivers=outcomes,
        today=today,
        matching=matching,
    )


def _transfer_notes(mother: dict[str, Any], child: dict[str, Any]) -> Iterable[str]:
    """Things an engineer should know about the pair that are not deviations."""
    reference = child["line"].get("mother")
    if child["line"]["role"] != "child":
        yield f"the second recipe's role is {child['line']['role']!r}, not 'child'"
    if reference is not None:
        if reference["site"] != mother["line"]["site"]:
            yield (
                f"the child names mother site {reference['site']!r}; "
                f"compared with {mother['line']['site']!r}"
            )
        if reference["version"] != mother["line"]["version"]:
            yield (
                f"the child was transferred from mother version {reference['version']}; "
                f"compared with version {mother['line']['version']}"
            )


def compare_files(
    mother_path: Path,
    child_path: Path,
    *,
    required: Stage | None = None,
    policy: Policy = DEFAULT_POLICY,
    limits: LoadLimits = DEFAULT_LIMITS,
    use_cache: bool = True,
    waivers: Sequence[Waiver] = (),
    today: datetime.date | None = None,
) -> DiffResult:
    """Compare two recipe files (no git provenance is looked up)."""
    from cexact.git_source import RecipeSource

    def source(path: Path) -> RecipeSource:
        return RecipeSource(str(path), read_source_bytes(path, limits), None, path)

    return compare_sources(
        source(mother_path),
        source(child_path),
        required=required,
        policy=policy,
        limits=limits,
        use_cache=use_cache,
        waivers=waivers,
        today=today,
    )


def compare_sources(
    mother: RecipeSource,
    child: RecipeSource,
    *,
    required: Stage | None = None,
    policy: Policy = DEFAULT_POLICY,
    limits: LoadLimits = DEFAULT_LIMITS,
    use_cache: bool = True,
    waivers: Sequence[Waiver] = (),
    today: datetime.date | None = None,
    measurements: Path | None = None,
) -> DiffResult:
    """Compare recipes read from files or git revisions, recording their provenance.

    With `measurements`, a folder of per-site CSV files (`<site>.csv`), the
    sites' measured outputs are matched statistically too.
    """
    mother_document = load_recipe_source(mother, limits, use_cache=use_cache)
    child_document = load_recipe_source(child, limits, use_cache=use_cache)
    matching = None
    if measurements is not None:
        from cexact.matching import match_sites

        matching = match_sites(measurements, mother_document, child_document, required=True)
    return compare_documents(
        mother_document,
        child_document,
        matching=matching,
        required=required,
        policy=policy,
        waivers=waivers,
        today=today,
        mother_provenance=mother.provenance,
        child_provenance=child.provenance,
    )


def _measured_deviations(matching: MatchReport | None) -> tuple[Deviation, ...]:
    if matching is None:
        return ()
    from cexact.matching import deviations_from_matches  # numpy: only when used

    return deviations_from_matches(matching)
