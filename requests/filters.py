"""Filters over residents and requests, shared by the pages (triage queue, helpline lookup) and the API.

A FilterSet only narrows a queryset the access policy already scoped (``requests.access``); it never
widens it. Invalid filter values are reported by field (``filterset.errors``), never raised.
"""

import re
from typing import Any

import django_filters
from django import forms
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Replace
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from hubs.models import Area, Hub, LevelOfNeed, NeedCategory, ResponseCell
from hubs.postcodes import InvalidPostcode, normalise_postcode
from hubs.selectors import area_ids_within
from requests.models import OPEN_STATUSES, Offer, OfferState, Resident, Status, SupportRequest, Urgency
from volunteers.models import phone_digits as stored_phone_digits

_DIGITS = re.compile(r"\D+")
# The largest id a database integer column holds: a larger number is refused as invalid, not sent to SQL.
MAX_ID = 2**63 - 1


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number within what the database holds."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.STR)
class SlugsFilter(django_filters.ModelMultipleChoiceFilter):
    """Rows by the slugs of a vocabulary, given once each: ``?category=shopping&category=prescription``."""


def urgency_rank() -> Case:
    """Urgency as a number to sort by, most urgent (today) first."""
    order = [Urgency.TODAY, Urgency.WITHIN_48_HOURS, Urgency.THIS_WEEK, Urgency.ROUTINE]
    return Case(
        *[When(urgency=value, then=Value(rank)) for rank, value in enumerate(order)],
        default=Value(len(order)),
        output_field=IntegerField(),
    )


# Sort orders of the queue: each ends in the id, so an order is total and a cursor can keep its place.
# Descending urgency or level keeps the soonest due first among equals.
REQUEST_ORDERINGS: dict[str, tuple[tuple[str, ...], Any]] = {
    "due_by": (("due_by", "id"), _("due soonest first")),
    "-due_by": (("-due_by", "-id"), _("due latest first")),
    "created_at": (("created_at", "id"), _("oldest first")),
    "-created_at": (("-created_at", "-id"), _("newest first")),
    "urgency": (("urgency_rank", "due_by", "id"), _("most urgent first")),
    "-urgency": (("-urgency_rank", "due_by", "id"), _("least urgent first")),
    "level": (("level", "due_by", "id"), _("lowest level of need first")),
    "-level": (("-level", "due_by", "id"), _("highest level of need first")),
}


def digits_only(field: str) -> Any:
    """A database expression for a phone number without the separators people type, the "+" of "+44"
    included: the volunteers' sign-in expression (whose index it must not change), less the plus sign."""
    return Replace(stored_phone_digits(field), Value("+"), Value(""))


def phone_digits(value: str) -> str:
    """A phone number reduced to its digits, with +44 read as 0, for matching however it was typed."""
    digits = _DIGITS.sub("", value or "")
    if digits.startswith("44") and len(digits) > 10:
        digits = "0" + digits[2:]
    return digits


class ResidentFilter(django_filters.FilterSet):
    """``q``: a name, a phone number or a postcode, as an operator types it during a call."""

    q = django_filters.CharFilter(label=_("Name, phone or postcode"), method="filter_q", max_length=100)
    postcode = django_filters.CharFilter(label=_("Postcode"), method="filter_postcode", max_length=10)
    phone = django_filters.CharFilter(label=_("Phone"), method="filter_phone", max_length=30)

    class Meta:
        model = Resident
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Resident], name: str, value: str) -> QuerySet[Resident]:
        value = value.strip()
        if not value:
            return queryset
        digits = phone_digits(value)
        if len(digits) >= 6 and len(digits) >= len(value.replace(" ", "")) - 2:
            return self.filter_phone(queryset, name, value)
        compact = value.replace(" ", "").upper()
        if re.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]?\d?[A-Z]{0,2}", compact) and any(c.isdigit() for c in compact):
            return self.filter_postcode(queryset, name, value)
        words = value.split()
        condition = Q()
        for word in words[:4]:
            condition &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        return queryset.filter(condition)

    def filter_postcode(self, queryset: QuerySet[Resident], name: str, value: str) -> QuerySet[Resident]:
        compact = value.replace(" ", "").upper()
        if not compact:
            return queryset
        try:
            return queryset.filter(postcode=normalise_postcode(value))
        except InvalidPostcode:  # a partial postcode, while typing: match its start
            if len(compact) > 4:
                return queryset.filter(postcode__startswith=f"{compact[:-3]} {compact[-3:]}")
            return queryset.filter(postcode__startswith=compact)

    def filter_phone(self, queryset: QuerySet[Resident], name: str, value: str) -> QuerySet[Resident]:
        digits = phone_digits(value)
        if len(digits) < 4:
            return queryset.none()
        # Phones are kept as typed: compare digits only, and the last ten so that +44 7700... finds 07700...
        queryset = queryset.annotate(phone_digits=digits_only("phone"))
        if len(digits) >= 10:
            return queryset.filter(phone_digits__endswith=digits[-10:])
        return queryset.filter(phone_digits__contains=digits)


