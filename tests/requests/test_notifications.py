import datetime
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any
from unittest.mock import MagicMock, patch

import httpx
import jwt
import kombu.exceptions
import pytest
from celery.exceptions import Retry
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.utils import timezone

from config.errors import DomainError
from partners.models import CellPartner, Membership
from requests import broker
from requests.models import Notification, NotificationState, OfferState
from requests.notifications import (
    notification_send,
    notifications_due,
    notifications_resend_due,
    notify_escalation,
    notify_offer,
    notify_reminder,
)
from requests.notifications.backends import (
    LogSmsBackend,
    NotifyError,
    NotifySmsBackend,
    get_sms_backend,
    parse_notify_api_key,
)
from requests.notifications.tasks import send_notification
from tests.hubs.factories import HubFactory, NeedCategoryFactory, ResponseCellFactory, WardFactory
from tests.partners.factories import CellPartnerFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.requests.factories import OfferFactory, ResidentFactory, SupportRequestFactory
from tests.volunteers.factories import VolunteerFactory

pytestmark = pytest.mark.django_db

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET_KEY = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"my-test-key-{SERVICE_ID}-{SECRET_KEY}"
TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"

RESIDENT_SECRETS = ("Hermione", "Grangerfield", "12 Secret Lane", "HX9 9ZZ", "01422 555123", "insulin")


def _contains_resident_details(text: str) -> list[str]:
    return [secret for secret in RESIDENT_SECRETS if secret.lower() in text.lower()]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def send_now() -> Iterator[MagicMock]:
    """Enqueueing runs the real task in-process, so no test needs a broker."""

    def run(args: list[int], **options: Any) -> None:
        send_notification.apply(args=args, throw=True)

    with patch.object(send_notification, "apply_async", side_effect=run) as publish:
        yield publish


@pytest.fixture
def no_broker() -> Iterator[MagicMock]:
    """Enqueueing is recorded but nothing runs."""
    with patch.object(send_notification, "apply_async") as publish:
        yield publish


@pytest.fixture(autouse=True)
def _broker_not_resting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts without the back-off left by another test's broken broker."""
    monkeypatch.setattr(broker, "_backoff", threading.local())


@pytest.fixture
def broken_broker() -> Iterator[MagicMock]:
    error = kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with patch.object(send_notification, "apply_async", side_effect=error) as publish:
        yield publish


@pytest.fixture
def site(settings: Any) -> Any:
    settings.SITE_URL = "https://hub.example.org"
    settings.SMS_BACKEND = "requests.notifications.backends.LogSmsBackend"
    settings.NOTIFICATION_MAX_ATTEMPTS = 6
    return settings


@pytest.fixture
def ward() -> Any:
    return WardFactory(name="Park Ward")


@pytest.fixture
def support_request(ward: Any) -> Any:
    cell = ResponseCellFactory()
    resident = ResidentFactory(
        cell=cell,
        first_name="Hermione",
        last_name="Grangerfield",
        address_line_1="12 Secret Lane",
        postcode="HX9 9ZZ",
        phone="01422 555123",
        health_notes="Needs insulin kept cold",
        area=ward,
    )
    return SupportRequestFactory(
        cell=cell,
        resident=resident,
        urgency="today",
        level=2,
        status="offered",
        categories=[NeedCategoryFactory(slug="shopping", name="Shopping")],
    )


@pytest.fixture
def volunteer_offer(support_request: Any) -> Any:
    volunteer = VolunteerFactory(cell=support_request.cell, email="sam@example.org", phone="07700 900456")
    return OfferFactory(request=support_request, volunteer=volunteer)


# Offers and referrals -----------------------------------------------------------------------------------


