"""Staff sign-in: password, then the TOTP second factor (set up on first use); the lockout; signing out here
and everywhere; the idle timeout; the admin behind the same sign-in; ``manage.py totp_code``."""

import datetime
import io
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from partners.models import Membership, SignInFailure, UserSession
from partners.signin.lockout import Attempt, Locked, client_ip, signin_attempt_begin, signin_attempt_release
from partners.signin.second_factor import totp_current_code
from tests.partners.factories import MembershipFactory, SignInFailureFactory, UserFactory
from tests.signin import sign_in_verified

# A <script> element without src: inline code, which the Content Security Policy refuses.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)")

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
START = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock() -> Iterator[Any]:
    """Time stands still unless a test moves it (TOTP codes, lockout windows and sessions all read it)."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def coordinator() -> Any:
    return MembershipFactory(role=Membership.Role.COORDINATOR).user


@pytest.fixture
def device(coordinator: Any) -> TOTPDevice:
    return TOTPDevice.objects.create(user=coordinator, name="Authenticator app", confirmed=True)


def code_of(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {code_of(device, steps_ahead=offset) for offset in (-1, 0, 1)}
    return next(candidate for candidate in ("000000", "111111", "222222", "333333") if candidate not in right)


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(reverse("signin"), {"username": username, "password": password}, **extra)


def give_code(client: Client, code: str, **extra: Any) -> Any:
    return client.post(reverse("signin-two-factor"), {"code": code}, **extra)


def signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def verified(client: Client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


def errors_of(response: Any) -> str:
    found = re.findall(r'govuk-error-summary__list">(.*?)</ul>', response.content.decode(), re.S)
    return " ".join(found).replace("\xa0", " ")


# The page and the password ----------------------------------------------------------------------------


def test_sign_in_page_is_a_gov_uk_form_without_inline_script_or_style(client: Client) -> None:
    response = client.get(reverse("signin"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in page and 'type="password"' in page and "csrfmiddlewaretoken" in page
    assert 'autocomplete="current-password"' in page and "govuk-input" in page
    assert not INLINE_SCRIPT.search(page) and "style=" not in page


def test_missing_fields_are_named(client: Client) -> None:
    response = client.post(reverse("signin"), {"username": "", "password": ""})
    assert response.status_code == 200
    assert "Enter your username" in errors_of(response) and "Enter your password" in errors_of(response)
    assert 'href="#id_username"' in response.content.decode()


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client: Client, coordinator: Any) -> None:
    wrong = sign_in(client, coordinator.username, "not the password")
    unknown = sign_in(client, "nobody-by-that-name")
    assert wrong.status_code == unknown.status_code == 200
    assert errors_of(wrong) == errors_of(unknown)
    assert "username or password is not right" in errors_of(wrong)
    assert not signed_in(client)
    assert SignInFailure.objects.filter(kind=SignInFailure.Kind.PASSWORD).count() == 2


def test_inactive_user_cannot_sign_in(client: Client, coordinator: Any) -> None:
    coordinator.is_active = False
    coordinator.save()
    assert "not right" in errors_of(sign_in(client, coordinator.username))
    assert not signed_in(client)


def test_a_volunteer_with_a_password_needs_no_second_factor(client: Client) -> None:
    volunteer = UserFactory()
    response = sign_in(client, volunteer.username)
    assert response.status_code == 302 and response.url == reverse("home")
    assert signed_in(client) and not verified(client)
    assert UserSession.objects.filter(user=volunteer, session_key=client.session.session_key).exists()
    assert not TOTPDevice.objects.filter(user=volunteer).exists()


# The second factor ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_staff",
    [
        pytest.param(lambda: MembershipFactory(role=Membership.Role.HELPLINE_OPERATOR).user, id="cell role"),
        pytest.param(lambda: UserFactory(is_staff=True), id="is_staff"),
        pytest.param(lambda: UserFactory(is_superuser=True), id="superuser"),
    ],
)
def test_staff_password_alone_does_not_sign_in(client: Client, make_staff: Any) -> None:
    staff = make_staff()
    TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    response = sign_in(client, staff.username)
    assert response.status_code == 302 and response.url == reverse("signin-two-factor")
    assert not signed_in(client)
    # Nothing that checks for a signed-in user (a page, the API's session authentication) lets them in yet.
    assert client.get(reverse("signout-everywhere")).status_code == 302
    assert client.delete("/api/v1/auth/token/").status_code in (401, 403)


def test_staff_sign_in_with_the_code_from_their_app(client: Client, clock: Any, coordinator: Any, device: Any) -> None:
    sign_in(client, coordinator.username)
    page = client.get(reverse("signin-two-factor"))
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.content.decode()
    before = client.session.session_key

    response = give_code(client, code_of(device))

    assert response.status_code == 302 and response.url == reverse("home")
    assert signed_in(client) and verified(client)
    assert client.session.session_key != before
    assert UserSession.objects.filter(user=coordinator, session_key=client.session.session_key).exists()
    assert not SignInFailure.objects.exists()


def test_a_code_typed_with_spaces_is_accepted(client: Client, clock: Any, coordinator: Any, device: Any) -> None:
    sign_in(client, coordinator.username)
    code = code_of(device)
    assert give_code(client, f"{code[:3]} {code[3:]}").status_code == 302
    assert verified(client)


def test_a_wrong_code_is_refused_and_counted(client: Client, clock: Any, coordinator: Any, device: Any) -> None:
    sign_in(client, coordinator.username)
    response = give_code(client, wrong_code(device))
    assert response.status_code == 200
    assert "The code is not right" in errors_of(response)
    assert not signed_in(client)
    failure = SignInFailure.objects.get()
    assert (failure.kind, failure.username) == (SignInFailure.Kind.SECOND_FACTOR, coordinator.username)


def test_a_malformed_code_is_named_but_not_counted(client: Client, coordinator: Any, device: Any) -> None:
    sign_in(client, coordinator.username)
    response = give_code(client, "12ab")
    assert "Enter the 6-digit code" in errors_of(response)
    assert not SignInFailure.objects.exists()


def test_a_code_is_accepted_only_once(client: Client, clock: Any, coordinator: Any, device: Any) -> None:
    code = code_of(device)
    sign_in(client, coordinator.username)
    give_code(client, code)
    other = Client()
    sign_in(other, coordinator.username)
    assert give_code(other, code).status_code == 200
    assert not signed_in(other)


def test_after_wrong_codes_the_device_makes_them_wait_without_counting(
    client: Client, clock: Any, coordinator: Any, device: Any
) -> None:
    sign_in(client, coordinator.username)
    give_code(client, wrong_code(device))
    response = give_code(client, code_of(device))  # within the second django-otp waits after one failure
    assert response.status_code == 429
    assert "Wait 1 second" in errors_of(response)
    assert SignInFailure.objects.count() == 1
    clock.shift(2)
    assert give_code(client, code_of(device)).status_code == 302


def test_the_code_is_owed_for_ten_minutes_only(client: Client, clock: Any, coordinator: Any, device: Any) -> None:
    sign_in(client, coordinator.username)
    clock.shift(datetime.timedelta(minutes=10, seconds=1))
    response = give_code(client, code_of(device), follow=True)
    assert response.redirect_chain[-1][0] == reverse("signin")
    assert "took longer than 10 minutes" in response.content.decode()
    assert not signed_in(client)


def test_next_is_followed_after_the_code(client: Client, clock: Any, coordinator: Any, device: Any) -> None:
    client.post(reverse("signin"), {"username": coordinator.username, "password": PASSWORD, "next": "/triage/"})
    assert give_code(client, code_of(device)).url == "/triage/"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_next_elsewhere_is_ignored(client: Client, next_url: str) -> None:
    volunteer = UserFactory()
    response = client.post(reverse("signin"), {"username": volunteer.username, "password": PASSWORD, "next": next_url})
    assert response.url == reverse("home")


def test_signed_in_person_sees_who_they_are_not_the_form(client: Client) -> None:
    volunteer = UserFactory()
    sign_in(client, volunteer.username)
    page = client.get(reverse("signin")).content.decode()
    assert f"You are signed in as {volunteer.username}" in page
    assert 'name="password"' not in page


# Setting up the authenticator app ---------------------------------------------------------------------


def _secret(page: str) -> str:
    match = re.search(r'<code class="app-totp-secret">([A-Z2-7 ]+)</code>', page)
    assert match, "no secret on the page"
    return match.group(1)


def test_first_sign_in_sets_up_the_app_with_a_qr_code_and_the_secret(
    client: Client, clock: Any, coordinator: Any
) -> None:
    response = sign_in(client, coordinator.username)
    assert response.url == reverse("signin-two-factor-setup")
    assert client.get(reverse("signin-two-factor")).url == reverse("signin-two-factor-setup")

    page = client.get(reverse("signin-two-factor-setup")).content.decode()

    device = TOTPDevice.objects.get(user=coordinator)
    assert not device.confirmed
    assert "<svg" in page and 'class="app-qr-code"' in page
    assert "style=" not in page and not INLINE_SCRIPT.search(page) and "data:" not in page
    assert _secret(page).replace(" ", "") in device.config_url
    assert "issuer=Crisis%20Response%20Hub" in device.config_url

    reloaded = client.get(reverse("signin-two-factor-setup")).content.decode()
    assert _secret(reloaded) == _secret(page)  # the app scanned a moment ago still matches

    response = client.post(reverse("signin-two-factor-setup"), {"code": code_of(device)})

    device.refresh_from_db()
    assert device.confirmed
    assert signed_in(client) and verified(client)
    assert response.url == reverse("home")


def test_set_up_shows_each_session_its_own_secret(client: Client, coordinator: Any) -> None:
    sign_in(client, coordinator.username)
    first = _secret(client.get(reverse("signin-two-factor-setup")).content.decode())
    intruder = Client()
    sign_in(intruder, coordinator.username)
    second = _secret(intruder.get(reverse("signin-two-factor-setup")).content.decode())
    assert first != second
    assert TOTPDevice.objects.filter(user=coordinator).count() == 1


def test_wrong_code_at_set_up_leaves_the_device_unconfirmed(client: Client, clock: Any, coordinator: Any) -> None:
    sign_in(client, coordinator.username)
    client.get(reverse("signin-two-factor-setup"))
    device = TOTPDevice.objects.get(user=coordinator)
    response = client.post(reverse("signin-two-factor-setup"), {"code": wrong_code(device)})
    assert response.status_code == 200 and "The code is not right" in errors_of(response)
    device.refresh_from_db()
    assert not device.confirmed and not signed_in(client)
    assert SignInFailure.objects.get().kind == SignInFailure.Kind.SECOND_FACTOR


def test_set_up_is_closed_once_a_device_is_confirmed(client: Client, coordinator: Any, device: Any) -> None:
    sign_in(client, coordinator.username)
    response = client.get(reverse("signin-two-factor-setup"))
    assert response.url == reverse("signin-two-factor")
    assert list(TOTPDevice.objects.filter(user=coordinator)) == [device]


def test_two_factor_pages_without_a_password_go_to_sign_in(client: Client) -> None:
    assert client.get(reverse("signin-two-factor")).url == reverse("signin")
    assert client.get(reverse("signin-two-factor-setup")).url == reverse("signin")


def test_a_signed_in_volunteer_given_a_staff_role_must_set_up_a_second_factor(client: Client, clock: Any) -> None:
    user = UserFactory()
    sign_in(client, user.username)
    MembershipFactory(user=user, role=Membership.Role.COORDINATOR)

    assert client.get(reverse("signin")).url == reverse("signin-two-factor")
    client.get(reverse("signin-two-factor-setup"))
    device = TOTPDevice.objects.get(user=user)
    client.post(reverse("signin-two-factor-setup"), {"code": code_of(device)})

    assert verified(client)
    assert UserSession.objects.filter(user=user).count() == 1


# The page gate ----------------------------------------------------------------------------------------


@pytest.mark.urls("tests.partners.urls")
def test_staff_pages_need_the_second_factor(client: Client, clock: Any, coordinator: Any, device: Any) -> None:
    assert client.get("/gated/").url.startswith(reverse("signin"))
    client.force_login(coordinator)  # signed in somehow, but without the code in this session
    assert client.get("/gated/").url == reverse("signin-two-factor")
    give_code(client, code_of(device))
    assert client.get("/gated/").content == b"the triage queue"


# The lockout ------------------------------------------------------------------------------------------


def fail(client: Client, username: str, times: int, **extra: Any) -> Any:
    response = None
    for _ in range(times):
        response = sign_in(client, username, "wrong password", **extra)
    return response


def test_ten_failures_in_five_minutes_lock_the_username_until_the_window_passes(
    client: Client, clock: Any, coordinator: Any
) -> None:
    volunteer = UserFactory()
    assert "not right" in errors_of(fail(client, volunteer.username, 9))
    clock.shift(60)
    tenth = fail(client, volunteer.username, 1)
    assert tenth.status_code == 429
    assert "too many failed sign-ins" in errors_of(tenth)

    # Even the right password is refused, and the refusal says when to try again (local time, 9:05 a.m.).
    refused = sign_in(client, volunteer.username)
    assert refused.status_code == 429 and not signed_in(client)
    assert "Try again after 9:05" in errors_of(refused) and "(in 4 minutes)" in errors_of(refused)
    assert SignInFailure.objects.count() == 10  # refusals while locked are not counted

    clock.shift(datetime.timedelta(minutes=3, seconds=59))  # the first failure is still in the window
    assert sign_in(client, volunteer.username).status_code == 429
    clock.shift(2)
    response = sign_in(client, volunteer.username)
    assert response.status_code == 302 and signed_in(client)


def test_failures_spread_over_more_than_five_minutes_do_not_lock(client: Client, clock: Any) -> None:
    volunteer = UserFactory()
    for _ in range(12):
        fail(client, volunteer.username, 1)
        clock.shift(31)
    assert sign_in(client, volunteer.username).status_code == 302


def test_the_username_is_counted_whatever_its_case(client: Client, clock: Any) -> None:
    UserFactory(username="jo")
    fail(client, "JO", 5)
    fail(client, " Jo ", 5)
    assert sign_in(client, "jo").status_code == 429


def test_a_locked_colleague_does_not_lock_the_office(client: Client, clock: Any) -> None:
    locked, colleague = UserFactory(), UserFactory()
    office = {"REMOTE_ADDR": "203.0.113.7"}
    fail(client, locked.username, 10, **office)
    assert sign_in(Client(), colleague.username, **office).status_code == 302


def test_fifty_failures_from_one_address_lock_it_for_every_username(client: Client, clock: Any) -> None:
    office = {"REMOTE_ADDR": "203.0.113.7"}
    for number in range(50):
        fail(client, f"guess{number}", 1, **office)
    colleague = UserFactory()
    refused = sign_in(Client(), colleague.username, **office)
    assert refused.status_code == 429 and "too many failed sign-ins" in errors_of(refused)
    assert sign_in(Client(), colleague.username, REMOTE_ADDR="198.51.100.1").status_code == 302
    clock.shift(datetime.timedelta(minutes=5, seconds=1))
    assert sign_in(Client(), colleague.username, **office).status_code == 302


def test_signing_in_does_not_erase_earlier_failures(client: Client, clock: Any) -> None:
    attacker = UserFactory()
    office = {"REMOTE_ADDR": "203.0.113.7"}
    fail(client, "victim", 9, **office)
    assert sign_in(Client(), attacker.username, **office).status_code == 302
    assert SignInFailure.objects.filter(username="victim").count() == 9
    assert fail(client, "victim", 1, **office).status_code == 429


def test_wrong_codes_count_towards_the_lockout(
    client: Client, clock: Any, coordinator: Any, device: Any, settings: Any
) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own back-off would make every other code wait
    fail(client, coordinator.username, 5)
    sign_in(client, coordinator.username)
    for _ in range(4):
        assert give_code(client, wrong_code(device)).status_code == 200
    tenth = give_code(client, wrong_code(device))
    assert tenth.status_code == 429 and "too many failed sign-ins" in errors_of(tenth)
    refused = give_code(client, code_of(device))
    assert refused.status_code == 429 and not signed_in(client)
    assert sign_in(Client(), coordinator.username).status_code == 429


def test_in_flight_attempts_count_so_parallel_guesses_cannot_exceed_the_limit(clock: Any) -> None:
    attempts = [signin_attempt_begin(username="Jo", ip="192.0.2.1", kind="password") for _ in range(11)]
    assert all(isinstance(attempt, Attempt) for attempt in attempts[:10])
    assert attempts[10] == Locked(until=START + datetime.timedelta(minutes=5))
    # A success withdraws only its own claim.
    first = attempts[0]
    assert isinstance(first, Attempt)
    signin_attempt_release(first)
    assert SignInFailure.objects.filter(username="jo").count() == 9


def test_failures_older_than_a_day_are_deleted_when_one_is_written(clock: Any) -> None:
    old = SignInFailureFactory(at=timezone.now() - datetime.timedelta(days=1, seconds=1))
    recent = SignInFailureFactory(at=timezone.now() - datetime.timedelta(hours=23))
    signin_attempt_begin(username="x", ip=None, kind="password")
    assert not SignInFailure.objects.filter(pk=old.pk).exists()
    assert SignInFailure.objects.filter(pk=recent.pk).exists()


@pytest.mark.parametrize(
    ("meta", "proxies", "expected"),
    [
        ({"REMOTE_ADDR": "192.0.2.5"}, 0, "192.0.2.5"),
        ({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 192.0.2.5"}, 0, "10.0.0.1"),
        ({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 192.0.2.5"}, 1, "192.0.2.5"),
        ({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 192.0.2.5, 10.0.0.2"}, 2, "192.0.2.5"),
        ({"REMOTE_ADDR": "2001:db8:1:2:3:4:5:6"}, 0, "2001:db8:1:2::"),
        ({"REMOTE_ADDR": "::ffff:192.0.2.5"}, 0, "192.0.2.5"),
        ({"REMOTE_ADDR": "not an address"}, 0, None),
    ],
    ids=["direct", "forwarded but no proxy trusted", "one proxy", "two proxies", "ipv6 /64", "mapped", "garbage"],
)
def test_client_address(settings: Any, meta: dict[str, str], proxies: int, expected: str | None) -> None:
    settings.SIGNIN_TRUSTED_PROXIES = proxies
    assert client_ip(RequestFactory().get("/", **meta)) == expected  # type: ignore[arg-type]


# Signing out ------------------------------------------------------------------------------------------


def test_sign_out_asks_then_ends_this_session(client: Client) -> None:
    volunteer = UserFactory()
    sign_in(client, volunteer.username)
    page = client.get(reverse("signout"))
    assert page.status_code == 200 and 'action="/sign-out/"' in page.content.decode()

    response = client.post(reverse("signout"), follow=True)

    assert not signed_in(client)
    assert "You have signed out" in response.content.decode()
    assert not UserSession.objects.exists()


def test_sign_out_everywhere_ends_every_session_and_the_api_token(clock: Any, coordinator: Any, device: Any) -> None:
    phone, laptop, other = Client(), Client(), Client()
    for client, steps in ((phone, 0), (laptop, 1)):
        sign_in(client, coordinator.username)
        give_code(client, code_of(device, steps_ahead=steps))
        assert verified(client)
    someone_else = UserFactory()
    sign_in(other, someone_else.username)
    token = Token.objects.create(user=coordinator)
    laptop_key = laptop.session.session_key

    assert phone.get(reverse("signout-everywhere")).status_code == 200
    response = phone.post(reverse("signout-everywhere"), follow=True)

    assert "2 sessions ended" in response.content.decode()
    assert not signed_in(phone)
    assert not Session.objects.filter(session_key=laptop_key).exists()
    assert laptop.get(reverse("signout-everywhere")).status_code == 302  # signed out on the laptop too
    assert not Token.objects.filter(pk=token.pk).exists()
    assert not UserSession.objects.filter(user=coordinator).exists()
    assert signed_in(other) and other.get(reverse("signout-everywhere")).status_code == 200


def test_sign_out_everywhere_needs_a_signed_in_person(client: Client) -> None:
    response = client.post(reverse("signout-everywhere"))
    assert response.status_code == 302 and response.url.startswith(reverse("signin"))


def test_sessions_that_have_ended_are_forgotten_at_the_next_sign_in(client: Client) -> None:
    volunteer = UserFactory()
    sign_in(client, volunteer.username)
    Session.objects.all().delete()
    sign_in(Client(), volunteer.username)
    assert UserSession.objects.filter(user=volunteer).count() == 1


# The idle timeout -------------------------------------------------------------------------------------


def test_an_idle_session_is_refused_after_thirty_minutes(client: Client, clock: Any, settings: Any) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    volunteer = UserFactory()
    sign_in(client, volunteer.username)
    page = reverse("signout-everywhere")

    clock.shift(datetime.timedelta(minutes=29))
    assert client.get(page).status_code == 200  # each request renews the 30 minutes
    clock.shift(datetime.timedelta(minutes=29))
    assert client.get(page).status_code == 200
    clock.shift(datetime.timedelta(minutes=30, seconds=1))

    response = client.get(page)

    assert response.status_code == 302 and response.url.startswith(reverse("signin"))


# The admin --------------------------------------------------------------------------------------------


def test_the_admin_sends_anonymous_people_to_the_sign_in_page(client: Client) -> None:
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/sign-in/?next=/admin/"


def test_the_admin_needs_the_second_factor(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("signin-two-factor-setup")  # no app set up yet
    assert sign_in_verified(client, admin_user).get("/admin/").status_code == 200


def test_the_admin_is_reached_through_the_sign_in_and_its_code(client: Client, clock: Any, admin_user: Any) -> None:
    admin_user.set_password(PASSWORD)
    admin_user.save()
    device = TOTPDevice.objects.create(user=admin_user, name="app", confirmed=True)
    login = client.get("/admin/login/?next=/admin/partners/")
    assert login.url == "/sign-in/?next=/admin/partners/"
    client.post(reverse("signin"), {"username": admin_user.username, "password": PASSWORD, "next": "/admin/partners/"})
    response = give_code(client, code_of(device))
    assert response.url == "/admin/partners/"
    assert client.get("/admin/partners/").status_code == 200


def test_a_signed_in_person_the_admin_is_not_for_goes_home(client: Client) -> None:
    sign_in(client, UserFactory().username)
    response = client.get("/admin/", follow=True)
    assert (reverse("home"), 302) in response.redirect_chain
    assert signed_in(client)


def test_signing_out_of_the_admin_forgets_the_session(admin_client: Client, admin_user: Any) -> None:
    UserSession.objects.create(user=admin_user, session_key=admin_client.session.session_key)
    response = admin_client.post("/admin/logout/")
    assert response.url == reverse("signin")
    assert not UserSession.objects.exists()
    assert admin_client.get("/admin/").status_code == 302


def test_admin_action_signs_people_out_everywhere(admin_client: Client) -> None:
    volunteer = UserFactory()
    browser = Client()
    sign_in(browser, volunteer.username)
    Token.objects.create(user=volunteer)
    row = UserSession.objects.get(user=volunteer)

    response = admin_client.post(
        reverse("admin:partners_usersession_changelist"),
        {"action": "sign_out_everywhere", "_selected_action": [row.pk]},
        follow=True,
    )

    assert "1 session ended." in response.content.decode()
    assert not signed_in(browser)
    assert not Token.objects.filter(user=volunteer).exists()


def test_admin_does_not_show_session_keys(admin_client: Client) -> None:
    volunteer = UserFactory()
    browser = Client()
    sign_in(browser, volunteer.username)
    row = UserSession.objects.get(user=volunteer)
    page = admin_client.get(reverse("admin:partners_usersession_change", args=[row.pk])).content.decode()
    assert row.session_key not in page


# manage.py totp_code ----------------------------------------------------------------------------------


def test_totp_code_prints_a_code_the_sign_in_accepts(client: Client, clock: Any, coordinator: Any, device: Any) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("totp_code", coordinator.username, stdout=out, stderr=err)
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code) and "accepted for about" in err.getvalue()
    sign_in(client, coordinator.username)
    assert give_code(client, code).status_code == 302


def test_totp_code_gives_the_next_code_once_this_one_is_used(clock: Any, coordinator: Any, device: Any) -> None:
    first = Client()
    sign_in(first, coordinator.username)
    give_code(first, code_of(device))
    out, err = io.StringIO(), io.StringIO()
    call_command("totp_code", coordinator.username, stdout=out, stderr=err)
    assert "this one has been used" in err.getvalue()
    second = Client()
    sign_in(second, coordinator.username)
    assert give_code(second, out.getvalue().strip()).status_code == 302


def test_totp_code_reads_the_device_being_set_up(client: Client, clock: Any, coordinator: Any) -> None:
    sign_in(client, coordinator.username)
    client.get(reverse("signin-two-factor-setup"))
    out, err = io.StringIO(), io.StringIO()
    call_command("totp_code", coordinator.username, stdout=out, stderr=err)
    assert "being set up" in err.getvalue()
    client.post(reverse("signin-two-factor-setup"), {"code": out.getvalue().strip()})
    assert verified(client)


def test_totp_code_never_creates_a_device(coordinator: Any) -> None:
    with pytest.raises(CommandError, match="no authenticator app yet"):
        call_command("totp_code", coordinator.username, stdout=io.StringIO())
    assert not TOTPDevice.objects.exists()
    with pytest.raises(CommandError, match="no user"):
        call_command("totp_code", "nobody", stdout=io.StringIO())


def test_totp_code_is_refused_under_production_settings(settings: Any, coordinator: Any, device: Any) -> None:
    settings.SETTINGS_MODULE = "config.production"
    out = io.StringIO()
    with pytest.raises(CommandError, match="production"):
        call_command("totp_code", coordinator.username, stdout=out)
    assert out.getvalue() == ""


def test_current_code_matches_the_device(clock: Any, device: Any) -> None:
    current = totp_current_code(device)
    assert current.code == code_of(device) and not current.used
    assert 30 < current.accepted_for <= 60
