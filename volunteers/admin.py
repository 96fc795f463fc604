"""Admin for volunteers, their affiliations and time off.

Weekly availability is stored as a 21-bit mask (see ``volunteers.models``); here it is edited as a grid
of day and part-of-day checkboxes and shown as a short summary ("Mon all day, Tue am").
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hubs.admin import PostcodeLocatedAdmin, PostcodeLocatedForm
from hubs.selectors import ResolvedPostcode
from volunteers.models import ALL_WEEK, Affiliation, MagicLink, PartOfDay, TimeOff, Volunteer, availability_bit

DAY_NAMES = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday"))
DAY_ABBREVIATIONS = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
PART_ABBREVIATIONS = {
    PartOfDay.MORNING: _("am"),
    PartOfDay.AFTERNOON: _("pm"),
    PartOfDay.EVENING: _("eve"),
}


def _slot(weekday: int, part: int) -> int:
    """The index of a day-and-part slot: the position of its bit in the mask."""
    return availability_bit(weekday, part).bit_length() - 1


def availability_slots(mask: int) -> list[int]:
    return [
        _slot(weekday, part) for weekday in range(7) for part in PartOfDay if mask & availability_bit(weekday, part)
    ]


def describe_availability(mask: int) -> str:
    """``mask`` in words: "every day, all day", "not available", or e.g. "Mon all day, Tue am, Tue eve"."""
    if mask & ALL_WEEK == ALL_WEEK:
        return gettext("every day, all day")
    if not mask & ALL_WEEK:
        return gettext("not available")
    phrases = []
    for weekday, day in enumerate(DAY_ABBREVIATIONS):
        parts = [part for part in PartOfDay if mask & availability_bit(weekday, part)]
        if len(parts) == len(PartOfDay):
            phrases.append(gettext("%(day)s all day") % {"day": day})
        else:
            phrases.extend(
                gettext("%(day)s %(part)s") % {"day": day, "part": PART_ABBREVIATIONS[PartOfDay(part)]}
                for part in parts
            )
    return ", ".join(phrases)


AVAILABILITY_CHOICES = [
    (day, [(_slot(weekday, part), part.label) for part in PartOfDay]) for weekday, day in enumerate(DAY_NAMES)
]


class VolunteerAdminForm(PostcodeLocatedForm):
    availability_slots = forms.TypedMultipleChoiceField(
        label=_("Weekly availability"),
        choices=AVAILABILITY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("When the volunteer is usually free. Leave all unticked if they are not."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["availability_slots"].initial = availability_slots(self.instance.availability or 0)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned_data = self.cleaned_data
        # The mask is not a form field, so setting it on the instance here is what gets saved.
        if "availability_slots" in cleaned_data:
            self.instance.availability = sum(1 << slot for slot in set(cleaned_data["availability_slots"]))
        return cleaned_data


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    fields = ["organisation", "recruited_by"]
    autocomplete_fields = ["organisation"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("organisation")


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    fields = ["starts_on", "ends_on", "reason"]
    extra = 0


@admin.register(Volunteer)
class VolunteerAdmin(PostcodeLocatedAdmin):
    form = VolunteerAdminForm
    list_display = [
        "__str__",
        "cell",
        "status",
        "postcode",
        "transport",
        "dbs_level",
        "available_now",
        "availability_summary",
        "last_assigned_at",
    ]
    list_filter = ["status", "cell", "transport", "dbs_level", "available_now", "postcode_known", "skills"]
    list_select_related = ["cell"]
    search_fields = ["first_name", "last_name", "email", "phone", "postcode"]
    ordering = ["last_name", "first_name", "id"]
    date_hierarchy = "joined_on"
    autocomplete_fields = ["user"]
    filter_horizontal = ["skills"]
    readonly_fields = [
        "postcode_known",
        "latitude",
        "longitude",
        "grid",
        "area",
        "availability_summary",
        "last_assigned_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["cell", "status", "first_name", "last_name", "email", "phone", "user", "joined_on"]}),
        (
            _("Where"),
            {
                "fields": [
                    "postcode",
                    "postcode_known",
                    "area",
                    "latitude",
                    "longitude",
                    "grid",
                    "travel_radius_km",
                    "transport",
                ]
            },
        ),
        (_("What they can do"), {"fields": ["skills", "languages", "weekly_task_cap"]}),
        (
            _("When"),
            {"fields": ["availability_summary", "availability_slots", "available_now", "available_now_until"]},
        ),
        (
            _("Checks"),
            {
                "fields": [
                    "dbs_level",
                    "dbs_issued_on",
                    "dbs_expires_on",
                    "safeguarding_training_expires_on",
                    "id_verified_on",
                ]
            },
        ),
        (_("Record"), {"fields": ["last_assigned_at", "created_at", "updated_at"]}),
    ]
    inlines = [AffiliationInline, TimeOffInline]

    def locate(self, obj: Volunteer, resolved: ResolvedPostcode | None) -> None:
        obj.set_location(resolved.latitude if resolved else None, resolved.longitude if resolved else None)
        obj.postcode_known = bool(resolved and resolved.known)
        obj.area = resolved.area if resolved else None

    @admin.display(description=_("usually free"), ordering="availability")
    def availability_summary(self, obj: Volunteer) -> str:
        return describe_availability(obj.availability)


@admin.register(Affiliation)
class AffiliationAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "organisation", "recruited_by"]
    list_filter = ["recruited_by", "volunteer__cell"]
    list_select_related = ["volunteer", "organisation"]
    search_fields = ["volunteer__first_name", "volunteer__last_name", "organisation__name"]
    ordering = ["volunteer__last_name", "volunteer__first_name", "organisation__name"]
    autocomplete_fields = ["volunteer", "organisation"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "starts_on", "ends_on", "reason"]
    list_filter = ["starts_on", "volunteer__cell"]
    list_select_related = ["volunteer"]
    search_fields = ["volunteer__first_name", "volunteer__last_name", "reason"]
    ordering = ["-starts_on"]
    date_hierarchy = "starts_on"
    autocomplete_fields = ["volunteer"]


@admin.register(MagicLink)
class MagicLinkAdmin(admin.ModelAdmin):
    """Sign-in links sent, for answering "I never got it": when, how, and whether each was used. The token
    itself was never stored, and links cannot be made here."""

    list_display = ["user", "channel", "created_at", "expires_at", "used_at"]
    list_filter = ["channel"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    exclude = ["token_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
