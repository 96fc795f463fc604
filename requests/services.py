"""Writes on residents, support requests and offers.

Every change of a request's status goes through ``_move``: it locks the row, checks the transition
against ``ALLOWED_TRANSITIONS``, stamps the times and writes the timeline ``Event``. A transition the
current status does not allow raises ``InvalidTransition``, the one domain error type.
"""

import datetime
import secrets
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import DomainError, InvalidTransition
from hubs.models import Hub, NeedCategory, ResponseCell
from hubs.selectors import area_with_ancestors, postcode_resolve
from partners.models import CellPartner, Organisation
from requests.audit import audit_record
from requests.models import (
    ALLOWED_TRANSITIONS,
    CLOSED_STATUSES,
    AuditAction,
    Channel,
    EscalationStage,
    Event,
    EventVerb,
    Offer,
    OfferState,
    Recurrence,
    Resident,
    Status,
    SupportRequest,
    Urgency,
)
from requests.tasks import enqueue_match
from volunteers.models import Volunteer

Actor = AbstractBaseUser | None

# Unambiguous when read aloud over the phone: no 0/O, 1/I/L.
_REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_REFERENCE_LENGTH = 6

_ESCALATION_ORDER = [EscalationStage.NONE, EscalationStage.HUB, EscalationStage.LIO, EscalationStage.SAFETY_NET]


def _user(actor: Actor) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def new_reference() -> str:
    while True:
        code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(_REFERENCE_LENGTH))
        reference = f"{code[:3]}-{code[3:]}"
        if not SupportRequest.objects.filter(reference=reference).exists():
            return reference


def due_by_for(urgency: str, *, now: datetime.datetime | None = None) -> datetime.datetime:
    """When a request of this urgency is due: the end of today (never under four hours away), 48 hours,
    a week, or a fortnight for routine needs."""
    now = now or timezone.now()
    if urgency == Urgency.TODAY:
        local = timezone.localtime(now)
        end_of_day = local.replace(hour=23, minute=59, second=0, microsecond=0)
        return max(end_of_day, now + datetime.timedelta(hours=4))
    delta: dict[str, datetime.timedelta] = {
        Urgency.WITHIN_48_HOURS: datetime.timedelta(hours=48),
        Urgency.THIS_WEEK: datetime.timedelta(days=7),
        Urgency.ROUTINE: datetime.timedelta(days=14),
    }
    if urgency not in delta:
        raise DomainError(_("Choose how urgent the need is."), field="urgency")
    return now + delta[urgency]


def _record(
    support_request: SupportRequest,
    *,
    verb: str,
    actor: Actor,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
) -> Event:
    """Write the timeline event of a change to a request, and its audit entry."""
    audit_record(
        actor=actor,
        action=AuditAction.CREATED if verb == EventVerb.LOGGED else AuditAction.UPDATED,
        obj=support_request,
        fields=["status"] if from_status != to_status else [],
        note=str(EventVerb(verb).label),
    )
    return Event.objects.create(
        request=support_request,
        actor=_user(actor),
        verb=verb,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def _audit_offer(offer: Offer, *, actor: Actor, created: bool = False, fields: Iterable[str] = ("state",)) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.CREATED if created else AuditAction.UPDATED,
        obj=offer,
        fields=[] if created else fields,
        note=str(OfferState(offer.state).label),
    )


def _locked(support_request: SupportRequest) -> SupportRequest:
    """The request's row, locked for the rest of the transaction and freshly read."""
    return SupportRequest.objects.select_for_update().get(pk=support_request.pk)


