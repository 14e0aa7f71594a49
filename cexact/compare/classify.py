"""Classification: each difference the differ found gets its transfer stage.

The stage comes from the schema annotation where the difference was found,
then from the project policy's classify rules (the first matching rule wins);
`not-compared` drops it. Deviations are ordered by stage, then by the
mother's step order, then by path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from cexact.compare.changes import Difference
from cexact.compare.policy import Policy
from cexact.model import NOT_COMPARED, Deviation, SourceLocation, Stage
from cexact.recipe.loader import LoadedDocument
from cexact.recipe.locations import PathKey


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
