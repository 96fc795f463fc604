"""The product's one notification service: who is told what, and the outbox that makes sure they are.

Every message is a ``Notification`` row first (the source of truth) and is handed to Celery only after
the transaction that created it commits. A broker that is down never fails the caller: the row stays
pending and the beat sweeper (``notifications_resend_due``) enqueues it again. Sending locks the row and
does nothing unless it is still pending and due, so a task that runs twice sends once.

Messages carry the minimum necessary data (DESIGN.md section 6): the needs, the ward or area, urgency,
the deadline and a link; never the resident's name, address, phone or health notes.
"""

import datetime
import functools
import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.errors import DomainError
from hubs.models import Area
from partners.models import CellPartner, Membership
from requests.broker import publish
from requests.models import (
    EscalationStage,
    Notification,
    NotificationChannel,
    NotificationKind,
    NotificationState,
    Offer,
    OfferState,
    SupportRequest,
)
from requests.notifications.backends import get_sms_backend, send_email
from requests.notifications.tasks import send_notification

logger = logging.getLogger(__name__)

LONDON = ZoneInfo("Europe/London")
# A pending row that was never tried is left alone this long, so the sweeper does not race the
# on-commit enqueue of a row that has only just been created.
UNSENT_GRACE = datetime.timedelta(minutes=1)
ESCALATION_STAGES = (EscalationStage.HUB, EscalationStage.LIO, EscalationStage.SAFETY_NET)


@dataclass(frozen=True)
class _Message:
    channel: str
    recipient: str
    subject: str
    body: str


# Enqueueing ---------------------------------------------------------------------------------------------


def enqueue_send(notification_id: int) -> bool:
    """Hand a notification to the worker. Returns False, and logs, when the broker cannot take it: the
    row is already committed as pending, and the sweeper enqueues it again."""
    return publish(send_notification, notification_id)


def _enqueue_after_commit(notification: Notification) -> None:
    transaction.on_commit(functools.partial(enqueue_send, notification.pk))


# Message text -------------------------------------------------------------------------------------------


