"""`cexact diff`'s core: compare a child recipe with its mother, classify, decide.

Returns one `DiffResult`; renderers turn it into terminal text, JSON, Markdown.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cexact.compare import gate, stored
from cexact.compare.classify import classify
from cexact.compare.differ import RecipeDiffer
from cexact.compare.gate import StageCount
from cexact.compare.policy import DEFAULT_POLICY, Policy
from cexact.compare.stored import StoredComparison, comparison_key
from cexact.compare.waivers import (
    DEFAULT_EXPIRING_WITHIN_DAYS,
    Waiver,
    WaiverOutcome,
    apply_waivers,
)
from cexact.model import AppliedFile, Deviation, Finding, Stage
from cexact.recipe.annotations import annotated_schema
from cexact.recipe.loader import (
    DEFAULT_LIMITS,
    LoadedDocument,
    LoadLimits,
)

if TYPE_CHECKING:
    from cexact.commands.match_results import MatchReport
    from cexact.recipe.cache import ParseCache
    from cexact.recipe.git_source import GitProvenance, RecipeSource

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
        return cls.of_line(document.source, document.data["line"], document.sha256, provenance)

    @classmethod
    def of_line(
        cls,
        path: str,
        line: dict[str, Any],
        sha256: str,
        provenance: GitProvenance | None = None,
    ) -> RecipeSummary:
        """From a valid recipe's `line` header."""
        return cls(
            path=path,
            line_id=line["id"],
            site=line["site"],
            role=line["role"],
            version=line["version"],
            sha256=sha256,
            commit=provenance.commit if provenance else None,
            dirty=provenance.dirty if provenance else None,
        )


@dataclass(frozen=True, slots=True)
class DiffResult:
    """The one result of comparing a child with its mother.

    The deviations are judged against `required` when the result is made
    (`cexact.compare.gate`); what the child achieves, whether it passes and
    the per-stage counts follow from them.
    """

    mother: RecipeSummary
    child: RecipeSummary
    required: Stage
    deviations: tuple[Deviation, ...]
    notes: tuple[str, ...] = ()
    waivers: tuple[WaiverOutcome, ...] = ()
    """What each waiver for this child site did (covered, expired, unused)."""
    today: datetime.date | None = None
    """The date waiver expiry was judged on."""
    matching: MatchReport | None = None
    """The statistical matching of measured outputs, when measurements were given."""
    project_file: AppliedFile | None = None
    """The project file applied (None: none was found)."""
    waiver_files: tuple[AppliedFile, ...] = ()
    """The waiver files read for this comparison."""
    waivers_not_applied: tuple[Finding, ...] = ()
    """For each waiver file for this site that failed to load, its first error: its
    waivers were not applied (`check` goes on; `diff` stops at such a file)."""
    achieved: Stage | None = field(init=False)
    """The highest stage with no open deviation at it or below (None: not even make-it-work)."""
    counts: tuple[StageCount, ...] = field(init=False, repr=False)
    """Per stage: its own open and waived deviations, and its state."""

    def __post_init__(self) -> None:
        deviations = gate.judge(self.deviations, self.required)
        achieved = gate.achieved_stage(deviations)
        object.__setattr__(self, "deviations", deviations)
        object.__setattr__(self, "achieved", achieved)
        object.__setattr__(self, "counts", gate.stage_counts(deviations, self.required, achieved))

    @property
    def passed(self) -> bool:
        return gate.meets(self.achieved, self.required)

    @property
    def blocking_deviations(self) -> tuple[Deviation, ...]:
        """The deviations that fail the gate (none when the child passes)."""
        return tuple(d for d in self.deviations if d.blocking)

    def count(self, stage: Stage) -> StageCount:
        return self.counts[stage.rank - 1]


def compare_documents(
    mother: LoadedDocument,
    child: LoadedDocument,
    *,
    required: Stage | None = None,
    policy: Policy = DEFAULT_POLICY,
    waivers: Sequence[Waiver] = (),
    waiver_files: Sequence[AppliedFile] = (),
    today: datetime.date | None = None,
    expiring_within_days: int = DEFAULT_EXPIRING_WITHIN_DAYS,
    mother_provenance: GitProvenance | None = None,
    child_provenance: GitProvenance | None = None,
    matching: MatchReport | None = None,
) -> DiffResult:
    """Compare, classify, apply waivers and decide the achieved stage.

    With `matching` (the sites' measured outputs), outputs that do not match
    are process-output-matching deviations like any other. `waiver_files`
    (the files `waivers` were read from) and the policy's project file are
    recorded for the audit trail.
    """
    comparison = StoredComparison(
        mother.data["line"],
        child.data["line"],
        classified_deviations(mother, child, policy, matching),
    )
    return decide(
        comparison,
        RecipeSummary.of(mother, mother_provenance),
        RecipeSummary.of(child, child_provenance),
        required=required,
        policy=policy,
        waivers=waivers,
        waiver_files=waiver_files,
        today=today,
        expiring_within_days=expiring_within_days,
        matching=matching,
    )


def classified_deviations(
    mother: LoadedDocument,
    child: LoadedDocument,
    policy: Policy,
    matching: MatchReport | None = None,
) -> tuple[Deviation, ...]:
    """Every deviation of the child from the mother, classified and ordered."""
    differences = RecipeDiffer(annotated_schema("recipe")).diff(mother.data, child.data)
    return classify(differences, policy, mother, child, _measured_deviations(matching))