def _move(support_request: SupportRequest, *, to: str, verb: str, actor: Actor, note: str = "") -> SupportRequest:
    """Move a locked request to ``to``, stamping times and writing the event. Call inside a transaction."""
    from_status = support_request.status
    if to not in ALLOWED_TRANSITIONS[from_status]:
        raise InvalidTransition(
            _("A request that is %(from)s cannot be %(verb)s.")
            % {"from": Status(from_status).label, "verb": EventVerb(verb).label},
            field="status",
        )
    now = timezone.now()
    support_request.status = to
    if to == Status.TRIAGED and support_request.triaged_at is None:
        support_request.triaged_at = now
    if to == Status.ASSIGNED:
        support_request.assigned_at = now
    elif from_status == Status.ASSIGNED and to == Status.TRIAGED:
        # Handed back: waiting again. Completed or cancelled requests keep when they were assigned,
        # which the statistics of time from call to assignment need.
        support_request.assigned_at = None
    if to in CLOSED_STATUSES:
        support_request.closed_at = now
    support_request.save()
    _record(support_request, verb=verb, actor=actor, note=note, from_status=from_status, to_status=to)
    return support_request


def _require_text(value: str, *, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    return value


def request_flag_for_matching(support_request: SupportRequest) -> None:
    """Mark the request as waiting to be ranked and ask a worker after commit. The flag is the source of
    truth: if the broker is away, the beat sweeper finds the flag and enqueues again."""
    now = timezone.now()
    SupportRequest.objects.filter(pk=support_request.pk).update(needs_ranking_since=now)
    support_request.needs_ranking_since = now
    transaction.on_commit(partial(enqueue_match, support_request.pk))


@transaction.atomic
def request_rerank(*, support_request: SupportRequest, actor: Actor) -> Event:
    """A coordinator asks for a fresh ranking; a worker makes it after commit. Recorded on the timeline.
    A closed request has nobody left to find."""
    support_request = _locked(support_request)
    if not support_request.is_open:
        raise InvalidTransition(
            _("A request that is %(status)s is not ranked again.") % {"status": Status(support_request.status).label},
            field="status",
        )
    request_flag_for_matching(support_request)
    return _record(support_request, verb=EventVerb.RANKED, actor=actor, note=_("Ranking asked for again."))


# Residents ---------------------------------------------------------------------------------------------


@transaction.atomic
def resident_create(
    *, cell: ResponseCell, first_name: str, postcode: str = "", actor: Actor = None, **fields: Any
) -> Resident:
    """Create a resident; the postcode is normalised and looked up (an unknown one is kept and flagged)."""
    first_name = _require_text(first_name, field="first_name", message=_("Enter the resident's first name."))
    resident = Resident(cell=cell, first_name=first_name, **fields)
    _apply_postcode(resident, postcode)
    if resident.consent_to_share and resident.consent_recorded_at is None:
        resident.consent_recorded_at = timezone.now()
    _check_lawful_basis(resident)
    resident.full_clean()
    resident.save()
    audit_record(actor=actor, action=AuditAction.CREATED, obj=resident)
    return resident


@transaction.atomic
def resident_update(*, resident: Resident, actor: Actor = None, **fields: Any) -> Resident:
    """Change a resident's record; the audit entry names the fields whose values changed."""
    if resident.anonymised_at is not None:
        raise DomainError(_("This resident's record has been anonymised."), field="resident")
    before = {name: getattr(resident, name) for name in [*fields, "latitude", "area_id"] if hasattr(resident, name)}
    if "postcode" in fields:
        _apply_postcode(resident, fields.pop("postcode"))
    for name, value in fields.items():
        setattr(resident, name, value)
    if resident.consent_to_share and resident.consent_recorded_at is None:
        resident.consent_recorded_at = timezone.now()
    if not resident.consent_to_share:
        resident.consent_recorded_at = None
    _check_lawful_basis(resident)
    resident.full_clean()
    resident.save()
    changed = [name for name, value in before.items() if getattr(resident, name) != value]
    if changed:
        audit_record(actor=actor, action=AuditAction.UPDATED, obj=resident, fields=changed)
    return resident


def _check_lawful_basis(resident: Resident) -> None:
    """Consent as the lawful basis needs the consent itself (the database holds this too; here it is said
    in words, naming the field)."""
    if resident.lawful_basis == Resident.LawfulBasis.CONSENT and not resident.consent_to_share:
        raise DomainError(
            _("Record the resident's consent to share their details, or choose another lawful basis for helping."),
            field="consent_to_share",
        )


def _apply_postcode(resident: Resident, raw: str) -> None:
    if not (raw or "").strip():
        resident.postcode, resident.postcode_known = "", False
        resident.latitude = resident.longitude = None
        resident.area = None
        return
    resolved = postcode_resolve(raw)
    resident.postcode = resolved.postcode
    resident.postcode_known = resolved.known
    resident.latitude, resident.longitude = resolved.latitude, resolved.longitude
    resident.area = resolved.area


# Requests ----------------------------------------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    cell: ResponseCell,
    resident: Resident,
    categories: Iterable[NeedCategory],
    urgency: str = Urgency.THIS_WEEK,
    channel: str = Channel.HELPLINE,
    level: int | None = None,
    description: str = "",
    safeguarding: bool = False,
    recurrence: str = Recurrence.NONE,
    logged_by: Actor = None,
    caller_is_resident: bool = True,
    caller_name: str = "",
    caller_relationship: str = "",
    caller_phone: str = "",
    referring_organisation: Organisation | None = None,
    previous_occurrence: SupportRequest | None = None,
    due_by: datetime.datetime | None = None,
) -> SupportRequest:
    """Log a new request. Its level defaults to the highest default level among its categories."""
    categories = list(categories)
    if not categories:
        raise DomainError(_("Choose at least one need."), field="categories")
    if resident.cell_id != cell.pk:
        raise DomainError(_("The resident belongs to another response cell."), field="resident")
    if resident.anonymised_at is not None:
        raise DomainError(_("This resident's record has been anonymised."), field="resident")
    if not caller_is_resident and not caller_relationship.strip():
        raise DomainError(_("Say how the caller is related to the resident."), field="caller_relationship")
    if level is None:
        level = max(category.default_level for category in categories)
    support_request = SupportRequest(
        cell=cell,
        reference=new_reference(),
        resident=resident,
        description=description.strip(),
        urgency=urgency,
        level=level,
        channel=channel,
        safeguarding=safeguarding,
        recurrence=recurrence,
        due_by=due_by or due_by_for(urgency),
        logged_by=_user(logged_by),
        caller_is_resident=caller_is_resident,
        caller_name=caller_name.strip(),
        caller_relationship=caller_relationship.strip(),
        caller_phone=caller_phone.strip(),
        referring_organisation=referring_organisation,
        previous_occurrence=previous_occurrence,
        status=Status.NEW,
    )
    support_request.full_clean(exclude=["reference"])
    support_request.save()
    support_request.categories.set(categories)
    _record(support_request, verb=EventVerb.LOGGED, actor=logged_by, note=description.strip())
    request_flag_for_matching(support_request)
    return support_request


