"""Fixtures shared by every test, and guards that keep CI honest."""

import os
from typing import Any

import pytest

# Before anything imports rest_framework.test: the `requests` app shadows the PyPI library
# (config/requests_shadow.py, docs/decisions/0001-requests-app-name.md).
import config.requests_shadow  # noqa: F401


def pytest_configure(config: pytest.Config) -> None:
    """In CI the tests must run on PostgreSQL and Redis, never silently on SQLite or eager tasks."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
        if missing:
            raise pytest.UsageError(f"CI runs on PostgreSQL and Redis; set {', '.join(missing)}.")


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    """Tests render pages without running collectstatic first, so no manifest is needed."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _ci_uses_real_services(settings: Any) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
        assert settings.CELERY_TASK_ALWAYS_EAGER is False


@pytest.fixture
def sign_in(client: Any) -> Any:
    """Sign a user in on the test client as the real sign-in would leave them: staff with a confirmed TOTP
    device and the second factor passed in this session. Returns the client."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def signed_in(user: Any, *, second_factor: bool = True) -> Any:
        user.refresh_from_db()  # the session's hash must match the password as saved
        client.force_login(user)
        if second_factor:
            device, _created = TOTPDevice.objects.get_or_create(user=user, defaults={"name": "test", "confirmed": True})
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return client

    return signed_in
