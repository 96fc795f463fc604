"""Browser tests: Debian's chromium driven through Playwright, against a live server on PostgreSQL with a
real Celery worker and beat on a private Redis (tests/requests/celery_fixtures.py).

Every page a test visits is checked with axe-core (no serious or critical violation) and captured at 360
and 1280 pixels wide into ``artifacts/screenshots/`` (git-ignored). Chromium is Debian's
(``apt-get install -y chromium``, done by ``.ci/run``), started once for the whole run by the ``chromium``
fixture of the root conftest.py; Playwright's own browser download is never used.
"""

import functools
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.browser.steps import Demo, demo_with_worker
from tests.requests.celery_fixtures import (
    CeleryCluster,
    celery_broker,
    celery_cluster,
    celery_worker_and_beat,
    postgresql_transactional_db,
    private_redis,
)

__all__ = ["celery_broker", "celery_cluster", "celery_worker_and_beat", "postgresql_transactional_db", "private_redis"]

# Playwright's sync API keeps an event loop running in the test thread from the first browser test on;
# Django would then refuse the tests' own (synchronous) ORM calls. They are not async code, so allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
SERIOUS = {"serious", "critical"}
REPORT = SCREENSHOTS.parent / "browser-report.md"
# Collects the page's Content Security Policy violations from the first script on (before any of ours).
CSP_LISTENER = (
    "window.__cspViolations = [];"
    "document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push("
    "e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));"
)


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    nodes: int
    targets: str
    accepted: str = ""  # why this one does not fail the test (see ``_accepted``)

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}): {self.help} — {self.targets}"

    @property
    def fails(self) -> bool:
        return self.impact in SERIOUS and not self.accepted

    def cell(self) -> str:
        accepted = f"; accepted: {self.accepted}" if self.accepted else ""
        return f"{self.rule} ({self.impact}, {self.nodes}{accepted})"


@dataclass
class PageChecks:
    """What the browser tests found on every page they looked at: axe violations (every impact, by page,
    pages without any included), screenshots taken, and figures the tests measured (``measure``)."""

    pages: dict[str, list[Violation]] = field(default_factory=dict)
    screenshots: list[Path] = field(default_factory=list)
    measurements: dict[str, str] = field(default_factory=dict)
    axe_version: str = ""

    @property
    def violations(self) -> dict[str, list[str]]:
        return {name: [str(v) for v in found] for name, found in self.pages.items() if found}

    def measure(self, name: str, value: str) -> None:
        self.measurements[name] = value

    def report(self) -> list[str]:
        """The summary printed at the end of the run and written to ``artifacts/browser-report.md``."""
        lines = ["## Browser tests", ""]
        if self.measurements:
            lines += ["| measured | value |", "|---|---|"]
            lines += [f"| {name} | {value} |" for name, value in self.measurements.items()]
            lines.append("")
        every = [v for found in self.pages.values() for v in found]
        lines.append(
            f"axe-core {self.axe_version}: {len(self.pages)} pages checked, {len(every)} violations "
            f"({sum(1 for v in every if v.impact in SERIOUS)} serious or critical, of which "
            f"{sum(1 for v in every if v.impact in SERIOUS and v.accepted)} accepted); "
            f"{len(self.screenshots)} screenshots in {SCREENSHOTS.relative_to(SCREENSHOTS.parents[1])}/"
        )
        lines += ["", "| page | axe violations (rule, impact, elements) |", "|---|---|"]
        for name, found in self.pages.items():
            lines.append(f"| {name} | {'; '.join(v.cell() for v in found) or 'none'} |")
        details = [f"- {name}: {v}" for name, found in self.pages.items() for v in found]
        if details:
            lines += ["", "Where (the first three elements of each):", *details]
        return lines


_SESSION_CHECKS: list[PageChecks] = []


@pytest.fixture(scope="session")
def page_checks() -> Iterator[PageChecks]:
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    checks = PageChecks()
    _SESSION_CHECKS.append(checks)
    yield checks
    REPORT.write_text("\n".join(checks.report()) + "\n")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The axe findings and the measured figures, whatever the tests' outcome (they go in the closing note)."""
    for checks in _SESSION_CHECKS:
        if checks.pages or checks.measurements:
            terminalreporter.write_line("")
            for line in checks.report():
                terminalreporter.write_line(line)
            terminalreporter.write_line(f"(also in {REPORT})")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@functools.cache
