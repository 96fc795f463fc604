"""The access policy: what each role may do, and where. Pages and the API both ask this module.

A staff user's rights come from their active memberships (``partners.Membership``): each grants one
role in one response cell, scoped to a hub (hub coordinator) or an organisation (partner contact).
``ROLE_PERMISSIONS`` is the single table of which role holds which permission; the layers above turn
a permission and its grants into querysets (``requests.access``, ``volunteers.access``), so a right
is stated once and enforced the same way by a page and by the API. Cells are separate tenants: a
grant in one cell says nothing about another.
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from hubs.models import Hub, ResponseCell
from hubs.selectors import areas_covered_by_hubs
from partners.models import CellPartner, Membership, Organisation

Role = Membership.Role


class Perm(StrEnum):
    """A right, held through a role in a cell."""

    CELL_VIEW = "cell.view"  # know the cell: its settings, hubs and partner organisations
    CELL_CONFIGURE = "cell.configure"  # set up areas, vocabulary, organisations, hubs, volunteers, users, policy
    AUDIT_VIEW = "audit.view"  # read the cell's audit log
    RESIDENT_DATA_RIGHTS = "resident.data_rights"  # export everything held about a resident; erase one
    RESIDENT_SEARCH = "resident.search"  # find residents by name, phone or postcode
    RESIDENT_HEALTH = "resident.health"  # read health and vulnerability notes
    REQUEST_CREATE = "request.create"  # log a call or a request
    REQUEST_VIEW = "request.view"  # see requests and their status
    REQUEST_WORK = "request.work"  # triage, rank, offer, assign, escalate, complete, cancel, add notes
    STATS_VIEW = "stats.view"  # the dashboard and statistics
    VOLUNTEER_VIEW = "volunteer.view"  # read the cell's volunteer records
    REFERRAL_RESPOND = "referral.respond"  # an organisation's inbox: accept, decline, outcome, refer up, pause


ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.CELL_ADMIN: frozenset(
        {
            Perm.CELL_VIEW,
            Perm.CELL_CONFIGURE,
            Perm.AUDIT_VIEW,
            Perm.RESIDENT_DATA_RIGHTS,
            Perm.RESIDENT_SEARCH,
            Perm.REQUEST_VIEW,
            Perm.STATS_VIEW,
            Perm.VOLUNTEER_VIEW,
        }
    ),
    Role.COORDINATOR: frozenset(
        {
            Perm.CELL_VIEW,
            Perm.RESIDENT_SEARCH,
            Perm.RESIDENT_HEALTH,
            Perm.REQUEST_CREATE,
            Perm.REQUEST_VIEW,
            Perm.REQUEST_WORK,
            Perm.STATS_VIEW,
            Perm.VOLUNTEER_VIEW,
        }
    ),
    # A coordinator for the areas their hub covers (the scope is applied by the layers above).
    Role.HUB_COORDINATOR: frozenset(
        {
            Perm.CELL_VIEW,
            Perm.RESIDENT_SEARCH,
            Perm.RESIDENT_HEALTH,
            Perm.REQUEST_CREATE,
            Perm.REQUEST_VIEW,
            Perm.REQUEST_WORK,
            Perm.STATS_VIEW,
            Perm.VOLUNTEER_VIEW,
        }
    ),
    # Logs calls, finds residents, sees where a request stands; no health notes read back.
    Role.HELPLINE_OPERATOR: frozenset({Perm.CELL_VIEW, Perm.RESIDENT_SEARCH, Perm.REQUEST_CREATE, Perm.REQUEST_VIEW}),
    # Sees only what was referred to their organisation, and refers residents up to the cell.
    Role.PARTNER_CONTACT: frozenset({Perm.CELL_VIEW, Perm.REFERRAL_RESPOND}),
    # Works the safeguarding-flagged requests of the cell, notes included.
    Role.SAFEGUARDING_LEAD: frozenset(
        {
            Perm.CELL_VIEW,
            Perm.RESIDENT_SEARCH,
            Perm.RESIDENT_HEALTH,
            Perm.REQUEST_VIEW,
            Perm.REQUEST_WORK,
            Perm.STATS_VIEW,
        }
    ),
}

# Roles whose work is the whole cell's requests; the hub coordinator and the safeguarding lead see a part.
WHOLE_CELL_ROLES = frozenset({Role.CELL_ADMIN, Role.COORDINATOR, Role.HELPLINE_OPERATOR})


@dataclass(frozen=True)
class Grant:
    """One active membership: a role in a cell, with its hub or organisation where the role has one."""

    cell_id: int
    role: str
    hub_id: int | None = None
    organisation_id: int | None = None

    @property
    def permissions(self) -> frozenset[Perm]:
        return ROLE_PERMISSIONS.get(self.role, frozenset())


@dataclass(frozen=True)
class Principal:
    """Who is asking, as the policy sees them. Build it with ``principal_for``."""

    user_id: int | None
    is_superuser: bool = False
    grants: tuple[Grant, ...] = ()
    # The areas each set of hubs covers, read once per principal (one per signed-in request): every query
    # a page or endpoint scopes would otherwise walk the area tree again.
    _hub_areas: dict[tuple[int, ...], set[int]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_staff_member(self) -> bool:
        """Holds a role in some cell (volunteers hold none)."""
        return self.is_superuser or bool(self.grants)

    def grants_with(self, perm: Perm, cell_id: int | None = None) -> list[Grant]:
        return [
            grant
            for grant in self.grants
            if perm in grant.permissions and (cell_id is None or grant.cell_id == cell_id)
        ]

    def can(self, perm: Perm, cell_id: int | None = None) -> bool:
        """Holds ``perm`` in that cell (or, without a cell, in any)."""
        return self.is_superuser or bool(self.grants_with(perm, cell_id))

    def cell_ids(self, perm: Perm) -> set[int]:
        """The cells where the permission is held. Meaningless for a superuser, who holds it everywhere:
        use ``cell_filter`` to build querysets."""
        return {grant.cell_id for grant in self.grants_with(perm)}

    def cell_filter(self, perm: Perm, field: str = "cell") -> Q:
        """A filter for rows of the cells where ``perm`` is held (``field`` leads to the row's cell)."""
        if self.is_superuser:
            return Q()
        cells = self.cell_ids(perm)
        return Q(**{f"{field}__in": sorted(cells)}) if cells else Q(pk__in=[])

    def hub_area_ids(self, perm: Perm, cell_id: int) -> set[int] | None:
        """The areas a hub-scoped grant covers in a cell, or None when a whole-cell grant applies."""
        if self.is_superuser:
            return None
        grants = self.grants_with(perm, cell_id)
        if any(grant.role in WHOLE_CELL_ROLES for grant in grants):
            return None
        hubs = tuple(sorted({grant.hub_id for grant in grants if grant.hub_id is not None}))
        if not hubs:
            return set()
        if hubs not in self._hub_areas:
            self._hub_areas[hubs] = areas_covered_by_hubs(hubs)
        return set(self._hub_areas[hubs])

    def organisation_ids(self, perm: Perm = Perm.REFERRAL_RESPOND) -> set[int]:
        return {grant.organisation_id for grant in self.grants_with(perm) if grant.organisation_id is not None}


ANONYMOUS = Principal(user_id=None)


def principal_for(user: Any) -> Principal:
    """The policy's view of a user, read once per user object (one query) and kept on it."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return ANONYMOUS
    cached = getattr(user, "_access_principal", None)
    if cached is not None:
        return cached
    grants = tuple(
        Grant(cell_id=cell_id, role=role, hub_id=hub_id, organisation_id=organisation_id)
        for cell_id, role, hub_id, organisation_id in Membership.objects.filter(
            user_id=user.pk, is_active=True, cell__is_active=True
        ).values_list("cell_id", "role", "hub_id", "organisation_id")
    )
    principal = Principal(user_id=user.pk, is_superuser=bool(user.is_superuser), grants=grants)
    user._access_principal = principal
    return principal


# What each permission reaches, as querysets over this app's rows and the cells' own. --------------------


def cells_visible(principal: Principal, perm: Perm = Perm.CELL_VIEW) -> QuerySet[ResponseCell]:
    """The response cells where the principal holds ``perm``."""
    return ResponseCell.objects.filter(principal.cell_filter(perm, field="pk"))


def hubs_visible(principal: Principal, perm: Perm = Perm.CELL_VIEW) -> QuerySet[Hub]:
    return Hub.objects.filter(principal.cell_filter(perm))


def cell_partners_visible(principal: Principal, perm: Perm = Perm.CELL_VIEW) -> QuerySet[CellPartner]:
    return CellPartner.objects.filter(principal.cell_filter(perm))


def organisations_visible(principal: Principal, perm: Perm = Perm.CELL_VIEW) -> QuerySet[Organisation]:
    """Organisations that are partners of the cells where ``perm`` is held (for a deployment administrator,
    every organisation, including one that is no cell's partner yet)."""
    if principal.is_superuser:
        return Organisation.objects.all()
    partnerships = CellPartner.objects.filter(principal.cell_filter(perm)).values("organisation_id")
    return Organisation.objects.filter(pk__in=partnerships)


def memberships_visible(principal: Principal, perm: Perm = Perm.CELL_CONFIGURE) -> QuerySet[Membership]:
    return Membership.objects.filter(principal.cell_filter(perm))


def staff_visible(principal: Principal, perm: Perm = Perm.CELL_CONFIGURE) -> QuerySet[Any]:
    """Staff accounts holding a role, active or not, in the cells where ``perm`` is held. An account that
    holds no role anywhere (a volunteer's sign-in) is nobody's staff."""
    return get_user_model().objects.filter(pk__in=memberships_visible(principal, perm).values("user_id"))
