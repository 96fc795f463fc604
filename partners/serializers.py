"""How organisations, their place in cells, hubs with their operators, staff users and memberships look in
the API, and what a write may carry. Every id a write names is checked against what the caller may use
(``partners.access``), so an id from another cell is "does not exist"; the rules are the services'."""

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api import IdRelatedField, ModelSerializer, OnlyCellDefault, VisibleRelatedField
from hubs.models import Area, Hub, NeedCategory, ResponseCell
from hubs.serializers import HubSerializer
from partners.access import (
    Perm,
    Principal,
    cell_partners_visible,
    cells_visible,
    hubs_visible,
    memberships_visible,
    organisations_visible,
    principal_for,
    staff_visible,
)
from partners.models import CellPartner, Membership, Organisation

User = get_user_model()


def _configurable_cells(principal: Principal) -> Any:
    return cells_visible(principal, Perm.CELL_CONFIGURE)


def _configurable_hubs(principal: Principal) -> Any:
    return hubs_visible(principal, Perm.CELL_CONFIGURE)


def _configurable_organisations(principal: Principal) -> Any:
    return organisations_visible(principal, Perm.CELL_CONFIGURE)


def _principal(serializer: serializers.Field | serializers.BaseSerializer) -> Principal:
    request = serializer.context.get("request")
    return principal_for(request.user if request is not None else None)


def cell_field(**kwargs: Any) -> VisibleRelatedField:
    """The cell a new row belongs to: one the caller administers, by default the only one."""
    return VisibleRelatedField(
        scope=_configurable_cells,
        model=ResponseCell,
        default=OnlyCellDefault(),
        help_text=_("A cell you administer; may be left out when you administer only one."),
        **kwargs,
    )


# Organisations -----------------------------------------------------------------------------------------


class PartnershipSerializer(ModelSerializer):
    """An organisation's place in one cell, as the organisation's record shows it."""

    class Meta:
        model = CellPartner
        fields = ["id", "cell", "role", "relationship", "joined_on"]
        read_only_fields = fields


class OrganisationSerializer(ModelSerializer):
    categories = IdRelatedField(
        queryset=NeedCategory.objects.all(), many=True, required=False, help_text=_("The kinds of help it offers.")
    )
    areas = IdRelatedField(queryset=Area.objects.all(), many=True, required=False, help_text=_("The areas it serves."))
    languages = serializers.ListField(
        child=serializers.CharField(max_length=8),
        max_length=50,
        required=False,
        help_text=_('ISO 639 codes besides English, e.g. ["pl", "ur"].'),
    )
    postcode = serializers.CharField(max_length=16, required=False, allow_blank=True)
    cells = serializers.SerializerMethodField(help_text=_("Its place in the cells you can see."))

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "kind",
            "tier",
            "constituted",
            "charity_number",
            "categories",
            "areas",
            "capacity",
            "accepting_referrals",
            "languages",
            "contact_name",
            "email",
            "phone",
            "website",
            "postcode",
            "latitude",
            "longitude",
            "created_at",
            "cells",
        ]
        read_only_fields = ["latitude", "longitude", "created_at"]
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}}

    @extend_schema_field(PartnershipSerializer(many=True))
    def get_cells(self, organisation: Organisation) -> Any:
        partnerships = getattr(organisation, "visible_partnerships", None)
        if partnerships is None:
            partnerships = cell_partners_visible(_principal(self)).filter(organisation=organisation)
        return PartnershipSerializer(partnerships, many=True).data


class OrganisationCreateSerializer(OrganisationSerializer):
    cell = cell_field(write_only=True)
    role = serializers.ChoiceField(
        choices=CellPartner.Role.choices, default=CellPartner.Role.PARTNER, write_only=True, help_text=_("In the cell.")
    )
    relationship = serializers.ChoiceField(
        choices=CellPartner.Relationship.choices,
        default=CellPartner.Relationship.INTEGRATED,
        write_only=True,
        help_text=_("To the cell; an arm's-length group is signposted to, never assigned work."),
    )

    class Meta(OrganisationSerializer.Meta):
        fields = [*OrganisationSerializer.Meta.fields, "cell", "role", "relationship"]


