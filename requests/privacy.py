"""Data protection: anonymising residents after the cell's retention period, subject access exports, and
erasure. The statistics survive: requests keep their cell, needs, urgency, level, channel, statuses, area
and times; what identifies a person (names, contact details, addresses, free text) is removed.

Anonymising is idempotent and runs under an advisory lock from beat (``requests.anonymise_due``), so two
beat processes, or a retry, do no harm.
"""

import datetime
import logging
from typing import Any

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import DomainError
from requests.audit import audit_record
from requests.matching.workflow import advisory_lock
from requests.models import (
    OPEN_STATUSES,
    AuditAction,
    AuditEntry,
    Event,
    EventVerb,
    KnownSupporter,
    Notification,
    Offer,
    Ranking,
    Resident,
    SupportRequest,
)

logger = logging.getLogger(__name__)

ANONYMISE_BATCH = 200
# Written in place of free text that may have named or described the resident.
REMOVED = "—"

_RESIDENT_BLANKS: dict[str, Any] = {
    "first_name": "",
    "last_name": "",
    "phone": "",
    "email": "",
    "address_line_1": "",
    "address_line_2": "",
    "town": "",
    "health_notes": "",
    "preferred_language": "",
    "latitude": None,
    "longitude": None,
    "postcode_known": False,
    "consent_to_share": False,
    "consent_recorded_at": None,
}


def _outward_code(postcode: str) -> str:
    """Keep the postcode district (``HX1``) for statistics by place; drop the rest."""
    return postcode.split(" ")[0] if postcode else ""


@transaction.atomic
def resident_anonymise(*, resident: Resident, actor: Any = None, action: str = AuditAction.ANONYMISED) -> bool:
    """Remove everything that identifies a resident, from their record, their requests' free text, the
    timeline notes, offers and notifications. Refuses while a request is open. Returns False when the
    resident was already anonymised (nothing to do)."""
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if resident.anonymised_at is not None:
        return False
    if resident.requests.filter(status__in=sorted(OPEN_STATUSES)).exists():
        raise DomainError(_("This resident has open requests: complete or cancel them first."), field="resident")
    for name, value in _RESIDENT_BLANKS.items():
        setattr(resident, name, value)
    resident.postcode = _outward_code(resident.postcode)
    resident.anonymised_at = timezone.now()
    resident.save()
    KnownSupporter.objects.filter(resident=resident).delete()
    requests = SupportRequest.objects.filter(resident=resident)
    requests.update(
        description="", outcome="", caller_name="", caller_relationship="", caller_phone="", caller_is_resident=True
    )
    Event.objects.filter(request__in=requests, verb=EventVerb.NOTE).update(note=REMOVED)
    Event.objects.filter(request__in=requests).exclude(verb=EventVerb.NOTE).update(note="")
    Offer.objects.filter(request__in=requests).update(outcome="", decline_reason="", hand_reason=REMOVED)
    Offer.objects.filter(request__in=requests, by_hand=False).update(hand_reason="")
    Notification.objects.filter(request__in=requests).update(body=REMOVED, subject="")
    Ranking.objects.filter(request__in=requests).delete()
    audit_record(actor=actor, action=action, obj=resident)
    return True


def residents_due_for_anonymising(*, now: datetime.datetime) -> list[int]:
    """Residents with no open request whose last request closed longer ago than their cell's retention.
    A resident who never had a request is kept (the helpline may have just created them)."""
    open_request = SupportRequest.objects.filter(resident=OuterRef("pk"), status__in=sorted(OPEN_STATUSES))
    candidates = (
        Resident.objects.filter(anonymised_at__isnull=True)
        .annotate(last_closed=Max("requests__closed_at"), has_open=Exists(open_request))
        .filter(has_open=False, last_closed__isnull=False)
        .values_list("pk", "last_closed", "cell__retention_days")
    )
    due = [pk for pk, last_closed, days in candidates if last_closed <= now - datetime.timedelta(days=days)]
    return sorted(due)[:ANONYMISE_BATCH]


