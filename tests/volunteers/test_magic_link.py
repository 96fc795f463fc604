"""A volunteer's sign-in by link: asked for by email address or mobile number, sent by email or SMS, used
once within 15 minutes by pressing a button, never telling anyone who volunteers here."""

import datetime
import re
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.db.models.functions import Lower
from django.test import Client
from django.urls import reverse

from partners.models import Membership, SignInFailure, UserSession
from tests.partners.factories import MembershipFactory, UserFactory
from tests.volunteers.factories import VolunteerFactory
from volunteers import tasks
from volunteers.models import MagicLink, Volunteer, phone_digits
from volunteers.signin import signin_address_parse

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
LINK = re.compile(r"http://testserver/v/sign-in/link/([A-Za-z0-9_-]+)/")


class RecordingSmsBackend:
    sent: ClassVar[list[tuple[str, str]]] = []

    def send(self, *, phone_number: str, message: str) -> str:
        self.sent.append((phone_number, message))
        return f"test-{len(self.sent)}"


@pytest.fixture(autouse=True)
def _settings(settings: Any) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SMS_BACKEND = "tests.volunteers.test_magic_link.RecordingSmsBackend"
    settings.SITE_URL = "http://testserver"
    settings.CELERY_TASK_ALWAYS_EAGER = True  # send in the request, as the embedded default does
    RecordingSmsBackend.sent = []
    yield
    RecordingSmsBackend.sent = []


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def volunteer() -> Volunteer:
    return VolunteerFactory(user=UserFactory(), email="Jo.Whitaker@example.org", phone="07700 900123")


@pytest.fixture
def ask(client: Client, django_capture_on_commit_callbacks: Any) -> Any:
    def ask_for_link(address: str, **extra: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("volunteers:signin"), {"address": address}, **extra)

    return ask_for_link


def token_in(text: str) -> str:
    match = LINK.search(text)
    assert match, f"no sign-in link in {text!r}"
    return match.group(1)


def signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


# Asking for a link ------------------------------------------------------------------------------------


def test_the_page_asks_for_an_email_address_or_mobile_number(client: Client) -> None:
    page = client.get(reverse("volunteers:signin")).content.decode()
    assert "Email address or mobile number" in page and 'name="address"' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page) and "style=" not in page


def test_a_link_is_emailed_to_a_known_volunteer(
    ask: Any, client: Client, clock: Any, volunteer: Volunteer, mailoutbox: list[Any]
) -> None:
    response = ask("  jo.whitaker@EXAMPLE.org ")

    assert response.status_code == 302 and response.url == reverse("volunteers:signin-sent")
    [message] = mailoutbox
    assert message.to == ["Jo.Whitaker@example.org"]
    assert "Hello Vol" in message.body and "15 minutes" in message.body and "9:15" in message.body
    token = token_in(message.body)
    link = MagicLink.objects.get()
    assert (link.user, link.channel, link.used_at) == (volunteer.user, MagicLink.Channel.EMAIL, None)
    assert link.expires_at - link.created_at == datetime.timedelta(minutes=15)
    assert token not in link.token_hash and len(link.token_hash) == 64  # only a hash is kept
    assert RecordingSmsBackend.sent == []


@pytest.mark.parametrize("typed", ["07700 900123", "07700900123", "+44 7700 900123", "0044 (0)7700-900-123"])
def test_a_link_is_texted_to_a_known_mobile_number(
    ask: Any, volunteer: Volunteer, mailoutbox: list[Any], typed: str
) -> None:
    assert ask(typed).url == reverse("volunteers:signin-sent")
    [(number, text)] = RecordingSmsBackend.sent
    assert number == "07700 900123"
    assert token_in(text) and "15 minutes" in text and len(text) <= 160 * 2
    assert MagicLink.objects.get().channel == MagicLink.Channel.SMS
    assert mailoutbox == []


@pytest.mark.parametrize("stored", ["+44 7700 900123", "07700-900-123", "(07700) 900123"])
def test_numbers_stored_in_other_ways_are_found(ask: Any, stored: str) -> None:
    VolunteerFactory(user=UserFactory(), phone=stored)
    ask("07700900123")
    assert len(RecordingSmsBackend.sent) == 1


def test_an_unknown_address_gets_the_same_answer_and_nothing_is_sent(
    ask: Any, client: Client, volunteer: Volunteer, mailoutbox: list[Any]
) -> None:
    known = ask(volunteer.email)
    unknown = ask("stranger@example.org")
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert len(mailoutbox) == 1
    page = client.get(unknown.url).content.decode()
    assert "If we know you as a volunteer, we have sent a link" in page
    assert "stranger@example.org" not in page
    # Both count towards the lockout, known or not, so the lockout says nothing either.
    assert SignInFailure.objects.filter(kind=SignInFailure.Kind.MAGIC_LINK).count() == 2


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: VolunteerFactory(email="jo@example.org", user=None), id="no sign-in account"),
        pytest.param(
            lambda: VolunteerFactory(email="jo@example.org", user=UserFactory(), status=Volunteer.Status.LEFT),
            id="left",
        ),
        pytest.param(
            lambda: VolunteerFactory(email="jo@example.org", user=UserFactory(is_active=False)), id="account inactive"
        ),
        pytest.param(
            lambda: VolunteerFactory(
                email="jo@example.org", user=MembershipFactory(role=Membership.Role.COORDINATOR).user
            ),
            id="staff sign in with their second factor",
        ),
    ],
)
def test_no_link_for_those_who_may_not_sign_in_this_way(ask: Any, make: Any, mailoutbox: list[Any]) -> None:
    make()
    assert ask("jo@example.org").url == reverse("volunteers:signin-sent")
    assert mailoutbox == [] and not MagicLink.objects.exists()


