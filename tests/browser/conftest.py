"""Browser tests: Debian's chromium driven through Playwright, against a live server on PostgreSQL with a
real Celery worker and beat on a private Redis (tests/requests/celery_fixtures.py).

Every page a test visits is checked with axe-core (no serious or critical violation) and captured at 360
and 1280 pixels wide into ``artifacts/screenshots/`` (git-ignored). Chromium is Debian's
(``apt-get install -y chromium``, done by ``.ci/run``); Playwright's own browser download is never used.
"""

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.requests.celery_fixtures import (
    celery_broker,
    celery_cluster,
    celery_worker_and_beat,
    postgresql_transactional_db,
    private_redis,
    skip_or_fail,
)

__all__ = ["celery_broker", "celery_cluster", "celery_worker_and_beat", "postgresql_transactional_db", "private_redis"]

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
]
# Playwright's sync API keeps an event loop running in the test thread from the first browser test on;
# Django would then refuse the tests' own (synchronous) ORM calls. They are not async code, so allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageChecks:
    """What the browser tests found on every page they looked at: axe violations and screenshots taken."""

    violations: dict[str, list[str]] = field(default_factory=dict)
    screenshots: list[Path] = field(default_factory=list)


@pytest.fixture(scope="session")
def page_checks() -> Iterator[PageChecks]:
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    checks = PageChecks()
    yield checks
    found = sum(len(v) for v in checks.violations.values())
    print(f"\nbrowser: {len(checks.screenshots)} screenshots in {SCREENSHOTS}; axe: {found} violations recorded")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def check_page(page: Any, name: str, checks: PageChecks) -> None:
    """axe-core finds no serious or critical violation, and the page is captured at 360 and 1280 px."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response.get("violations", [])
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(n['target'][0] for n in v['nodes'][:3])}"
        for v in violations
    ]
    if found:
        checks.violations[name] = found
    serious = [text for v, text in zip(violations, found, strict=True) if v.get("impact") in SERIOUS]
    original = page.viewport_size
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        path = SCREENSHOTS / f"{_slug(name)}-{size['width']}.png"
        page.screenshot(path=str(path), full_page=True)
        checks.screenshots.append(path)
    if original:
        page.set_viewport_size(original)
    assert not serious, f"axe found serious or critical violations on {name}:\n" + "\n".join(serious)


@pytest.fixture
def browser_context_for(chromium: Any, live_server: Any) -> Iterator[Any]:
    """``new(viewport)`` opens a fresh browser context (its own cookies) on the live server."""
    contexts: list[Any] = []

    def new(viewport: dict[str, int] = DESKTOP, **options: Any) -> Any:
        context = chromium.new_context(viewport=viewport, base_url=live_server.url, locale="en-GB", **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    try:
        yield new
    finally:
        for context in contexts:
            context.close()
