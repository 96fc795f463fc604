"""Admin for residents, support requests, offers and the timeline.

A request's status changes only through ``requests.services``, which writes the timeline: here the
status and its times are read-only, and the one status change on offer is an action that calls a
service. Offers, events, rankings and notifications are records of what happened and are not deleted.
"""

import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError
from hubs.admin import PostcodeLocatedForm
from requests import services
from requests.models import (
    AuditEntry,
    Event,
    KnownSupporter,
    Notification,
    Offer,
    Ranking,
    Resident,
    SupportRequest,
)

_RESIDENT_REQUEST_FIELDS = ("reference", "status", "urgency", "level", "due_by", "created_at")
_OFFER_INLINE_FIELDS = ("created_at", "volunteer", "organisation", "state", "expires_at", "responded_at", "by_hand")
_EVENT_INLINE_FIELDS = ("created_at", "verb", "from_status", "to_status", "actor", "note")
_RANKING_FIELDS = (
    "request",
    "ranked_at",
    "considered",
    "duration_ms",
    "candidates_listing",
    "signposts_listing",
    "exclusions_listing",
)


def _staff(request: HttpRequest) -> AbstractBaseUser | None:
    """The signed-in user, to record as the actor of a change."""
    return request.user if isinstance(request.user, AbstractBaseUser) else None


class ReadOnlyInline(admin.TabularInline):
    """Shows related records without letting them be added, changed or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RecordAdmin(admin.ModelAdmin):
    """A record of what happened, written by services and workers: it can be viewed, never edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Residents ---------------------------------------------------------------------------------------------


class ResidentAdminForm(PostcodeLocatedForm):
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned_data = self.cleaned_data
        # The form does not hold anonymised_at, so Django skips this constraint; check it here to give a
        # message that names the field rather than a server error on save.
        if (
            cleaned_data.get("lawful_basis") == Resident.LawfulBasis.CONSENT
            and not cleaned_data.get("consent_to_share")
            and self.instance.anonymised_at is None
        ):
            self.add_error(
                "consent_to_share",
                ValidationError(
                    _("Record the resident's consent, or choose another lawful basis."), code="consent_required"
                ),
            )
        return cleaned_data


