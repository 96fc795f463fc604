"""Fixtures shared by every test, and guards that keep CI honest."""

import os
from typing import Any

import pytest
from django.test import Client

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
def sign_in(client: Client) -> Any:
    """``sign_in(user)``: the test client signed in as the real sign-in leaves staff (second factor passed);
    ``second_factor=False`` for a volunteer or a half-finished staff sign-in. Returns the client."""
    from tests.signin import sign_in_verified

    def signed_in(user: Any, *, second_factor: bool = True) -> Client:
        if second_factor:
            return sign_in_verified(client, user)
        client.force_login(user)
        return client

    return signed_in


@pytest.fixture
def admin_client(client: Client, admin_user: Any) -> Client:
    """pytest-django's ``admin_client``, also past the second factor that the admin and staff pages require."""
    from tests.signin import sign_in_verified

    return sign_in_verified(client, admin_user)


@pytest.fixture(scope="session")
def chromium() -> Any:
    """Debian's chromium through Playwright, one for the whole run: Playwright's sync API keeps an event
    loop in the test thread once started, and a second start in the same thread is refused. Missing
    chromium skips locally and fails in CI (tests/requests/celery_fixtures.skip_or_fail)."""
    from pathlib import Path

    from tests.requests.celery_fixtures import skip_or_fail

    executable = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    if not executable.exists():
        skip_or_fail(f"{executable} is missing: apt-get install -y chromium")
    # The tests' own ORM calls are synchronous code that Django would take for async once the loop runs.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable),
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-gpu",
                "--no-first-run",
            ],
            headless=True,
        )
        try:
            yield browser
        finally:
            browser.close()
