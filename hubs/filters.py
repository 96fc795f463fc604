"""Filters for lists of areas, the shared vocabulary, response cells and hubs."""

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from config.api import MAX_ID
from config.errors import DomainError
from hubs.models import Area, CoordinationModel, Hub, NeedCategory, ResponseCell, Skill
from hubs.postcodes import normalise_postcode
from hubs.selectors import area_for_postcode, area_ids_within


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """The id of a row: a whole number that a row could have (a larger one would overflow SQLite)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class IdsFilter(filters.BaseCSVFilter, IdFilter):
    """Ids separated by commas: "3,7"."""


class AreaFilter(filters.FilterSet):
    kind = filters.MultipleChoiceFilter(choices=Area.Kind.choices)
    parent = IdFilter(field_name="parent_id", help_text=_("Areas directly within this one."))
    within = IdFilter(method="filter_within", help_text=_("This area and every area inside it."))
    cell = IdFilter(field_name="cells", help_text=_("Areas a response cell covers."))
    code = filters.CharFilter(lookup_expr="iexact")
    q = filters.CharFilter(method="filter_q", help_text=_("Part of the name or code."))
    covers = filters.CharFilter(method="filter_covers", help_text=_("The area covering this postcode."))

    class Meta:
        model = Area
        fields = ["kind", "parent", "within", "cell", "code", "q", "covers"]

    def filter_within(self, queryset: QuerySet[Area], name: str, value: int) -> QuerySet[Area]:
        return queryset.filter(pk__in=area_ids_within([int(value)]))

    def filter_q(self, queryset: QuerySet[Area], name: str, value: str) -> QuerySet[Area]:
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))

    def filter_covers(self, queryset: QuerySet[Area], name: str, value: str) -> QuerySet[Area]:
        try:
            area = area_for_postcode(normalise_postcode(value, field=name))
        except DomainError as error:
            raise ValidationError({name: [error.message]}) from error
        return queryset.filter(pk=area.pk) if area is not None else queryset.none()


class SkillFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", help_text=_("Part of the name, slug or description."))

    class Meta:
        model = Skill
        fields = ["slug", "q"]

    def filter_q(self, queryset: QuerySet[Skill], name: str, value: str) -> QuerySet[Skill]:
        return queryset.filter(Q(name__icontains=value) | Q(slug__icontains=value) | Q(description__icontains=value))


class NeedCategoryFilter(filters.FilterSet):
    default_level = filters.MultipleChoiceFilter(choices=NeedCategory._meta.get_field("default_level").choices)
    required_skill = IdFilter(field_name="required_skills", help_text=_("Requires this skill."))
    q = filters.CharFilter(method="filter_q", help_text=_("Part of the name, slug or description."))

    class Meta:
        model = NeedCategory
        fields = ["slug", "default_level", "requires_safeguarding_training", "required_skill", "q"]

    def filter_q(self, queryset: QuerySet[NeedCategory], name: str, value: str) -> QuerySet[NeedCategory]:
        return queryset.filter(Q(name__icontains=value) | Q(slug__icontains=value) | Q(description__icontains=value))


class ResponseCellFilter(filters.FilterSet):
    coordination_model = filters.MultipleChoiceFilter(choices=CoordinationModel.choices)

    class Meta:
        model = ResponseCell
        fields = ["coordination_model", "is_active", "auto_offer"]


class HubFilter(filters.FilterSet):
    cell = IdFilter(field_name="cell_id")
    kind = filters.MultipleChoiceFilter(choices=Hub.Kind.choices)
    area = IdFilter(field_name="areas", help_text=_("Hubs covering this area."))
    q = filters.CharFilter(method="filter_q", help_text=_("Part of the name, address or postcode."))

    class Meta:
        model = Hub
        fields = ["cell", "kind", "is_active", "area", "q"]

    def filter_q(self, queryset: QuerySet[Hub], name: str, value: str) -> QuerySet[Hub]:
        return queryset.filter(Q(name__icontains=value) | Q(address__icontains=value) | Q(postcode__icontains=value))
