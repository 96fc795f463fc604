"""The permission matrix's machinery: the routes of the project, the right each one requires as its view
states it, a world of two cells to probe them with, and what the access policy says each role should get.

Nothing here says by hand who may open what: a page's gate carries its right (``staff_required(perm)`` sets
``.required_perm``, ``volunteer_required`` sets ``.for_volunteers``), an API view's permission classes and
``required_perm`` / ``action_perms`` say it for the API, and ``partners.access.ROLE_PERMISSIONS`` with the
scopes of ``requests.access``, ``volunteers.access`` and ``partners.access`` say who holds it. The tables
below only say what cannot be read off a view: which model a path parameter names and which policy scope
reaches it (``TARGETS``), and the few routes whose rule is not a right (``EXPLICIT``, ``PUBLIC``).
"""

import copy
import datetime
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.relations import ManyRelatedField, RelatedField
from rest_framework.serializers import BaseSerializer

import partners.access as partner_access
from hubs.models import Area, Hub, NeedCategory, ResponseCell, Skill
from partners.access import Perm, Principal, principal_for
from partners.models import Membership, Organisation
from requests import access as request_access
from requests.models import AuditEntry, Event, Offer, OfferState, Resident, Status, SupportRequest
from tests.hubs.factories import (
    HubFactory,
    LocalAuthorityFactory,
    NeedCategoryFactory,
    ResponseCellFactory,
    SkillFactory,
    WardFactory,
)
from tests.partners.factories import CellPartnerFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.requests.factories import EventFactory, OfferFactory, ResidentFactory, SupportRequestFactory
from tests.signin import sign_in_verified
from tests.volunteers.factories import TimeOffFactory, VolunteerFactory
from volunteers import access as volunteer_access
from volunteers.models import TimeOff, Volunteer

Role = Membership.Role
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})

# The roles probed: every staff role of ROLE_PERMISSIONS in cell A, a volunteer of cell A, nobody signed in,
# and a coordinator of cell B (whose "own cell" is B and "another cell" A).
OTHER_CELL_COORDINATOR = "other_cell_coordinator"
VOLUNTEER = "volunteer"
ANONYMOUS = "anonymous"
STAFF_ROLES = tuple(str(role) for role in Role.values)
ROLES = (*STAFF_ROLES, VOLUNTEER, ANONYMOUS, OTHER_CELL_COORDINATOR)


# Routes ---------------------------------------------------------------------------------------------------

# Never in the matrix: the admin site has its own gate and tests (tests/test_admin.py, the sign-in tests);
# DRF's format-suffix twins (``/api/v1/requests.json``) are the same views as the routes they copy.
SKIPPED_PREFIXES = ("admin/", "static/", "health/")


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str  # as Django spells it: "triage/<int:pk>/<slug:action>/"
    callback: Callable[..., Any]
    params: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")

    @property
    def is_drf(self) -> bool:
        return hasattr(self.callback, "cls")

    @property
    def basename(self) -> str:
        """The DRF router's basename ("request" of "request-escalate"), or the URL name of a page."""
        initkwargs = getattr(self.callback, "initkwargs", {})
        return str(initkwargs.get("basename") or self.name)

    @property
    def template(self) -> str:
        """The path with its parameters in braces: "/triage/{pk}/", "/api/v1/requests/{pk}/escalate/"."""
        path = "/" + self.pattern.replace("^", "").replace("$", "")
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "", params: tuple[str, ...] = ()) -> Iterator[Route]:
    for pattern in patterns:
        # A path's converters and a regex's named groups alike are the named groups of its regex.
        names = params + tuple(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            space = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), space, names)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else ""
            yield Route(name=name, pattern=prefix + str(pattern.pattern), callback=pattern.callback, params=names)


def all_routes() -> list[Route]:
    """Every route of ``config.urls`` the matrix covers (all but ``SKIPPED_PREFIXES`` and format twins)."""
    routes = []
    for route in _walk(get_resolver().url_patterns):
        if route.pattern.startswith(SKIPPED_PREFIXES) or "format" in route.params:
            continue
        routes.append(route)
    return routes


