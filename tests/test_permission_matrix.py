"""The permission matrix (issue 5, item 5): every page and every API endpoint, every method, every role, in its
own cell and with the ids of another cell, against what the access policy says.

Each case is one route, one method and one role; it sends up to three requests (a row of the role's own cell
in its scope, one outside its scope where the world has one, and the same row of the other cell), each
inside a savepoint that is rolled back, so every request meets the same world. For each it checks:

- the door: allowed, or refused the way the route refuses (a page sends to sign-in or to the front page;
  the API answers 401/403), and a row outside the caller's scope, another cell's above all, is a 404;
- that an allowed request gets through (a GET answers 200; a write with an empty body is done, or refused
  with a message naming the field, never 401/403/404/500);
- that a refused request changed nothing (no INSERT/UPDATE/DELETE but the session's; the same row counts);
- that no response carries what the role may not see: a resident's health notes without
  ``requests.access.can_read_health``, a resident's phone or surname to a helper who has not accepted, or
  anyone of a cell where the caller holds no role; no ``health_notes`` key in the API for a role without
  ``Perm.RESIDENT_HEALTH``; only the residents and requests in the role's sight; and staff shown a resident's
  record leave an entry in the audit log.

Writes of the API whose body names a row one cell owns are tried with the other cell's row too.

The machinery, and the few tables of what cannot be read off a view, are in ``tests/matrix.py``.
"""

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from partners.access import ROLE_PERMISSIONS, Perm
from requests.access import (
    can_read_health,
    helper_may_contact,
    referrals_visible,
    requests_logged_by,
    requests_referred_by,
    requests_visible,
    residents_visible,
    volunteer_offers,
)
from tests import matrix
from tests.matrix import (
    ANONYMOUS,
    EXPLICIT,
    METHODS,
    PUBLIC,
    ROLES,
    TARGETS,
    VARIANTS,
    VOLUNTEER,
    Actor,
    Answer,
    Probe,
    Route,
    World,
)

# Marked so that pytest-django sets up the test database; each case then runs in its own savepoint too.
pytestmark = pytest.mark.django_db

ROUTES = matrix.all_routes()
BY_NAME = {route.name: route for route in ROUTES}
CHECKED: Counter[str] = Counter()

# A subject access export is everything held about the resident, health notes included: that is its purpose
# (DESIGN.md section 6, issue 5 item 4), and only a cell administrator's RESIDENT_DATA_RIGHTS opens it.
HEALTH_NOTES_BY_DESIGN = frozenset({"audit:export", "resident-export"})
HELPERS = frozenset({VOLUNTEER, "partner_contact"})


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, request: pytest.FixtureRequest) -> Iterator[World]:
    """One world for the whole matrix, never committed: every request runs in a savepoint rolled back after it."""
    if not request.config.pluginmanager.has_plugin("permission-matrix-summary"):
        request.config.pluginmanager.register(_Summary(), "permission-matrix-summary")
    with django_db_blocker.unblock(), transaction.atomic():
        built = matrix.build_world()
        yield built
        transaction.set_rollback(True)


class _Summary:
    """Says at the end of the run how many requests the matrix checked (the closing note quotes it)."""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if CHECKED:
            kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(CHECKED.items()))
            terminalreporter.write_line(f"permission matrix: {sum(CHECKED.values())} requests checked ({kinds})")


# What came back -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sight:
    """What the policy lets one role see, as ids: the residents whose details it may be shown (and of those,
    whose phone), and the requests whose reference it may be shown."""

    residents: frozenset[int]
    phones: frozenset[int]
    requests: frozenset[int]