@transaction.atomic
def request_refer_up(
    *,
    cell: ResponseCell,
    organisation: Organisation,
    actor: Actor,
    first_name: str,
    categories: Iterable[NeedCategory],
    reason: str,
    urgency: str = Urgency.THIS_WEEK,
    description: str = "",
    safeguarding: bool = False,
    consent_to_share: bool = False,
    postcode: str = "",
    **resident_fields: Any,
) -> SupportRequest:
    """A partner organisation refers a resident up to the cell when the need is beyond it (two-way
    signposting): a new resident and a request logged with the channel ``referral``. The reason goes on
    the timeline, which only the cell's staff read, not into the need that helpers see.

    The resident must agree to the referral, unless the organisation raises a safeguarding concern: then
    the cell processes the details as a public task (its safeguarding duty), and a coordinator decides
    who is told, since a safeguarding-flagged request is never offered automatically."""
    if not CellPartner.objects.filter(cell=cell, organisation=organisation).exists():
        raise DomainError(
            _("%(organisation)s is not a partner of %(cell)s.") % {"organisation": organisation, "cell": cell},
            field="organisation",
        )
    reason = _require_text(reason, field="reason", message=_("Say why the need is beyond your organisation."))
    if not consent_to_share and not safeguarding:
        raise DomainError(
            _("The resident must agree to be referred, unless you are raising a safeguarding concern."),
            field="consent_to_share",
        )
    lawful_basis = Resident.LawfulBasis.CONSENT if consent_to_share else Resident.LawfulBasis.PUBLIC_TASK
    resident = resident_create(
        cell=cell,
        first_name=first_name,
        postcode=postcode,
        actor=actor,
        consent_to_share=consent_to_share,
        lawful_basis=lawful_basis,
        **resident_fields,
    )
    referrer = _user(actor)
    support_request = request_create(
        cell=cell,
        resident=resident,
        categories=categories,
        urgency=urgency,
        channel=Channel.REFERRAL,
        description=description,
        safeguarding=safeguarding,
        logged_by=actor,
        caller_is_resident=False,
        caller_name=(referrer.get_full_name() or referrer.get_username()) if referrer is not None else "",
        caller_relationship=(_("%(organisation)s (referring organisation)") % {"organisation": organisation})[:80],
        caller_phone=organisation.phone,
        referring_organisation=organisation,
    )
    request_add_note(
        support_request=support_request,
        actor=actor,
        note=_("Referred up by %(organisation)s: %(reason)s") % {"organisation": organisation, "reason": reason},
    )
    return support_request


