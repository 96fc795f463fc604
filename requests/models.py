"""Residents, their support requests, offers and referrals, and each request's timeline.

A request's status changes only through ``requests.services``; the table of allowed transitions
below is the single statement of the workflow.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hubs.models import Area, LevelOfNeed, NeedCategory, ResponseCell
from partners.models import Organisation
from volunteers.models import Volunteer


class Resident(models.Model):
    """The person who needs help."""

    class LawfulBasis(models.TextChoices):
        CONSENT = "consent", _("consent")
        PUBLIC_TASK = "public_task", _("public task")
        VITAL_INTERESTS = "vital_interests", _("vital interests")
        LEGITIMATE_INTERESTS = "legitimate_interests", _("legitimate interests")

    cell = models.ForeignKey(
        ResponseCell, verbose_name=_("response cell"), on_delete=models.PROTECT, related_name="residents"
    )
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address_line_1 = models.CharField(_("address line 1"), max_length=120, blank=True)
    address_line_2 = models.CharField(_("address line 2"), max_length=120, blank=True)
    town = models.CharField(_("town"), max_length=80, blank=True)
    postcode = models.CharField(_("postcode"), max_length=8, blank=True)
    postcode_known = models.BooleanField(_("postcode found"), default=False)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Vulnerability flags.
    shielding = models.BooleanField(_("shielding"), default=False)
    lives_alone = models.BooleanField(_("lives alone"), default=False)
    no_phone_or_internet = models.BooleanField(_("no phone or internet"), default=False)
    disability = models.BooleanField(_("disability"), default=False)
    mental_health = models.BooleanField(_("mental health"), default=False)
    language_need = models.BooleanField(_("needs another language"), default=False)
    preferred_language = models.CharField(_("preferred language (ISO 639-1)"), max_length=8, blank=True)
    health_notes = models.TextField(
        _("health and vulnerability notes"),
        blank=True,
        help_text=_("Never shown to volunteers or partner organisations."),
    )

    consent_to_share = models.BooleanField(_("consents to share details with helpers"), default=False)
    consent_recorded_at = models.DateTimeField(_("consent recorded"), null=True, blank=True)
    lawful_basis = models.CharField(
        _("lawful basis for processing"), max_length=30, choices=LawfulBasis.choices, default=LawfulBasis.CONSENT
    )

    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["cell", "phone"], name="resident_phone_idx"),
            models.Index(fields=["cell", "postcode"], name="resident_postcode_idx"),
            models.Index(fields=["cell", "last_name"], name="resident_last_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="resident_consent_has_date",
                condition=Q(consent_to_share=False) | Q(consent_recorded_at__isnull=False),
            ),
            models.CheckConstraint(
                name="resident_consent_basis_needs_consent",
                condition=~Q(lawful_basis="consent") | Q(consent_to_share=True) | Q(anonymised_at__isnull=False),
            ),
            models.CheckConstraint(
                name="resident_lawful_basis_valid",
                condition=Q(lawful_basis__in=["consent", "public_task", "vital_interests", "legitimate_interests"]),
            ),
            models.CheckConstraint(
                name="resident_location_both_or_neither",
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
            ),
            models.CheckConstraint(
                name="resident_known_postcode_has_location",
                condition=Q(postcode_known=False) | Q(latitude__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def vulnerability_flags(self) -> list[str]:
        names = ["shielding", "lives_alone", "no_phone_or_internet", "disability", "mental_health", "language_need"]
        return [name for name in names if getattr(self, name)]


class KnownSupporter(models.Model):
    """Someone who already supports the resident: a Local Area Coordinator, a volunteer, an organisation."""

    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="supporters"
    )
    name = models.CharField(_("name"), max_length=120, blank=True)
    role = models.CharField(
        _("role"), max_length=120, blank=True, help_text=_("e.g. Local Area Coordinator, neighbour")
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="known_supporter_identified",
                condition=~Q(name="") | Q(volunteer__isnull=False) | Q(organisation__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(self.volunteer or self.organisation)


class Urgency(models.TextChoices):
    TODAY = "today", _("today")
    WITHIN_48_HOURS = "48h", _("within 48 hours")
    THIS_WEEK = "week", _("this week")
    ROUTINE = "routine", _("routine")


class Status(models.TextChoices):
    NEW = "new", _("new")
    TRIAGED = "triaged", _("triaged, waiting for a match")
    OFFERED = "offered", _("offered")
    ASSIGNED = "assigned", _("assigned")
    ESCALATED = "escalated", _("escalated")
    COMPLETED = "completed", _("completed")
    SIGNPOSTED = "signposted", _("signposted elsewhere")
    CANCELLED = "cancelled", _("cancelled")


OPEN_STATUSES = frozenset({Status.NEW, Status.TRIAGED, Status.OFFERED, Status.ASSIGNED, Status.ESCALATED})
CLOSED_STATUSES = frozenset({Status.COMPLETED, Status.SIGNPOSTED, Status.CANCELLED})
WAITING_STATUSES = frozenset({Status.NEW, Status.TRIAGED, Status.ESCALATED})

# from status -> statuses it may move to. Re-triage keeps a waiting request where it is.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {Status.TRIAGED, Status.OFFERED, Status.ASSIGNED, Status.ESCALATED, Status.SIGNPOSTED, Status.CANCELLED}
    ),
    Status.TRIAGED: frozenset(
        {Status.TRIAGED, Status.OFFERED, Status.ASSIGNED, Status.ESCALATED, Status.SIGNPOSTED, Status.CANCELLED}
    ),
    Status.ESCALATED: frozenset(
        {Status.TRIAGED, Status.OFFERED, Status.ASSIGNED, Status.ESCALATED, Status.SIGNPOSTED, Status.CANCELLED}
    ),
    Status.OFFERED: frozenset({Status.TRIAGED, Status.ASSIGNED, Status.ESCALATED, Status.CANCELLED}),
    Status.ASSIGNED: frozenset({Status.TRIAGED, Status.COMPLETED, Status.CANCELLED}),
    Status.COMPLETED: frozenset(),
    Status.SIGNPOSTED: frozenset(),
    Status.CANCELLED: frozenset(),
}


class Channel(models.TextChoices):
    HELPLINE = "helpline", _("helpline call")
    WEB = "web", _("web form")
    REFERRAL = "referral", _("referral from an organisation")
    WALK_IN = "walk_in", _("walk-in at a hub")


class Recurrence(models.TextChoices):
    NONE = "none", _("one-off")
    WEEKLY = "weekly", _("weekly")
    FORTNIGHTLY = "fortnightly", _("fortnightly")
    MONTHLY = "monthly", _("monthly")


class EscalationStage(models.TextChoices):
    NONE = "none", _("not escalated")
    HUB = "hub", _("hub")
    LIO = "lio", _("LIO")
    SAFETY_NET = "safety_net", _("statutory safety net")


class SupportRequest(models.Model):
    """One need of one resident."""

    cell = models.ForeignKey(
        ResponseCell, verbose_name=_("response cell"), on_delete=models.PROTECT, related_name="requests"
    )
    reference = models.CharField(_("reference"), max_length=12, unique=True)
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="requests"
    )
    categories = models.ManyToManyField(NeedCategory, verbose_name=_("needs"), related_name="requests")
    description = models.TextField(_("what is needed"), blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.THIS_WEEK)
    level = models.PositiveSmallIntegerField(
        _("level of need"), choices=LevelOfNeed.choices, default=LevelOfNeed.STREET
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.HELPLINE)
    safeguarding = models.BooleanField(_("safeguarding concern"), default=False)
    recurrence = models.CharField(_("recurrence"), max_length=12, choices=Recurrence.choices, default=Recurrence.NONE)
    previous_occurrence = models.OneToOneField(
        "self",
        verbose_name=_("previous occurrence"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_occurrence",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    escalation_stage = models.CharField(
        _("escalated to"), max_length=12, choices=EscalationStage.choices, default=EscalationStage.NONE
    )
    due_by = models.DateTimeField(_("due by"))

    caller_is_resident = models.BooleanField(_("the resident called"), default=True)
    caller_name = models.CharField(_("caller's name"), max_length=120, blank=True)
    caller_relationship = models.CharField(_("caller's relationship to the resident"), max_length=80, blank=True)
    caller_phone = models.CharField(_("caller's phone"), max_length=30, blank=True)
    referring_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("referred by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals_made",
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    outcome = models.TextField(_("outcome"), blank=True)
    needs_ranking_since = models.DateTimeField(
        _("waiting to be ranked since"),
        null=True,
        blank=True,
        help_text=_("Set when the request is logged or re-triaged; cleared when a worker has ranked it."),
    )
    created_at = models.DateTimeField(_("logged"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["due_by", "id"]
        indexes = [
            models.Index(fields=["cell", "status", "due_by"], name="request_queue_idx"),
            models.Index(fields=["status", "closed_at"], name="request_closed_idx"),
            models.Index(fields=["needs_ranking_since"], name="request_needs_ranking_idx"),
        ]
        constraints = [
            models.CheckConstraint(name="request_level_1_to_4", condition=Q(level__gte=1, level__lte=4)),
            models.CheckConstraint(name="request_urgency_valid", condition=Q(urgency__in=list(Urgency.values))),
            models.CheckConstraint(name="request_status_valid", condition=Q(status__in=list(Status.values))),
            models.CheckConstraint(name="request_channel_valid", condition=Q(channel__in=list(Channel.values))),
            models.CheckConstraint(
                name="request_recurrence_valid", condition=Q(recurrence__in=list(Recurrence.values))
            ),
            models.CheckConstraint(
                name="request_escalation_stage_valid", condition=Q(escalation_stage__in=list(EscalationStage.values))
            ),
            models.CheckConstraint(
                name="request_closed_has_closed_at",
                condition=~Q(status__in=sorted(s.value for s in CLOSED_STATUSES)) | Q(closed_at__isnull=False),
            ),
            models.CheckConstraint(
                name="request_open_has_no_closed_at",
                condition=Q(status__in=sorted(s.value for s in CLOSED_STATUSES)) | Q(closed_at__isnull=True),
            ),
            models.CheckConstraint(
                name="request_assigned_has_assigned_at",
                condition=~Q(status="assigned") | Q(assigned_at__isnull=False),
            ),
            models.CheckConstraint(
                name="request_caller_relationship_given",
                condition=Q(caller_is_resident=True) | ~Q(caller_relationship=""),
            ),
            models.CheckConstraint(
                name="request_not_its_own_previous", condition=~Q(previous_occurrence=models.F("pk"))
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def can_move_to(self, status: str) -> bool:
        return status in ALLOWED_TRANSITIONS[self.status]


class OfferState(models.TextChoices):
    PENDING = "pending", _("waiting for an answer")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    EXPIRED = "expired", _("expired")
    WITHDRAWN = "withdrawn", _("withdrawn")
    RELEASED = "released", _("handed back after accepting")
    COMPLETED = "completed", _("completed")


class Offer(models.Model):
    """A proposal to a volunteer (an offer) or to an organisation (a referral); accepted, it is the assignment."""

    State = OfferState

    request = models.ForeignKey(
        SupportRequest, verbose_name=_("request"), on_delete=models.PROTECT, related_name="offers"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), null=True, blank=True, on_delete=models.PROTECT, related_name="offers"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    by_hand = models.BooleanField(_("assigned by hand"), default=False)
    hand_reason = models.CharField(_("reason for assigning by hand"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.TextField(_("outcome"), blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("made"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "expires_at"], name="offer_expiry_idx"),
            models.Index(fields=["volunteer", "state"], name="offer_volunteer_idx"),
            models.Index(fields=["organisation", "state"], name="offer_organisation_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="offer_to_exactly_one_helper",
                condition=Q(volunteer__isnull=False, organisation__isnull=True)
                | Q(volunteer__isnull=True, organisation__isnull=False),
            ),
            models.CheckConstraint(name="offer_state_valid", condition=Q(state__in=list(OfferState.values))),
            models.UniqueConstraint(
                fields=["request"], condition=Q(state="pending"), name="offer_one_open_per_request"
            ),
            models.UniqueConstraint(
                fields=["request"], condition=Q(state="accepted"), name="offer_one_accepted_per_request"
            ),
            models.CheckConstraint(
                name="offer_pending_expires", condition=~Q(state="pending") | Q(expires_at__isnull=False)
            ),
            models.CheckConstraint(
                name="offer_answered_has_time",
                condition=~Q(state__in=["accepted", "declined", "completed", "released"])
                | Q(responded_at__isnull=False),
            ),
            models.CheckConstraint(name="offer_by_hand_has_reason", condition=Q(by_hand=False) | ~Q(hand_reason="")),
        ]

    def __str__(self) -> str:
        helper = self.volunteer or self.organisation
        return f"{self.request} → {helper} ({self.get_state_display()})"

    @property
    def is_referral(self) -> bool:
        return self.organisation_id is not None


class EventVerb(models.TextChoices):
    LOGGED = "logged", _("logged")
    TRIAGED = "triaged", _("triaged")
    RANKED = "ranked", _("ranked")
    OFFERED = "offered", _("offered")
    REFERRED = "referred", _("referred")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    EXPIRED = "expired", _("expired")
    WITHDRAWN = "withdrawn", _("withdrawn")
    ASSIGNED = "assigned", _("assigned by hand")
    RELEASED = "released", _("handed back")
    ESCALATED = "escalated", _("escalated")
    SIGNPOSTED = "signposted", _("signposted")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")
    REOPENED = "reopened", _("reopened")
    NOTE = "note", _("note")


class Event(models.Model):
    """One entry in a request's timeline: who did what, and how the status moved."""

    Verb = EventVerb

    request = models.ForeignKey(
        SupportRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verb = models.CharField(_("what happened"), max_length=12, choices=Verb.choices)
    from_status = models.CharField(_("from"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Status.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(name="event_verb_valid", condition=Q(verb__in=list(EventVerb.values))),
            models.CheckConstraint(
                name="event_status_change_complete",
                condition=Q(from_status="", to_status="") | (~Q(from_status="") & ~Q(to_status="")),
            ),
            models.CheckConstraint(name="event_note_has_text", condition=~Q(verb="note") | ~Q(note="")),
        ]

    def __str__(self) -> str:
        return f"{self.request}: {self.get_verb_display()}"


class Ranking(models.Model):
    """The latest ranking of a request's candidates, with reasons and exclusion counts, stored so that
    pages show it without recomputing. ``candidates`` holds, best first, one dict per candidate:
    ``{"kind": "volunteer" | "organisation", "id", "name", "score", "distance_km", "factors": [...]}``
    where each factor is ``{"factor", "value", "weight", "reason"}``."""

    request = models.OneToOneField(
        SupportRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="ranking"
    )
    ranked_at = models.DateTimeField(_("ranked"))
    candidates = models.JSONField(_("candidates"), default=list)
    signposts = models.JSONField(
        _("signposts"), default=list, help_text=_("Arm's-length groups to point the resident to.")
    )
    exclusions = models.JSONField(_("excluded, by reason"), default=dict)
    considered = models.PositiveIntegerField(_("candidates considered"), default=0)
    duration_ms = models.FloatField(_("time taken (ms)"), default=0)

    class Meta:
        ordering = ["-ranked_at"]

    def __str__(self) -> str:
        return f"{self.request}: {len(self.candidates)} candidates"


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("email")
    SMS = "sms", _("SMS")


class NotificationKind(models.TextChoices):
    OFFER = "offer", _("offer")
    REFERRAL = "referral", _("referral")
    REMINDER = "reminder", _("reminder before expiry")
    ESCALATION = "escalation", _("escalation")


class NotificationState(models.TextChoices):
    PENDING = "pending", _("waiting to send")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed, no more retries")


class Notification(models.Model):
    """One message to one recipient, kept so that a failed send is retried and never lost."""

    Channel = NotificationChannel
    Kind = NotificationKind
    State = NotificationState

    request = models.ForeignKey(
        SupportRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="notifications"
    )
    offer = models.ForeignKey(
        Offer, verbose_name=_("offer"), null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=NotificationChannel.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=NotificationKind.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"))
    state = models.CharField(
        _("state"), max_length=8, choices=NotificationState.choices, default=NotificationState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notification_due_idx")]
        constraints = [
            models.CheckConstraint(
                name="notification_channel_valid", condition=Q(channel__in=list(NotificationChannel.values))
            ),
            models.CheckConstraint(name="notification_kind_valid", condition=Q(kind__in=list(NotificationKind.values))),
            models.CheckConstraint(
                name="notification_state_valid", condition=Q(state__in=list(NotificationState.values))
            ),
            models.CheckConstraint(
                name="notification_sent_has_time", condition=~Q(state="sent") | Q(sent_at__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["offer", "kind", "channel", "recipient"],
                condition=Q(offer__isnull=False),
                name="notification_once_per_offer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.get_state_display()})"


class AuditAction(models.TextChoices):
    CREATED = "created", _("created")
    UPDATED = "updated", _("updated")
    VIEWED = "viewed", _("viewed")
    EXPORTED = "exported", _("exported (subject access)")
    ERASED = "erased", _("erased")
    ANONYMISED = "anonymised", _("anonymised after retention")


class AuditEntry(models.Model):
    """Who did what to which record, and when: every create and update of residents, requests and offers,
    every staff view of a resident's record, and every export or erasure. It names the fields changed,
    never their values, so the log itself holds no personal data beyond who acted. Never edited."""

    Action = AuditAction

    cell = models.ForeignKey(
        ResponseCell, verbose_name=_("response cell"), on_delete=models.CASCADE, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(
        _("by (as signed in)"), max_length=150, blank=True, help_text=_("Kept if the account is deleted.")
    )
    action = models.CharField(_("action"), max_length=12, choices=AuditAction.choices)
    object_type = models.CharField(_("record type"), max_length=30)
    object_id = models.PositiveBigIntegerField(_("record id"))
    fields = models.JSONField(_("fields changed"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["cell", "-at"], name="audit_cell_time_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]
        constraints = [
            models.CheckConstraint(name="audit_action_valid", condition=Q(action__in=list(AuditAction.values))),
            models.CheckConstraint(
                name="audit_object_type_valid", condition=Q(object_type__in=["resident", "request", "offer"])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_name or '-'} {self.action} {self.object_type} {self.object_id}"