def sight_of(actor: Actor) -> Sight:
    principal = actor.principal
    helper_offers = (referrals_visible(principal) | volunteer_offers(actor.volunteer)).select_related(
        "request__resident"
    )
    asked = {offer.request.resident_id for offer in helper_offers}
    contact = frozenset(offer.request.resident_id for offer in helper_offers if helper_may_contact(offer))
    requests = set(helper_offers.values_list("request_id", flat=True))
    requests |= set(requests_referred_by(principal).values_list("pk", flat=True))  # by reference and status
    if actor.role == VOLUNTEER:
        return Sight(frozenset(), contact, frozenset(requests))  # a first name, and a phone once accepted
    if actor.role == "partner_contact":
        return Sight(frozenset(asked), contact, frozenset(requests))
    staff_requests = requests_visible(principal) | requests_logged_by(principal)
    residents = set(
        residents_visible(principal).values_list("pk", flat=True)
        | residents_visible(principal, Perm.RESIDENT_DATA_RIGHTS).values_list("pk", flat=True)
    )
    residents |= set(staff_requests.values_list("resident_id", flat=True))
    requests |= set(staff_requests.values_list("pk", flat=True))
    return Sight(frozenset(residents), frozenset(residents), frozenset(requests))


class Reader:
    """Reads answers for one role: what it may be shown, as the policy says."""

    def __init__(self, world: World, actor: Actor) -> None:
        self.world = world
        self.actor = actor
        self.may_read_health_notes = actor.principal.can(Perm.RESIDENT_HEALTH)
        self._health: dict[int, bool] = {}
        self.sight = sight_of(actor)

    def shows_contact(self, answer: Answer) -> bool:
        """Whether the answer shows how to reach a resident: their record, which staff may not read unrecorded."""
        digits = matrix.digits(answer.body)
        return any(matrix.digits(phone) in digits for _resident, _health, phone, _surname in self.world.residents)

    def leaks(self, route: Route, answer: Answer, method: str = "GET") -> list[str]:
        """What the answer shows that the role may not see, as things stand after the request (a helper who has
        just accepted sees the resident's phone in the answer). Read inside the request's savepoint, so what a
        write changed is forgotten with it."""
        fresh = method not in matrix.SAFE
        health_cache: dict[int, bool] = {} if fresh else self._health
        sight = sight_of(self.actor) if fresh else self.sight

        def may_read_health(resident: Any) -> bool:
            if resident.pk not in health_cache:
                health_cache[resident.pk] = can_read_health(self.actor.principal, resident)
            return health_cache[resident.pk]

        found = []
        digits = matrix.digits(answer.body)
        for resident, health, phone, surname in self.world.residents:
            whose = f"resident {resident.last_name} (cell {resident.cell.name})"
            if health in answer.body and route.name not in HEALTH_NOTES_BY_DESIGN and not may_read_health(resident):
                found.append(f"shows the health notes of {whose}")
            if matrix.digits(phone) in digits and resident.pk not in sight.phones:
                found.append(f"shows the phone of {whose}")
            if surname in answer.body and resident.pk not in sight.residents:
                found.append(f"shows the surname of {whose}")
        for support_request in self.world.requests:
            reference = support_request.reference
            # A page may say back the reference it was asked about ("No request MXB-000"): that is no leak.
            if reference in answer.body and reference not in answer.url and support_request.pk not in sight.requests:
                found.append(f"shows request {support_request.reference} (cell {support_request.cell.name})")
        data = matrix.json_body(answer)
        if (
            data is not None
            and not self.may_read_health_notes
            and route.name not in HEALTH_NOTES_BY_DESIGN
            and any(key == "health_notes" for key, _value, _parent in matrix.keys_in(data))
        ):
            found.append("has a health_notes field")
        return found


DENIAL_TARGETS = ("signin", "signin-two-factor", "home", "volunteers:signin")


def _redirects_to(answer: Answer, name: str) -> bool:
    target = reverse(name)
    location = answer.location.split("?")[0]
    return answer.status == 302 and (location == target or (name != "home" and location.startswith(target)))


def _matches(outcome: str, answer: Answer) -> bool:
    """Whether a refusal has the shape the route gives it."""
    return {
        matrix.SIGNIN: lambda: _redirects_to(answer, "signin"),
        matrix.VOLUNTEER_SIGNIN: lambda: _redirects_to(answer, "volunteers:signin"),
        matrix.HOME: lambda: _redirects_to(answer, "home"),
        matrix.UNAUTHENTICATED: lambda: answer.status in (401, 403),
        matrix.FORBIDDEN: lambda: answer.status == 403,
        "forbidden": lambda: answer.status == 403,
        "not-found": lambda: answer.status == 404,
    }[outcome]()