# Cell partners -----------------------------------------------------------------------------------------


class CellPartnerSerializer(ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = CellPartner
        fields = ["id", "cell", "organisation", "organisation_name", "role", "relationship", "joined_on"]
        read_only_fields = ["cell", "organisation", "joined_on"]
        validators: list[Any] = []


class CellPartnerCreateSerializer(CellPartnerSerializer):
    cell = cell_field()
    organisation = VisibleRelatedField(
        scope=organisations_visible, model=Organisation, help_text=_("An organisation you can see.")
    )

    class Meta(CellPartnerSerializer.Meta):
        read_only_fields = ["joined_on"]


# Hubs --------------------------------------------------------------------------------------------------


class OperatorField(VisibleRelatedField):
    """Which organisation runs the hub, by id; null when nobody is named."""

    def get_attribute(self, instance: Hub) -> Organisation | None:
        operator = getattr(instance, "operator", None)
        return operator.organisation if operator is not None else None


class HubWithOperatorSerializer(HubSerializer):
    operator = OperatorField(
        scope=organisations_visible,
        model=Organisation,
        allow_null=True,
        required=False,
        help_text=_("The organisation that runs the hub: a partner of the hub's cell."),
    )
    operator_name = serializers.SerializerMethodField()

    class Meta(HubSerializer.Meta):
        fields = [*HubSerializer.Meta.fields, "operator", "operator_name"]

    def get_operator_name(self, hub: Hub) -> str | None:
        operator = getattr(hub, "operator", None)
        return operator.organisation.name if operator is not None else None


class HubCreateSerializer(HubWithOperatorSerializer):
    cell = cell_field()

    class Meta(HubWithOperatorSerializer.Meta):
        read_only_fields = ["latitude", "longitude"]


# Staff users and memberships ---------------------------------------------------------------------------


class MembershipSerializer(ModelSerializer):
    """A role someone holds in a cell. Only whether it is active can change; to change the role itself, add
    the new one and remove the old."""

    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "username", "cell", "role", "organisation", "hub", "is_active", "created_at"]
        read_only_fields = ["user", "cell", "role", "organisation", "hub", "created_at"]
        validators: list[Any] = []


class RoleSerializer(serializers.Serializer):
    """A role to give: in a cell you administer; a hub coordinator names a hub of that cell, a partner
    contact an organisation that is the cell's partner."""

    cell = cell_field()
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    organisation = VisibleRelatedField(
        scope=_configurable_organisations, model=Organisation, allow_null=True, required=False
    )
    hub = VisibleRelatedField(scope=_configurable_hubs, model=Hub, allow_null=True, required=False)


class MembershipCreateSerializer(RoleSerializer):
    user = VisibleRelatedField(
        scope=staff_visible, model=User, help_text=_("Someone who already holds a role in a cell you administer.")
    )


class StaffUserSerializer(ModelSerializer):
    password = serializers.CharField(
        write_only=True,
        required=False,
        max_length=128,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text=_("A new password, checked against the password rules."),
    )
    memberships = serializers.SerializerMethodField(help_text=_("Their roles in the cells you administer."))

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "password",
            "memberships",
            "last_login",
            "date_joined",
        ]
        read_only_fields = ["username", "last_login", "date_joined"]
        extra_kwargs: dict[str, Any] = {"email": {"required": False, "allow_blank": False}}

    @extend_schema_field(MembershipSerializer(many=True))
    def get_memberships(self, user: Any) -> Any:
        memberships = getattr(user, "visible_memberships", None)
        if memberships is None:
            memberships = memberships_visible(_principal(self)).filter(user=user).select_related("user")
        return MembershipSerializer(memberships, many=True).data


class StaffUserCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField(max_length=254)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=128,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text=_("Optional: without one the account cannot sign in by password until one is set."),
    )
    # many=True makes a ListSerializer, which takes max_length (the stubs do not know it).
    memberships = RoleSerializer(many=True, allow_empty=False, max_length=50, help_text=_("At least one role."))  # type: ignore[call-arg]
