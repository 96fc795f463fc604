"""Filters for the list of volunteers (already limited to the cells the caller may see)."""

import django_filters as filters
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from hubs.filters import IdFilter, IdsFilter
from hubs.models import DbsLevel
from volunteers.models import Transport, Volunteer
from volunteers.serializers import PARTS_OF_DAY, WEEKDAYS

SLOTS = [(f"{day}-{part}", f"{day} {part}") for day in WEEKDAYS for part in PARTS_OF_DAY]


class VolunteerFilter(filters.FilterSet):
    cell = IdFilter(field_name="cell_id")
    status = filters.MultipleChoiceFilter(choices=Volunteer.Status.choices)
    transport = filters.MultipleChoiceFilter(choices=Transport.choices)
    skill = IdsFilter(method="filter_skills", help_text=_("Has every skill named, e.g. 3,7."))
    area = IdFilter(field_name="area_id", help_text=_("Lives in this area."))
    affiliation = IdFilter(
        field_name="affiliation_links__organisation_id", help_text=_("Affiliated with this organisation.")
    )
    dbs_level_min = filters.ChoiceFilter(
        choices=DbsLevel.choices,
        field_name="dbs_level",
        lookup_expr="gte",
        help_text=_("Holds at least this DBS level."),
    )
    available_in = filters.ChoiceFilter(
        choices=SLOTS, method="filter_available_in", help_text=_("Usually free then, e.g. monday-morning.")
    )
    q = filters.CharFilter(method="filter_q", help_text=_("Part of the name, email or phone number."))

    class Meta:
        model = Volunteer
        fields = [
            "cell",
            "status",
            "transport",
            "skill",
            "area",
            "affiliation",
            "available_now",
            "postcode_known",
            "dbs_level_min",
            "available_in",
            "q",
        ]

    def filter_skills(self, queryset: QuerySet[Volunteer], name: str, value: list[int]) -> QuerySet[Volunteer]:
        for skill in value:
            queryset = queryset.filter(skills=skill)
        return queryset

    def filter_available_in(self, queryset: QuerySet[Volunteer], name: str, value: str) -> QuerySet[Volunteer]:
        day, part = value.split("-")
        bit = 1 << (WEEKDAYS.index(day) * 3 + PARTS_OF_DAY.index(part))
        return queryset.alias(slot=F("availability").bitand(bit)).filter(slot=bit)

    def filter_q(self, queryset: QuerySet[Volunteer], name: str, value: str) -> QuerySet[Volunteer]:
        return queryset.filter(
            Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(email__icontains=value)
            | Q(phone__icontains=value)
        )