def _allowed_problem(route: Route, probe: Probe, answer: Answer) -> str | None:
    if answer.status >= 500:
        return "a server error"
    if probe.method == "GET":
        return None if answer.status == 200 else "not 200"
    if answer.status in (200, 201, 202, 204, 303):
        return None
    if answer.status == 302:
        # Home is also where a view may send someone after saying what it did; a gate says nothing.
        if any(_redirects_to(answer, name) for name in DENIAL_TARGETS) and not answer.said:
            return "a redirect that turns the caller away"
        return None
    if answer.status in (400, 409) and matrix.names_a_field(answer, route):
        return None
    return "not done, nor refused naming a field"


def _expected_words(probe: Probe, door: str) -> str:
    return {
        "allow": "allowed",
        "not-found": "404",
        "forbidden": "403",
        matrix.FORBIDDEN: "403",
        matrix.UNAUTHENTICATED: "401",
        matrix.SIGNIN: "redirect to sign-in",
        matrix.VOLUNTEER_SIGNIN: "redirect to the volunteer sign-in",
        matrix.HOME: "redirect home",
        "not-allowed": "405" if door == matrix.PASS else f"405 or {door}",
    }[probe.outcome]


def _got(answer: Answer) -> str:
    return f"{answer.status} {answer.location}".strip()


def check(world: World, route: Route, probe: Probe, actor: Actor, reader: Reader, door: str) -> list[str]:
    def inspect(answer: Answer) -> list[str]:
        problems = []
        expected = _expected_words(probe, door)
        if probe.outcome == "allow":
            problem = _allowed_problem(route, probe, answer)
            if problem:
                problems.append(f"{probe.label} expected {expected} got {_got(answer)} ({problem})")
        else:
            if probe.outcome == "not-allowed":
                right = answer.status == 405 or (door != matrix.PASS and _matches(door, answer))
            else:
                right = _matches(probe.outcome, answer)
            if not right:
                problems.append(f"{probe.label} expected {expected} got {_got(answer)}")
            if answer.writes:
                problems.append(f"{probe.label} was refused but wrote to {sorted(set(answer.writes))}")
            if answer.counts_before != answer.counts_after:
                problems.append(f"{probe.label} was refused but changed the row counts")
        problems += [f"{probe.label}: the response {leak}" for leak in reader.leaks(route, answer, probe.method)]
        if actor.role not in (VOLUNTEER, ANONYMOUS) and reader.shows_contact(answer) and not answer.audited:
            problems.append(f"{probe.label} shows a resident's record to staff but records no view in the audit log")
        CHECKED[probe.outcome if probe.outcome in ("allow", "not-found") else "refused"] += 1
        return problems

    return matrix.send(actor, probe, route, inspect)


_READERS: dict[tuple[int, str], Reader] = {}


def reader_for(world: World, role: str) -> Reader:
    key = (id(world), role)
    if key not in _READERS:
        _READERS[key] = Reader(world, world.actors[role])
    return _READERS[key]


# The cases ----------------------------------------------------------------------------------------------


def _gated() -> list[Route]:
    return [r for r in ROUTES if r.name not in PUBLIC and r.name not in EXPLICIT and matrix.has_gate(r)]


def _cases() -> Iterator[Any]:
    for route in _gated():
        variants = VARIANTS.get(route.name, lambda: (None,))()
        for variant in variants:
            suffix = f" [{variant}]" if variant else ""
            for method in METHODS:
                if variant != variants[0] and method not in matrix.route_methods(route):
                    continue  # a method the route does not answer is refused before the action is read
                for role in ROLES:
                    yield pytest.param(
                        route.name, variant, method, role, id=f"{role} {method} {route.template}{suffix}"
                    )


@pytest.mark.parametrize(("name", "variant", "method", "role"), list(_cases()))
def test_matrix(world: World, name: str, variant: str | None, method: str, role: str) -> None:
    route = BY_NAME[name]
    actor = world.actors[role]
    door = matrix.gate(route, method, actor)
    reader = reader_for(world, role)
    problems: list[str] = []
    for probe in matrix.probes(world, route, method, actor, variant):
        problems += check(world, route, probe, actor, reader, door)
    assert not problems, "\n".join(problems)