def residents_anonymise_due(*, now: datetime.datetime | None = None) -> int:
    """Beat's job: anonymise every resident past the retention period. One at a time, so a refusal (a
    request opened meanwhile) skips that resident only."""
    now = now or timezone.now()
    done = 0
    with advisory_lock("requests.anonymise") as acquired:
        if not acquired:
            return 0
        for resident_id in residents_due_for_anonymising(now=now):
            try:
                if resident_anonymise(resident=Resident.objects.get(pk=resident_id)):
                    done += 1
            except DomainError:
                continue
    if done:
        logger.info("anonymised %d residents past their retention period", done)
    return done


@transaction.atomic
def resident_erase(*, resident: Resident, actor: Any, reason: str) -> Resident:
    """Erase a resident on request (right to erasure): the same removal as anonymising, now, recorded as
    an erasure with who asked and why. The statistics of their requests stay."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the record is erased (e.g. the resident asked)."), field="reason")
    if not resident_anonymise(resident=resident, actor=actor, action=AuditAction.ERASED):
        raise DomainError(_("This resident's record has already been anonymised."), field="resident")
    AuditEntry.objects.filter(object_type="resident", object_id=resident.pk, action=AuditAction.ERASED).update(
        note=reason[:300]
    )
    resident.refresh_from_db()
    return resident


# Subject access -----------------------------------------------------------------------------------------


def _when(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else timezone.localtime(moment).isoformat()


def _person(user: Any) -> str | None:
    return None if user is None else user.get_full_name() or user.get_username()


@transaction.atomic
def resident_export(*, resident: Resident, actor: Any) -> dict[str, Any]:
    """Everything held about one resident, as JSON-ready data, for a subject access request. Recorded in
    the audit log. Staff are named by their name as the timeline shows it; helpers by their name."""
    fields = [field.name for field in Resident._meta.concrete_fields if field.name not in {"cell", "area"}]
    record: dict[str, Any] = {}
    for name in fields:
        value = getattr(resident, name)
        record[name] = _when(value) if isinstance(value, datetime.datetime) else value
    record["cell"] = resident.cell.name
    record["area"] = resident.area.name if resident.area else None
    record["known_supporters"] = [
        {"name": str(supporter), "role": supporter.role, "phone": supporter.phone}
        for supporter in resident.supporters.select_related("volunteer", "organisation")
    ]
    requests = []
    for support_request in resident.requests.prefetch_related("categories").order_by("created_at"):
        requests.append(
            {
                "reference": support_request.reference,
                "needs": [category.name for category in support_request.categories.all()],
                "description": support_request.description,
                "urgency": support_request.urgency,
                "level": support_request.level,
                "channel": support_request.channel,
                "safeguarding": support_request.safeguarding,
                "status": support_request.status,
                "caller": {
                    "is_resident": support_request.caller_is_resident,
                    "name": support_request.caller_name,
                    "relationship": support_request.caller_relationship,
                    "phone": support_request.caller_phone,
                },
                "outcome": support_request.outcome,
                "logged": _when(support_request.created_at),
                "assigned": _when(support_request.assigned_at),
                "closed": _when(support_request.closed_at),
                "timeline": [
                    {
                        "when": _when(event.created_at),
                        "what": event.verb,
                        "by": _person(event.actor),
                        "note": event.note,
                    }
                    for event in support_request.events.select_related("actor")
                ],
                "offers": [
                    {
                        "to": str(offer.volunteer or offer.organisation),
                        "state": offer.state,
                        "made": _when(offer.created_at),
                        "answered": _when(offer.responded_at),
                        "outcome": offer.outcome,
                    }
                    for offer in support_request.offers.select_related("volunteer", "organisation")
                ],
            }
        )
    record["requests"] = requests
    request_ids = list(resident.requests.values_list("pk", flat=True))
    offer_ids = list(Offer.objects.filter(request_id__in=request_ids).values_list("pk", flat=True))
    access = AuditEntry.objects.filter(
        Q(object_type="resident", object_id=resident.pk)
        | Q(object_type="request", object_id__in=request_ids)
        | Q(object_type="offer", object_id__in=offer_ids)
    ).order_by("at", "id")
    record["access_log"] = [
        {"when": _when(entry.at), "who": entry.actor_name or None, "action": entry.action, "record": entry.object_type}
        for entry in access
    ]
    audit_record(actor=actor, action=AuditAction.EXPORTED, obj=resident)
    record["exported_at"] = _when(timezone.now())
    return record
