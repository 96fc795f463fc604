"""Admin for organisations, their place in each cell, the hubs they run, and staff memberships.

The ResponseCell and Hub admins are defined in ``hubs.admin``; they are re-registered here with the
inlines that need this app's models, because ``hubs`` never imports ``partners``.
"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hubs.admin import HubAdmin, PostcodeLocatedAdmin, ResponseCellAdmin
from hubs.models import Hub, ResponseCell
from partners.models import CellPartner, HubOperator, Membership, Organisation, SignInFailure, UserSession
from partners.signin.sessions import signout_everywhere


class CellPartnerInline(admin.TabularInline):
    model = CellPartner
    fields = ["organisation", "role", "relationship", "joined_on"]
    readonly_fields = ["joined_on"]
    autocomplete_fields = ["organisation"]
    extra = 0
    verbose_name = _("partner organisation")
    verbose_name_plural = _("partner organisations")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("organisation")


class CellMembershipInline(admin.TabularInline):
    """A cell's membership, seen from the organisation's side."""

    model = CellPartner
    fields = ["cell", "role", "relationship", "joined_on"]
    readonly_fields = ["joined_on"]
    extra = 0
    verbose_name = _("response cell")
    verbose_name_plural = _("response cells")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("cell")


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role", "organisation", "hub", "is_active", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user", "organisation", "hub"]
    extra = 0
    verbose_name = _("staff member")
    verbose_name_plural = _("staff")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("user", "organisation", "hub")


class HubOperatorInline(admin.TabularInline):
    model = HubOperator
    fields = ["organisation"]
    autocomplete_fields = ["organisation"]
    extra = 0
    max_num = 1
    verbose_name = _("run by")
    verbose_name_plural = _("run by")


class HubsOperatedInline(admin.TabularInline):
    """The hubs an organisation runs, seen from the organisation's side."""

    model = HubOperator
    fields = ["hub"]
    autocomplete_fields = ["hub"]
    extra = 0
    verbose_name = _("hub run")
    verbose_name_plural = _("hubs run")


class ResponseCellWithPartnersAdmin(ResponseCellAdmin):
    inlines = [*ResponseCellAdmin.inlines, CellPartnerInline, MembershipInline]


class HubWithOperatorAdmin(HubAdmin):
    list_display = [*HubAdmin.list_display, "operator_name"]
    list_select_related = [*HubAdmin.list_select_related, "operator__organisation"]
    search_fields = [*HubAdmin.search_fields, "operator__organisation__name"]
    inlines = [*HubAdmin.inlines, HubOperatorInline]

    @admin.display(description=_("run by"), ordering="operator__organisation__name")
    def operator_name(self, obj: Hub) -> str:
        operator = getattr(obj, "operator", None)
        return str(operator.organisation) if operator is not None else "–"


admin.site.unregister(ResponseCell)
admin.site.register(ResponseCell, ResponseCellWithPartnersAdmin)
admin.site.unregister(Hub)
admin.site.register(Hub, HubWithOperatorAdmin)


@admin.register(Organisation)
class OrganisationAdmin(PostcodeLocatedAdmin):
    list_display = ["name", "kind", "tier", "capacity", "accepting_referrals", "constituted", "postcode"]
    list_filter = ["accepting_referrals", "kind", "tier", "constituted", "cell_partnerships__cell"]
    search_fields = ["name", "charity_number", "contact_name", "email", "phone", "postcode"]
    ordering = ["name"]
    date_hierarchy = "created_at"
    filter_horizontal = ["categories"]
    autocomplete_fields = ["areas"]
    readonly_fields = ["latitude", "longitude", "created_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "kind", "tier", "constituted", "charity_number", "created_at"]}),
        (
            _("What it offers"),
            {"fields": ["categories", "areas", "languages", "capacity", "accepting_referrals"]},
        ),
        (
            _("Contact"),
            {"fields": ["contact_name", "email", "phone", "website", "postcode", "latitude", "longitude"]},
        ),
    ]
    inlines = [CellMembershipInline, HubsOperatedInline]


@admin.register(CellPartner)
class CellPartnerAdmin(admin.ModelAdmin):
    list_display = ["organisation", "cell", "role", "relationship", "joined_on"]
    list_filter = ["role", "relationship", "cell"]
    list_select_related = ["organisation", "cell"]
    search_fields = ["organisation__name", "cell__name"]
    ordering = ["cell__name", "organisation__name"]
    date_hierarchy = "joined_on"
    autocomplete_fields = ["organisation"]
    readonly_fields = ["joined_on"]


@admin.register(HubOperator)
class HubOperatorAdmin(admin.ModelAdmin):
    list_display = ["hub", "hub_cell", "organisation"]
    list_filter = ["hub__cell"]
    list_select_related = ["hub__cell", "organisation"]
    search_fields = ["hub__name", "organisation__name"]
    ordering = ["hub__cell__name", "hub__name"]
    autocomplete_fields = ["hub", "organisation"]

    @admin.display(description=_("response cell"), ordering="hub__cell__name")
    def hub_cell(self, obj: HubOperator) -> str:
        return str(obj.hub.cell)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "cell", "organisation", "hub", "is_active", "created_at"]
    list_filter = ["is_active", "role", "cell"]
    list_select_related = ["user", "cell", "organisation", "hub"]
    search_fields = [
        "user__username",
        "user__email",
        "user__first_name",
        "user__last_name",
        "organisation__name",
        "hub__name",
    ]
    ordering = ["cell__name", "role", "user__username"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["user", "organisation", "hub"]
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["user", "cell", "role", "is_active", "created_at"]}),
        (
            _("Scope"),
            {
                "fields": ["organisation", "hub"],
                "description": _(
                    "A hub coordinator needs a hub and only a hub coordinator has one; "
                    "a partner contact needs an organisation."
                ),
            },
        ),
    ]


class RecordOnlyAdmin(admin.ModelAdmin):
    """Rows the sign-in writes: read here, never added or changed by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SignInFailure)
class SignInFailureAdmin(RecordOnlyAdmin):
    list_display = ["at", "kind", "username", "ip"]
    list_filter = ["kind"]
    search_fields = ["username", "ip"]
    ordering = ["-at"]
    date_hierarchy = "at"
    # Deleting rows (the admin's usual action) lifts a lockout early, for a colleague who cannot wait.


@admin.register(UserSession)
class UserSessionAdmin(RecordOnlyAdmin):
    list_display = ["user", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    exclude = ["session_key"]
    actions = ["sign_out_everywhere"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a row would not end its session; the action below does.
        return False

    @admin.action(description=_("Sign these people out everywhere and delete their API tokens"))
    def sign_out_everywhere(self, request: HttpRequest, queryset: QuerySet[UserSession]) -> None:
        users = get_user_model().objects.filter(pk__in=queryset.values("user_id"))
        ended = sum(signout_everywhere(user) for user in users)
        self.message_user(
            request,
            ngettext("%(count)d session ended.", "%(count)d sessions ended.", ended) % {"count": ended},
            messages.SUCCESS,
        )
