"""Filters for lists of organisations, cell partners, hubs with their operators, staff users and memberships.
The lists are already limited to what the caller may see; these only narrow them."""

from typing import Any

import django_filters as filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from hubs.filters import HubFilter, IdFilter
from hubs.models import Hub, LevelOfNeed
from partners.models import CellPartner, Membership, Organisation


class OrganisationFilter(filters.FilterSet):
    kind = filters.MultipleChoiceFilter(choices=Organisation.Kind.choices)
    tier = filters.MultipleChoiceFilter(choices=LevelOfNeed.choices)
    category = IdFilter(field_name="categories", help_text=_("Offers this category."))
    area = IdFilter(field_name="areas", help_text=_("Serves this area."))
    cell = IdFilter(field_name="cell_partnerships__cell_id", help_text=_("A partner of this cell."))
    q = filters.CharFilter(method="filter_q", help_text=_("Part of the name, contact, email or postcode."))

    class Meta:
        model = Organisation
        fields = ["kind", "tier", "accepting_referrals", "constituted", "category", "area", "cell", "q"]

    def filter_q(self, queryset: QuerySet[Organisation], name: str, value: str) -> QuerySet[Organisation]:
        return queryset.filter(
            Q(name__icontains=value)
            | Q(contact_name__icontains=value)
            | Q(email__icontains=value)
            | Q(postcode__icontains=value)
        )


class CellPartnerFilter(filters.FilterSet):
    cell = IdFilter(field_name="cell_id")
    organisation = IdFilter(field_name="organisation_id")
    role = filters.MultipleChoiceFilter(choices=CellPartner.Role.choices)
    relationship = filters.MultipleChoiceFilter(choices=CellPartner.Relationship.choices)

    class Meta:
        model = CellPartner
        fields = ["cell", "organisation", "role", "relationship"]


class HubWithOperatorFilter(HubFilter):
    operator = IdFilter(field_name="operator__organisation_id", help_text=_("Run by this organisation."))

    class Meta(HubFilter.Meta):
        model = Hub
        fields = [*HubFilter.Meta.fields, "operator"]


class StaffUserFilter(filters.FilterSet):
    cell = IdFilter(method="filter_cell", help_text=_("Holds a role in this cell."))
    role = filters.ChoiceFilter(choices=Membership.Role.choices, method="filter_role", help_text=_("Holds this role."))
    q = filters.CharFilter(method="filter_q", help_text=_("Part of the username, name or email."))

    class Meta:
        model = get_user_model()
        fields = ["is_active", "cell", "role", "q"]

    def filter_cell(self, queryset: QuerySet[Any], name: str, value: int) -> QuerySet[Any]:
        return queryset.filter(pk__in=Membership.objects.filter(cell_id=value).values("user_id"))

    def filter_role(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(pk__in=Membership.objects.filter(role=value).values("user_id"))

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(
            Q(username__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(email__icontains=value)
        )


class MembershipFilter(filters.FilterSet):
    cell = IdFilter(field_name="cell_id")
    user = IdFilter(field_name="user_id")
    hub = IdFilter(field_name="hub_id")
    organisation = IdFilter(field_name="organisation_id")
    role = filters.MultipleChoiceFilter(choices=Membership.Role.choices)

    class Meta:
        model = Membership
        fields = ["cell", "user", "role", "hub", "organisation", "is_active"]
