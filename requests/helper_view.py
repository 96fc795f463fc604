"""What a volunteer sees of the requests offered to them, as plain data built field by field.

Pages never hand a template the resident's record: they hand it a ``HelperView``, which holds only what
DESIGN.md section 6 allows. Before accepting: the need, the ward, the urgency and how far away it is.
After accepting, where ``requests.access.helper_may_contact`` allows: the resident's first name, street
(address line 1), postcode and phone number, and the flags in ``HELPER_VISIBLE_FLAGS``. Never health
notes (not even read from the database here) and never other flags.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from hubs.languages import language_name
from requests.access import HELPER_VISIBLE_FLAGS, helper_may_contact, volunteer_offers
from requests.matching.candidates import haversine_km
from requests.models import Offer, OfferState, Resident
from volunteers.models import Volunteer

RECENTLY_DONE_DAYS = 30
RECENTLY_DONE_SHOWN = 5


@dataclass(frozen=True)
class Contact:
    first_name: str
    street: str
    postcode: str
    phone: str
    flags: tuple[Any, ...]  # the (lazily translated) labels of the helper-visible flags the resident has
    language: str  # the resident's preferred language, where they need another language


@dataclass(frozen=True)
class HelperView:
    offer_id: int
    state: str
    state_label: str
    reference: str
    needs: tuple[str, ...]
    area: str
    urgency: str
    urgency_label: str
    due_by: datetime.datetime
    distance_km: float | None
    expires_at: datetime.datetime | None
    is_open: bool  # waiting for an answer, and its time has not run out
    contact: Contact | None  # only after accepting, and only where the resident's details may be shared
    outcome: str
    closed_at: datetime.datetime | None

    @property
    def is_task(self) -> bool:
        return self.state == OfferState.ACCEPTED


def helper_offers(volunteer: Volunteer | None) -> QuerySet[Offer]:
    """The volunteer's own offers with what their pages show, in a fixed number of queries."""
    return (
        volunteer_offers(volunteer)
        .select_related("request__resident__area")
        .defer("request__resident__health_notes")
        .prefetch_related("request__categories")
    )


_FLAG_LABELS = {field.name: field.verbose_name for field in Resident._meta.fields if field.name in HELPER_VISIBLE_FLAGS}


def _contact(offer: Offer) -> Contact | None:
    if not helper_may_contact(offer):
        return None
    resident = offer.request.resident
    flags = tuple(_FLAG_LABELS[name] for name in HELPER_VISIBLE_FLAGS if getattr(resident, name))
    code = resident.preferred_language.strip().lower()
    language = language_name(code) if resident.language_need and code else ""
    return Contact(
        first_name=resident.first_name,
        street=resident.address_line_1,
        postcode=resident.postcode,
        phone=resident.phone,
        flags=flags,
        language=language,
    )


def helper_view(offer: Offer, *, volunteer: Volunteer, now: datetime.datetime) -> HelperView:
    support_request = offer.request
    resident = support_request.resident
    distance = None
    if None not in (volunteer.latitude, volunteer.longitude, resident.latitude, resident.longitude):
        distance = haversine_km(volunteer.latitude, volunteer.longitude, resident.latitude, resident.longitude)  # type: ignore[arg-type]
    return HelperView(
        offer_id=offer.pk,
        state=offer.state,
        state_label=str(OfferState(offer.state).label),
        reference=support_request.reference,
        needs=tuple(category.name for category in support_request.categories.all()),
        area=resident.area.name if resident.area is not None else _("area not recorded"),
        urgency=support_request.urgency,
        urgency_label=str(support_request.get_urgency_display()),
        due_by=support_request.due_by,
        distance_km=distance,
        expires_at=offer.expires_at,
        is_open=offer.state == OfferState.PENDING and (offer.expires_at is None or offer.expires_at > now),
        contact=_contact(offer),
        outcome=offer.outcome if offer.state == OfferState.COMPLETED else "",
        closed_at=support_request.closed_at,
    )


@dataclass(frozen=True)
class VolunteerWork:
    offers: list[HelperView]  # waiting for an answer, soonest deadline first
    tasks: list[HelperView]  # accepted, soonest due first
    done: list[HelperView]  # completed in the last RECENTLY_DONE_DAYS, latest first


def volunteer_work(volunteer: Volunteer, *, now: datetime.datetime) -> VolunteerWork:
    offers = helper_offers(volunteer)
    waiting = offers.filter(state=OfferState.PENDING, expires_at__gt=now).order_by("expires_at", "id")
    accepted = offers.filter(state=OfferState.ACCEPTED).order_by("request__due_by", "id")
    done = offers.filter(
        state=OfferState.COMPLETED, request__closed_at__gte=now - datetime.timedelta(days=RECENTLY_DONE_DAYS)
    ).order_by("-request__closed_at", "-id")[:RECENTLY_DONE_SHOWN]
    return VolunteerWork(
        offers=[helper_view(offer, volunteer=volunteer, now=now) for offer in waiting],
        tasks=[helper_view(offer, volunteer=volunteer, now=now) for offer in accepted],
        done=[helper_view(offer, volunteer=volunteer, now=now) for offer in done],
    )
