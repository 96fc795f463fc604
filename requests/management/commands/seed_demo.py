"""``python manage.py seed_demo``: a believable Calderdale to click through, or to benchmark against."""

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from requests.demo import builders, timelines

T = TypeVar("T")

DEFAULT_PASSWORD = "demo-password-2026"


class Command(BaseCommand):
    help = (
        "Seed a demo place: Calderdale (E08000033) with its localities and wards mapped to real postcode "
        "sectors, the shared skills and need categories, three response cells (one per coordination model) "
        "with their hubs and 36 partner organisations, volunteers and residents at real postcodes, requests "
        "in every status with true timelines (written through the request services, then dated back over "
        "the last weeks; each open request is ranked once and nothing is offered or sent live), and one "
        "sign-in per role sharing one password. "
        "Safe to run every time: when demo data is already there it says so and exits 0 without changing "
        "anything; --reset deletes the demo cells, organisations and demo- users first and seeds afresh. "
        "Areas, postcode coverage, skills and categories are upserted, never duplicated. "
        "Everything is written in one transaction: a failed seed leaves nothing behind."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--volunteers", type=int, default=320, help="How many volunteers (default 320; 100000 for a benchmark)."
        )
        parser.add_argument("--residents", type=int, default=72, help="How many residents (default 72).")
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f'The password of every demo sign-in (default "{DEFAULT_PASSWORD}").',
        )
        parser.add_argument("--reset", action="store_true", help="Delete the demo data first, then seed again.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same seed gives the same demo.")
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even under config.production settings (demo sign-ins have a published password).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["volunteers"] < 1 or options["residents"] < 1:
            raise CommandError("--volunteers and --residents must be at least 1.")
        if settings.SETTINGS_MODULE == "config.production" and not options["allow_production"]:
            raise CommandError(
                "Refusing to seed demo sign-ins with a published password under production settings; "
                "pass --allow-production if this really is a demo deployment."
            )
        if builders.demo_exists() and not options["reset"]:
            self.stdout.write("Demo data is already seeded; nothing changed. Run with --reset to seed it afresh.")
            return

        started = time.perf_counter()
        rng = random.Random(options["seed"])
        with transaction.atomic():
            if options["reset"]:
                deleted = self._stage("reset", builders.demo_reset)
                self.stdout.write("  deleted " + ", ".join(f"{n:,} {model}" for model, n in sorted(deleted.items())))
            place = self._stage("places", builders.build_places)
            words = self._stage("vocabulary", builders.build_vocabulary)
            network = self._stage("organisations, cells and hubs", lambda: builders.build_network(place, words, rng))
            staff = self._stage("sign-ins", lambda: builders.build_staff(network, options["password"]))
            demo_volunteer = builders.build_demo_volunteer(place, words, network, staff)
            self._stage(
                "volunteers",
                lambda: builders.build_volunteers(
                    place, words, network, options["volunteers"] - 1, rng, self.stdout.write
                ),
            )
            self._stage(
                "residents and requests",
                lambda: timelines.build_requests(
                    place, words, network, staff, demo_volunteer, options["residents"], rng, self.stdout.write
                ),
            )
        summary = builders.summarise()
        elapsed = time.perf_counter() - started

        self.stdout.write("")
        self.stdout.write(", ".join(f"{n:,} {what}" for what, n in summary.counts.items()))
        self.stdout.write("Requests by status: " + ", ".join(f"{s} {n}" for s, n in summary.statuses.items()))
        self.stdout.write(self.style.SUCCESS(f"Demo seeded in {elapsed:.1f} s."))
        self.stdout.write("")
        self._sign_ins(staff.sign_ins, options["password"])

    @contextmanager
    def _timer(self, name: str) -> Iterator[None]:
        self.stdout.write(f"{name}...")
        started = time.perf_counter()
        yield
        self.stdout.write(f"{name}: {time.perf_counter() - started:.2f} s")

    def _stage(self, name: str, build: Callable[[], T]) -> T:
        with self._timer(name):
            return build()

    def _sign_ins(self, sign_ins: list[builders.SignIn], password: str) -> None:
        rows = [("username", "role", "cell", "limited to", "authenticator key")]
        rows += [(s.username, s.role, s.cell, s.scope or "-", s.authenticator_key or "-") for s in sign_ins]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        self.stdout.write(f"Sign in at /sign-in/ (staff, then /admin/ for demo-admin), password: {password}")
        self.stdout.write(
            "Staff then give a code from their authenticator app: `python manage.py totp_code <username>` prints "
            "it, or add the key below to any authenticator app (time-based, 6 digits)."
        )
        volunteer = next((s for s in sign_ins if not s.authenticator_key), None)
        if volunteer is not None:
            self.stdout.write(
                f"Volunteers sign in at /v/sign-in/ with a link: give {volunteer.username}@example.org and open "
                "the link from the email (printed by the web server with the default email backend)."
            )
        for number, row in enumerate(rows):
            self.stdout.write("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip())
            if number == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