@pytest.mark.parametrize("typed", ["", "jo@", "not an address", "01422 123456", "12345"])
def test_an_address_that_is_neither_is_named(ask: Any, typed: str) -> None:
    response = ask(typed)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="#id_address"' in page and "govuk-error-message" in page
    assert not SignInFailure.objects.exists()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Jo@Example.org", ("email", "jo@example.org")),
        ("07700 900123", ("sms", "07700900123")),
        ("+447700900123", ("sms", "07700900123")),
        ("+44 (0)7700 900123", ("sms", "07700900123")),
        ("+33 6 12 34 56 78", None),
        ("01422 123456", None),
    ],
)
def test_addresses_are_read_as_people_write_them(typed: str, expected: tuple[str, str] | None) -> None:
    parsed = signin_address_parse(typed)
    assert (None if parsed is None else (parsed.channel, parsed.value)) == expected


# Using the link ---------------------------------------------------------------------------------------


def test_opening_the_link_shows_a_button_and_signs_nobody_in(
    ask: Any, client: Client, volunteer: Volunteer, mailoutbox: list[Any]
) -> None:
    ask(volunteer.email)
    url = reverse("volunteers:magic-link", args=[token_in(mailoutbox[0].body)])

    scanner = Client()
    page = scanner.get(url)

    assert page.status_code == 200
    assert '<form method="post"' in page.content.decode() and "Sign in" in page.content.decode()
    assert not signed_in(scanner)
    assert MagicLink.objects.get().used_at is None


def test_pressing_sign_in_signs_in_once(ask: Any, client: Client, volunteer: Volunteer, mailoutbox: list[Any]) -> None:
    ask(volunteer.email)
    url = reverse("volunteers:magic-link", args=[token_in(mailoutbox[0].body)])

    response = client.post(url, follow=True)

    assert response.redirect_chain == [(reverse("volunteer:home"), 302)]
    assert signed_in(client) and client.session[SESSION_KEY] == str(volunteer.user_id)
    assert MagicLink.objects.get().used_at is not None
    assert UserSession.objects.filter(user=volunteer.user, session_key=client.session.session_key).exists()
    assert not SignInFailure.objects.filter(ip__isnull=False, username="").exists()

    again = Client()
    for response in (again.get(url), again.post(url)):
        assert response.status_code == 410
        assert "does not work any more" in response.content.decode()
        assert reverse("volunteers:signin") in response.content.decode()
    assert not signed_in(again)


def test_a_link_expires_after_fifteen_minutes(
    ask: Any, client: Client, clock: Any, volunteer: Volunteer, mailoutbox: list[Any]
) -> None:
    ask(volunteer.email)
    url = reverse("volunteers:magic-link", args=[token_in(mailoutbox[0].body)])
    clock.shift(datetime.timedelta(minutes=14, seconds=59))
    assert client.get(url).status_code == 200
    clock.shift(2)
    assert client.get(url).status_code == 410
    assert client.post(url).status_code == 410
    assert not signed_in(client)


def test_using_a_link_cancels_the_others(ask: Any, client: Client, volunteer: Volunteer, mailoutbox: list[Any]) -> None:
    ask(volunteer.email)
    ask("07700 900123")
    first = reverse("volunteers:magic-link", args=[token_in(mailoutbox[0].body)])
    second = reverse("volunteers:magic-link", args=[token_in(RecordingSmsBackend.sent[0][1])])
    client.post(first)
    assert Client().post(second).status_code == 410
    assert MagicLink.objects.count() == 1


def test_a_volunteer_who_has_left_since_cannot_use_their_link(
    ask: Any, client: Client, volunteer: Volunteer, mailoutbox: list[Any]
) -> None:
    ask(volunteer.email)
    Volunteer.objects.filter(pk=volunteer.pk).update(status=Volunteer.Status.LEFT)
    url = reverse("volunteers:magic-link", args=[token_in(mailoutbox[0].body)])
    assert client.get(url).status_code == 410
    assert client.post(url).status_code == 410
    assert not signed_in(client)


def test_a_made_up_token_is_refused_and_counted(client: Client) -> None:
    response = client.post(reverse("volunteers:magic-link", args=["made-up"]))
    assert response.status_code == 410
    failure = SignInFailure.objects.get()
    assert (failure.kind, failure.username, failure.ip) == (SignInFailure.Kind.MAGIC_LINK, "", "127.0.0.1")