def _explicit_cases() -> Iterator[Any]:
    for name in EXPLICIT:
        route = BY_NAME.get(name)
        if route is None:
            continue
        for method in sorted(matrix.route_methods(route)):
            for role in ROLES:
                yield pytest.param(name, method, role, id=f"{role} {method} {route.template}")


@pytest.mark.parametrize(("name", "method", "role"), list(_explicit_cases()))
def test_explicit_rules(world: World, name: str, method: str, role: str) -> None:
    """Routes whose rule is not a right: the front door, a volunteer's own record."""
    route = BY_NAME[name]
    actor = world.actors[role]
    statuses, target = EXPLICIT[name].expected(actor, method)
    probe = Probe(f"{role} {method} {route.template}", method, reverse(name), "explicit")

    def inspect(answer: Answer) -> list[str]:
        CHECKED["explicit"] += 1
        problems = [
            f"{probe.label}: the response {leak}" for leak in reader_for(world, role).leaks(route, answer, method)
        ]
        wanted = f"{statuses} to {target}" if target else str(statuses)
        if answer.status not in statuses or (target and answer.location.split("?")[0] != reverse(target)):
            problems.append(f"{probe.label} expected {wanted} got {_got(answer)}")
        return problems

    problems = matrix.send(actor, probe, route, inspect)
    assert not problems, "\n".join(problems)


def _public_cases() -> Iterator[Any]:
    for name in PUBLIC:
        route = BY_NAME.get(name)
        if route is None:
            continue
        methods = sorted(matrix.route_methods(route))
        # The schema is the same for everyone and slow to build: asked once, by someone not signed in.
        roles = (ANONYMOUS,) if name == "api-schema" else ROLES
        for method in methods:
            for role in roles:
                yield pytest.param(name, method, role, id=f"{role} {method} {route.template}")


@pytest.mark.parametrize(("name", "method", "role"), list(_public_cases()))
def test_public_routes(world: World, name: str, method: str, role: str) -> None:
    """Open to anyone: never a server error, never anything of a resident; what a GET answers someone not
    signed in is as listed."""
    route = BY_NAME[name]
    actor = world.actors[role]
    kwargs = {param: matrix.FIXED_VALUES[param] for param in route.params}
    probe = Probe(f"{role} {method} {route.template}", method, reverse(name, kwargs=kwargs), "public")

    def inspect(answer: Answer) -> list[str]:
        CHECKED["public"] += 1
        problems = [
            f"{probe.label}: the response {leak}" for leak in reader_for(world, role).leaks(route, answer, method)
        ]
        if answer.status >= 500:
            problems.append(f"{probe.label} got {answer.status}")
        if role == ANONYMOUS and method == "GET" and answer.status not in PUBLIC[name]:
            problems.append(f"{probe.label} expected {PUBLIC[name]} got {_got(answer)}")
        return problems

    problems = matrix.send(actor, probe, route, inspect)
    assert not problems, "\n".join(problems)


# Nothing escapes the matrix -----------------------------------------------------------------------------------


def test_every_route_is_in_the_matrix() -> None:
    """A new page or endpoint is covered as soon as it exists: its view carries a gate the matrix reads, or it
    is listed, with the reason, as public or explicit."""
    unread = [
        f"{r.template} ({r.name or 'no name'})"
        for r in ROUTES
        if r.name not in PUBLIC and r.name not in EXPLICIT and not matrix.has_gate(r)
    ]
    assert not unread, (
        "Routes with no gate the matrix can read (use staff_required/volunteer_required, or list them in tests/matrix.py):\n"
        + "\n".join(unread)
    )


def test_every_route_has_a_name() -> None:
    assert all(route.name for route in ROUTES), [route.template for route in ROUTES if not route.name]
    assert len(BY_NAME) == len(ROUTES), "two routes share a name"