def page_methods(callback: Callable[..., Any]) -> frozenset[str]:
    """The methods a page answers, read from ``require_http_methods`` (and ``require_GET``/``POST``/``safe``)
    in the chain of its decorators; a view without one answers every method."""
    allowed: set[str] = set(METHODS)
    function: Any = callback
    while function is not None:
        code = getattr(function, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = function.__closure__[code.co_freevars.index("request_method_list")]
            allowed &= {method.upper() for method in cell.cell_contents}
        function = getattr(function, "__wrapped__", None)
    return frozenset(allowed)


def route_methods(route: Route) -> frozenset[str]:
    """The methods of ``METHODS`` a route answers, as its view declares them."""
    if not route.is_drf:
        return page_methods(route.callback)
    cls = route.callback.cls
    allowed = {name.lower() for name in cls.http_method_names}
    actions = getattr(route.callback, "actions", None)
    if actions is not None:
        return frozenset(method.upper() for method in actions if method in allowed and method.upper() in METHODS)
    return frozenset(method for method in METHODS if method.lower() in allowed and hasattr(cls, method.lower()))


def drf_action(route: Route, method: str) -> str | None:
    actions = getattr(route.callback, "actions", None) or {}
    return actions.get(method.lower())


# Path parameters that are not ids of rows in a cell, filled with one fixed value.
FIXED_VALUES = {"postcode": "HX1 1AA", "token": "no-such-link-token"}


# The world ------------------------------------------------------------------------------------------------

# One resident per request, each with sentinels that say whose they are when they turn up in a response.
REQUEST_KEYS = (
    "req_hub",  # in the hub's areas
    "req_hub_flagged",  # in the hub's areas, safeguarding
    "req_out",  # outside the hub's areas; logged by the hub coordinator on the helpline
    "req_flagged",  # outside the hub's areas, safeguarding
    "req_flagged_offered",  # outside the hub's areas, safeguarding, offered by hand to another volunteer
    "req_vol_pending",  # offered to the volunteer, waiting
    "req_vol_accepted",  # the volunteer accepted
    "req_other_vol",  # offered to another volunteer
    "req_ref_pending",  # referred to the partner contact's organisation, waiting
    "req_ref_accepted",  # the partner contact's organisation accepted
    "req_ref_other_org",  # referred to another organisation
    "req_referred_up",  # the partner contact's organisation referred the resident up to the cell
)
OFFER_KEYS = tuple(
    f"offer_{key[4:]}" for key in REQUEST_KEYS if key.startswith(("req_vol", "req_other", "req_ref_", "req_flagged_"))
)
RESIDENT_KEYS = tuple(f"res_{key[4:]}" for key in REQUEST_KEYS)
HUB_AREA_REQUESTS = frozenset(
    {"req_hub", "req_hub_flagged", "req_vol_pending", "req_other_vol", "req_ref_pending", "req_ref_other_org"}
)
FLAGGED_REQUESTS = frozenset({"req_hub_flagged", "req_flagged", "req_flagged_offered"})


def health_sentinel(cell: str, index: int) -> str:
    return f"HEALTHSENTINEL{cell}{index:02d}X"


def phone_sentinel(cell: str, index: int) -> str:
    """A number in Ofcom's range for drama; matched in a response by its digits, whatever the spacing."""
    return f"01632 96{'1' if cell == 'A' else '2'}{index:03d}"


def surname_sentinel(cell: str, index: int) -> str:
    return f"Surnamesentinel{cell}{index:02d}q"


@dataclass
class Actor:
    role: str
    home: str  # "A" or "B"
    user: Any = None
    client: Client | None = None
    cookies: Any = None

    @property
    def principal(self) -> Principal:
        return principal_for(self.user)

    @property
    def volunteer(self) -> Volunteer | None:
        return volunteer_access.volunteer_for(self.user)

    @property
    def authenticated(self) -> bool:
        return self.user is not None

    @property
    def away(self) -> str:
        return "B" if self.home == "A" else "A"


@dataclass
class World:
    objects: dict[str, dict[str, Any]] = field(default_factory=lambda: {"A": {}, "B": {}})
    shared: dict[str, Any] = field(default_factory=dict)  # rows no one cell owns: vocabulary, the shared partner
    actors: dict[str, Actor] = field(default_factory=dict)
    residents: list[tuple[Any, str, str, str]] = field(default_factory=list)  # (row, health, phone, surname)
    requests: list[Any] = field(default_factory=list)

    def get(self, cell: str, key: str) -> Any:
        """A row of that cell, or a shared row."""
        return self.objects[cell].get(key) or self.shared.get(key)

    def own(self, cell: str, key: str) -> Any:
        """A row of that cell only."""
        return self.objects[cell].get(key)


def _cell_world(world: World, cell_name: str, shared_org: Any, category: Any) -> None:
    objects = world.objects[cell_name]
    cell = ResponseCellFactory(name=f"Matrix cell {cell_name}", slug=f"matrix-{cell_name.lower()}")
    borough = LocalAuthorityFactory(name=f"Borough {cell_name}")
    locality = WardFactory(kind="locality", parent=borough, name=f"Hub locality {cell_name}")
    covered = WardFactory(parent=locality, name=f"Covered ward {cell_name}")
    outside = WardFactory(parent=borough, name=f"Outside ward {cell_name}")
    cell.areas.set([borough])
    hub = HubFactory(cell=cell, name=f"Hub {cell_name}")
    hub.areas.set([locality])
    own_org = OrganisationFactory(name=f"Own organisation {cell_name}")
    objects.update(cell=cell, area_borough=borough, area_covered=covered, hub=hub, own_org=own_org)
    objects["cellpartner_shared"] = CellPartnerFactory(cell=cell, organisation=shared_org)
    objects["cellpartner_own"] = CellPartnerFactory(cell=cell, organisation=own_org)

    # One person in each staff role, and a volunteer who signs in; a second volunteer who does not.
    scope: dict[str, dict[str, Any]] = {
        Role.HUB_COORDINATOR: {"hub": hub},
        Role.PARTNER_CONTACT: {"organisation": shared_org},
    }
    for role in STAFF_ROLES:
        # Signed in by the test client, so without a password (hashing one takes a quarter of a second).
        user = UserFactory(username=f"matrix-{role}-{cell_name.lower()}", password=None)
        objects[f"user_{role}"] = user
        objects[f"membership_{role}"] = MembershipFactory(user=user, cell=cell, role=role, **scope.get(role, {}))
    volunteer = VolunteerFactory(
        cell=cell,
        user=UserFactory(username=f"matrix-volunteer-{cell_name.lower()}", password=None),
        first_name=f"Helper{cell_name}",
    )
    other_volunteer = VolunteerFactory(cell=cell, first_name=f"Otherhelper{cell_name}")
    today = timezone.localdate()
    objects.update(
        volunteer=volunteer,
        other_volunteer=other_volunteer,
        user_volunteer=volunteer.user,
        time_off=TimeOffFactory(volunteer=volunteer, starts_on=today + datetime.timedelta(days=30)),
        other_time_off=TimeOffFactory(volunteer=other_volunteer, starts_on=today + datetime.timedelta(days=30)),
    )

    now = timezone.now()
    for index, key in enumerate(REQUEST_KEYS):
        health, phone, surname = (
            health_sentinel(cell_name, index),
            phone_sentinel(cell_name, index),
            surname_sentinel(cell_name, index),
        )
        resident = ResidentFactory(
            cell=cell,
            first_name=f"First{cell_name}{index:02d}",
            last_name=surname,
            phone=phone,
            health_notes=health,
            area=covered if key in HUB_AREA_REQUESTS else outside,
            shielding=True,
            mental_health=True,
        )
        world.residents.append((resident, health, phone, surname))
        status = Status.NEW
        if key.endswith("pending") or key in ("req_other_vol", "req_ref_other_org", "req_flagged_offered"):
            status = Status.OFFERED
        extra: dict[str, Any] = {}
        if key.endswith("accepted"):
            status = Status.ASSIGNED
            extra["assigned_at"] = now
        if key == "req_out":
            extra["logged_by"] = objects[f"user_{Role.HUB_COORDINATOR}"]
        if key == "req_referred_up":
            extra.update(referring_organisation=shared_org, channel="referral")
        support_request = SupportRequestFactory(
            cell=cell,
            resident=resident,
            reference=f"MX{cell_name}-{index:03d}",  # the form of a real reference (ABC-D23)
            status=status,
            safeguarding=key in FLAGGED_REQUESTS,
            categories=[category],
            **extra,
        )
        objects[key] = support_request
        world.requests.append(support_request)
        objects[f"res_{key[4:]}"] = resident
        EventFactory(request=support_request, note=f"Timeline note {cell_name}{index:02d}")

        helper: dict[str, Any] = {}
        if key.startswith("req_vol"):
            helper = {"volunteer": volunteer}
        elif key in ("req_other_vol", "req_flagged_offered"):
            helper = {"volunteer": other_volunteer}
        elif key.startswith("req_ref_"):
            organisation = own_org if key == "req_ref_other_org" else shared_org
            helper = {"volunteer": None, "organisation": organisation}
        if helper:
            accepted = key.endswith("accepted")
            objects[f"offer_{key[4:]}"] = OfferFactory(
                request=support_request,
                state=OfferState.ACCEPTED if accepted else OfferState.PENDING,
                responded_at=now if accepted else None,
                expires_at=None if accepted else now + datetime.timedelta(hours=4),
                **helper,
            )


def build_world() -> World:
    """Two cells built alike (every key exists in both), one organisation that is a partner of both, the
    shared vocabulary, and a signed-in client for each role."""
    world = World()
    category = NeedCategoryFactory(slug="shopping", name="Shopping")
    shared_org = OrganisationFactory(name="Shared partner organisation")
    world.shared.update(
        shared_org=shared_org, category=category, skill=SkillFactory(slug="matrix-skill"), area_shared=WardFactory()
    )
    for cell_name in ("A", "B"):
        _cell_world(world, cell_name, shared_org, category)

    for role in ROLES:
        home = "B" if role == OTHER_CELL_COORDINATOR else "A"
        user_key = {OTHER_CELL_COORDINATOR: f"user_{Role.COORDINATOR}", VOLUNTEER: "user_volunteer"}.get(
            role, f"user_{role}"
        )
        user = world.get(home, user_key) if role != ANONYMOUS else None
        client = Client()
        if user is not None and role == VOLUNTEER:
            client.force_login(user)
        elif user is not None:
            sign_in_verified(client, user)
        world.actors[role] = Actor(
            role=role, home=home, user=user, client=client, cookies=copy.deepcopy(client.cookies)
        )
    return world


# Gates: who passes the door of a route ----------------------------------------------------------------------

PASS = "pass"
SIGNIN = "signin"  # a page sends someone not signed in to sign in
VOLUNTEER_SIGNIN = "volunteer-signin"
HOME = "home"  # a page sends a signed-in person without the right to their own front page
UNAUTHENTICATED = "unauthenticated"  # the API: 401 (or 403) for nobody signed in
FORBIDDEN = "forbidden"  # the API: 403 for a signed-in caller without the right


class NoRule(LookupError):
    """The matrix does not know how to read this route's gate."""


def _has_perm(actor: Actor, view: Any, method: str) -> bool:
    perm = (getattr(view, "action_perms", {}) or {}).get(getattr(view, "action", None)) or getattr(
        view, "required_perm", None
    )
    return actor.authenticated if perm is None else actor.principal.can(perm)


def _vocabulary(actor: Actor, view: Any, method: str) -> bool:
    # Any staff member reads the shared vocabulary, a volunteer too where the view says so (the skills they
    # choose for themselves); a cell administrator changes it.
    principal = actor.principal
    if method not in SAFE:
        return principal.can(Perm.CELL_CONFIGURE)
    return principal.is_staff_member or (getattr(view, "volunteers_read", False) and actor.volunteer is not None)


# What each DRF permission class means, in the policy's words. A class missing here fails the meta-test:
# add its rule (a new permission class must say who it lets through).
PERMISSION_RULES: dict[str, Callable[[Actor, Any, str], bool]] = {
    "rest_framework.permissions.AllowAny": lambda actor, view, method: True,
    "rest_framework.permissions.IsAuthenticated": lambda actor, view, method: actor.authenticated,
    "config.api.HasPerm": _has_perm,
    "config.api.IsStaffMember": lambda actor, view, method: actor.principal.is_staff_member,
    "config.api.VocabularyPermission": _vocabulary,
    "config.api.IsSuperuser": lambda actor, view, method: actor.principal.is_superuser,
}


class _FakeRequest:
    def __init__(self, method: str, user: Any) -> None:
        self.method = method
        self.user = user


def drf_view(route: Route, method: str, user: Any = None) -> Any:
    """The DRF view as it stands for one method: its action set, before any request is handled."""
    callback: Any = route.callback
    view = callback.cls(**callback.initkwargs)
    view.action_map = getattr(callback, "actions", None) or {}
    view.action = drf_action(route, method)
    view.request = _FakeRequest(method, user)
    view.args, view.kwargs, view.format_kwarg = (), {}, None
    return view


def drf_permission_names(route: Route, method: str) -> list[str]:
    view = drf_view(route, method)
    return [f"{type(permission).__module__}.{type(permission).__qualname__}" for permission in view.get_permissions()]


def gate(route: Route, method: str, actor: Actor) -> str:
    """Whether ``actor`` passes the route's door for ``method``, read from the view's own declarations."""
    callback: Any = route.callback
    if route.is_drf:
        view = drf_view(route, method, actor.user)
        for permission in view.get_permissions():
            name = f"{type(permission).__module__}.{type(permission).__qualname__}"
            if name not in PERMISSION_RULES:
                raise NoRule(f"{route.template}: no rule for the permission class {name}")
            if not PERMISSION_RULES[name](actor, view, method):
                return FORBIDDEN if actor.authenticated else UNAUTHENTICATED
        return PASS
    if hasattr(callback, "required_perm"):
        if not actor.authenticated:
            return SIGNIN
        perm = callback.required_perm
        allowed = actor.principal.can(perm) if perm is not None else actor.principal.is_staff_member
        return PASS if allowed else HOME
    if getattr(callback, "for_volunteers", False):
        if not actor.authenticated:
            return VOLUNTEER_SIGNIN
        return PASS if actor.volunteer is not None else HOME
    raise NoRule(f"{route.template} ({route.name}): the view carries no gate the matrix can read")


def has_gate(route: Route) -> bool:
    try:
        for method in route_methods(route) or METHODS:
            gate(route, method, Actor(role=ANONYMOUS, home="A"))
    except NoRule:
        return False
    return True


# Targets: which row a path parameter names, and which scope of the policy reaches it -------------------------


def _access(module: Any, name: str) -> Callable[..., QuerySet[Any]]:
    """A scope of the access policy, looked up when used (the API's scopes arrive with the API)."""
    return getattr(module, name)  # type: ignore[no-any-return]


def _scoped(module: Any, name: str, default: str) -> Callable[[Actor, Perm | None], QuerySet[Any]]:
    """``name``'s scope for the right the action needs (``default``, a ``Perm`` member's name, without one)."""
    return lambda actor, perm: _access(module, name)(actor.principal, perm or Perm[default])


def _helpline_cells(actor: Actor) -> set[int]:
    return actor.principal.cell_ids(Perm.REQUEST_CREATE)


def _status_visible(actor: Actor, perm: Perm | None) -> QuerySet[SupportRequest]:
    principal = actor.principal
    return request_access.requests_visible(principal) | request_access.requests_logged_by(principal)


def _helper_offers(actor: Actor) -> QuerySet[Offer]:
    return request_access.referrals_visible(actor.principal) | request_access.volunteer_offers(actor.volunteer)


def _api_offers(actor: Actor, perm: Perm | None) -> QuerySet[Offer]:
    return request_access.offers_visible(actor.principal, Perm.REQUEST_WORK) | _helper_offers(actor)


@dataclass(frozen=True)
class Target:
    """What a route's path (or query) parameter names: rows of the world (``keys``, tried in order), the value
    to put in the URL (``value``), the scope that reaches them (``reach``: outside it, a 404), and for some
    actions a narrower scope (``act``: seen but not worked on, a 403 in the API)."""

    keys: tuple[str, ...]
    reach: Callable[[Actor, Perm | None], QuerySet[Any]]
    param: str = "pk"
    value: Callable[[Model], str] = lambda row: str(row.pk)
    act: Callable[[Actor, str | None], QuerySet[Any] | None] = lambda actor, action: None
    query: str | None = None  # the parameter goes in the query string (``?pick=12``), not the path
    other_cell: bool = True  # False for rows no cell owns (the shared vocabulary)


def _by_reference(row: Model) -> str:
    return str(row.reference)


_REQUESTS_WORKED = Target(
    REQUEST_KEYS, lambda actor, perm: request_access.requests_visible(actor.principal, Perm.REQUEST_WORK)
)
_REFERRALS = Target(OFFER_KEYS, lambda actor, perm: request_access.referrals_visible(actor.principal))
_OWN_OFFERS = Target(OFFER_KEYS, lambda actor, perm: request_access.volunteer_offers(actor.volunteer))
_DATA_RIGHTS = Target(
    RESIDENT_KEYS, lambda actor, perm: request_access.residents_visible(actor.principal, Perm.RESIDENT_DATA_RIGHTS)
)

_WORK_ACTIONS = frozenset(
    {"triage", "match", "candidates", "offer", "assign", "escalate", "complete", "cancel", "signpost", "notes"}
)


def _request_act(actor: Actor, action: str | None) -> QuerySet[Any] | None:
    if action in _WORK_ACTIONS:
        return request_access.requests_visible(actor.principal, Perm.REQUEST_WORK)
    return None


def _resident_act(actor: Actor, action: str | None) -> QuerySet[Any] | None:
    if action in ("update", "partial_update"):
        return request_access.residents_visible(actor.principal, Perm.REQUEST_CREATE)
    return None


def _offer_act(actor: Actor, action: str | None) -> QuerySet[Any] | None:
    if action in ("accept", "decline", "complete", "release"):
        return _helper_offers(actor)
    if action == "withdraw":
        return request_access.offers_visible(actor.principal, Perm.REQUEST_WORK)
    return None


# Pages by URL name, API resources by router basename.
TARGETS: dict[str, Target] = {
    "triage:request": _REQUESTS_WORKED,
    "triage:ranking": _REQUESTS_WORKED,
    "triage:helpers": _REQUESTS_WORKED,
    "triage:action": _REQUESTS_WORKED,
    "helpline:logged": Target(REQUEST_KEYS, _status_visible, param="reference", value=_by_reference),
    "helpline:status": Target(REQUEST_KEYS, _status_visible, param="reference", value=_by_reference, query="reference"),
    "helpline:pick": Target(
        RESIDENT_KEYS,
        lambda actor, perm: request_access.residents_visible(actor.principal).filter(
            cell_id__in=_helpline_cells(actor)
        ),
        param="pick",
        query="pick",
    ),
    "partner:referral": _REFERRALS,
    "partner:accept": _REFERRALS,
    "partner:decline": _REFERRALS,
    "partner:complete": _REFERRALS,
    "partner:release": _REFERRALS,
    "partner:accepting": Target(
        ("shared_org", "own_org"),
        lambda actor, perm: Organisation.objects.filter(pk__in=actor.principal.organisation_ids()),
    ),
    "volunteer:offer": _OWN_OFFERS,
    "volunteer:accept": _OWN_OFFERS,
    "volunteer:decline": _OWN_OFFERS,
    "volunteer:done": _OWN_OFFERS,
    "volunteer:release": _OWN_OFFERS,
    "volunteers:time_off_remove": Target(
        ("time_off", "other_time_off"), lambda actor, perm: TimeOff.objects.filter(volunteer=actor.volunteer)
    ),
    "audit:resident": _DATA_RIGHTS,
    "audit:export": _DATA_RIGHTS,
    "audit:erase": _DATA_RIGHTS,
    # The API (config/api_urls.py): each viewset's scope for the right its action needs.
    "resident": Target(
        RESIDENT_KEYS, lambda actor, perm: request_access.residents_visible(actor.principal), act=_resident_act
    ),
    "request": Target(
        REQUEST_KEYS, lambda actor, perm: request_access.requests_visible(actor.principal), act=_request_act
    ),
    "offer": Target(OFFER_KEYS, _api_offers, act=_offer_act),
    "cell": Target(("cell",), _scoped(partner_access, "cells_visible", "CELL_VIEW")),
    "hub": Target(("hub",), _scoped(partner_access, "hubs_visible", "CELL_VIEW")),
    "organisation": Target(("shared_org", "own_org"), _scoped(partner_access, "organisations_visible", "CELL_VIEW")),
    "cell-partner": Target(
        ("cellpartner_shared", "cellpartner_own"), _scoped(partner_access, "cell_partners_visible", "CELL_VIEW")
    ),
    "user": Target(
        tuple(f"user_{role}" for role in STAFF_ROLES), _scoped(partner_access, "staff_visible", "CELL_CONFIGURE")
    ),
    "membership": Target(
        tuple(f"membership_{role}" for role in STAFF_ROLES),
        _scoped(partner_access, "memberships_visible", "CELL_CONFIGURE"),
    ),
    "volunteer": Target(
        ("volunteer", "other_volunteer"), _scoped(volunteer_access, "volunteers_visible", "VOLUNTEER_VIEW")
    ),
    # Shared vocabulary: no cell owns an area, a category or a skill, so there is no other cell's id to try.
    "area": Target(("area_shared",), lambda actor, perm: Area.objects.all(), other_cell=False),
    "category": Target(("category",), lambda actor, perm: NeedCategory.objects.all(), other_cell=False),
    "skill": Target(("skill",), lambda actor, perm: Skill.objects.all(), other_cell=False),
}


# Query strings that make a list page show rows, so that what it shows is checked too.
LIST_QUERIES = {
    "helpline:lookup": "q=Surnamesentinel",
    "audit:residents": "q=Surnamesentinel",
    "helpline:postcode": "postcode=HX1+1AA",
}


def triage_actions() -> tuple[str, ...]:
    """The actions of the triage request page, from the view's own table."""
    from requests.views.triage import ACTIONS

    return tuple(ACTIONS)


# Variants: a route whose path names an action (triage/<pk>/<action>/) is one route per action.
VARIANTS: dict[str, Callable[[], tuple[str, ...]]] = {"triage:action": triage_actions}


# Routes whose rule is not a right held in a cell --------------------------------------------------------------


@dataclass(frozen=True)
class Explicit:
    """``expected(actor, method)``: the statuses the route may answer, and where a redirect goes (a URL name)."""

    expected: Callable[[Actor, str], tuple[tuple[int, ...], str | None]]
    why: str


def _home(actor: Actor, method: str) -> tuple[tuple[int, ...], str | None]:
    # The front door sends each person to the page their role works in (requests/views/home.py), in this order.
    principal = actor.principal
    if not actor.authenticated:
        return (302,), "signin"
    for perm, target in (
        (Perm.REQUEST_WORK, "triage:queue"),
        (Perm.REQUEST_CREATE, "helpline:call"),
        (Perm.REFERRAL_RESPOND, "partner:inbox"),
        (Perm.STATS_VIEW, "dashboard:overview"),
    ):
        if principal.can(perm):
            return (302,), target
    if actor.volunteer is not None:
        return (302,), "volunteer:home"
    return (302,), "signin"


def _volunteer_me(actor: Actor, method: str) -> tuple[tuple[int, ...], str | None]:
    # volunteers/me/: anyone signed in passes the door; only a volunteer has a record there, anyone else 404.
    if not actor.authenticated:
        return (401, 403), None
    if actor.volunteer is None:
        return (404,), None
    return (200, 400), None


EXPLICIT: dict[str, Explicit] = {
    "home": Explicit(_home, "redirects each role to its page; no right of its own"),
    "volunteer-me-me": Explicit(_volunteer_me, "the caller's own volunteer record; no id, no right"),
}


# Open to anyone: signing in and out, and the API's description. What each answers someone not signed in,
# for a GET; signed in, and for other methods, they must only never fail or leak.
PUBLIC: dict[str, tuple[int, ...]] = {
    "signin": (200,),
    "signin-two-factor": (302,),  # no password given yet: back to the first step
    "signin-two-factor-setup": (302,),
    "signout": (200, 302),
    "signout-everywhere": (200, 302),
    "volunteers:signin": (200,),
    "volunteers:signin-sent": (200,),
    "volunteers:magic-link": (410,),  # an unknown or used link is gone, and says so
    "api-schema": (200,),
    "api-docs": (200,),
    "api-redoc": (200,),
}


# Expectations -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One request of the matrix: who, how, where, and what the policy says should come back."""

    label: str  # "coordinator POST /api/v1/requests/{other-cell id}/escalate/"
    method: str
    url: str
    outcome: str  # "allow", "not-found", "forbidden" (API, seen but not acted on), a gate's denial, "not-allowed"
    row: Model | None = None


def _side_label(route: Route, target: Target | None, side: str, variant: str | None) -> str:
    path = route.template.replace("{action}", variant) if variant else route.template
    if target is not None:
        placeholder = {
            "own": "{own-cell id}",
            "own-outside": "{own-cell id outside scope}",
            "other": "{other-cell id}",
        }[side]
        if target.query:
            return f"{path}?{target.query}={placeholder}"
        else:
            path = path.replace("{" + target.param + "}", placeholder)
    return path


def target_for(route: Route) -> Target | None:
    if route.name in TARGETS:
        return TARGETS[route.name]
    if route.is_drf and route.basename in TARGETS and route.params:
        return TARGETS[route.basename]
    return None


def probes(world: World, route: Route, method: str, actor: Actor, variant: str | None = None) -> list[Probe]:
    """The requests that check one route for one method and one role: a row of its own cell in its scope (or
    the first row, when none is), one of its own cell outside its scope where the world has one, and the
    same row of the other cell."""
    answered = method in route_methods(route)
    door = gate(route, method, actor)
    target = target_for(route)
    who = f"{actor.role} {method}"
    action = drf_action(route, method) if route.is_drf else None
    perm = _action_perm(route, method)
    kwargs = {name: FIXED_VALUES[name] for name in route.params if name in FIXED_VALUES}
    if variant is not None:
        kwargs["action"] = variant

    def outcome_for(row: Model | None) -> str:
        if not answered:
            return "not-allowed"
        if door != PASS:
            return door
        if row is None or target is None:
            return "allow"
        if not target.reach(actor, perm).filter(pk=row.pk).exists():
            return "not-found"
        narrower = target.act(actor, action)
        if narrower is not None and not narrower.filter(pk=row.pk).exists():
            return "forbidden"
        return "allow"

    def probe(side: str, row: Model | None, key: str = "") -> Probe:
        path_kwargs, query = dict(kwargs), LIST_QUERIES.get(route.name, "")
        if row is not None and target is not None:
            if target.query:
                query = f"{target.query}={target.value(row)}"
            else:
                path_kwargs[target.param] = target.value(row)
        url = reverse(route.name, kwargs=path_kwargs)
        label = f"{who} {_side_label(route, target, side, variant)}" + (f" ({key})" if key else "")
        return Probe(label, method, f"{url}?{query}" if query else url, outcome_for(row), row)

    if target is None:
        return [probe("own", None)]
    if not answered and target.other_cell:
        # A method the route does not answer is refused before any row is looked up, whoever asks and whatever
        # the id: one request, with the other cell's id.
        away_keys = [key for key in target.keys if world.own(actor.away, key) is not None]
        return [probe("other", world.get(actor.away, away_keys[0]))]
    home_keys = [key for key in target.keys if world.get(actor.home, key) is not None]
    reach = target.reach(actor, perm) if door == PASS else None
    inside = [key for key in home_keys if reach is not None and reach.filter(pk=world.get(actor.home, key).pk).exists()]
    outside = [key for key in home_keys if key not in inside]
    own_key = inside[0] if inside else home_keys[0]
    # A read is tried on every row in scope (what it shows depends on the row: an accepted offer shows the
    # resident's phone); a write on the first.
    own_keys = inside if method in SAFE and inside else [own_key]
    found = [probe("own", world.get(actor.home, key), key) for key in own_keys]
    if inside and outside:
        found.append(probe("own-outside", world.get(actor.home, outside[0]), outside[0]))
    if target.other_cell:
        # The same row of the other cell, or (for a row only one cell has, like the shared partner) its first.
        away_keys = [key for key in target.keys if world.own(actor.away, key) is not None]
        twin_key = own_key if own_key in away_keys else away_keys[0]
        found.append(probe("other", world.get(actor.away, twin_key), twin_key))
    return found


def _action_perm(route: Route, method: str) -> Perm | None:
    if not route.is_drf:
        return getattr(route.callback, "required_perm", None)
    view = drf_view(route, method)
    perm: Perm | None = (getattr(view, "action_perms", {}) or {}).get(view.action) or getattr(
        view, "required_perm", None
    )
    return perm


# Running a probe -----------------------------------------------------------------------------------------------

WRITE_SQL = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# A request may always touch its own session (the idle timeout notes the last activity).
SESSION_TABLES = frozenset({"django_session"})
COUNTED = (AuditEntry, Event, Offer, SupportRequest, Resident, Volunteer, Membership, Organisation, TimeOff)


class Rollback(Exception):
    pass


@dataclass
class Answer:
    url: str
    status: int
    location: str
    body: str
    content_type: str
    writes: list[str]
    said: bool  # the view left a message for the next page (the gates never do)
    counts_before: tuple[int, ...]
    counts_after: tuple[int, ...]

    @property
    def audited(self) -> bool:
        """The request wrote to the audit log."""
        return AuditEntry._meta.db_table in self.writes


def _counts() -> tuple[int, ...]:
    """The row counts of ``COUNTED``, in one query (it runs twice for every refused request)."""
    quote = connection.ops.quote_name
    counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(model._meta.db_table)})" for model in COUNTED)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return tuple(cursor.fetchone())