@transaction.atomic
def request_triage(
    *,
    support_request: SupportRequest,
    actor: Actor,
    level: int | None = None,
    urgency: str | None = None,
    categories: Iterable[NeedCategory] | None = None,
    safeguarding: bool | None = None,
    note: str = "",
) -> SupportRequest:
    """Set the level of need (and, optionally, urgency, needs or the safeguarding flag). A waiting request
    becomes triaged; a request with a pending offer keeps it unless the level changes, which withdraws it."""
    support_request = _locked(support_request)
    if support_request.status not in (Status.NEW, Status.TRIAGED, Status.ESCALATED, Status.OFFERED):
        raise InvalidTransition(
            _("A request that is %(status)s cannot be triaged.") % {"status": Status(support_request.status).label},
            field="status",
        )
    changes = []
    if level is not None and level != support_request.level:
        if level not in (1, 2, 3, 4):
            raise DomainError(_("The level of need must be 1, 2, 3 or 4."), field="level")
        changes.append(_("level %(old)s → %(new)s") % {"old": support_request.level, "new": level})
        support_request.level = level
    if urgency is not None and urgency != support_request.urgency:
        support_request.due_by = due_by_for(urgency, now=support_request.created_at)
        changes.append(_("urgency %(old)s → %(new)s") % {"old": support_request.urgency, "new": urgency})
        support_request.urgency = urgency
    if safeguarding is not None and safeguarding != support_request.safeguarding:
        support_request.safeguarding = safeguarding
        changes.append(_("safeguarding concern raised") if safeguarding else _("safeguarding concern cleared"))
    if categories is not None:
        categories = list(categories)
        if not categories:
            raise DomainError(_("Choose at least one need."), field="categories")
        support_request.categories.set(categories)
    support_request.full_clean(exclude=["reference"])
    text = "; ".join([str(c) for c in changes] + ([note.strip()] if note.strip() else []))
    if support_request.status == Status.OFFERED:
        if not changes:
            support_request.save()
            _record(support_request, verb=EventVerb.TRIAGED, actor=actor, note=text)
            return support_request
        _withdraw_pending(support_request, actor=actor, reason=_("The request was triaged again."))
    _move(support_request, to=Status.TRIAGED, verb=EventVerb.TRIAGED, actor=actor, note=text)
    request_flag_for_matching(support_request)
    return support_request