def test_offer_to_volunteer_sends_sms_and_email_with_minimum_data(
    site: Any,
    volunteer_offer: Any,
    send_now: MagicMock,
    mailoutbox: list[Any],
    caplog: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    caplog.set_level(logging.INFO, logger="requests.notifications.sms")
    with django_capture_on_commit_callbacks(execute=True):
        notifications = notify_offer(offer=volunteer_offer)

    assert sorted((n.channel, n.kind, n.recipient) for n in notifications) == [
        ("email", "offer", "sam@example.org"),
        ("sms", "offer", "07700 900456"),
    ]
    assert {n.state for n in Notification.objects.all()} == {NotificationState.SENT}
    link = f"https://hub.example.org/v/offers/{volunteer_offer.pk}/"

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["sam@example.org"]
    for text in (email.subject, email.body):
        assert "Shopping" in text
        assert "Park Ward" in text
        assert _contains_resident_details(text) == []
    assert link in email.body
    assert "today" in email.body

    sms_lines = [r.getMessage() for r in caplog.records if r.name == "requests.notifications.sms"]
    assert len(sms_lines) == 1
    assert "07700 900456" in sms_lines[0]
    assert link in sms_lines[0]
    assert "Park Ward" in sms_lines[0]
    assert _contains_resident_details(sms_lines[0].replace("07700 900456", "")) == []


def test_offer_expiry_is_shown_in_london_time(site: Any, volunteer_offer: Any, no_broker: MagicMock) -> None:
    volunteer_offer.expires_at = datetime.datetime(2026, 7, 1, 12, 30, tzinfo=datetime.UTC)
    volunteer_offer.save()
    notifications = notify_offer(offer=volunteer_offer)
    for notification in notifications:
        assert "13:30, Wed 1 Jul" in notification.body


def test_volunteer_without_phone_gets_only_email(site: Any, support_request: Any, no_broker: MagicMock) -> None:
    volunteer = VolunteerFactory(cell=support_request.cell, email="em@example.org", phone="")
    offer = OfferFactory(request=support_request, volunteer=volunteer)
    assert [(n.channel, n.recipient) for n in notify_offer(offer=offer)] == [("email", "em@example.org")]


def test_referral_emails_the_organisation_and_its_active_contacts_in_the_cell(
    site: Any,
    support_request: Any,
    send_now: MagicMock,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    cell = support_request.cell
    organisation = OrganisationFactory(name="Calder Food Bank", email="referrals@food.example.org")
    contact = UserFactory(email="ann@food.example.org")
    MembershipFactory(user=contact, cell=cell, role=Membership.Role.PARTNER_CONTACT, organisation=organisation)
    # The same address as the organisation's: one email, not two.
    MembershipFactory(
        user=UserFactory(email="Referrals@food.example.org"),
        cell=cell,
        role=Membership.Role.PARTNER_CONTACT,
        organisation=organisation,
    )
    MembershipFactory(
        user=UserFactory(email="left@food.example.org"),
        cell=cell,
        role=Membership.Role.PARTNER_CONTACT,
        organisation=organisation,
        is_active=False,
    )
    MembershipFactory(
        user=UserFactory(email="elsewhere@food.example.org"),
        cell=ResponseCellFactory(),
        role=Membership.Role.PARTNER_CONTACT,
        organisation=organisation,
    )
    MembershipFactory(
        user=UserFactory(email="other-org@example.org"),
        cell=cell,
        role=Membership.Role.PARTNER_CONTACT,
        organisation=OrganisationFactory(),
    )
    offer = OfferFactory(request=support_request, volunteer=None, organisation=organisation)

    with django_capture_on_commit_callbacks(execute=True):
        notifications = notify_offer(offer=offer)

    assert {n.kind for n in notifications} == {"referral"}
    assert {n.channel for n in notifications} == {"email"}
    assert sorted(to for email in mailoutbox for to in email.to) == [
        "ann@food.example.org",
        "referrals@food.example.org",
    ]
    email = mailoutbox[0]
    assert support_request.reference in email.subject
    assert f"https://hub.example.org/partner/referrals/{offer.pk}/" in email.body
    assert "Calder Food Bank" in email.body
    assert _contains_resident_details(email.subject + email.body) == []


def test_notify_offer_twice_creates_one_set_of_rows_and_enqueues_once(
    site: Any, volunteer_offer: Any, no_broker: MagicMock, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = notify_offer(offer=volunteer_offer)
    with django_capture_on_commit_callbacks(execute=True):
        second = notify_offer(offer=volunteer_offer)
    assert Notification.objects.count() == 2
    assert sorted(n.pk for n in first) == sorted(n.pk for n in second)
    assert no_broker.call_count == 2


def test_offer_no_longer_pending_is_not_announced(site: Any, volunteer_offer: Any, no_broker: MagicMock) -> None:
    volunteer_offer.state = OfferState.WITHDRAWN
    volunteer_offer.save()
    assert notify_offer(offer=volunteer_offer) == []
    assert not Notification.objects.exists()


def test_enqueue_happens_only_after_commit(
    site: Any, volunteer_offer: Any, no_broker: MagicMock, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_offer(offer=volunteer_offer)
        assert no_broker.call_count == 0
    assert len(callbacks) == 2


def test_broken_broker_never_fails_the_caller_and_rows_stay_pending(
    site: Any, volunteer_offer: Any, broken_broker: MagicMock, caplog: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notifications = notify_offer(offer=volunteer_offer)

    # The first publish fails; the second is not even tried while the broker rests (no second timeout).
    assert broken_broker.call_count == 1
    assert len(notifications) == 2
    assert set(Notification.objects.values_list("state", "attempts")) == {(NotificationState.PENDING, 0)}
    assert any("sweeper will retry" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


# Reminders ----------------------------------------------------------------------------------------------


def test_reminder_is_sent_once_and_marks_the_offer(
    site: Any, volunteer_offer: Any, send_now: MagicMock, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    now = timezone.now()
    volunteer_offer.expires_at = now + datetime.timedelta(minutes=30)
    volunteer_offer.save()

    with django_capture_on_commit_callbacks(execute=True):
        reminders = notify_reminder(offer=volunteer_offer, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        again = notify_reminder(offer=volunteer_offer, now=now)

    assert {(n.kind, n.channel) for n in reminders} == {("reminder", "sms"), ("reminder", "email")}
    assert again == []
    volunteer_offer.refresh_from_db()
    assert volunteer_offer.reminded_at == now
    assert len(mailoutbox) == 1
    assert "30 minutes" in mailoutbox[0].subject
    sms = Notification.objects.get(kind="reminder", channel="sms")
    assert "expires in 30 minutes" in sms.body
    assert _contains_resident_details(mailoutbox[0].body + sms.body) == []


def test_no_reminder_for_an_answered_offer(site: Any, volunteer_offer: Any, no_broker: MagicMock) -> None:
    volunteer_offer.state = OfferState.ACCEPTED
    volunteer_offer.responded_at = timezone.now()
    volunteer_offer.save()
    assert notify_reminder(offer=volunteer_offer) == []
    volunteer_offer.refresh_from_db()
    assert volunteer_offer.reminded_at is None


# Sending and retrying -----------------------------------------------------------------------------------


def test_notification_send_twice_sends_once(
    site: Any, volunteer_offer: Any, no_broker: MagicMock, mailoutbox: list[Any]
) -> None:
    email = next(n for n in notify_offer(offer=volunteer_offer) if n.channel == "email")
    first = notification_send(notification_id=email.pk)
    second = notification_send(notification_id=email.pk)
    assert len(mailoutbox) == 1
    assert first.state == second.state == NotificationState.SENT
    assert second.attempts == 1
    assert second.sent_at is not None


class _NotifyAnswers:
    """A fake Notify API: records requests and answers with the status and body it was given."""

    status_code = 201
    body: dict[str, Any] = {"id": "740e5834-3a29-46b4-9a6f-16142fde533a"}
    requests: list[httpx.Request] = []

    @classmethod
    def handler(cls, request: httpx.Request) -> httpx.Response:
        cls.requests.append(request)
        return httpx.Response(cls.status_code, json=cls.body)


class FakeNotifySmsBackend(NotifySmsBackend):
    """The real Notify backend, configured from settings, talking to ``_NotifyAnswers``."""

    def __init__(self) -> None:
        super().__init__(client=httpx.Client(transport=httpx.MockTransport(_NotifyAnswers.handler)))


@pytest.fixture
def notify(site: Any) -> Iterator[type[_NotifyAnswers]]:
    site.SMS_BACKEND = "tests.requests.test_notifications.FakeNotifySmsBackend"
    site.GOVUK_NOTIFY_API_KEY = API_KEY
    site.GOVUK_NOTIFY_SMS_TEMPLATE_ID = TEMPLATE_ID
    site.GOVUK_NOTIFY_BASE_URL = "https://notify.example.org/"
    _NotifyAnswers.status_code = 201
    _NotifyAnswers.body = {"id": "740e5834-3a29-46b4-9a6f-16142fde533a"}
    _NotifyAnswers.requests = []
    yield _NotifyAnswers


def test_notify_backend_posts_the_message_with_a_signed_token(notify: type[_NotifyAnswers]) -> None:
    backend = get_sms_backend()
    message_id = backend.send(phone_number="07700 900456", message="Can you help?")

    assert message_id == "740e5834-3a29-46b4-9a6f-16142fde533a"
    [request] = notify.requests
    assert request.method == "POST"
    assert str(request.url) == "https://notify.example.org/v2/notifications/sms"
    assert json.loads(request.content) == {
        "phone_number": "07700 900456",
        "template_id": TEMPLATE_ID,
        "personalisation": {"message": "Can you help?"},
    }
    scheme, token = request.headers["Authorization"].split(" ")
    assert scheme == "Bearer"
    claims = jwt.decode(token, SECRET_KEY, algorithms=["HS256"])
    assert claims["iss"] == SERVICE_ID
    assert abs(claims["iat"] - timezone.now().timestamp()) < 30


def test_notify_error_raises_with_status_and_message(notify: type[_NotifyAnswers]) -> None:
    notify.status_code = 403
    notify.body = {"status_code": 403, "errors": [{"error": "AuthError", "message": "Invalid token: signature"}]}
    with pytest.raises(NotifyError) as raised:
        get_sms_backend().send(phone_number="07700 900456", message="Hello")
    assert raised.value.status_code == 403
    assert "Invalid token: signature" in str(raised.value)


@pytest.mark.parametrize(
    ("api_key", "expected"),
    [
        (API_KEY, (SERVICE_ID, SECRET_KEY)),
        (f"key-{SERVICE_ID}-{SECRET_KEY}", (SERVICE_ID, SECRET_KEY)),
    ],
)
def test_notify_api_key_is_read_from_the_end(api_key: str, expected: tuple[str, str]) -> None:
    assert parse_notify_api_key(api_key) == expected


@pytest.mark.parametrize("api_key", ["", "not-a-key", f"key-{SECRET_KEY}", f"key-{SERVICE_ID}{SECRET_KEY}"])
def test_malformed_notify_api_key_is_refused(api_key: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        parse_notify_api_key(api_key)


def test_notify_backend_needs_its_settings(site: Any) -> None:
    site.GOVUK_NOTIFY_API_KEY = ""
    site.GOVUK_NOTIFY_SMS_TEMPLATE_ID = ""
    with pytest.raises(ImproperlyConfigured):
        NotifySmsBackend()


def test_log_backend_is_the_default(settings: Any) -> None:
    assert isinstance(get_sms_backend(), LogSmsBackend)


def test_notify_400_keeps_the_notification_pending_and_leaves_the_offer_alone(
    notify: type[_NotifyAnswers], volunteer_offer: Any, no_broker: MagicMock
) -> None:
    notify.status_code = 400
    notify.body = {
        "status_code": 400,
        "errors": [{"error": "BadRequestError", "message": "Can't send to this recipient using a team-only API key"}],
    }
    sms = next(n for n in notify_offer(offer=volunteer_offer) if n.channel == "sms")
    offer_before = type(volunteer_offer).objects.values().get(pk=volunteer_offer.pk)

    before = timezone.now()
    notification = notification_send(notification_id=sms.pk)

    notification.refresh_from_db()
    assert notification.state == NotificationState.PENDING
    assert notification.attempts == 1
    assert "team-only API key" in notification.last_error
    assert "400" in notification.last_error
    assert notification.next_attempt_at is not None
    assert notification.next_attempt_at > before
    assert notification.sent_at is None
    assert type(volunteer_offer).objects.values().get(pk=volunteer_offer.pk) == offer_before


def test_failures_back_off_and_end_failed_after_max_attempts(
    notify: type[_NotifyAnswers], volunteer_offer: Any, no_broker: MagicMock, caplog: Any
) -> None:
    notify.status_code = 500
    notify.body = {"status_code": 500, "errors": [{"error": "Exception", "message": "Internal server error"}]}
    notify_offer(offer=volunteer_offer)
    sms = Notification.objects.get(channel="sms")
    waits = []
    for _attempt in range(6):
        before = timezone.now()
        notification = notification_send(notification_id=sms.pk)
        if notification.next_attempt_at is not None:
            waits.append(round((notification.next_attempt_at - before).total_seconds() / 60))
        # Pretend the wait has passed.
        Notification.objects.filter(pk=sms.pk, next_attempt_at__isnull=False).update(next_attempt_at=before)

    notification.refresh_from_db()
    assert waits == [1, 2, 4, 8, 16]
    assert notification.state == NotificationState.FAILED
    assert notification.attempts == 6
    assert notification.next_attempt_at is None
    assert any(r.levelno == logging.ERROR and "failed after 6 attempts" in r.getMessage() for r in caplog.records)
    assert len(notify.requests) == 6
    # Failed is final: a late duplicate does not send again.
    notification_send(notification_id=sms.pk)
    assert len(notify.requests) == 6
    volunteer_offer.refresh_from_db()
    assert volunteer_offer.state == OfferState.PENDING


def test_a_retry_is_not_sent_before_it_is_due(
    notify: type[_NotifyAnswers], volunteer_offer: Any, no_broker: MagicMock
) -> None:
    notify.status_code = 500
    notify_offer(offer=volunteer_offer)
    sms = Notification.objects.get(channel="sms")
    notification_send(notification_id=sms.pk)
    notification_send(notification_id=sms.pk)
    sms.refresh_from_db()
    assert sms.attempts == 1
    assert len(notify.requests) == 1


def test_notifications_due_picks_lost_and_due_pending_rows(site: Any, support_request: Any) -> None:
    now = timezone.now()

    def make(**fields: Any) -> Notification:
        return Notification.objects.create(
            request=support_request, channel="email", kind="escalation", recipient="x@example.org", body="b", **fields
        )

    lost = make()
    Notification.objects.filter(pk=lost.pk).update(created_at=now - datetime.timedelta(minutes=5))
    just_made = make()
    retry_due = make(attempts=1, next_attempt_at=now - datetime.timedelta(seconds=1))
    make(attempts=1, next_attempt_at=now + datetime.timedelta(minutes=4))
    sent = make(state="sent", sent_at=now)
    Notification.objects.filter(pk=sent.pk).update(created_at=now - datetime.timedelta(minutes=5))
    failed = make(state="failed", attempts=6)
    Notification.objects.filter(pk=failed.pk).update(created_at=now - datetime.timedelta(minutes=5))

    assert notifications_due(now=now) == sorted([lost.pk, retry_due.pk])
    assert just_made.pk not in notifications_due(now=now)

    with patch.object(send_notification, "apply_async") as publish:
        assert notifications_resend_due(now=now) == 2
    assert sorted(call.kwargs["args"][0] for call in publish.call_args_list) == sorted([lost.pk, retry_due.pk])


def test_resend_stops_quietly_when_the_broker_is_down(
    site: Any, support_request: Any, broken_broker: MagicMock
) -> None:
    for _ in range(3):
        Notification.objects.create(
            request=support_request,
            channel="email",
            kind="escalation",
            recipient="x@example.org",
            body="b",
            next_attempt_at=timezone.now() - datetime.timedelta(minutes=1),
        )
    assert notifications_resend_due() == 0
    assert broken_broker.call_count == 1


def test_a_lost_enqueue_is_sent_by_the_sweep(
    site: Any, volunteer_offer: Any, send_now: MagicMock, mailoutbox: list[Any]
) -> None:
    notify_offer(offer=volunteer_offer)  # no on_commit run: as if the enqueue was lost
    Notification.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    assert notifications_resend_due() == 2
    assert set(Notification.objects.values_list("state", flat=True)) == {NotificationState.SENT}
    assert len(mailoutbox) == 1


# The task -----------------------------------------------------------------------------------------------


def test_task_for_a_deleted_notification_does_nothing(site: Any) -> None:
    send_notification.apply(args=(999_999,), throw=True)


def test_task_retries_when_the_service_cannot_run(site: Any) -> None:
    with (
        patch("requests.notifications.service.notification_send", side_effect=DatabaseError("server closed")),
        patch.object(send_notification, "retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        send_notification.apply(args=(1,), throw=True)
    assert isinstance(retry.call_args.kwargs["exc"], DatabaseError)
    assert retry.call_args.kwargs["countdown"] > 0


# Escalation ---------------------------------------------------------------------------------------------


@pytest.fixture
def staffed_cell(support_request: Any, ward: Any) -> dict[str, Any]:
    """A cell with a hub covering the resident's ward, another hub, and staff in every role."""
    cell = support_request.cell
    covering_hub = HubFactory(cell=cell, name="Park Hub")
    covering_hub.areas.add(ward)
    other_hub = HubFactory(cell=cell, name="Hill Hub")
    other_hub.areas.add(WardFactory(name="Hill Ward"))
    safety_net = OrganisationFactory(
        name="Council Adult Care", kind="statutory", tier=4, email="mash@council.example.org"
    )
    CellPartnerFactory(cell=cell, organisation=safety_net, role=CellPartner.Role.SAFETY_NET)

    def member(email: str, role: str, **fields: Any) -> Membership:
        user = UserFactory(username=email.split("@")[0], email=email)
        membership: Membership = MembershipFactory(user=user, cell=cell, role=role, **fields)
        return membership

    member("hubco@example.org", Membership.Role.HUB_COORDINATOR, hub=covering_hub)
    member("hillco@example.org", Membership.Role.HUB_COORDINATOR, hub=other_hub)
    member("coord@example.org", Membership.Role.COORDINATOR)
    both = member("admin@example.org", Membership.Role.CELL_ADMIN)
    MembershipFactory(user=both.user, cell=cell, role=Membership.Role.COORDINATOR)
    member("retired@example.org", Membership.Role.COORDINATOR, is_active=False)
    member("helpline@example.org", Membership.Role.HELPLINE_OPERATOR)
    member("social.worker@council.example.org", Membership.Role.PARTNER_CONTACT, organisation=safety_net)
    member("charity@example.org", Membership.Role.PARTNER_CONTACT, organisation=OrganisationFactory())
    # Staff of another cell are never told.
    MembershipFactory(user=UserFactory(email="stranger@example.org"), role=Membership.Role.COORDINATOR)
    return {"cell": cell, "covering_hub": covering_hub}


@pytest.mark.parametrize(
    ("stage", "recipients"),
    [
        ("hub", ["hubco@example.org"]),
        ("lio", ["admin@example.org", "coord@example.org"]),
        (
            "safety_net",
            ["admin@example.org", "coord@example.org", "mash@council.example.org", "social.worker@council.example.org"],
        ),
    ],
)
def test_escalation_alerts_the_staff_of_the_stage(
    site: Any,
    support_request: Any,
    staffed_cell: dict[str, Any],
    stage: str,
    recipients: list[str],
    send_now: MagicMock,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notifications = notify_escalation(support_request=support_request, stage=stage, note="Three declines")

    assert sorted(n.recipient for n in notifications) == recipients
    assert {(n.kind, n.channel, n.offer_id) for n in notifications} == {("escalation", "email", None)}
    assert sorted(to for email in mailoutbox for to in email.to) == recipients
    email = mailoutbox[0]
    assert support_request.reference in email.subject
    assert f"https://hub.example.org/triage/requests/{support_request.reference}/" in email.body
    assert "Shopping" in email.body
    assert "2 community" in email.body
    assert "Three declines" in email.body
    assert _contains_resident_details(email.subject + email.body) == []


def test_hub_escalation_falls_back_to_coordinators_when_no_hub_covers_the_area(
    site: Any, support_request: Any, staffed_cell: dict[str, Any], no_broker: MagicMock
) -> None:
    staffed_cell["covering_hub"].areas.clear()
    notifications = notify_escalation(support_request=support_request, stage="hub")
    assert sorted(n.recipient for n in notifications) == ["admin@example.org", "coord@example.org"]


def test_a_hub_covering_the_locality_covers_its_wards(
    site: Any, support_request: Any, staffed_cell: dict[str, Any], ward: Any, no_broker: MagicMock
) -> None:
    hub = staffed_cell["covering_hub"]
    hub.areas.set([ward.parent])
    notifications = notify_escalation(support_request=support_request, stage="hub")
    assert [n.recipient for n in notifications] == ["hubco@example.org"]


def test_escalation_to_an_unknown_stage_is_refused(site: Any, support_request: Any) -> None:
    with pytest.raises(DomainError):
        notify_escalation(support_request=support_request, stage="none")
