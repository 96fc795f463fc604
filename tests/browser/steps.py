"""What the browser tests do the way people do it: sign in through the real pages (password, then the code
an authenticator app would show), press keys one at a time and count them, and open a sign-in link from
the message the worker sent."""

import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from hubs.models import ResponseCell
from partners.signin.second_factor import totp_current_code
from requests.demo.organisations import CALDERDALE_CELL
from requests.management.commands.seed_demo import DEFAULT_PASSWORD
from tests.requests.celery_fixtures import CeleryCluster, CeleryProcess, wait_ready, wait_until

# A ranking, a sign-in link or an offer made by the worker shows up within this (it takes a second or two
# on an idle machine; the machine running the tests may be busy).
WORKER_TIMEOUT = 45.0
# A trained operator types quickly: 40 ms per key (the key is held 10 ms of it), 25 keys a second.
KEY_DELAY_MS = 40
KEY_HOLD_MS = 10
MAGIC_LINK = re.compile(r"/v/sign-in/link/[A-Za-z0-9_-]+/")


@dataclass
class Demo:
    """The seeded demo place with a worker and beat running against it."""

    worker: CeleryProcess
    beat: CeleryProcess
    cell: ResponseCell


def demo_with_worker(cluster: CeleryCluster) -> Demo:
    """``seed_demo`` while a worker and beat start (each takes seconds to import Django and connect).

    The Calderdale cell offers nothing by itself here: a coordinator chooses from the ranking, so which
    volunteer gets the offer never depends on the time of day the tests run at (others' weekly
    availability). The ranking itself is the worker's, as in production."""
    # Emails and SMS from the worker go to its log, which the tests read (a sign-in link, for one).
    messages = {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "SMS_BACKEND": "requests.notifications.backends.LogSmsBackend",
    }
    worker, beat = cluster.spawn_worker(**messages), cluster.spawn_beat()
    call_command("seed_demo", stdout=io.StringIO())
    ResponseCell.objects.filter(slug=CALDERDALE_CELL).update(auto_offer=False)
    wait_ready(worker, beat)
    return Demo(worker=worker, beat=beat, cell=ResponseCell.objects.get(slug=CALDERDALE_CELL))


# Signing in ---------------------------------------------------------------------------------------------


def totp_code(username: str) -> str:
    """The code the person's authenticator app shows now (the next one if this step's has been used)."""
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    return totp_current_code(device).code


def staff_sign_in(page: Any, username: str, *, on_each_page: Callable[[str], None] | None = None) -> None:
    """Username and password, then the code, on the real pages; ``on_each_page(name)`` is called on the
    sign-in page and on the code page (to check them)."""
    page.goto("/sign-in/")
    if on_each_page:
        on_each_page("Sign in (staff)")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/sign-in/two-factor/")
    if on_each_page:
        on_each_page("Sign in: code from the authenticator app")
    page.get_by_label("Code from your authenticator app").fill(totp_code(username))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/sign-in/" not in url)


def sign_in_link(worker: CeleryProcess, *, seen: int) -> str:
    """The path of the newest sign-in link the worker has sent (by email or SMS, both in its log), once
    there are more than ``seen`` of them."""

    def sent() -> str | None:
        links = MAGIC_LINK.findall(worker.log())
        return links[-1] if len(links) > seen else None

    return str(wait_until(sent, timeout=WORKER_TIMEOUT, what="the sign-in link in the worker's log"))


def links_sent(worker: CeleryProcess) -> int:
    return len(MAGIC_LINK.findall(worker.log()))


# The keyboard -------------------------------------------------------------------------------------------

FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const label = e.labels && e.labels.length ? e.labels[0].innerText : (e.getAttribute('aria-label') || e.innerText || '');
  return {tag: e.tagName.toLowerCase(), type: e.type || '', name: e.name || '', value: e.value || '',
          label: label.trim(), checked: !!e.checked, inForm: !!e.closest('form') && e.closest('form').id};
}"""


@dataclass
class Keyboard:
    """Keys pressed one by one, counted: each character typed is one key, each press one (a chord such as
    Ctrl + Enter too). Nothing here touches the mouse."""

    page: Any
    keys: int = 0
    typed: int = 0  # of ``keys``, the characters typed

    def type(self, text: str) -> None:
        self.page.keyboard.type(text, delay=KEY_DELAY_MS)
        self.keys += len(text)
        self.typed += len(text)

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key, delay=KEY_HOLD_MS)
            self.page.wait_for_timeout(KEY_DELAY_MS - KEY_HOLD_MS)
            self.keys += 1

    def focused(self) -> dict[str, Any]:
        return self.page.evaluate(FOCUSED) or {}

    def tab_to(self, name: str, *, label: str | None = None, most: int = 12) -> None:
        """Tab until the field ``name`` (the option labelled ``label``, for a checkbox or radio) has the
        focus, as an operator who knows the form's order does; fails after ``most`` presses."""
        for _ in range(most):
            self.press("Tab")
            now = self.focused()
            if now.get("name") == name and (label is None or now.get("label") == label):
                return
        raise AssertionError(f"{most} presses of Tab did not reach {name} {label or ''}: focus is on {now}")


@dataclass
class Stopwatch:
    started: float = field(default_factory=time.perf_counter)

    def seconds(self) -> float:
        return time.perf_counter() - self.started