def send(
    actor: Actor, probe: Probe, route: Route, inspect: Callable[[Answer], list[str]], body: str = "{}"
) -> list[str]:
    """Sends the probe inside a savepoint that is rolled back, so that every probe meets the same world."""
    client = actor.client
    assert client is not None
    client.cookies = copy.deepcopy(actor.cookies)
    problems: list[str] = []
    try:
        with transaction.atomic():
            before = _counts()
            kwargs: dict[str, Any] = {}
            if route.is_drf and probe.method not in SAFE:
                kwargs = {"data": body, "content_type": "application/json"}
            elif probe.method in ("PUT", "PATCH", "DELETE"):
                kwargs = {"data": "", "content_type": "application/x-www-form-urlencoded"}
            with CaptureQueriesContext(connection) as queries:
                response = getattr(client, probe.method.lower())(probe.url, **kwargs)
            writes = []
            for query in queries.captured_queries:
                match = WRITE_SQL.match(query["sql"])
                if match and match.group(1) not in SESSION_TABLES:
                    writes.append(match.group(1))
            body = b"".join(response.streaming_content) if response.streaming else response.content
            answer = Answer(
                url=probe.url,
                status=response.status_code,
                location=response.get("Location", ""),
                body=body.decode("utf-8", "replace"),
                content_type=response.get("Content-Type", ""),
                writes=writes,
                said=bool(response.cookies.get("messages") and response.cookies["messages"].value),
                counts_before=before,
                counts_after=_counts(),
            )
            problems = inspect(answer)
            raise Rollback
    except Rollback:
        pass
    return problems