@transaction.atomic
def request_escalate(*, support_request: SupportRequest, actor: Actor, note: str = "") -> SupportRequest:
    """Escalate one stage (hub, then LIO, then the statutory safety net). Past the safety net there is
    nowhere further to go, and the request stays escalated for a coordinator."""
    support_request = _locked(support_request)
    if support_request.status == Status.OFFERED:
        _withdraw_pending(support_request, actor=actor, reason=_("The request was escalated."))
    stage_index = _ESCALATION_ORDER.index(EscalationStage(support_request.escalation_stage))
    if stage_index == len(_ESCALATION_ORDER) - 1 and support_request.status == Status.ESCALATED:
        raise InvalidTransition(_("This request is already with the statutory safety net."), field="escalation_stage")
    next_stage = _ESCALATION_ORDER[min(stage_index + 1, len(_ESCALATION_ORDER) - 1)]
    if next_stage == EscalationStage.HUB and not _hub_covers(support_request):
        next_stage = EscalationStage.LIO
    support_request.escalation_stage = next_stage
    stage_label = EscalationStage(support_request.escalation_stage).label
    text = _("Escalated to the %(stage)s.") % {"stage": stage_label} + (f" {note.strip()}" if note.strip() else "")
    return _move(support_request, to=Status.ESCALATED, verb=EventVerb.ESCALATED, actor=actor, note=text)


def _hub_covers(support_request: SupportRequest) -> bool:
    area = support_request.resident.area
    if area is None:
        return False
    areas = area_with_ancestors(area)
    return Hub.objects.filter(cell_id=support_request.cell_id, is_active=True, areas__in=areas).exists()


@transaction.atomic
def request_signpost(*, support_request: SupportRequest, actor: Actor, note: str) -> SupportRequest:
    """Close a request by pointing the resident to help elsewhere (e.g. an arm's-length mutual aid group)."""
    note = _require_text(note, field="note", message=_("Say where the resident was signposted to."))
    support_request = _locked(support_request)
    return _move(support_request, to=Status.SIGNPOSTED, verb=EventVerb.SIGNPOSTED, actor=actor, note=note)


@transaction.atomic
def request_cancel(*, support_request: SupportRequest, actor: Actor, reason: str) -> SupportRequest:
    reason = _require_text(reason, field="reason", message=_("Say why the request is cancelled."))
    support_request = _locked(support_request)
    if support_request.status == Status.OFFERED:
        _withdraw_pending(support_request, actor=actor, reason=reason)
    if support_request.status == Status.ASSIGNED:
        _offers_move(support_request, from_state=OfferState.ACCEPTED, to_state=OfferState.WITHDRAWN, actor=actor)
    return _move(support_request, to=Status.CANCELLED, verb=EventVerb.CANCELLED, actor=actor, note=reason)


@transaction.atomic
def request_complete(*, support_request: SupportRequest, actor: Actor, outcome: str) -> SupportRequest:
    outcome = _require_text(outcome, field="outcome", message=_("Say what happened."))
    support_request = _locked(support_request)
    support_request.outcome = outcome
    _move(support_request, to=Status.COMPLETED, verb=EventVerb.COMPLETED, actor=actor, note=outcome)
    _offers_move(
        support_request, from_state=OfferState.ACCEPTED, to_state=OfferState.COMPLETED, actor=actor, outcome=outcome
    )
    if support_request.recurrence != Recurrence.NONE:
        _schedule_next_occurrence(support_request, actor=actor)
    return support_request


_RECURRENCE_PERIOD = {
    Recurrence.WEEKLY: datetime.timedelta(days=7),
    Recurrence.FORTNIGHTLY: datetime.timedelta(days=14),
    Recurrence.MONTHLY: datetime.timedelta(days=28),
}