def _axe() -> Any:
    """One axe-core runner for the session (it reads the bundled axe.min.js once)."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _accepted(violation: dict[str, Any]) -> str:
    """The one finding accepted knowingly: GOV.UK Frontend marks a radio that reveals a follow-up question
    with ``aria-expanded``, which ARIA 1.2 does not allow on a radio (axe calls it critical); the Design
    System keeps it because screen readers announce it (alphagov/govuk-frontend#979). Accepted only when
    every element axe names is such a radio and ``aria-expanded`` is the only attribute it objects to."""
    if violation["id"] != "aria-allowed-attr":
        return ""
    for node in violation["nodes"]:
        data = [str(item) for check in node.get("any", []) + node.get("all", []) for item in check.get("data") or []]
        radio = 'type="radio"' in node.get("html", "") and "aria-controls=" in node.get("html", "")
        if not radio or not data or not all(item.startswith("aria-expanded=") for item in data):
            return ""
    return "GOV.UK Frontend's conditional reveal on a radio (govuk-frontend#979)"


def _target(node: dict[str, Any]) -> str:
    target = node.get("target") or ["?"]
    return str(target[0] if len(target) == 1 else " >> ".join(map(str, target)))


def check_page(page: Any, name: str, checks: PageChecks, *, not_ours: str = "") -> None:
    """axe-core finds no serious or critical violation, the page broke no rule of the Content Security
    Policy, and it is captured at 360 and 1280 px. Every violation found, of any impact, is recorded.

    ``not_ours`` says whose markup a page is when it is not this project's (the Django admin's change
    forms): its violations are recorded with that reason, for the report, and do not fail the test."""
    assert name not in checks.pages, f"{name} is checked twice: give each page its own name"
    page.wait_for_load_state("load")
    # The page's own breaches first: axe, loading a page's imported stylesheets for its checks, adds <style>
    # elements that the policy refuses (the Django admin's); those are axe's, so they are forgotten after it.
    csp = page.evaluate("window.__cspViolations || []")
    response = _axe().run(page).response
    page.evaluate("window.__cspViolations = []")
    checks.axe_version = response.get("testEngine", {}).get("version", checks.axe_version)
    found = [
        Violation(
            rule=v["id"],
            impact=v.get("impact") or "minor",
            help=v["help"],
            nodes=len(v["nodes"]),
            targets=", ".join(_target(n) for n in v["nodes"][:3]),
            accepted=not_ours or _accepted(v),
        )
        for v in response.get("violations", [])
    ]
    checks.pages[name] = found
    serious = [str(v) for v in found if v.fails]
    original = page.viewport_size
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        path = SCREENSHOTS / f"{_slug(name)}-{size['width']}.png"
        # caret="initial": Playwright's default (hiding the caret) leaves an empty style attribute on
        # every text field, which htmx would copy onto swapped-in fields, against the policy.
        page.screenshot(path=str(path), full_page=True, caret="initial")
        checks.screenshots.append(path)
    if original:
        page.set_viewport_size(original)
    assert not serious, f"axe found serious or critical violations on {name}:\n" + "\n".join(serious)
    assert not csp, f"{name} broke the Content Security Policy: {csp}"


@pytest.fixture
def browser_context_for(chromium: Any, live_server: Any) -> Iterator[Any]:
    """``new(viewport)`` opens a fresh browser context (its own cookies) on the live server."""
    contexts: list[Any] = []

    def new(viewport: dict[str, int] = DESKTOP, **options: Any) -> Any:
        context = chromium.new_context(viewport=viewport, base_url=live_server.url, locale="en-GB", **options)
        context.set_default_timeout(15_000)
        context.add_init_script(CSP_LISTENER)
        contexts.append(context)
        return context

    try:
        yield new
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def demo(celery_cluster: CeleryCluster, settings: Any) -> Demo:
    """The demo seed (``seed_demo``) with a worker and beat on it; a volunteer's sign-in link goes through
    the worker, as in production, whatever REDIS_URL says."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    return demo_with_worker(celery_cluster)