def json_body(answer: Answer) -> Any:
    if "json" not in answer.content_type:
        return None
    try:
        return json.loads(answer.body)
    except ValueError:
        return None


def names_a_field(answer: Answer, route: Route) -> bool:
    """A refusal of the input that says which field is at fault."""
    data = json_body(answer)
    if route.is_api:
        return isinstance(data, dict) and isinstance(data.get("errors"), dict) and bool(data["errors"])
    return "govuk-error-message" in answer.body or "govuk-error-summary" in answer.body


def keys_in(data: Any) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield key, value, data
            yield from keys_in(value)
    elif isinstance(data, list):
        for item in data:
            yield from keys_in(item)


def digits(text: str) -> str:
    return re.sub(r"[\s\-()]", "", text)


# Ids of another cell in a request's body ----------------------------------------------------------------------

# Rows that belong to one cell. (Areas, categories and skills are shared; an organisation may be a partner of
# several cells, and a cell administrator may partner with one another cell already works with.)
CELL_OWNED: tuple[type[Model], ...] = (ResponseCell, Hub, Resident, SupportRequest, Volunteer, Offer, Membership)


def _serializers_of(route: Route, method: str) -> list[Any]:
    """The serializer a write's body goes through, as the view's schema documents it."""
    view = drf_view(route, method)
    handler = getattr(type(view), view.action, None) if getattr(view, "action", None) else None
    schema = (getattr(handler, "kwargs", None) or {}).get("schema") or view.schema  # an action's own, or the view's
    schema = schema() if isinstance(schema, type) else schema
    schema.view, schema.method, schema.path = view, method, "/" + route.pattern
    documented = schema.get_request_serializer()
    serializer = type(documented) if isinstance(documented, BaseSerializer) else documented
    return [serializer] if isinstance(serializer, type) and issubclass(serializer, BaseSerializer) else []


def body_references(route: Route, method: str) -> list[tuple[str, type[Model], bool]]:
    """(field, model, many) for each writable field of a write's body that names a row one cell owns."""
    references: dict[str, tuple[str, type[Model], bool]] = {}
    for serializer_class in _serializers_of(route, method):
        for name, field_ in serializer_class().fields.items():
            if field_.read_only:
                continue
            many = isinstance(field_, ManyRelatedField)
            relation = field_.child_relation if many else field_
            if not isinstance(relation, RelatedField):
                continue
            model = getattr(relation, "model", None) or getattr(relation.queryset, "model", None)
            if model in CELL_OWNED:
                references[name] = (name, model, many)
    return list(references.values())


def row_of(world: World, cell: str, model: type[Model]) -> Any:
    """A row of ``model`` that belongs to ``cell``."""
    return next(row for row in world.objects[cell].values() if isinstance(row, model))
