"""Ranking: hard rules in the database, soft factors in pure functions, one repeatable order."""

import time
from dataclasses import dataclass, field
from typing import Any

from requests.matching.candidates import (
    ORGANISATION_RULES,
    VOLUNTEER_RULES,
    OrganisationRow,
    VolunteerRow,
    select_organisations,
    select_volunteers,
    volunteers_ruled_out,
)
from requests.matching.context import MatchContext, build_context
from requests.matching.scoring import FACTORS
from requests.models import SupportRequest

VOLUNTEER = "volunteer"
ORGANISATION = "organisation"
# The nearest eligible volunteers scored per request (those who already support the resident are
# always scored too); stored rankings keep the best of them.
VOLUNTEER_LIMIT = 25
ORGANISATION_LIMIT = 100
STORED_CANDIDATES = 25


@dataclass(frozen=True)
class RankedCandidate:
    kind: str
    id: int
    name: str
    score: float
    distance_km: float | None
    factors: tuple[dict[str, Any], ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
            "score": self.score,
            "distance_km": None if self.distance_km is None else round(self.distance_km, 2),
            "factors": list(self.factors),
        }


@dataclass
class RankingResult:
    candidates: list[RankedCandidate]
    signposts: list[dict[str, Any]]
    exclusions: dict[str, Any]
    considered: int
    duration_ms: float = 0.0
    context: MatchContext | None = field(default=None, repr=False)


def score(context: MatchContext, candidate: VolunteerRow | OrganisationRow) -> RankedCandidate:
    factors = []
    total = 0.0
    for name, factor in FACTORS.items():
        result = factor(context, candidate)
        weight = context.weights[name]
        value = min(1.0, max(0.0, result.value))
        total += weight * value
        factors.append({"factor": name, "value": round(value, 3), "weight": weight, "reason": result.reason})
    return RankedCandidate(
        kind=VOLUNTEER if isinstance(candidate, VolunteerRow) else ORGANISATION,
        id=candidate.id,
        name=candidate.name,
        score=round(total, 4),
        distance_km=candidate.distance_km,
        factors=tuple(factors),
    )


def order(candidates: list[RankedCandidate]) -> list[RankedCandidate]:
    """Best score first; ties go to volunteers before organisations, then the lower id, so a ranking repeats."""
    return sorted(candidates, key=lambda c: (-c.score, c.kind != VOLUNTEER, c.id))


def rank(support_request: SupportRequest, *, context: MatchContext | None = None) -> RankingResult:
    started = time.perf_counter()
    context = context or build_context(support_request)
    volunteers, volunteer_exclusions, volunteers_considered = select_volunteers(context, limit=VOLUNTEER_LIMIT)
    organisations, signposts, organisation_exclusions, organisations_considered = select_organisations(
        context, limit=ORGANISATION_LIMIT
    )
    rows: list[VolunteerRow | OrganisationRow] = [*volunteers, *organisations]
    ranked = order([score(context, row) for row in rows])
    return RankingResult(
        candidates=ranked,
        signposts=[{"id": row.id, "name": row.name, "kind": row.kind} for row in signposts],
        exclusions={
            "volunteers": dict(volunteer_exclusions.most_common()),
            "organisations": dict(organisation_exclusions.most_common()),
            "all_volunteers": volunteers_ruled_out(context),
        },
        considered=volunteers_considered + organisations_considered,
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
        context=context,
    )


def exclusion_labels(exclusions: dict[str, Any]) -> list[tuple[str, int | None]]:
    """Exclusion counts in plain words, largest first: ("out of range", 14), ... A rule that rules out
    every volunteer (a level 3 need, a resident who cannot be placed) comes first, without a count."""
    ruled_out = exclusions.get("all_volunteers", "")
    labelled: list[tuple[str, int | None]] = [(str(VOLUNTEER_RULES[ruled_out]), None)] if ruled_out else []
    labelled += [(str(VOLUNTEER_RULES.get(code, code)), n) for code, n in exclusions.get("volunteers", {}).items()]
    labelled += [
        (str(ORGANISATION_RULES.get(code, code)), n) for code, n in exclusions.get("organisations", {}).items()
    ]
    return sorted(labelled, key=lambda item: -1 if item[1] is None else -item[1])
