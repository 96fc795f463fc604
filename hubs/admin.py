"""Admin for geography, the shared vocabulary, response cells and hubs.

``partners.admin`` re-registers the ResponseCell and Hub admins with the inlines that need partner
models (cell partners, staff memberships, hub operators): this app never imports upwards.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models.fields import Field
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError
from hubs.models import Area, Hub, NeedCategory, PostcodeCoverage, ResponseCell, Skill
from hubs.postcodes import normalise_postcode
from hubs.selectors import ResolvedPostcode, postcode_resolve

# Location ----------------------------------------------------------------------------------------------


class PostcodeLocatedForm(forms.ModelForm):
    """Normalises the postcode ("hx11aa" becomes "HX1 1AA") and names it when it is malformed."""

    def clean_postcode(self) -> str:
        raw = self.cleaned_data.get("postcode") or ""
        if not raw.strip():
            return ""
        try:
            return normalise_postcode(raw)
        except DomainError as error:
            raise ValidationError(error.message, code=error.code) from error


class PostcodeLocatedAdmin(admin.ModelAdmin):
    """For a model with ``postcode``, ``latitude`` and ``longitude``: the location is looked up from the
    postcode when it changes, never typed by hand, so matching distances stay true."""

    form = PostcodeLocatedForm

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change or "postcode" in form.changed_data:
            self.locate(obj, postcode_resolve(obj.postcode) if obj.postcode else None)
        super().save_model(request, obj, form, change)

    def locate(self, obj: Any, resolved: ResolvedPostcode | None) -> None:
        """Set the record's location from its resolved postcode (``None`` when it has none)."""
        obj.latitude = resolved.latitude if resolved else None
        obj.longitude = resolved.longitude if resolved else None


# Areas -------------------------------------------------------------------------------------------------


class PostcodeCoverageForm(forms.ModelForm):
    class Meta:
        model = PostcodeCoverage
        fields = ["area", "prefix"]

    def clean_prefix(self) -> str:
        # The table holds prefixes upper-case with single spaces ("HX1 1"), as lookups compare them.
        return " ".join((self.cleaned_data.get("prefix") or "").upper().split())


class ChildAreaInline(admin.TabularInline):
    model = Area
    fk_name = "parent"
    fields = ["name", "code", "kind", "latitude", "longitude"]
    extra = 0
    show_change_link = True
    verbose_name = _("area within")
    verbose_name_plural = _("areas within")

    def formfield_for_choice_field(self, db_field: Field, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "kind":
            # Only a local authority stands at the top; everything below one is a locality or a ward.
            kwargs["choices"] = [
                (value, label) for value, label in Area.Kind.choices if value != Area.Kind.LOCAL_AUTHORITY
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class PostcodeCoverageInline(admin.TabularInline):
    model = PostcodeCoverage
    form = PostcodeCoverageForm
    fields = ["prefix"]
    extra = 0


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent"]
    list_filter = ["kind", ("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["name", "code"]
    ordering = ["name"]
    fields = ["name", "code", "kind", "parent", "latitude", "longitude"]
    autocomplete_fields = ["parent"]
    inlines = [ChildAreaInline, PostcodeCoverageInline]


@admin.register(PostcodeCoverage)
class PostcodeCoverageAdmin(admin.ModelAdmin):
    form = PostcodeCoverageForm
    list_display = ["prefix", "area", "area_kind"]
    list_filter = ["area__kind"]
    list_select_related = ["area"]
    search_fields = ["prefix", "area__name", "area__code"]
    ordering = ["prefix"]
    autocomplete_fields = ["area"]

    @admin.display(description=_("kind of area"), ordering="area__kind")
    def area_kind(self, obj: PostcodeCoverage) -> str:
        return str(obj.area.get_kind_display())


# Vocabulary --------------------------------------------------------------------------------------------


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug", "description"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(NeedCategory)
class NeedCategoryAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "default_level",
        "required_dbs_level",
        "requires_safeguarding_training",
        "sort_order",
    ]
    list_editable = ["sort_order"]
    list_filter = ["default_level", "required_dbs_level", "requires_safeguarding_training"]
    search_fields = ["name", "slug", "description"]
    ordering = ["sort_order", "name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["required_skills"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "sort_order"]}),
        (
            _("What it takes"),
            {"fields": ["default_level", "required_skills", "required_dbs_level", "requires_safeguarding_training"]},
        ),
    ]


# Cells and hubs ----------------------------------------------------------------------------------------


class HubInline(admin.TabularInline):
    model = Hub
    fields = ["name", "kind", "postcode", "phone", "is_active"]
    readonly_fields = ["postcode"]
    extra = 0
    show_change_link = True


@admin.register(ResponseCell)
class ResponseCellAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "coordination_model", "auto_offer", "search_radius_km", "is_active", "created_at"]
    list_filter = ["is_active", "coordination_model", "auto_offer"]
    search_fields = ["name", "slug"]
    ordering = ["name"]
    date_hierarchy = "created_at"
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at"]
    autocomplete_fields = ["areas"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "is_active", "created_at"]}),
        (_("Coordination"), {"fields": ["coordination_model", "areas", "search_radius_km"]}),
        (
            _("Offers and escalation"),
            {
                "fields": [
                    "auto_offer",
                    "offer_expiry_today_minutes",
                    "offer_expiry_48h_minutes",
                    "offer_expiry_week_minutes",
                    "offer_expiry_routine_minutes",
                    "declines_before_escalation",
                ],
                "description": _("An offer expires sooner the more urgent the need; the times must not decrease."),
            },
        ),
        (
            _("Retention and checks"),
            {"fields": ["retention_days", "level2_min_dbs_level", "level2_requires_id_verified"]},
        ),
        (
            _("Scoring weights"),
            {
                "fields": list(ResponseCell.WEIGHT_FIELDS),
                "description": _("How much each factor counts when candidates are ranked, from 0 (ignored) to 10."),
            },
        ),
    ]
    inlines = [HubInline]


@admin.register(Hub)
class HubAdmin(PostcodeLocatedAdmin):
    list_display = ["name", "cell", "kind", "postcode", "phone", "is_active"]
    list_filter = ["is_active", "kind", "cell"]
    list_select_related = ["cell"]
    search_fields = ["name", "postcode", "address", "cell__name"]
    ordering = ["cell__name", "name"]
    autocomplete_fields = ["areas"]
    readonly_fields = ["latitude", "longitude"]
    fieldsets = [
        (None, {"fields": ["cell", "name", "kind", "is_active"]}),
        (_("Areas covered"), {"fields": ["areas"]}),
        (
            _("Where and when"),
            {"fields": ["address", "postcode", "latitude", "longitude", "phone", "opening_hours"]},
        ),
    ]
    inlines = []