# Yes / no / either, for a flag that narrows a list only when asked to.
_EITHER = [("", _("Either")), ("true", _("Yes")), ("false", _("No"))]

# The triage page's sort choices, each one of the API's orderings.
SORTS: dict[str, str] = {
    "due": "due_by",
    "urgency": "urgency",
    "level": "-level",
    "newest": "-created_at",
    "oldest": "created_at",
}
SORT_CHOICES = [
    ("due", _("Due soonest")),
    ("urgency", _("Most urgent")),
    ("level", _("Highest level of need")),
    ("newest", _("Logged most recently")),
    ("oldest", _("Logged longest ago")),
]


class SupportRequestFilter(django_filters.FilterSet):
    """The triage queue's filters; also the API's. ``sort`` orders the rows (due soonest when absent).

    Pass ``cells`` to offer only the areas and hubs of those cells as choices (a filter form lists them,
    and a choice from another cell is then reported as invalid rather than matching nothing)."""

    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=Status.choices, widget=forms.CheckboxSelectMultiple
    )
    open = django_filters.BooleanFilter(label=_("Open"), method="filter_open")
    urgency = django_filters.MultipleChoiceFilter(
        label=_("Urgency"), choices=Urgency.choices, widget=forms.CheckboxSelectMultiple
    )
    category = SlugsFilter(
        label=_("Need"),
        to_field_name="slug",
        queryset=NeedCategory.objects.all(),
        method="filter_category",
        widget=forms.CheckboxSelectMultiple,
    )
    level = django_filters.MultipleChoiceFilter(
        label=_("Level of need"), choices=LevelOfNeed.choices, widget=forms.CheckboxSelectMultiple
    )
    area = django_filters.ModelChoiceFilter(
        label=_("Area"), queryset=Area.objects.all(), method="filter_area", empty_label=_("All areas")
    )
    hub = django_filters.ModelChoiceFilter(
        label=_("Hub"), queryset=Hub.objects.all(), method="filter_hub", empty_label=_("All hubs")
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"), method="filter_overdue", widget=forms.Select(choices=_EITHER)
    )
    safeguarding = django_filters.BooleanFilter(label=_("Safeguarding concern"), widget=forms.Select(choices=_EITHER))
    reference = django_filters.CharFilter(label=_("Reference"), method="filter_reference", max_length=12)
    resident = IdFilter(label=_("Resident"), field_name="resident_id")
    # The page's sort names; the API's ``ordering`` (SupportRequestApiFilter) says the same in its terms.
    sort = django_filters.ChoiceFilter(label=_("Sort by"), choices=SORT_CHOICES, method="filter_sort", empty_label=None)

    class Meta:
        model = SupportRequest
        fields: list[str] = []

    def __init__(self, *args: Any, cells: QuerySet[ResponseCell] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if cells is not None:
            # The areas of the cells, the localities and wards below them included (three levels deep).
            in_cells = Q(cells__in=cells) | Q(parent__cells__in=cells) | Q(parent__parent__cells__in=cells)
            self.filters["area"].queryset = Area.objects.filter(pk__in=Area.objects.filter(in_cells).values("pk"))
            self.filters["hub"].queryset = Hub.objects.filter(cell__in=cells, is_active=True)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return self.filter_queryset_except(queryset)

    def filter_queryset_except(self, queryset: QuerySet[Any], *names: str) -> QuerySet[Any]:
        """Apply every filter but ``names``: the triage queue counts requests per status under the
        other filters. Call after ``is_valid()``."""
        for name, value in self.form.cleaned_data.items():
            if name not in names:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_category(self, queryset: QuerySet[SupportRequest], name: str, value: Any) -> QuerySet:
        """Requests with any of the needs, each once: a subquery, not a join that repeats rows to undo."""
        if not value:
            return queryset
        through = SupportRequest.categories.through
        chosen = through.objects.filter(supportrequest_id=OuterRef("pk"), needcategory__in=list(value))
        return queryset.filter(Exists(chosen))

    def filter_open(self, queryset: QuerySet[SupportRequest], name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        condition = Q(status__in=sorted(OPEN_STATUSES))
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_area(self, queryset: QuerySet[SupportRequest], name: str, value: Area | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(resident__area_id__in=area_ids_within([value.pk]))

    def filter_hub(self, queryset: QuerySet[SupportRequest], name: str, value: Hub | None) -> QuerySet:
        if value is None:
            return queryset
        covered = area_ids_within(value.areas.values_list("pk", flat=True))
        return queryset.filter(cell_id=value.cell_id, resident__area_id__in=covered)

    def filter_overdue(self, queryset: QuerySet[SupportRequest], name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        condition = Q(status__in=sorted(OPEN_STATUSES), due_by__lt=timezone.now())
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_reference(self, queryset: QuerySet[SupportRequest], name: str, value: str) -> QuerySet:
        compact = value.strip().upper().replace(" ", "").replace("-", "")
        if not compact:
            return queryset
        if len(compact) == 6:
            return queryset.filter(reference=f"{compact[:3]}-{compact[3:]}")
        return queryset.filter(reference__icontains=value.strip().upper())

    def filter_sort(self, queryset: QuerySet[SupportRequest], name: str, value: str) -> QuerySet:
        return self.filter_ordering(queryset, name, SORTS.get(value, SORTS["due"]))

    def filter_ordering(self, queryset: QuerySet[SupportRequest], name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        fields = REQUEST_ORDERINGS[value][0]
        if any(field.lstrip("-") == "urgency_rank" for field in fields):
            queryset = queryset.annotate(urgency_rank=urgency_rank())
        return queryset.order_by(*fields)


class SupportRequestApiFilter(SupportRequestFilter):
    """The API's filters: the same, sorted by ``ordering`` (each order ends in the id, so the cursor of a
    page keeps its place) instead of the page's ``sort``."""

    sort = None
    ordering = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=[(key, label) for key, (_fields, label) in REQUEST_ORDERINGS.items()],
        method="filter_ordering",
        empty_label=None,
    )


class OfferFilter(django_filters.FilterSet):
    """Offers and referrals: by state, by kind of helper, by request."""

    KIND_CHOICES = [("volunteer", _("offer to a volunteer")), ("organisation", _("referral to an organisation"))]

    state = django_filters.MultipleChoiceFilter(label=_("State"), choices=OfferState.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=KIND_CHOICES, method="filter_kind")
    request = IdFilter(label=_("Request"), field_name="request_id")

    class Meta:
        model = Offer
        fields: list[str] = []

    def filter_kind(self, queryset: QuerySet[Offer], name: str, value: str) -> QuerySet[Offer]:
        if value == "volunteer":
            return queryset.filter(volunteer__isnull=False)
        if value == "organisation":
            return queryset.filter(organisation__isnull=False)
        return queryset


def open_request_count() -> Coalesce:
    """For annotating residents: how many open requests they have (``already known, 2 open requests``). A
    subquery, so that it counts every open request whatever joins the access scope added to the query."""
    counted = (
        SupportRequest.objects.filter(resident=OuterRef("pk"), status__in=sorted(OPEN_STATUSES))
        .order_by()
        .values("resident")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
