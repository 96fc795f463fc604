"""Idle sign-out: 30 minutes without doing anything ends the session; a page's background refresh is
not activity, so a triage screen left open still times out."""

import datetime

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import path

from partners.decorators import staff_required
from partners.models import Membership
from tests.hubs.factories import ResponseCellFactory
from tests.partners.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@staff_required()
def _page(request):  # type: ignore[no-untyped-def]
    from django.http import HttpResponse

    return HttpResponse("in")


urlpatterns = [path("idle-test/", _page)]
START = datetime.datetime.now(datetime.UTC)


@pytest.fixture
def staff_client(sign_in) -> Client:  # type: ignore[no-untyped-def]
    user = UserFactory()
    MembershipFactory(user=user, cell=ResponseCellFactory(), role=Membership.Role.COORDINATOR)
    return sign_in(user)


def _get(client: Client, minutes: int, *, poll: bool = False) -> int:
    headers = {"X-Background-Poll": "true", "HX-Request": "true"} if poll else {}
    with time_machine.travel(START + datetime.timedelta(minutes=minutes), tick=False):
        return client.get("/idle-test/", headers=headers).status_code


@override_settings(ROOT_URLCONF=__name__, LOGIN_URL="/admin/login/")
def test_activity_keeps_the_session_and_idleness_ends_it(staff_client: Client) -> None:
    assert _get(staff_client, 0) == 200
    assert _get(staff_client, 25) == 200
    assert _get(staff_client, 50) == 200  # 25 minutes after the last activity
    assert _get(staff_client, 81) == 302  # 31 minutes idle: signed out


@override_settings(ROOT_URLCONF=__name__, LOGIN_URL="/admin/login/")
def test_background_refreshes_do_not_keep_a_session_alive(staff_client: Client) -> None:
    assert _get(staff_client, 0) == 200
    for minute in range(1, 30, 5):
        assert _get(staff_client, minute, poll=True) == 200
    assert _get(staff_client, 31, poll=True) == 204  # htmx is told to take the whole page to sign-in
    assert _get(staff_client, 32) == 302
