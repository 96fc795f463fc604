"""Helpers for the API tests: a client signed in as someone, staff in a role, and reading error bodies."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from partners.models import Membership
from tests.partners.factories import MembershipFactory, UserFactory

Role = Membership.Role


@pytest.fixture
def fast_password_hashing(settings: Any) -> None:
    """UserFactory sets a password; the default hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user: Any | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def staff(cell: Any, role: str = Role.CELL_ADMIN, **scope: Any) -> Any:
    """A new user holding one role in a cell (hub or organisation in ``scope`` where the role needs one)."""
    return MembershipFactory(user=UserFactory(), cell=cell, role=role, **scope).user


def superuser() -> Any:
    return UserFactory(is_superuser=True, is_staff=True)


def field_errors(response: Any) -> dict[str, Any]:
    """The fields an error response names (the exception handler's ``errors``)."""
    assert response.status_code in (400, 409), (response.status_code, response.content)
    body = response.json()
    assert body["detail"], body
    return body.get("errors", {})


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(response: Any) -> list[int]:
    return [row["id"] for row in results(response)]