def _schedule_next_occurrence(support_request: SupportRequest, *, actor: Actor) -> SupportRequest | None:
    """Log the next occurrence of a recurring request. Matching then prefers the same helper, who now
    supports the resident (the continuity factor). Safe to call twice: one request has one next."""
    if SupportRequest.objects.filter(previous_occurrence=support_request).exists():
        return None
    period = _RECURRENCE_PERIOD[Recurrence(support_request.recurrence)]
    next_request = request_create(
        cell=support_request.cell,
        resident=support_request.resident,
        categories=support_request.categories.all(),
        urgency=support_request.urgency,
        channel=support_request.channel,
        level=support_request.level,
        description=support_request.description,
        safeguarding=support_request.safeguarding,
        recurrence=support_request.recurrence,
        logged_by=actor,
        caller_is_resident=support_request.caller_is_resident,
        caller_name=support_request.caller_name,
        caller_relationship=support_request.caller_relationship,
        caller_phone=support_request.caller_phone,
        previous_occurrence=support_request,
        due_by=max(support_request.due_by, timezone.now()) + period,
    )
    request_add_note(
        support_request=next_request,
        actor=actor,
        note=_("Next %(recurrence)s occurrence of %(reference)s.")
        % {"recurrence": Recurrence(support_request.recurrence).label, "reference": support_request.reference},
    )
    return next_request


@transaction.atomic
def request_add_note(*, support_request: SupportRequest, actor: Actor, note: str) -> Event:
    note = _require_text(note, field="note", message=_("Write the note."))
    return _record(support_request, verb=EventVerb.NOTE, actor=actor, note=note)


# Offers and referrals ----------------------------------------------------------------------------------


def _offers_move(
    support_request: SupportRequest, *, from_state: str, to_state: str, actor: Actor, **fields: str
) -> int:
    """Move the request's offers in one state to another, auditing each. Returns how many moved."""
    offers = list(Offer.objects.select_for_update().filter(request=support_request, state=from_state))
    for offer in offers:
        offer.state = to_state
        for name, value in fields.items():
            setattr(offer, name, value)
        offer.save(update_fields=["state", *fields, "updated_at"])
        _audit_offer(offer, actor=actor, fields=["state", *fields])
    return len(offers)


def _withdraw_pending(support_request: SupportRequest, *, actor: Actor, reason: str) -> None:
    withdrawn = _offers_move(
        support_request,
        from_state=OfferState.PENDING,
        to_state=OfferState.WITHDRAWN,
        actor=actor,
        decline_reason=reason[:300],
    )
    if withdrawn:
        _record(support_request, verb=EventVerb.WITHDRAWN, actor=actor, note=reason)


@transaction.atomic
def offer_make(
    *,
    support_request: SupportRequest,
    actor: Actor,
    volunteer: Volunteer | None = None,
    organisation: Organisation | None = None,
    expires_at: datetime.datetime | None = None,
    note: str = "",
) -> Offer:
    """Offer the request to a volunteer, or refer it to an organisation. The offer expires after the
    cell's time for the request's urgency unless ``expires_at`` is given."""
    if (volunteer is None) == (organisation is None):
        raise DomainError(_("Choose one volunteer or one organisation."), field="candidate")
    support_request = _locked(support_request)
    if volunteer is not None and volunteer.cell_id != support_request.cell_id:
        raise DomainError(_("That volunteer belongs to another response cell."), field="volunteer")
    if expires_at is None:
        minutes = support_request.cell.offer_expiry_minutes(support_request.urgency)
        expires_at = timezone.now() + datetime.timedelta(minutes=minutes)
    verb = EventVerb.REFERRED if organisation is not None else EventVerb.OFFERED
    helper = str(organisation or volunteer)
    _move(support_request, to=Status.OFFERED, verb=verb, actor=actor, note=note or helper)
    offer = Offer.objects.create(
        request=support_request,
        volunteer=volunteer,
        organisation=organisation,
        expires_at=expires_at,
        created_by=_user(actor),
    )
    _audit_offer(offer, actor=actor, created=True)
    return offer