def _render(template: str, context: dict[str, Any]) -> str:
    text = render_to_string(f"notifications/{template}", context)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _local_time(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    return dateformat.format(timezone.localtime(moment, LONDON), "H:i, D j M")


def _site_link(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _offer_link(offer: Offer) -> str:
    if offer.is_referral:
        return _site_link(f"/partner/referrals/{offer.pk}/")
    return _site_link(f"/v/offers/{offer.pk}/")


def _request_context(support_request: SupportRequest) -> dict[str, Any]:
    """What any recipient may know about a request: never the resident's name, address, phone or notes."""
    area = support_request.resident.area
    return {
        "reference": support_request.reference,
        "categories": ", ".join(category.name for category in support_request.categories.all()) or _("help"),
        "area": area.name if area is not None else _("an area not yet recorded"),
        "urgency": str(support_request.get_urgency_display()),
        "level": str(support_request.get_level_display()),
    }


def _offer_context(offer: Offer) -> dict[str, Any]:
    return {
        **_request_context(offer.request),
        "is_referral": offer.is_referral,
        "organisation": offer.organisation.name if offer.organisation is not None else "",
        "expires": _local_time(offer.expires_at),
        "link": _offer_link(offer),
    }


# Recipients ---------------------------------------------------------------------------------------------


def _unique_emails(emails: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for email in emails:
        email = (email or "").strip()
        if email and email.lower() not in seen:
            seen.add(email.lower())
            unique.append(email)
    return unique


def _staff_emails(memberships: QuerySet[Membership]) -> list[str]:
    active = memberships.filter(is_active=True, user__is_active=True).exclude(user__email="")
    return list(active.order_by("user_id").values_list("user__email", flat=True))


def _offer_recipients(offer: Offer) -> list[tuple[str, str]]:
    """(channel, recipient) pairs: a volunteer by SMS and email; an organisation by its email and its
    active partner contacts in the request's cell."""
    if offer.volunteer is not None:
        volunteer = offer.volunteer
        recipients = []
        if volunteer.phone.strip():
            recipients.append((NotificationChannel.SMS.value, volunteer.phone.strip()))
        if volunteer.email.strip():
            recipients.append((NotificationChannel.EMAIL.value, volunteer.email.strip()))
        return recipients
    organisation = offer.organisation
    assert organisation is not None
    contacts = Membership.objects.filter(
        cell_id=offer.request.cell_id, role=Membership.Role.PARTNER_CONTACT, organisation=organisation
    )
    emails = _unique_emails([organisation.email, *_staff_emails(contacts)])
    return [(NotificationChannel.EMAIL.value, email) for email in emails]


def _area_and_ancestors(area: Area | None) -> list[int]:
    # A hub that covers a locality covers its wards too.
    ids: list[int] = []
    while area is not None and area.pk not in ids:
        ids.append(area.pk)
        area = area.parent
    return ids


def _escalation_recipients(support_request: SupportRequest, stage: str) -> list[str]:
    staff = Membership.objects.filter(cell_id=support_request.cell_id)
    coordinators = staff.filter(role=Membership.Role.COORDINATOR)
    emails: list[str] = []
    if stage == EscalationStage.HUB:
        area_ids = _area_and_ancestors(support_request.resident.area)
        if area_ids:
            hub_staff = staff.filter(
                role=Membership.Role.HUB_COORDINATOR,
                hub__cell_id=support_request.cell_id,
                hub__is_active=True,
                hub__areas__in=area_ids,
            )
            emails = _staff_emails(hub_staff)
        emails = emails or _staff_emails(coordinators)
    elif stage == EscalationStage.LIO:
        emails = _staff_emails(staff.filter(role__in=[Membership.Role.COORDINATOR, Membership.Role.CELL_ADMIN]))
    else:
        emails = _staff_emails(coordinators)
        safety_net = (
            CellPartner.objects.filter(cell_id=support_request.cell_id, role=CellPartner.Role.SAFETY_NET)
            .select_related("organisation")
            .first()
        )
        if safety_net is not None:
            contacts = staff.filter(role=Membership.Role.PARTNER_CONTACT, organisation_id=safety_net.organisation_id)
            emails += [*_staff_emails(contacts), safety_net.organisation.email]
    # An escalation that reaches nobody is the one failure that must not happen quietly.
    emails = _unique_emails(emails) or _staff_emails(staff.filter(role=Membership.Role.CELL_ADMIN))
    return _unique_emails(emails)


# Creating notifications ---------------------------------------------------------------------------------


def _create_for_offer(offer: Offer, *, kind: str, messages: list[_Message]) -> list[Notification]:
    """One row per (offer, kind, channel, recipient); rows that exist already are returned, not repeated."""
    notifications = []
    with transaction.atomic():
        for message in messages:
            # get_or_create inserts inside a savepoint and re-reads on a unique violation, so a
            # concurrent caller gets the other's row instead of an error.
            notification, created = Notification.objects.get_or_create(
                offer=offer,
                kind=kind,
                channel=message.channel,
                recipient=message.recipient,
                defaults={"request_id": offer.request_id, "subject": message.subject[:200], "body": message.body},
            )
            if created:
                _enqueue_after_commit(notification)
            notifications.append(notification)
    return notifications


def _messages(
    recipients: list[tuple[str, str]], *, subject: str, sms_template: str, email_template: str, context: dict[str, Any]
) -> list[_Message]:
    return [
        _Message(channel, recipient, "", _render(sms_template, context))
        if channel == NotificationChannel.SMS
        else _Message(channel, recipient, subject, _render(email_template, context))
        for channel, recipient in recipients
    ]


def _with_related(offer: Offer) -> Offer:
    return Offer.objects.select_related("request__resident__area", "volunteer", "organisation").get(pk=offer.pk)


def notify_offer(*, offer: Offer) -> list[Notification]:
    """Tell the helper about a pending offer (volunteer: SMS and email) or referral (organisation: email).

    Safe to call twice: the second call creates nothing and returns the rows made by the first. An offer
    that is no longer pending is not announced."""
    offer = _with_related(offer)
    if offer.state != OfferState.PENDING:
        logger.info("Offer %s is %s; no offer notification sent.", offer.pk, offer.state)
        return []
    kind = NotificationKind.REFERRAL if offer.is_referral else NotificationKind.OFFER
    with translation.override(settings.LANGUAGE_CODE):
        context = _offer_context(offer)
        if offer.is_referral:
            subject = _("New referral %(reference)s for %(organisation)s") % context
        else:
            subject = _("Can you help? %(categories)s in %(area)s") % context
        messages = _messages(
            _offer_recipients(offer),
            subject=subject,
            sms_template=f"{kind}_sms.txt",
            email_template=f"{kind}_email.txt",
            context=context,
        )
    if not messages:
        logger.warning("Offer %s: the helper has no email address or phone number to notify.", offer.pk)
    return _create_for_offer(offer, kind=kind, messages=messages)


def notify_reminder(*, offer: Offer, now: datetime.datetime | None = None) -> list[Notification]:
    """Remind the helper that a pending offer is about to expire. Claims the reminder with a conditional
    update of ``offer.reminded_at``, so of two calls only the first sends anything."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Offer.objects.filter(
            pk=offer.pk, state=OfferState.PENDING, reminded_at__isnull=True, expires_at__gt=now
        ).update(reminded_at=now)
        if not claimed:
            return []
        offer.reminded_at = now
        fresh = _with_related(offer)
        assert fresh.expires_at is not None
        minutes = max(1, math.ceil((fresh.expires_at - now).total_seconds() / 60))
        with translation.override(settings.LANGUAGE_CODE):
            context = {**_offer_context(fresh), "minutes": minutes}
            if fresh.is_referral:
                subject = (
                    ngettext(
                        "Reminder: referral %(reference)s expires in %(minutes)d minute",
                        "Reminder: referral %(reference)s expires in %(minutes)d minutes",
                        minutes,
                    )
                    % context
                )
            else:
                subject = (
                    ngettext(
                        "Reminder: the offer to help expires in %(minutes)d minute",
                        "Reminder: the offer to help expires in %(minutes)d minutes",
                        minutes,
                    )
                    % context
                )
            messages = _messages(
                _offer_recipients(fresh),
                subject=subject,
                sms_template="reminder_sms.txt",
                email_template="reminder_email.txt",
                context=context,
            )
        return _create_for_offer(fresh, kind=NotificationKind.REMINDER, messages=messages)


def notify_escalation(*, support_request: SupportRequest, stage: str, note: str = "") -> list[Notification]:
    """Email the staff who should act when a request escalates to ``stage`` (``hub``, ``lio`` or
    ``safety_net``). Each call alerts each person once; the caller calls it once per escalation."""
    if stage not in ESCALATION_STAGES:
        raise DomainError(_("Choose an escalation stage: hub, LIO or safety net."), field="stage")
    support_request = SupportRequest.objects.select_related("resident__area").get(pk=support_request.pk)
    recipients = _escalation_recipients(support_request, stage)
    if not recipients:
        logger.warning("Request %s escalated to %s, but nobody in the cell can be emailed.", support_request, stage)
        return []
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            **_request_context(support_request),
            "stage": str(EscalationStage(stage).label),
            "note": note.strip(),
            "link": _site_link(f"/triage/requests/{support_request.reference}/"),
        }
        subject = _("Request %(reference)s escalated to %(stage)s") % context
        body = _render("escalation_email.txt", context)
    with transaction.atomic():
        notifications = [
            Notification.objects.create(
                request=support_request,
                channel=NotificationChannel.EMAIL,
                kind=NotificationKind.ESCALATION,
                recipient=recipient,
                subject=subject[:200],
                body=body,
            )
            for recipient in recipients
        ]
        for notification in notifications:
            _enqueue_after_commit(notification)
    return notifications


# Sending ------------------------------------------------------------------------------------------------


def _deliver(notification: Notification) -> None:
    if notification.channel == NotificationChannel.EMAIL:
        send_email(to=notification.recipient, subject=notification.subject, body=notification.body)
    elif notification.channel == NotificationChannel.SMS:
        get_sms_backend().send(phone_number=notification.recipient, message=notification.body)
    else:
        raise ValueError(f"Unknown notification channel {notification.channel!r}")


def retry_delay(attempts: int) -> datetime.timedelta:
    """Wait before the next try after ``attempts`` failures: 1, 2, 4, 8, 16... minutes."""
    return datetime.timedelta(minutes=2 ** max(attempts - 1, 0))


def notification_send(*, notification_id: int) -> Notification:
    """Send one notification through its channel's backend, under a row lock.

    Does nothing unless the row is pending and due, so running it twice sends once. A failure is
    recorded on the row (attempts, last error, next attempt after a growing delay) and never touches the
    offer; after ``NOTIFICATION_MAX_ATTEMPTS`` the row is marked failed."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        now = timezone.now()
        if notification.state != NotificationState.PENDING:
            return notification
        if notification.next_attempt_at is not None and notification.next_attempt_at > now:
            return notification
        notification.attempts += 1
        try:
            _deliver(notification)
        # Any failure of a backend (SMTP, HTTP, configuration) is recorded on the row and retried.
        except Exception as exc:  # noqa: BLE001
            _record_failure(notification, exc, now=timezone.now())
        else:
            notification.state = NotificationState.SENT
            notification.sent_at = timezone.now()
            notification.next_attempt_at = None
        notification.save(update_fields=["state", "attempts", "last_error", "next_attempt_at", "sent_at"])
    return notification


def _record_failure(notification: Notification, exc: Exception, *, now: datetime.datetime) -> None:
    notification.last_error = f"{type(exc).__name__}: {exc}"[:500]
    max_attempts = settings.NOTIFICATION_MAX_ATTEMPTS
    if notification.attempts >= max_attempts:
        notification.state = NotificationState.FAILED
        notification.next_attempt_at = None
        logger.error(
            "Notification %s (%s by %s) failed after %s attempts: %s",
            notification.pk,
            notification.kind,
            notification.channel,
            notification.attempts,
            notification.last_error,
        )
    else:
        notification.next_attempt_at = now + retry_delay(notification.attempts)
        logger.warning(
            "Notification %s (%s by %s) failed, attempt %s of %s; next try at %s: %s",
            notification.pk,
            notification.kind,
            notification.channel,
            notification.attempts,
            max_attempts,
            notification.next_attempt_at.isoformat(),
            notification.last_error,
        )


# The sweeper --------------------------------------------------------------------------------------------


def notifications_due(*, now: datetime.datetime, limit: int = 500) -> list[int]:
    """Ids of pending notifications to (re)send: never tried and older than a minute (their enqueue was
    lost), or whose next attempt is due."""
    due = Notification.objects.filter(state=NotificationState.PENDING).filter(
        Q(next_attempt_at__isnull=True, created_at__lte=now - UNSENT_GRACE) | Q(next_attempt_at__lte=now)
    )
    return list(due.order_by("id").values_list("id", flat=True)[:limit])


def notifications_resend_due(*, now: datetime.datetime | None = None) -> int:
    """Enqueue every due notification; stop at the first broker failure (the next sweep tries again).
    Returns how many were enqueued."""
    enqueued = 0
    for notification_id in notifications_due(now=now or timezone.now()):
        if not enqueue_send(notification_id):
            break
        enqueued += 1
    return enqueued
