"""The soft factors of matching: one pure function per factor, each returning a value between 0 and 1
and the reason in plain words a coordinator reads. Weights come from the cell's policy."""

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import get_language_info

from hubs.models import CoordinationModel, LevelOfNeed
from partners.models import CellPartner, Organisation
from requests.matching.candidates import OrganisationRow, VolunteerRow
from requests.matching.context import MatchContext
from requests.models import Urgency

Candidate = VolunteerRow | OrganisationRow

# A volunteer with no task for this long ranks as fully rested.
FAIR_REST_DAYS = 21


@functools.lru_cache(maxsize=1024)
def _translated(language: str | None, singular: str, plural: str = "", n: int = 1) -> str:
    with translation.override(language):
        return translation.ngettext(singular, plural, n) if plural else translation.gettext(singular)


# Reasons are written for every factor of every candidate: a ranking asks for the same few sentences
# hundreds of times, so translations are cached per language.
def _(message: str) -> str:
    return _translated(translation.get_language(), message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translated(translation.get_language(), singular, plural, n)


@dataclass(frozen=True)
class Factor:
    value: float
    reason: str = ""


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def continuity(context: MatchContext, candidate: Candidate) -> Factor:
    supporters = (
        context.supporter_volunteer_ids if isinstance(candidate, VolunteerRow) else context.supporter_organisation_ids
    )
    if candidate.id in supporters:
        return Factor(1.0, _("already supports this resident"))
    return Factor(0.0)


def proximity(context: MatchContext, candidate: Candidate) -> Factor:
    if candidate.distance_km is not None:
        value = max(0.0, 1.0 - candidate.distance_km / context.search_radius_km)
        return Factor(value, _("%(distance).1f km away") % {"distance": candidate.distance_km})
    if isinstance(candidate, VolunteerRow):
        if context.area_id is not None and candidate.area_id == context.area_id:
            return Factor(
                0.5, _("lives in %(area)s (postcode not found, placed by area)") % {"area": context.area_name}
            )
        if candidate.area_id is not None and candidate.area_id in context.hub_area_ids:
            return Factor(0.3, _("lives in an area the same hub covers (postcode not found)"))
        return Factor(0.0, _("distance unknown"))
    if candidate.area_ids & context.area_ids:
        return Factor(0.5, _("serves %(area)s") % {"area": context.area_name or _("the resident's area")})
    return Factor(0.25, _("serves the whole cell"))


def tier_fit(context: MatchContext, candidate: Candidate) -> Factor:
    if isinstance(candidate, VolunteerRow):
        if context.level == LevelOfNeed.STREET:
            return Factor(1.0, _("neighbourly help for a level 1 need"))
        return Factor(1.0, _("checked volunteer for a level 2 need"))
    gap = max(0, candidate.tier - context.level)
    return Factor(
        1.0 - gap / 3, _("tier %(tier)s for a level %(level)s need") % {"tier": candidate.tier, "level": context.level}
    )


def skill_fit(context: MatchContext, candidate: Candidate) -> Factor:
    language = context.preferred_language
    if language and language != "en":
        if language in candidate.languages:
            return Factor(1.0, _("speaks %(language)s") % {"language": language_name(language)})
        return Factor(0.0, _("does not speak %(language)s") % {"language": language_name(language)})
    if isinstance(candidate, VolunteerRow) and context.required_skill_ids:
        extra = len(candidate.skill_ids - context.required_skill_ids)
        if extra:
            return Factor(
                min(1.0, 0.5 + 0.25 * extra),
                ngettext("has the skills needed and %(n)d more", "has the skills needed and %(n)d more", extra)
                % {"n": extra},
            )
        return Factor(0.5, _("has the skills needed"))
    return Factor(0.5)


def fairness(context: MatchContext, candidate: Candidate) -> Factor:
    if isinstance(candidate, OrganisationRow):
        used = candidate.open_referrals / candidate.capacity if candidate.capacity else 1.0
        return Factor(
            max(0.0, 1.0 - used),
            _("%(open)d of %(capacity)d places in use")
            % {"open": candidate.open_referrals, "capacity": candidate.capacity},
        )
    if candidate.last_assigned_at is None:
        return Factor(1.0, _("not given a task yet"))
    days = max(0.0, (context.now - candidate.last_assigned_at).total_seconds() / 86400)
    value = min(1.0, days / FAIR_REST_DAYS) / (1 + candidate.tasks_this_week)
    if candidate.tasks_this_week:
        reason = ngettext("%(n)d task this week", "%(n)d tasks this week", candidate.tasks_this_week) % {
            "n": candidate.tasks_this_week
        }
    elif days >= 14:
        weeks = int(days // 7)
        reason = ngettext("no task in %(n)d week", "no task in %(n)d weeks", weeks) % {"n": weeks}
    else:
        whole = int(days)
        reason = ngettext("last task %(n)d day ago", "last task %(n)d days ago", whole) % {"n": whole}
    return Factor(value, reason)


def routing(context: MatchContext, candidate: Candidate) -> Factor:
    """How well the candidate fits the cell's coordination model."""
    model = context.coordination_model
    if isinstance(candidate, VolunteerRow):
        if model == CoordinationModel.LIO_BROKER:
            if context.lead_organisation_id in candidate.affiliation_ids:
                return Factor(1.0, _("in the LIO's volunteer pool"))
            return Factor(0.5, _("not in the LIO's own pool"))
        if model == CoordinationModel.HUB_NETWORK:
            if candidate.affiliation_ids & context.hub_organisation_ids or (
                candidate.area_id is not None and candidate.area_id in context.hub_area_ids
            ):
                return Factor(1.0, _("in the patch of the hub covering this area"))
            return Factor(0.25, _("outside the covering hub's patch"))
        if candidate.affiliation_ids & context.integrated_networks:
            return Factor(1.0, _("part of an integrated community network"))
        return Factor(0.5, _("volunteers directly with the cell"))
    relationship = candidate.relationship
    if model == CoordinationModel.LIO_BROKER:
        if candidate.id == context.lead_organisation_id:
            return Factor(1.0, _("the LIO"))
    elif model == CoordinationModel.HUB_NETWORK:
        if candidate.id in context.hub_organisation_ids:
            return Factor(1.0, _("runs the hub covering this area"))
        return Factor(
            0.25 if relationship else 0.0,
            _("outside the hub network") if not relationship else _("a partner of the cell"),
        )
    elif candidate.kind == Organisation.Kind.MUTUAL_AID and relationship == CellPartner.Relationship.INTEGRATED:
        return Factor(1.0, _("an integrated community network"))
    if relationship == CellPartner.Relationship.INTEGRATED:
        return Factor(0.75, _("an integrated partner of the cell"))
    if relationship == CellPartner.Relationship.SUPPORTED:
        return Factor(0.5, _("a supported partner of the cell"))
    return Factor(0.25, _("serves the area but is not a partner of the cell"))


def urgency(context: MatchContext, candidate: Candidate) -> Factor:
    if context.urgency != Urgency.TODAY:
        return Factor(0.0)
    if isinstance(candidate, VolunteerRow) and candidate.available_now:
        return Factor(1.0, _("available now"))
    return Factor(0.0, _("not marked available now"))


FACTORS: dict[str, Callable[..., Factor]] = {
    "continuity": continuity,
    "proximity": proximity,
    "tier_fit": tier_fit,
    "skill_fit": skill_fit,
    "fairness": fairness,
    "routing": routing,
    "urgency": urgency,
}