class KnownSupporterInline(admin.TabularInline):
    model = KnownSupporter
    fields = ["name", "role", "phone", "volunteer", "organisation"]
    autocomplete_fields = ["volunteer", "organisation"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("volunteer", "organisation")


class ResidentRequestInline(ReadOnlyInline):
    model = SupportRequest
    fields = readonly_fields = _RESIDENT_REQUEST_FIELDS
    show_change_link = True
    ordering = ["-created_at"]
    verbose_name = _("support request")
    verbose_name_plural = _("support requests")


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    form = ResidentAdminForm
    list_display = [
        "__str__",
        "cell",
        "postcode",
        "phone",
        "vulnerabilities",
        "consent_to_share",
        "created_at",
        "anonymised_at",
    ]
    list_filter = [
        "cell",
        "shielding",
        "lives_alone",
        "no_phone_or_internet",
        "disability",
        "mental_health",
        "language_need",
        "consent_to_share",
        "lawful_basis",
        ("anonymised_at", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["cell"]
    search_fields = ["first_name", "last_name", "phone", "postcode"]
    ordering = ["last_name", "first_name", "id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "postcode_known",
        "latitude",
        "longitude",
        "area",
        "consent_recorded_at",
        "anonymised_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["cell", "first_name", "last_name", "phone", "email"]}),
        (
            _("Address"),
            {
                "fields": [
                    "address_line_1",
                    "address_line_2",
                    "town",
                    "postcode",
                    "postcode_known",
                    "area",
                    "latitude",
                    "longitude",
                ]
            },
        ),
        (
            _("Vulnerability"),
            {
                "fields": [
                    "shielding",
                    "lives_alone",
                    "no_phone_or_internet",
                    "disability",
                    "mental_health",
                    "language_need",
                    "preferred_language",
                ]
            },
        ),
        (
            _("Health notes"),
            {
                "classes": ["collapse"],
                "fields": ["health_notes"],
                "description": _("Never shown to volunteers or partner organisations."),
            },
        ),
        (_("Consent and lawful basis"), {"fields": ["consent_to_share", "consent_recorded_at", "lawful_basis"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "anonymised_at"]}),
    ]
    inlines = [KnownSupporterInline, ResidentRequestInline]

    @admin.display(description=_("vulnerabilities"))
    def vulnerabilities(self, obj: Resident) -> str:
        labels = {field.name: field.verbose_name for field in Resident._meta.fields}
        return ", ".join(str(labels[name]) for name in obj.vulnerability_flags)

    def save_model(self, request: HttpRequest, obj: Resident, form: Any, change: bool) -> None:
        # The service looks the postcode up and stamps the time consent was recorded.
        services.resident_update(resident=obj, postcode=obj.postcode)


@admin.register(KnownSupporter)
class KnownSupporterAdmin(admin.ModelAdmin):
    list_display = ["__str__", "role", "resident", "volunteer", "organisation", "phone"]
    list_filter = ["resident__cell"]
    list_select_related = ["resident", "volunteer", "organisation"]
    search_fields = [
        "name",
        "role",
        "resident__first_name",
        "resident__last_name",
        "volunteer__first_name",
        "volunteer__last_name",
        "organisation__name",
    ]
    ordering = ["resident__last_name", "resident__first_name", "name"]
    autocomplete_fields = ["resident", "volunteer", "organisation"]


# Support requests --------------------------------------------------------------------------------------


class OfferInline(ReadOnlyInline):
    model = Offer
    fields = readonly_fields = _OFFER_INLINE_FIELDS
    show_change_link = True
    verbose_name = _("offer or referral")
    verbose_name_plural = _("offers and referrals")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("volunteer", "organisation")


class EventInline(ReadOnlyInline):
    model = Event
    fields = readonly_fields = _EVENT_INLINE_FIELDS
    ordering = ["created_at", "id"]
    verbose_name = _("timeline entry")
    verbose_name_plural = _("timeline")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("actor")


@admin.register(SupportRequest)
class SupportRequestAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "resident",
        "cell",
        "status",
        "urgency",
        "level",
        "due_by",
        "safeguarding",
        "escalation_stage",
        "created_at",
    ]
    list_filter = [
        "status",
        "urgency",
        "level",
        "safeguarding",
        "escalation_stage",
        "channel",
        "recurrence",
        "cell",
        "categories",
    ]
    list_select_related = ["resident", "cell"]
    search_fields = ["reference", "resident__first_name", "resident__last_name", "resident__postcode", "caller_name"]
    ordering = ["due_by", "id"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["resident", "previous_occurrence", "referring_organisation"]
    filter_horizontal = ["categories"]
    readonly_fields = [
        "reference",
        "status",
        "escalation_stage",
        "logged_by",
        "needs_ranking_since",
        "created_at",
        "updated_at",
        "triaged_at",
        "assigned_at",
        "closed_at",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "cell", "resident", "categories", "description"]}),
        (
            _("Need"),
            {"fields": ["urgency", "due_by", "level", "safeguarding", "recurrence", "previous_occurrence"]},
        ),
        (
            _("Status"),
            {
                "fields": [
                    "status",
                    "escalation_stage",
                    "needs_ranking_since",
                    "triaged_at",
                    "assigned_at",
                    "closed_at",
                ],
                "description": _(
                    "The status changes only through the request's workflow, which writes the timeline. "
                    "To escalate, use the action on the list of requests."
                ),
            },
        ),
        (
            _("How it came in"),
            {
                "fields": [
                    "channel",
                    "logged_by",
                    "caller_is_resident",
                    "caller_name",
                    "caller_relationship",
                    "caller_phone",
                    "referring_organisation",
                ]
            },
        ),
        (_("Outcome"), {"fields": ["outcome"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [OfferInline, EventInline]
    actions = ["escalate_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Logging a request gives it a reference and a first timeline entry (services.request_create):
        # the helpline and web pages do that, not the admin.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A request is closed (completed, signposted, cancelled), never deleted: its timeline is the record.
        return False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if change and form.changed_data:
            # Every change of a request is on its timeline, with who made it.
            labels = ", ".join(str(form.fields[name].label) for name in form.changed_data)
            services.request_add_note(
                support_request=form.instance,
                actor=_staff(request),
                note=gettext("Changed in the admin: %(fields)s.") % {"fields": labels},
            )

    @admin.action(description=_("Escalate selected requests"), permissions=["change"])
    def escalate_selected(self, request: HttpRequest, queryset: QuerySet[SupportRequest]) -> None:
        escalated = 0
        # One transaction per request, taken in a fixed order, so one refusal does not undo the others.
        for support_request in queryset.order_by("pk"):
            try:
                services.request_escalate(support_request=support_request, actor=_staff(request))
            except DomainError as error:
                self.message_user(
                    request,
                    gettext("%(reference)s was not escalated: %(reason)s")
                    % {"reference": support_request.reference, "reason": error.message},
                    level=messages.WARNING,
                )
            else:
                escalated += 1
        if escalated:
            self.message_user(
                request,
                ngettext("%(count)d request escalated.", "%(count)d requests escalated.", escalated)
                % {"count": escalated},
                level=messages.SUCCESS,
            )


# Offers, timeline, rankings and notifications ----------------------------------------------------------


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["created_at", "request", "helper", "state", "expires_at", "responded_at", "by_hand"]
    list_filter = ["state", "by_hand", "request__cell"]
    list_select_related = ["request", "volunteer", "organisation"]
    search_fields = [
        "request__reference",
        "volunteer__first_name",
        "volunteer__last_name",
        "organisation__name",
    ]
    ordering = ["-created_at", "-id"]
    date_hierarchy = "created_at"
    # Offers change state only through the services; only the written outcome can be corrected here.
    readonly_fields = [
        "request",
        "volunteer",
        "organisation",
        "state",
        "expires_at",
        "responded_at",
        "reminded_at",
        "decline_reason",
        "by_hand",
        "hand_reason",
        "created_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["request", "volunteer", "organisation", "state"]}),
        (_("Answer"), {"fields": ["expires_at", "reminded_at", "responded_at", "decline_reason"]}),
        (_("Assigned by hand"), {"fields": ["by_hand", "hand_reason", "created_by"]}),
        (_("Outcome"), {"fields": ["outcome"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("volunteer or organisation"))
    def helper(self, obj: Offer) -> str:
        return str(obj.volunteer or obj.organisation)


@admin.register(Event)
class EventAdmin(RecordAdmin):
    list_display = ["created_at", "request", "verb", "from_status", "to_status", "actor", "short_note"]
    list_filter = ["verb", "to_status", "request__cell"]
    list_select_related = ["request", "actor"]
    search_fields = ["request__reference", "note", "actor__username"]
    ordering = ["-created_at", "-id"]
    date_hierarchy = "created_at"

    @admin.display(description=_("note"))
    def short_note(self, obj: Event) -> str:
        return obj.note if len(obj.note) <= 80 else f"{obj.note[:79]}…"


@admin.register(AuditEntry)
class AuditEntryAdmin(RecordAdmin):
    list_display = ["at", "cell", "actor_name", "action", "object_type", "object_id", "note"]
    list_filter = ["action", "object_type", "cell"]
    search_fields = ["actor_name", "note"]
    ordering = ["-at", "-id"]
    date_hierarchy = "at"


@admin.register(Ranking)
class RankingAdmin(RecordAdmin):
    list_display = ["request", "ranked_at", "candidate_count", "considered", "duration_ms"]
    list_filter = ["request__cell"]
    list_select_related = ["request"]
    search_fields = ["request__reference"]
    ordering = ["-ranked_at"]
    date_hierarchy = "ranked_at"
    fields = readonly_fields = _RANKING_FIELDS

    @admin.display(description=_("candidates"))
    def candidate_count(self, obj: Ranking) -> int:
        return len(obj.candidates)

    @admin.display(description=_("candidates, best first"))
    def candidates_listing(self, obj: Ranking) -> str:
        return _as_json(obj.candidates)

    @admin.display(description=_("signposts"))
    def signposts_listing(self, obj: Ranking) -> str:
        return _as_json(obj.signposts)

    @admin.display(description=_("excluded, by reason"))
    def exclusions_listing(self, obj: Ranking) -> str:
        return _as_json(obj.exclusions)


def _as_json(value: Any) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


@admin.register(Notification)
class NotificationAdmin(RecordAdmin):
    list_display = ["created_at", "kind", "channel", "recipient", "state", "attempts", "sent_at", "request"]
    list_filter = ["state", "kind", "channel", "request__cell"]
    list_select_related = ["request"]
    search_fields = ["recipient", "subject", "request__reference"]
    ordering = ["-created_at", "-id"]
    date_hierarchy = "created_at"