def test_every_id_in_a_path_names_a_row_of_the_world() -> None:
    """A route with an id says which row it names and which scope of the policy reaches it (TARGETS)."""
    missing = [
        f"{route.template} ({route.name})"
        for route in _gated()
        if set(route.params) - set(matrix.FIXED_VALUES) - {"action"} and matrix.target_for(route) is None
    ]
    assert not missing, "Add these to TARGETS in tests/matrix.py:\n" + "\n".join(missing)


def test_every_target_is_a_route() -> None:
    names = {route.name for route in ROUTES} | {route.basename for route in ROUTES if route.is_drf}
    assert not set(TARGETS) - names, f"TARGETS names routes that do not exist: {sorted(set(TARGETS) - names)}"


def test_every_role_of_the_policy_is_probed() -> None:
    assert set(ROLE_PERMISSIONS) <= set(ROLES)


# Who passes a door but reaches no row behind it, by design.
NOTHING_IN_SCOPE_BY_DESIGN = {
    # Who was asked is part of working on a request: a cell administrator and a helpline operator only see where
    # requests stand, so no offer is theirs to read (requests/api.py, OfferViewSet).
    ("offer", "cell_admin"),
    ("offer", "helpline_operator"),
}


def test_every_role_let_in_has_a_row_in_its_scope(world: World) -> None:
    """So that the allowed cases are really exercised: whoever passes the door of a route with an id finds at
    least one row of their own cell in scope."""
    empty = []
    for route in _gated():
        target = matrix.target_for(route)
        if target is None:
            continue
        for method in sorted(matrix.route_methods(route)):
            for role in ROLES:
                actor = world.actors[role]
                if (
                    matrix.gate(route, method, actor) != matrix.PASS
                    or (route.basename, role) in NOTHING_IN_SCOPE_BY_DESIGN
                ):
                    continue
                outcomes = {
                    p.outcome
                    for p in matrix.probes(world, route, method, actor, None if route.name not in VARIANTS else "note")
                }
                if "allow" not in outcomes and "forbidden" not in outcomes:
                    empty.append(f"{role} {method} {route.template}")
    assert not empty, "No row in scope for:\n" + "\n".join(empty)


# Another cell's ids in a body ------------------------------------------------------------------------------


def _body_cases() -> Iterator[Any]:
    for route in _gated():
        if not route.is_drf:
            continue
        for method in sorted(matrix.route_methods(route) - matrix.SAFE):
            for field_name, _model, _many in matrix.body_references(route, method):
                yield pytest.param(route.name, method, field_name, id=f"{method} {route.template} {field_name}")


@pytest.mark.parametrize(("name", "method", "field_name"), list(_body_cases()))
def test_ids_of_another_cell_in_a_body_are_refused(world: World, name: str, method: str, field_name: str) -> None:
    """A write whose body names a row one cell owns (a cell, a hub, a resident, a volunteer...) takes only rows
    the caller may use: another cell's is refused as not existing, naming the field, and nothing is saved. Tried
    by every role the door and the path let through (read from the serializer the view's schema documents)."""
    route = BY_NAME[name]
    _name, model, many = {ref[0]: ref for ref in matrix.body_references(route, method)}[field_name]
    problems: list[str] = []
    tried = 0
    for role in ROLES:
        actor = world.actors[role]
        own = matrix.probes(world, route, method, actor)[0]
        if own.outcome != "allow":  # turned away before the body is read: test_matrix checks how
            continue
        tried += 1
        row = matrix.row_of(world, actor.away, model)
        probe = Probe(f"{own.label} with another cell's {field_name}", method, own.url, "refused")

        def inspect(answer: Answer, probe: Probe = probe) -> list[str]:
            CHECKED["refused"] += 1
            data = matrix.json_body(answer)
            errors = data.get("errors", {}) if isinstance(data, dict) else {}
            if answer.status != 400 or field_name not in errors:
                return [f"{probe.label} expected 400 naming {field_name} got {_got(answer)}: {answer.body[:200]}"]
            if answer.writes:
                return [f"{probe.label} was refused but wrote to {sorted(set(answer.writes))}"]
            return []

        body = json.dumps({field_name: [row.pk] if many else row.pk})
        problems += matrix.send(actor, probe, route, inspect, body=body)
    assert tried, f"no role may {method} {route.template}: nothing was tried"
    assert not problems, "\n".join(problems)