def test_a_volunteer_signed_in_by_link_can_sign_out_everywhere(
    ask: Any, client: Client, volunteer: Volunteer, mailoutbox: list[Any]
) -> None:
    ask(volunteer.email)
    client.post(reverse("volunteers:magic-link", args=[token_in(mailoutbox[0].body)]))
    client.post(reverse("signout-everywhere"))
    assert not signed_in(client) and not UserSession.objects.exists()


def test_a_signed_in_volunteer_asking_again_goes_to_their_page(
    ask: Any, client: Client, volunteer: Volunteer, mailoutbox: list[Any]
) -> None:
    ask(volunteer.email)
    client.post(reverse("volunteers:magic-link", args=[token_in(mailoutbox[0].body)]))
    assert client.get(reverse("volunteers:signin")).url == reverse("volunteer:home")


# The lockout ------------------------------------------------------------------------------------------


def test_ten_requests_for_one_address_in_five_minutes_are_the_limit(
    ask: Any, clock: Any, volunteer: Volunteer, mailoutbox: list[Any]
) -> None:
    for _ in range(10):
        assert ask(volunteer.email).status_code == 302
    refused = ask(volunteer.email)
    assert refused.status_code == 429
    assert "too many failed sign-ins" in refused.content.decode() and "9:05" in refused.content.decode()
    assert len(mailoutbox) == 10
    clock.shift(datetime.timedelta(minutes=5, seconds=1))
    assert ask(volunteer.email).status_code == 302
    assert len(mailoutbox) == 11


def test_fifty_requests_from_one_address_lock_it(ask: Any, clock: Any, volunteer: Volunteer) -> None:
    for number in range(50):
        ask(f"someone{number}@example.org", REMOTE_ADDR="203.0.113.9")
    assert ask(volunteer.email, REMOTE_ADDR="203.0.113.9").status_code == 429
    assert ask(volunteer.email, REMOTE_ADDR="198.51.100.3").status_code == 302


def test_guessing_tokens_locks_the_address_out(
    ask: Any, client: Client, clock: Any, volunteer: Volunteer, mailoutbox: list[Any]
) -> None:
    guesser = {"REMOTE_ADDR": "203.0.113.9"}
    for number in range(50):
        client.post(reverse("volunteers:magic-link", args=[f"guess{number}"]), **guesser)
    ask(volunteer.email)
    url = reverse("volunteers:magic-link", args=[token_in(mailoutbox[0].body)])
    refused = client.post(url, **guesser)
    assert refused.status_code == 429 and "Try again after" in refused.content.decode()
    assert not signed_in(client)
    assert Client().post(url).status_code == 302  # from elsewhere the link still works


# Sending through a worker -----------------------------------------------------------------------------


def test_with_a_worker_only_ids_are_enqueued_and_nothing_is_sent_in_the_request(
    ask: Any, volunteer: Volunteer, mailoutbox: list[Any], settings: Any, monkeypatch: Any
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    enqueued: list[Any] = []
    monkeypatch.setattr(tasks.send_magic_link, "apply_async", lambda args, retry: enqueued.append(args))

    ask(volunteer.email)

    assert enqueued == [[volunteer.user_id, "email"]]
    assert mailoutbox == [] and not MagicLink.objects.exists()
    tasks.send_magic_link.run(*enqueued[0])
    assert token_in(mailoutbox[0].body)


def test_with_the_broker_down_the_link_is_sent_at_once(
    ask: Any, volunteer: Volunteer, mailoutbox: list[Any], settings: Any, monkeypatch: Any
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def broker_down(args: Any, retry: bool) -> None:
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.send_magic_link, "apply_async", broker_down)
    assert ask(volunteer.email).url == reverse("volunteers:signin-sent")
    assert len(mailoutbox) == 1


def test_a_failed_send_still_answers_the_same(
    ask: Any, volunteer: Volunteer, settings: Any, caplog: Any, monkeypatch: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    assert ask(volunteer.email).url == reverse("volunteers:signin-sent")
    assert "could not send a sign-in link" in caplog.text


# The lookup reads an index ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "expression", "value"),
    [
        ("volunteer_signin_email_idx", Lower("email"), "jo@example.org"),
        ("volunteer_signin_phone_idx", phone_digits("phone"), "07700900123"),
    ],
)
def test_the_sign_in_lookup_can_use_its_index(index: str, expression: Any, value: str) -> None:
    VolunteerFactory(user=UserFactory(), email="Jo@Example.org", phone="07700 900-123")
    query = Volunteer.objects.filter(user__isnull=False).alias(key=expression).filter(key=value).values("pk")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            assert index in query.explain()
        else:
            # SQLite refuses a query that names an index it cannot use ("no query solution").
            sql, params = query.query.sql_with_params()
            table = f'FROM "{Volunteer._meta.db_table}"'
            cursor.execute(sql.replace(table, f'{table} INDEXED BY "{index}"', 1), params)
            assert len(cursor.fetchall()) == 1
