"""``/api/v1/auth/token/``: a token for a username, password and (for staff) code, under the sign-in lockout;
revoking it; the schema documenting both."""

import datetime
import time
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from partners.models import Membership, SignInFailure
from tests.partners.factories import MembershipFactory, UserFactory
from tests.signin import sign_in_verified

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"
PASSWORD = "correct horse battery"
START = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def coordinator() -> Any:
    return MembershipFactory(role=Membership.Role.COORDINATOR).user


@pytest.fixture
def device(coordinator: Any) -> TOTPDevice:
    return TOTPDevice.objects.create(user=coordinator, name="Authenticator app", confirmed=True)


def code_of(device: TOTPDevice) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    return "000000" if code_of(device) != "000000" else "111111"


def ask(api: APIClient, username: str, password: str = PASSWORD, **body: Any) -> Any:
    return api.post(URL, {"username": username, "password": password, **body}, format="json")


def test_a_volunteer_gets_a_token_with_username_and_password(api: APIClient) -> None:
    volunteer = UserFactory()
    response = ask(api, volunteer.username)
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=volunteer).key == token
    assert ask(api, volunteer.username).json()["token"] == token  # the same token until revoked


def test_the_token_authenticates_and_can_be_revoked(api: APIClient) -> None:
    volunteer = UserFactory()
    token = ask(api, volunteer.username).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert api.delete(URL).status_code == 204

    assert not Token.objects.filter(user=volunteer).exists()
    assert api.delete(URL).status_code == 401


def test_revoking_needs_a_caller(api: APIClient) -> None:
    response = api.delete(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_staff_must_send_the_code(api: APIClient, coordinator: Any, device: Any) -> None:
    response = ask(api, coordinator.username)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "otp_required"
    assert body["errors"] == {"otp": ["Enter the 6-digit code from your authenticator app."]}
    assert not Token.objects.exists()


def test_staff_get_a_token_with_the_code(api: APIClient, clock: Any, coordinator: Any, device: Any) -> None:
    response = ask(api, coordinator.username, otp=code_of(device))
    assert response.status_code == 200
    assert Token.objects.get(user=coordinator).key == response.json()["token"]
    assert not SignInFailure.objects.exists()


def test_a_wrong_code_is_refused_naming_the_field_and_counted(
    api: APIClient, clock: Any, coordinator: Any, device: Any
) -> None:
    response = ask(api, coordinator.username, otp=wrong_code(device))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["otp"]
    assert SignInFailure.objects.get().kind == SignInFailure.Kind.SECOND_FACTOR
    assert not Token.objects.exists()


def test_right_after_a_wrong_code_the_caller_is_told_to_wait(
    api: APIClient, clock: Any, coordinator: Any, device: Any
) -> None:
    ask(api, coordinator.username, otp=wrong_code(device))
    response = ask(api, coordinator.username, otp=code_of(device))
    assert response.status_code == 429 and response["Retry-After"] == "1"
    assert response.json()["code"] == "otp_wait"
    clock.shift(2)
    assert ask(api, coordinator.username, otp=code_of(device)).status_code == 200


def test_staff_without_an_app_are_sent_to_set_one_up(api: APIClient, coordinator: Any) -> None:
    response = ask(api, coordinator.username, otp="123456")
    assert response.status_code == 400
    assert response.json()["code"] == "second_factor_not_set_up"
    assert not TOTPDevice.objects.exists()


@pytest.mark.parametrize("username", ["known", "nobody"])
def test_wrong_credentials_are_refused_alike(api: APIClient, username: str) -> None:
    UserFactory(username="known")
    response = ask(api, username, "not the password")
    assert response.status_code == 400
    assert response.json()["errors"] == {"password": ["The username or password is not right."]}


def test_missing_fields_are_named(api: APIClient) -> None:
    response = api.post(URL, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"username", "password"}


def test_a_body_that_is_not_json_is_a_clear_400(api: APIClient) -> None:
    response = api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_the_lockout_applies_with_a_retry_after(api: APIClient, clock: Any) -> None:
    volunteer = UserFactory()
    for _ in range(9):
        assert ask(api, volunteer.username, "wrong").status_code == 400
    tenth = ask(api, volunteer.username, "wrong")
    assert tenth.status_code == 429
    assert tenth.json()["code"] == "locked" and "Try again after" in tenth.json()["detail"]
    assert tenth["Retry-After"] == "301"

    refused = ask(api, volunteer.username)
    assert refused.status_code == 429 and not Token.objects.exists()

    clock.shift(datetime.timedelta(minutes=5, seconds=1))
    assert ask(api, volunteer.username).status_code == 200


def test_the_page_and_the_api_share_one_count(api: APIClient, clock: Any) -> None:
    volunteer = UserFactory()
    page = Client()
    for _ in range(5):
        page.post(reverse("signin"), {"username": volunteer.username, "password": "wrong"})
    for _ in range(5):
        ask(api, volunteer.username, "wrong")
    assert page.post(reverse("signin"), {"username": volunteer.username, "password": PASSWORD}).status_code == 429


def test_wrong_codes_by_api_count_towards_the_lockout(
    api: APIClient, clock: Any, coordinator: Any, device: Any, settings: Any
) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    for _ in range(9):
        assert ask(api, coordinator.username, otp=wrong_code(device)).status_code == 400
    assert ask(api, coordinator.username, otp=wrong_code(device)).status_code == 429
    assert ask(api, coordinator.username, otp=code_of(device)).status_code == 429


def test_a_verified_staff_session_may_revoke_its_token(client: Client, coordinator: Any) -> None:
    sign_in_verified(client, coordinator)
    Token.objects.create(user=coordinator)
    assert client.delete(URL).status_code == 204
    assert not Token.objects.exists()


def test_a_staff_session_without_its_second_factor_is_not_an_api_caller(client: Client, coordinator: Any) -> None:
    client.force_login(coordinator)
    Token.objects.create(user=coordinator)
    assert client.delete(URL).status_code in (401, 403)
    assert Token.objects.exists()


def test_the_schema_documents_both_operations(client: Client) -> None:
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operations = schema["paths"]["/api/v1/auth/token/"]
    assert operations["post"]["operationId"] == "auth_token_create"
    assert operations["delete"]["operationId"] == "auth_token_destroy"
    request = operations["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][request]["properties"]) == {"username", "password", "otp"}
    assert {"200", "400", "429"} <= set(operations["post"]["responses"])
