"""The API of everything that belongs to one cell and is not a person in need: the response cells themselves,
their hubs (and which organisation runs each), organisations and their place in each cell, and staff
users with their roles.

Every list and every id goes through the access policy (``partners.access``): a row of a cell where the
caller holds no role does not exist for them (404). Members of a cell read its settings, hubs and
partners; its administrators change them; only a deployment administrator opens a new cell. A cell
administrator gives roles in their own cells only, and changes no account that also works elsewhere.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions
from rest_framework.routers import BaseRouter

from config.api import HasPerm, IsSuperuser
from config.viewsets import ServiceViewSet
from hubs import services as hub_services
from hubs.filters import ResponseCellFilter
from hubs.models import Hub, ResponseCell
from hubs.serializers import ResponseCellSerializer
from partners import services
from partners.access import (
    Perm,
    cell_partners_visible,
    cells_visible,
    hubs_visible,
    memberships_visible,
    organisations_visible,
    staff_visible,
)
from partners.filters import (
    CellPartnerFilter,
    HubWithOperatorFilter,
    MembershipFilter,
    OrganisationFilter,
    StaffUserFilter,
)
from partners.models import CellPartner, Membership, Organisation
from partners.serializers import (
    CellPartnerCreateSerializer,
    CellPartnerSerializer,
    HubCreateSerializer,
    HubWithOperatorSerializer,
    MembershipCreateSerializer,
    MembershipSerializer,
    OrganisationCreateSerializer,
    OrganisationSerializer,
    StaffUserCreateSerializer,
    StaffUserSerializer,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_WRITES = dict.fromkeys(("create", "partial_update", "update", "destroy"), Perm.CELL_CONFIGURE)


class ResponseCellViewSet(ServiceViewSet):
    """Response cells: the caller's own. Their administrators set the coordination model, areas, policy and
    scoring weights; a deployment administrator opens cells and switches them on or off."""

    serializer_class = ResponseCellSerializer
    permission_classes = [permissions.IsAuthenticated, HasPerm]
    required_perm = Perm.CELL_VIEW
    action_perms = {"partial_update": Perm.CELL_CONFIGURE}
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_class = ResponseCellFilter
    ordering_fields = ["id", "name", "created_at"]
    ordering = ["name"]

    def get_permissions(self) -> Sequence[Any]:
        if self.action == "create":
            return [permissions.IsAuthenticated(), IsSuperuser()]
        return super().get_permissions()

    def get_queryset(self) -> QuerySet[ResponseCell]:
        return cells_visible(self.principal, self.action_perm() or Perm.CELL_VIEW).prefetch_related("areas")

    def create_object(self, data: dict[str, Any]) -> ResponseCell:
        return hub_services.cell_create(**data)

    def update_object(self, instance: ResponseCell, data: dict[str, Any]) -> ResponseCell:
        if "is_active" in data and data["is_active"] != instance.is_active and not self.principal.is_superuser:
            raise exceptions.PermissionDenied(_("Only a deployment administrator switches a cell on or off."))
        return hub_services.cell_update(cell=instance, **data)


class HubViewSet(ServiceViewSet):
    """Community hubs: distribution points and coordination units, the areas each covers, and who runs it."""

    serializer_class = HubWithOperatorSerializer
    create_serializer_class = HubCreateSerializer
    permission_classes = [permissions.IsAuthenticated, HasPerm]
    required_perm = Perm.CELL_VIEW
    action_perms = _WRITES
    filterset_class = HubWithOperatorFilter
    ordering_fields = ["id", "name"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Hub]:
        return (
            hubs_visible(self.principal, self.action_perm() or Perm.CELL_VIEW)
            .select_related("cell", "operator__organisation")
            .prefetch_related("areas")
        )

    @transaction.atomic
    def create_object(self, data: dict[str, Any]) -> Hub:
        operator = data.pop("operator", None)
        hub = hub_services.hub_create(**data)
        services.hub_operator_set(hub=hub, operator=operator)
        return hub

    @transaction.atomic
    def update_object(self, instance: Hub, data: dict[str, Any]) -> Hub:
        has_operator = "operator" in data
        operator = data.pop("operator", None)
        hub = hub_services.hub_update(hub=instance, **data)
        if has_operator:
            services.hub_operator_set(hub=hub, operator=operator)
        return self.get_queryset().get(pk=hub.pk)  # as it now stands, operator included

    def delete_object(self, instance: Hub) -> None:
        hub_services.hub_delete(hub=instance)


class OrganisationViewSet(ServiceViewSet):
    """Organisations: what each offers, at which tier, where, with what capacity, and whether it is taking
    referrals now. A new one joins the cell it is created in."""

    serializer_class = OrganisationSerializer
    create_serializer_class = OrganisationCreateSerializer
    permission_classes = [permissions.IsAuthenticated, HasPerm]
    required_perm = Perm.CELL_VIEW
    action_perms = _WRITES
    filterset_class = OrganisationFilter
    ordering_fields = ["id", "name", "tier", "capacity", "created_at"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Organisation]:
        principal = self.principal
        partnerships = cell_partners_visible(principal).order_by("cell_id")
        return organisations_visible(principal, self.action_perm() or Perm.CELL_VIEW).prefetch_related(
            "categories", "areas", Prefetch("cell_partnerships", queryset=partnerships, to_attr="visible_partnerships")
        )

    def create_object(self, data: dict[str, Any]) -> Organisation:
        return services.organisation_create(**data)

    def update_object(self, instance: Organisation, data: dict[str, Any]) -> Organisation:
        return services.organisation_update(
            organisation=instance, actor_cells=self.actor_cells(), actor=self.request.user, **data
        )

    def delete_object(self, instance: Organisation) -> None:
        services.organisation_delete(organisation=instance, actor_cells=self.actor_cells())


class CellPartnerViewSet(ServiceViewSet):
    """An organisation's place in a cell: its role (lead, statutory safety net, partner) and its relationship
    (integrated, supported, arm's length)."""

    serializer_class = CellPartnerSerializer
    create_serializer_class = CellPartnerCreateSerializer
    permission_classes = [permissions.IsAuthenticated, HasPerm]
    required_perm = Perm.CELL_VIEW
    action_perms = _WRITES
    filterset_class = CellPartnerFilter
    ordering_fields = ["id", "joined_on"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet[CellPartner]:
        return cell_partners_visible(self.principal, self.action_perm() or Perm.CELL_VIEW).select_related(
            "organisation", "cell"
        )

    def create_object(self, data: dict[str, Any]) -> CellPartner:
        return services.cell_partner_create(**data)

    def update_object(self, instance: CellPartner, data: dict[str, Any]) -> CellPartner:
        return services.cell_partner_update(partner=instance, **data)

    def delete_object(self, instance: CellPartner) -> None:
        services.cell_partner_delete(partner=instance)


class StaffUserViewSet(ServiceViewSet):
    """Staff accounts of the cells the caller administers, with their roles there. An account is created with
    at least one role; it is deactivated, never deleted, so that what it did stays attributed."""

    serializer_class = StaffUserSerializer
    create_serializer_class = StaffUserCreateSerializer
    permission_classes = [permissions.IsAuthenticated, HasPerm]
    required_perm = Perm.CELL_CONFIGURE
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_class = StaffUserFilter
    ordering_fields = ["id", "username", "last_name", "date_joined"]
    ordering = ["username"]

    def get_queryset(self) -> QuerySet[Any]:
        principal = self.principal
        memberships = memberships_visible(principal).select_related("user").order_by("cell_id", "role", "id")
        return staff_visible(principal).prefetch_related(
            Prefetch("memberships", queryset=memberships, to_attr="visible_memberships")
        )

    def create_object(self, data: dict[str, Any]) -> Any:
        return services.staff_user_create(**data)

    def update_object(self, instance: Any, data: dict[str, Any]) -> Any:
        return services.staff_user_update(
            user=instance, actor=cast("User", self.request.user), actor_cells=self.actor_cells(), **data
        )


class MembershipViewSet(ServiceViewSet):
    """Roles in the cells the caller administers: give one, suspend or restore it, take it away. A cell always
    keeps one active administrator."""

    serializer_class = MembershipSerializer
    create_serializer_class = MembershipCreateSerializer
    permission_classes = [permissions.IsAuthenticated, HasPerm]
    required_perm = Perm.CELL_CONFIGURE
    filterset_class = MembershipFilter
    ordering_fields = ["id", "created_at"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet[Membership]:
        return memberships_visible(self.principal).select_related("user", "cell")

    def create_object(self, data: dict[str, Any]) -> Membership:
        return services.membership_create(**data)

    def update_object(self, instance: Membership, data: dict[str, Any]) -> Membership:
        if "is_active" not in data:
            return instance
        return services.membership_update(membership=instance, is_active=data["is_active"])

    def delete_object(self, instance: Membership) -> None:
        services.membership_delete(membership=instance)


def register(router: BaseRouter) -> None:
    router.register("cells", ResponseCellViewSet, basename="cell")
    router.register("hubs", HubViewSet, basename="hub")
    router.register("organisations", OrganisationViewSet, basename="organisation")
    router.register("cell-partners", CellPartnerViewSet, basename="cell-partner")
    router.register("users", StaffUserViewSet, basename="user")
    router.register("memberships", MembershipViewSet, basename="membership")