def _locked_offer(offer: Offer) -> tuple[Offer, SupportRequest]:
    # Fixed lock order, request before offer, so that concurrent services never deadlock.
    support_request = SupportRequest.objects.select_for_update().get(pk=offer.request_id)
    return Offer.objects.select_for_update().get(pk=offer.pk), support_request


@transaction.atomic
def offer_accept(*, offer: Offer, actor: Actor) -> Offer:
    """Accept a pending offer. Of two simultaneous accepts, the second finds it no longer pending."""
    offer, support_request = _locked_offer(offer)
    if offer.state != OfferState.PENDING:
        raise InvalidTransition(
            _("This offer is %(state)s and can no longer be accepted.") % {"state": OfferState(offer.state).label},
            field="state",
        )
    now = timezone.now()
    if offer.expires_at is not None and offer.expires_at <= now:
        raise InvalidTransition(_("This offer has expired."), field="state")
    if not support_request.can_move_to(Status.ASSIGNED):
        raise InvalidTransition(
            _("A request that is %(status)s cannot be assigned.") % {"status": Status(support_request.status).label},
            field="status",
        )
    offer.state = OfferState.ACCEPTED
    offer.responded_at = now
    offer.save(update_fields=["state", "responded_at", "updated_at"])
    _audit_offer(offer, actor=actor, fields=["state", "responded_at"])
    _move(
        support_request,
        to=Status.ASSIGNED,
        verb=EventVerb.ACCEPTED,
        actor=actor,
        note=str(offer.volunteer or offer.organisation),
    )
    _note_assignment(offer)
    return offer


@transaction.atomic
def offer_decline(*, offer: Offer, actor: Actor, reason: str = "") -> Offer:
    offer, support_request = _locked_offer(offer)
    if offer.state != OfferState.PENDING:
        raise InvalidTransition(
            _("This offer is %(state)s and can no longer be declined.") % {"state": OfferState(offer.state).label},
            field="state",
        )
    offer.state = OfferState.DECLINED
    offer.responded_at = timezone.now()
    offer.decline_reason = reason.strip()[:300]
    offer.save(update_fields=["state", "responded_at", "decline_reason", "updated_at"])
    _audit_offer(offer, actor=actor, fields=["state", "responded_at", "decline_reason"])
    helper = str(offer.volunteer or offer.organisation)
    note = f"{helper}: {offer.decline_reason}" if offer.decline_reason else helper
    _move(support_request, to=Status.TRIAGED, verb=EventVerb.DECLINED, actor=actor, note=note)
    request_flag_for_matching(support_request)
    return offer


@transaction.atomic
def offer_expire(*, offer: Offer, now: datetime.datetime | None = None) -> bool:
    """Expire a pending offer whose time has passed. Returns False (and changes nothing) when the offer
    was answered meanwhile or is not yet due, so running it twice does no harm."""
    now = now or timezone.now()
    offer, support_request = _locked_offer(offer)
    if offer.state != OfferState.PENDING or offer.expires_at is None or offer.expires_at > now:
        return False
    offer.state = OfferState.EXPIRED
    offer.save(update_fields=["state", "updated_at"])
    _audit_offer(offer, actor=None, fields=["state"])
    _move(
        support_request,
        to=Status.TRIAGED,
        verb=EventVerb.EXPIRED,
        actor=None,
        note=str(offer.volunteer or offer.organisation),
    )
    request_flag_for_matching(support_request)
    return True


