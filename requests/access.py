"""The access policy for residents, requests and offers, as querysets. Pages and the API both use these,
so a role sees the same rows, and the same fields, whichever way it asks.

Scopes, per cell (``partners.access.ROLE_PERMISSIONS`` says which role holds which permission):
- cell administrator, coordinator, helpline operator: the whole cell;
- hub coordinator: residents (and their requests) in the areas their hub covers;
- safeguarding lead: the safeguarding-flagged requests and their residents;
- partner contact: only offers (referrals) made to their organisation, through ``referrals_visible``;
- volunteer: only their own offers, through ``volunteer_offers``.
A row outside the scope does not exist for the caller: views answer 404, never 403, for it.
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from partners.access import WHOLE_CELL_ROLES, Perm, Principal, Role
from requests.models import Offer, OfferState, Resident, SupportRequest
from volunteers.models import Volunteer

NOTHING = Q(pk__in=[])


def _scope(principal: Principal, perm: Perm, *, area: str, safeguarding: str | None) -> Q:
    """A filter for the rows ``perm`` reaches: ``area`` leads to the resident's area, ``safeguarding``
    to the request's safeguarding flag (None where the rows are residents, not requests)."""
    if principal.is_superuser:
        return Q()
    scope = NOTHING
    for cell_id in sorted(principal.cell_ids(perm)):
        roles = {grant.role for grant in principal.grants_with(perm, cell_id)}
        cell = Q(cell_id=cell_id)
        if roles & WHOLE_CELL_ROLES:
            scope |= cell
            continue
        if Role.HUB_COORDINATOR in roles:
            scope |= cell & Q(**{f"{area}__in": sorted(principal.hub_area_ids(perm, cell_id) or ())})
        if Role.SAFEGUARDING_LEAD in roles:
            if safeguarding is None:
                scope |= cell & Q(requests__safeguarding=True)
            else:
                scope |= cell & Q(**{safeguarding: True})
    return scope


def requests_visible(principal: Principal, perm: Perm = Perm.REQUEST_VIEW) -> QuerySet[SupportRequest]:
    """The support requests on which the principal holds ``perm``."""
    return SupportRequest.objects.filter(_scope(principal, perm, area="resident__area_id", safeguarding="safeguarding"))


def residents_visible(principal: Principal, perm: Perm = Perm.RESIDENT_SEARCH) -> QuerySet[Resident]:
    """The residents on whose record the principal holds ``perm``."""
    return Resident.objects.filter(_scope(principal, perm, area="area_id", safeguarding=None)).distinct()


def requests_logged_by(principal: Principal) -> QuerySet[SupportRequest]:
    """Requests the principal logged themselves, in the cells where they may log requests. Whoever took a
    call may read back its reference and tell the caller where it stands, even when the resident lives
    outside the part of the cell they work (a hub coordinator answering the helpline)."""
    if principal.user_id is None:
        return SupportRequest.objects.none()
    return SupportRequest.objects.filter(principal.cell_filter(Perm.REQUEST_CREATE), logged_by_id=principal.user_id)


def request_get(principal: Principal, pk: Any, perm: Perm = Perm.REQUEST_VIEW) -> SupportRequest:
    """One request the principal holds ``perm`` on, or 404 (also for an id that is not a number)."""
    try:
        return requests_visible(principal, perm).select_related("cell", "resident__area").get(pk=int(pk))
    except (SupportRequest.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404(_("No such request.")) from exc


def resident_get(principal: Principal, pk: Any, perm: Perm = Perm.RESIDENT_SEARCH) -> Resident:
    try:
        return residents_visible(principal, perm).select_related("cell", "area").get(pk=int(pk))
    except (Resident.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404(_("No such resident.")) from exc


def can_read_health(principal: Principal, resident: Resident) -> bool:
    """Health and vulnerability notes: staff of the resident's cell with ``Perm.RESIDENT_HEALTH`` whose scope
    reaches the resident. Never a volunteer, never a partner contact (neither role holds the permission)."""
    return residents_visible(principal, Perm.RESIDENT_HEALTH).filter(pk=resident.pk).exists()


def can_work(principal: Principal, support_request: SupportRequest) -> bool:
    return requests_visible(principal, Perm.REQUEST_WORK).filter(pk=support_request.pk).exists()


def offers_visible(principal: Principal, perm: Perm = Perm.REQUEST_VIEW) -> QuerySet[Offer]:
    """Offers and referrals of the requests the principal holds ``perm`` on (staff)."""
    return Offer.objects.filter(request__in=requests_visible(principal, perm))


def referrals_visible(principal: Principal) -> QuerySet[Offer]:
    """Referrals made to the organisations a partner contact speaks for, in the cell of each grant."""
    scope = NOTHING
    for grant in principal.grants_with(Perm.REFERRAL_RESPOND):
        scope |= Q(organisation_id=grant.organisation_id, request__cell_id=grant.cell_id)
    return Offer.objects.filter(scope, organisation__isnull=False)


def referral_get(principal: Principal, pk: Any) -> Offer:
    """One referral to an organisation the partner contact speaks for, or 404 (another organisation's too)."""
    try:
        return (
            referrals_visible(principal)
            .select_related("organisation", "request__cell", "request__resident__area")
            .get(pk=int(pk))
        )
    except (Offer.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404(_("No such referral.")) from exc


def requests_referred_by(principal: Principal) -> QuerySet[SupportRequest]:
    """The requests a partner contact's organisations referred up to the cell, in the cell of each grant.
    Pages show these by reference and status only: referring a resident gives no view of the work after."""
    scope = NOTHING
    for grant in principal.grants_with(Perm.REFERRAL_RESPOND):
        scope |= Q(referring_organisation_id=grant.organisation_id, cell_id=grant.cell_id)
    return SupportRequest.objects.filter(scope, referring_organisation__isnull=False)


def volunteer_offers(volunteer: Volunteer | None) -> QuerySet[Offer]:
    """A volunteer's own offers and tasks; nobody else's."""
    if volunteer is None:
        return Offer.objects.none()
    return Offer.objects.filter(volunteer=volunteer, request__cell_id=volunteer.cell_id)


# What a helper (a volunteer or a partner organisation) may know of the resident. Before accepting: the
# need, the ward and the urgency. After: a first name, the street and a phone number, as DESIGN.md
# section 6 allows, and only where the resident agreed to share or another lawful basis applies.
HELPER_VISIBLE_FLAGS = ("shielding", "no_phone_or_internet", "language_need")
CONTACT_STATES = frozenset({OfferState.ACCEPTED})


def helper_may_contact(offer: Offer) -> bool:
    resident = offer.request.resident
    shareable = resident.consent_to_share or resident.lawful_basis != Resident.LawfulBasis.CONSENT
    return offer.state in CONTACT_STATES and shareable and resident.anonymised_at is None
