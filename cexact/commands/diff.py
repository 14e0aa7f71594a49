"""`cexact diff`'s core: compare a child recipe with its mother, classify, decide.

Returns one `DiffResult`; renderers turn it into terminal text, JSON, Markdown.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cexact.compare import gate
from cexact.compare.classify import classify
from cexact.compare.differ import RecipeDiffer
from cexact.compare.gate import StageCount
from cexact.compare.policy import DEFAULT_POLICY, Policy
from cexact.compare.waivers import (
    DEFAULT_EXPIRING_WITHIN_DAYS,
    Waiver,
    WaiverOutcome,
    apply_waivers,
)
from cexact.model import Deviation, Stage
from cexact.recipe.annotations import annotated_schema
from cexact.recipe.loader import (
    DEFAULT_LIMITS,
    LoadedDocument,
    LoadLimits,
)
from cexact.recipe.reading import load_recipe_sources

if TYPE_CHECKING:
    from cexact.commands.match import MatchReport
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
    differences = RecipeDiffer(annotated_schema("recipe")).diff(mother.data, child.data)
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


def compare_sources(
    mother: RecipeSource,
    child: RecipeSource,
    *,
    required: Stage | None = None,
    policy: Policy = DEFAULT_POLICY,
    limits: LoadLimits = DEFAULT_LIMITS,
    cache: ParseCache | None = None,
    waivers: Sequence[Waiver] = (),
    today: datetime.date | None = None,
    measurements: Path | None = None,
) -> DiffResult:
    """Compare recipes read from files or git revisions, recording their provenance.

    With `measurements`, a folder of per-site CSV files (`<site>.csv`), the
    sites' measured outputs are matched statistically too.
    """
    mother_document, child_document = load_recipe_sources((mother, child), limits, cache=cache)
    matching = None
    if measurements is not None:
        from cexact.commands.match import match_sites

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
    from cexact.commands.match import deviations_from_matches  # numpy: only when used

    return deviations_from_matches(matching)