@transaction.atomic
def offer_withdraw(*, offer: Offer, actor: Actor, reason: str) -> Offer:
    """A coordinator takes back a pending offer; the request waits for their next choice."""
    reason = _require_text(reason, field="reason", message=_("Say why the offer is withdrawn."))
    offer, support_request = _locked_offer(offer)
    if offer.state != OfferState.PENDING:
        raise InvalidTransition(_("Only an offer waiting for an answer can be withdrawn."), field="state")
    offer.state = OfferState.WITHDRAWN
    offer.decline_reason = reason[:300]
    offer.save(update_fields=["state", "decline_reason", "updated_at"])
    _audit_offer(offer, actor=actor, fields=["state", "decline_reason"])
    _move(support_request, to=Status.TRIAGED, verb=EventVerb.WITHDRAWN, actor=actor, note=reason)
    return offer


@transaction.atomic
def offer_release(*, offer: Offer, actor: Actor, reason: str) -> Offer:
    """A helper hands back a task they accepted; the request waits for a new match."""
    reason = _require_text(reason, field="reason", message=_("Say why the task is handed back."))
    offer, support_request = _locked_offer(offer)
    if offer.state != OfferState.ACCEPTED:
        raise InvalidTransition(_("Only an accepted task can be handed back."), field="state")
    offer.state = OfferState.RELEASED
    offer.decline_reason = reason[:300]
    offer.save(update_fields=["state", "decline_reason", "updated_at"])
    _audit_offer(offer, actor=actor, fields=["state", "decline_reason"])
    _move(support_request, to=Status.TRIAGED, verb=EventVerb.RELEASED, actor=actor, note=reason)
    request_flag_for_matching(support_request)
    return offer


@transaction.atomic
def offer_complete(*, offer: Offer, actor: Actor, outcome: str) -> Offer:
    """The helper who accepted a task records what happened, which completes the request. Refused when
    the offer is no longer the accepted one (handed back or taken back meanwhile), so one helper never
    completes a task that has passed to another."""
    outcome = _require_text(outcome, field="outcome", message=_("Say what happened."))
    offer, support_request = _locked_offer(offer)
    if offer.state != OfferState.ACCEPTED:
        raise InvalidTransition(
            _("This offer is %(state)s and can no longer be completed.") % {"state": OfferState(offer.state).label},
            field="state",
        )
    request_complete(support_request=support_request, actor=actor, outcome=outcome)
    offer.refresh_from_db()
    return offer


@transaction.atomic
def request_assign(
    *,
    support_request: SupportRequest,
    actor: Actor,
    reason: str,
    volunteer: Volunteer | None = None,
    organisation: Organisation | None = None,
) -> Offer:
    """Assign by hand, with a reason: any pending offer is withdrawn and the assignment is accepted at once."""
    reason = _require_text(reason, field="reason", message=_("Say why you are assigning this by hand."))
    if (volunteer is None) == (organisation is None):
        raise DomainError(_("Choose one volunteer or one organisation."), field="candidate")
    support_request = _locked(support_request)
    if volunteer is not None and volunteer.cell_id != support_request.cell_id:
        raise DomainError(_("That volunteer belongs to another response cell."), field="volunteer")
    if support_request.status == Status.OFFERED:
        _withdraw_pending(support_request, actor=actor, reason=_("Assigned by hand instead."))
    helper = str(volunteer or organisation)
    _move(support_request, to=Status.ASSIGNED, verb=EventVerb.ASSIGNED, actor=actor, note=f"{helper}: {reason}")
    offer = Offer.objects.create(
        request=support_request,
        volunteer=volunteer,
        organisation=organisation,
        state=OfferState.ACCEPTED,
        responded_at=timezone.now(),
        by_hand=True,
        hand_reason=reason[:300],
        created_by=_user(actor),
    )
    _audit_offer(offer, actor=actor, created=True)
    _note_assignment(offer)
    return offer


def _note_assignment(offer: Offer) -> None:
    """The volunteer's last task time feeds the fairness factor of matching."""
    if offer.volunteer_id is not None:
        Volunteer.objects.filter(pk=offer.volunteer_id).update(last_assigned_at=offer.responded_at or timezone.now())