def decide(
    comparison: StoredComparison,
    mother: RecipeSummary,
    child: RecipeSummary,
    *,
    required: Stage | None = None,
    policy: Policy = DEFAULT_POLICY,
    waivers: Sequence[Waiver] = (),
    waiver_files: Sequence[AppliedFile] = (),
    today: datetime.date | None = None,
    expiring_within_days: int = DEFAULT_EXPIRING_WITHIN_DAYS,
    matching: MatchReport | None = None,
) -> DiffResult:
    """Apply waivers and the gate to a comparison's deviations: the result, with the
    project file (the policy's) and the waiver files applied recorded."""
    today = today or datetime.date.today()
    line_id, site = comparison.child_line["id"], comparison.child_line["site"]
    deviations, outcomes = apply_waivers(
        comparison.deviations,
        waivers,
        line_id=line_id,
        site=site,
        today=today,
        expiring_within_days=expiring_within_days,
    )
    return DiffResult(
        mother=mother,
        child=child,
        required=required or policy.required_for(line_id, site) or DEFAULT_REQUIRED_STAGE,
        deviations=deviations,
        notes=tuple(_transfer_notes(comparison.mother_line, comparison.child_line)),
        waivers=outcomes,
        today=today,
        matching=matching,
        project_file=policy.file,
        waiver_files=tuple(waiver_files),
    )


def _transfer_notes(mother: dict[str, Any], child: dict[str, Any]) -> Iterable[str]:
    """Things an engineer should know about the pair that are not deviations (`line`s)."""
    reference = child.get("mother")
    if child["role"] != "child":
        yield f"the second recipe's role is {child['role']!r}, not 'child'"
    if reference is not None:
        if reference["site"] != mother["site"]:
            yield (
                f"the child names mother site {reference['site']!r}; "
                f"compared with {mother['site']!r}"
            )
        if reference["version"] != mother["version"]:
            yield (
                f"the child was transferred from mother version {reference['version']}; "
                f"compared with version {mother['version']}"
            )


def compare_sources(
    mother: RecipeSource,
    child: RecipeSource,
    *,
    required: Stage | None = None,
    policy: Policy = DEFAULT_POLICY,
    limits: LoadLimits = DEFAULT_LIMITS,
    cache: ParseCache | None = None,
    waivers: Sequence[Waiver] = (),
    waiver_files: Sequence[AppliedFile] = (),
    today: datetime.date | None = None,
    expiring_within_days: int = DEFAULT_EXPIRING_WITHIN_DAYS,
    measurements: Path | None = None,
    measurements_required: bool = True,
) -> DiffResult:
    """Compare recipes read from files or git revisions, recording their provenance.

    With `measurements`, a folder of per-site CSV files (`<site>.csv`), the
    sites' measured outputs are matched statistically too (a site without a
    file is a usage error when `measurements_required`, else not matched).
    With a `cache`, a pair compared before (same bytes, same classification
    rules) is not loaded again: its stored deviations get today's waivers.
    """

    def settle(
        comparison: StoredComparison,
        mother_summary: RecipeSummary,
        child_summary: RecipeSummary,
        matching: MatchReport | None = None,
    ) -> DiffResult:
        return decide(
            comparison,
            mother_summary,
            child_summary,
            required=required,
            policy=policy,
            waivers=waivers,
            waiver_files=waiver_files,
            today=today,
            expiring_within_days=expiring_within_days,
            matching=matching,
        )

    if measurements is None and cache is not None:
        key = comparison_key(_sha256(mother), _sha256(child), policy)
        found = stored.unpack(cache.lookup_value(stored.KIND, key), mother.display, child.display)
        if found is not None:
            return settle(
                found,
                RecipeSummary.of_line(
                    mother.display, found.mother_line, _sha256(mother), mother.provenance
                ),
                RecipeSummary.of_line(
                    child.display, found.child_line, _sha256(child), child.provenance
                ),
            )
    from cexact.recipe.reading import load_recipe_sources  # YAML and validation: on a miss

    mother_document, child_document = load_recipe_sources((mother, child), limits, cache=cache)
    matching = None
    if measurements is not None:
        from cexact.commands.match import match_sites

        matching = match_sites(
            measurements, mother_document, child_document, required=measurements_required
        )
    comparison = StoredComparison(
        mother_document.data["line"],
        child_document.data["line"],
        classified_deviations(mother_document, child_document, policy, matching),
    )
    if matching is None and cache is not None:
        key = comparison_key(mother_document.sha256, child_document.sha256, policy)
        cache.store_value(stored.KIND, key, stored.pack(comparison, mother.display, child.display))
    return settle(
        comparison,
        RecipeSummary.of(mother_document, mother.provenance),
        RecipeSummary.of(child_document, child.provenance),
        matching,
    )


def _sha256(source: RecipeSource) -> str:
    return hashlib.sha256(source.content).hexdigest()


def _measured_deviations(matching: MatchReport | None) -> tuple[Deviation, ...]:
    if matching is None:
        return ()
    from cexact.commands.match_results import deviations_from_matches  # numpy: only when used

    return deviations_from_matches(matching)
