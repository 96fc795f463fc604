"""The API's shapes of residents, requests, rankings and offers, and the input of each action.

Serializers only shape and check input; what a caller may see is decided by the access policy
(``requests.access``) and passed in by the view: which shape a request takes, whether a resident's
health notes are included, whether a helper sees the resident's contact details.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.utils import html

from hubs.models import Area, LevelOfNeed, NeedCategory, ResponseCell
from partners.models import Organisation
from requests.access import HELPER_VISIBLE_FLAGS, helper_may_contact
from requests.matching.candidates import haversine_km
from requests.models import (
    OPEN_STATUSES,
    Channel,
    Event,
    Offer,
    OfferState,
    Recurrence,
    Resident,
    SupportRequest,
    Urgency,
)
from volunteers.models import Volunteer

NOTE_MAX = 2000
TEXT_MAX = 5000
REASON_MAX = 300


HELPER_KINDS = [("volunteer", _("volunteer")), ("organisation", _("organisation"))]


@extend_schema_field(OpenApiTypes.STR)
class ConstantField(serializers.ChoiceField):
    """A read-only field whose value names the shape of the object: the discriminator of a oneOf (the
    schema's discriminator mapping lists the values)."""

    def __init__(self, value: str, **kwargs: Any) -> None:
        self.value = value
        super().__init__(choices=[(value, value)], read_only=True, source="*", **kwargs)

    def to_representation(self, instance: Any) -> str:
        return self.value


def _name(obj: Any) -> str:
    return " ".join(part for part in (obj.first_name, obj.last_name) if part)


class AreaRefSerializer(serializers.ModelSerializer[Area]):
    class Meta:
        model = Area
        fields = ["id", "name", "kind"]
        read_only_fields = fields


class NamedRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


# Residents ---------------------------------------------------------------------------------------------


class ResidentSummarySerializer(serializers.ModelSerializer[Resident]):
    """A search result: enough to tell two people of the same name apart, and what is open for them."""

    area = AreaRefSerializer(read_only=True, allow_null=True)
    open_requests = serializers.IntegerField(read_only=True, help_text=_("Open support requests of the resident."))

    class Meta:
        model = Resident
        fields = [
            "id",
            "cell",
            "first_name",
            "last_name",
            "address_line_1",
            "postcode",
            "area",
            "open_requests",
            "anonymised_at",
        ]
        read_only_fields = fields


class ResidentSerializer(serializers.ModelSerializer[Resident]):
    """A resident's record. `health_notes` is present only for callers who may read health and
    vulnerability notes (coordinators, hub coordinators and safeguarding leads whose scope reaches the
    resident); for anyone else the key is absent."""

    # The view decides, through requests.access.can_read_health, and passes "may_read_health".

    area = AreaRefSerializer(read_only=True, allow_null=True)
    open_requests = serializers.SerializerMethodField(help_text=_("Open support requests of the resident."))
    cell = serializers.PrimaryKeyRelatedField(
        queryset=ResponseCell.objects.none(),
        required=False,
        help_text=_("The response cell; may be left out by callers who work in one cell. Cannot be changed."),
    )
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True)
    health_notes = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=TEXT_MAX,
        help_text=_(
            "Health and vulnerability notes. Present in responses only to callers who may read them; "
            "only they may change them once the resident exists. Never shown to volunteers or partners."
        ),
    )

    class Meta:
        model = Resident
        fields = [
            "id",
            "cell",
            "first_name",
            "last_name",
            "phone",
            "email",
            "address_line_1",
            "address_line_2",
            "town",
            "postcode",
            "postcode_known",
            "area",
            "shielding",
            "lives_alone",
            "no_phone_or_internet",
            "disability",
            "mental_health",
            "language_need",
            "preferred_language",
            "health_notes",
            "consent_to_share",
            "consent_recorded_at",
            "lawful_basis",
            "open_requests",
            "anonymised_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "postcode_known",
            "consent_recorded_at",
            "anonymised_at",
            "created_at",
            "updated_at",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cells = self.context.get("cells")
        if cells is not None:
            self.fields["cell"].queryset = cells  # type: ignore[attr-defined]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        cell = attrs.get("cell")
        if self.instance is not None:
            if cell is not None and cell != self.instance.cell:
                raise serializers.ValidationError({"cell": _("A resident cannot move to another response cell.")})
            attrs.pop("cell", None)
            if "health_notes" in attrs and not self.context.get("may_read_health"):
                raise serializers.ValidationError({"health_notes": _("You may not change health notes.")})
            return attrs
        if cell is None:
            cells = list(self.fields["cell"].queryset[:2])  # type: ignore[attr-defined]
            if len(cells) != 1:
                raise serializers.ValidationError({"cell": _("Choose the response cell.")})
            attrs["cell"] = cells[0]
        return attrs

    def to_representation(self, instance: Resident) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("may_read_health"):
            data.pop("health_notes", None)
        return data

    def get_open_requests(self, resident: Resident) -> int:
        counted = getattr(resident, "open_requests", None)
        if counted is None:
            counted = resident.requests.filter(status__in=sorted(OPEN_STATUSES)).count()
        return int(counted)


# Requests ----------------------------------------------------------------------------------------------


class ResidentNameSerializer(serializers.ModelSerializer[Resident]):
    area = AreaRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Resident
        fields = ["id", "first_name", "last_name", "area"]
        read_only_fields = fields


class HelperRefSerializer(serializers.Serializer[Offer]):
    """Who a request is offered or assigned to, through which offer."""

    offer = serializers.IntegerField(source="pk", read_only=True)
    kind = serializers.SerializerMethodField()
    id = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    state = serializers.ChoiceField(choices=OfferState.choices, read_only=True)
    by_hand = serializers.BooleanField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True)
    responded_at = serializers.DateTimeField(read_only=True, allow_null=True)

    @extend_schema_field(serializers.ChoiceField(choices=HELPER_KINDS))
    def get_kind(self, offer: Offer) -> str:
        return "organisation" if offer.is_referral else "volunteer"

    def get_id(self, offer: Offer) -> int:
        return int(offer.organisation_id or offer.volunteer_id)  # type: ignore[arg-type]

    def get_name(self, offer: Offer) -> str:
        return str(offer.organisation or offer.volunteer)


class EventSerializer(serializers.ModelSerializer[Event]):
    actor: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Event
        fields = ["id", "verb", "from_status", "to_status", "note", "actor", "at"]
        read_only_fields = fields


class RequestStatusSerializer(serializers.ModelSerializer[SupportRequest]):
    """Where a request stands: what a helpline operator (or anyone who may see but not work on it) reads."""

    view = ConstantField("status", help_text=_("This shape: where the request stands."))
    categories: Any = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    resident = ResidentNameSerializer(read_only=True)

    class Meta:
        model = SupportRequest
        fields = [
            "id",
            "view",
            "cell",
            "reference",
            "status",
            "urgency",
            "categories",
            "due_by",
            "created_at",
            "assigned_at",
            "closed_at",
            "resident",
        ]
        read_only_fields = fields


def _accepted(support_request: SupportRequest) -> Offer | None:
    offers = getattr(support_request, "accepted_offers", None)
    if offers is None:
        offers = list(
            support_request.offers.filter(state=OfferState.ACCEPTED).select_related("volunteer", "organisation")
        )
    return offers[0] if offers else None


class RequestWorkSerializer(RequestStatusSerializer):
    """Everything about a request but its timeline: what its coordinators read in a list."""

    view = ConstantField("full", help_text=_("This shape: the whole request, for those who work on it."))
    referring_organisation = NamedRefSerializer(read_only=True, allow_null=True)
    logged_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    assigned_to = serializers.SerializerMethodField(help_text=_("The helper who has accepted the request."))

    class Meta(RequestStatusSerializer.Meta):
        fields = [
            *RequestStatusSerializer.Meta.fields,
            "level",
            "channel",
            "description",
            "safeguarding",
            "recurrence",
            "escalation_stage",
            "caller_is_resident",
            "caller_name",
            "caller_relationship",
            "caller_phone",
            "referring_organisation",
            "logged_by",
            "outcome",
            "needs_ranking_since",
            "triaged_at",
            "updated_at",
            "previous_occurrence",
            "assigned_to",
        ]
        read_only_fields = fields

    @extend_schema_field(HelperRefSerializer(allow_null=True))
    def get_assigned_to(self, support_request: SupportRequest) -> dict[str, Any] | None:
        offer = _accepted(support_request)
        return None if offer is None else dict(HelperRefSerializer(offer).data)


class RequestDetailSerializer(RequestWorkSerializer):
    """One request with its pending offer and its timeline, for those who work on it."""

    offered_to = serializers.SerializerMethodField(help_text=_("The helper asked now, waiting for an answer."))
    timeline = EventSerializer(source="events", many=True, read_only=True)

    class Meta(RequestWorkSerializer.Meta):
        fields = [*RequestWorkSerializer.Meta.fields, "offered_to", "timeline"]
        read_only_fields = fields

    @extend_schema_field(HelperRefSerializer(allow_null=True))
    def get_offered_to(self, support_request: SupportRequest) -> dict[str, Any] | None:
        offer = (
            support_request.offers.filter(state=OfferState.PENDING).select_related("volunteer", "organisation").first()
        )
        return None if offer is None else dict(HelperRefSerializer(offer).data)


class RequestCreateSerializer(serializers.Serializer[Any]):
    """A request logged for a resident (find or create the resident first)."""

    resident = serializers.PrimaryKeyRelatedField(queryset=Resident.objects.none())
    categories = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=NeedCategory.objects.all(), allow_empty=False
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.THIS_WEEK)
    level = serializers.ChoiceField(
        choices=LevelOfNeed.choices,
        required=False,
        help_text=_("Left out: the highest default level of the needs chosen."),
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.HELPLINE)
    description = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    safeguarding = serializers.BooleanField(default=False)
    recurrence = serializers.ChoiceField(choices=Recurrence.choices, default=Recurrence.NONE)
    caller_is_resident = serializers.BooleanField(default=True)
    caller_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    caller_relationship = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    caller_phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    referring_organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(), required=False, allow_null=True, default=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("resident", "referring_organisation"):
            queryset = self.context.get(f"{name}_queryset")
            if queryset is not None:
                self.fields[name].queryset = queryset  # type: ignore[attr-defined]


# Actions on a request ----------------------------------------------------------------------------------


class OptionalManyField(serializers.ManyRelatedField):
    """A list that, when a form leaves it out, is left as it is: DRF reads a list missing from a form as
    an empty one, which would clear it."""

    def get_value(self, dictionary: Any) -> Any:
        if html.is_html_input(dictionary) and self.field_name not in dictionary:
            return empty
        return super().get_value(dictionary)


class TriageSerializer(serializers.Serializer[Any]):
    """Set the level of need, and optionally urgency, needs and the safeguarding flag. What is left out
    stays as it is."""

    level = serializers.ChoiceField(choices=LevelOfNeed.choices, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    categories = OptionalManyField(
        child_relation=serializers.SlugRelatedField(slug_field="slug", queryset=NeedCategory.objects.all()),
        allow_empty=False,
        required=False,
    )
    safeguarding = serializers.BooleanField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class HelperChoiceSerializer(serializers.Serializer[Any]):
    """One volunteer of the request's cell, or one organisation."""

    volunteer = serializers.PrimaryKeyRelatedField(
        queryset=Volunteer.objects.none(), required=False, allow_null=True, default=None
    )
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, default=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        volunteers = self.context.get("volunteer_queryset")
        if volunteers is not None:
            self.fields["volunteer"].queryset = volunteers  # type: ignore[attr-defined]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("volunteer") is None and attrs.get("organisation") is None:
            raise serializers.ValidationError({"volunteer": _("Choose a volunteer or an organisation.")})
        if attrs.get("volunteer") is not None and attrs.get("organisation") is not None:
            raise serializers.ValidationError({"organisation": _("Choose a volunteer or an organisation, not both.")})
        return attrs


class AssignSerializer(HelperChoiceSerializer):
    reason = serializers.CharField(max_length=REASON_MAX, help_text=_("Why the request is assigned by hand."))


class NoteSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=NOTE_MAX)


class OptionalNoteSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class OutcomeSerializer(serializers.Serializer[Any]):
    outcome = serializers.CharField(max_length=TEXT_MAX)


class ErasedSerializer(serializers.ModelSerializer[Resident]):
    """What is left to say of an erased resident."""

    class Meta:
        model = Resident
        fields = ["id", "anonymised_at"]
        read_only_fields = fields


class ReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=REASON_MAX)


class OptionalReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")


# Rankings ----------------------------------------------------------------------------------------------


class FactorSerializer(serializers.Serializer[Any]):
    factor = serializers.CharField(help_text=_("continuity, proximity, tier_fit, skill_fit, fairness, ..."))
    value = serializers.FloatField(help_text=_("0 to 1, before weighting."))
    weight = serializers.FloatField()
    reason = serializers.CharField(help_text=_("In plain words."))


class CandidateSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=HELPER_KINDS)
    id = serializers.IntegerField()
    name = serializers.CharField()
    score = serializers.FloatField()
    distance_km = serializers.FloatField(allow_null=True)
    factors = FactorSerializer(many=True)


class SignpostSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    name = serializers.CharField()


class ExclusionSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(help_text=_("Why candidates were excluded, in plain words."))
    count = serializers.IntegerField(
        allow_null=True, help_text=_("How many; null when the rule rules out every volunteer.")
    )


class RankingSerializer(serializers.Serializer[Any]):
    """The stored ranking of a request's candidates, best first, with their reasons and the exclusions."""

    ranked_at = serializers.DateTimeField(allow_null=True, help_text=_("Null when the request was never ranked."))
    pending = serializers.BooleanField(help_text=_("A fresh ranking is waiting for a worker."))
    needs_ranking_since = serializers.DateTimeField(allow_null=True)
    considered = serializers.IntegerField(help_text=_("Candidates judged by the hard rules."))
    candidates = CandidateSerializer(many=True)
    signposts = SignpostSerializer(many=True, help_text=_("Arm's-length groups to point the resident to."))
    exclusions = ExclusionSerializer(many=True)


# Offers ------------------------------------------------------------------------------------------------


class StaffOfferSerializer(serializers.ModelSerializer[Offer]):
    """An offer or referral as the request's staff see it."""

    view = ConstantField("staff", help_text=_("This shape: the offer as the request's staff see it."))
    kind = serializers.SerializerMethodField()
    reference = serializers.CharField(source="request.reference", read_only=True)
    volunteer = serializers.SerializerMethodField()
    organisation = NamedRefSerializer(read_only=True, allow_null=True)
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Offer
        fields = [
            "id",
            "view",
            "request",
            "reference",
            "kind",
            "volunteer",
            "organisation",
            "state",
            "expires_at",
            "responded_at",
            "decline_reason",
            "by_hand",
            "hand_reason",
            "created_by",
            "outcome",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=HELPER_KINDS))
    def get_kind(self, offer: Offer) -> str:
        return "organisation" if offer.is_referral else "volunteer"

    @extend_schema_field(NamedRefSerializer(allow_null=True))
    def get_volunteer(self, offer: Offer) -> dict[str, Any] | None:
        if offer.volunteer is None:
            return None
        return {"id": offer.volunteer.pk, "name": _name(offer.volunteer)}


class NeedSerializer(serializers.Serializer[Any]):
    """What the helper is asked to do, and roughly where: no one's identity."""

    reference = serializers.CharField()
    categories = serializers.ListField(child=serializers.CharField(), help_text=_("Need category slugs."))
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    description = serializers.CharField()
    due_by = serializers.DateTimeField()
    recurrence = serializers.ChoiceField(choices=Recurrence.choices)
    ward = serializers.CharField(allow_null=True, help_text=_("The resident's area."))
    distance_km = serializers.FloatField(allow_null=True, help_text=_("From the helper to the resident."))
    flags = serializers.ListField(
        child=serializers.ChoiceField(choices=list(HELPER_VISIBLE_FLAGS)),
        help_text=_("Only the flags a helper needs to know."),
    )


class ContactSerializer(serializers.Serializer[Any]):
    first_name = serializers.CharField()
    address_line_1 = serializers.CharField()
    postcode = serializers.CharField()
    phone = serializers.CharField()


class HelperOfferSerializer(serializers.ModelSerializer[Offer]):
    """An offer (to a volunteer) or a referral (to an organisation) as the helper sees it. The need, its
    urgency, the area and the distance always; the resident's first name, street, postcode and phone only
    once the helper has accepted and the resident's details may be shared. Never health notes, never the
    timeline, and of the vulnerability flags only those a helper needs to know."""

    # The one statement, for volunteers and partners alike, of what a helper may know of a resident
    # (DESIGN.md section 6): requests.access.helper_may_contact and HELPER_VISIBLE_FLAGS decide.

    view = ConstantField("helper", help_text=_("This shape: the offer as the helper sees it."))
    kind = serializers.SerializerMethodField()
    need = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField(
        help_text=_("Null until the helper has accepted, and whenever the resident's details may not be shared.")
    )

    class Meta:
        model = Offer
        fields = [
            "id",
            "view",
            "kind",
            "state",
            "expires_at",
            "responded_at",
            "outcome",
            "created_at",
            "need",
            "contact",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=HELPER_KINDS))
    def get_kind(self, offer: Offer) -> str:
        return "organisation" if offer.is_referral else "volunteer"

    @extend_schema_field(NeedSerializer)
    def get_need(self, offer: Offer) -> dict[str, Any]:
        support_request = offer.request
        resident = support_request.resident
        helper: Any = offer.organisation or offer.volunteer
        distance = None
        here, there = (resident.latitude, resident.longitude), (helper.latitude, helper.longitude)
        if None not in (*here, *there):
            distance = round(haversine_km(*here, *there), 1)  # type: ignore[arg-type]
        return {
            "reference": support_request.reference,
            "categories": [category.slug for category in support_request.categories.all()],
            "urgency": support_request.urgency,
            "description": support_request.description,
            "due_by": serializers.DateTimeField().to_representation(support_request.due_by),
            "recurrence": support_request.recurrence,
            "ward": resident.area.name if resident.area is not None else None,
            "distance_km": distance,
            "flags": [flag for flag in HELPER_VISIBLE_FLAGS if getattr(resident, flag)],
        }

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_contact(self, offer: Offer) -> dict[str, str] | None:
        if not helper_may_contact(offer):
            return None
        resident = offer.request.resident
        return {
            "first_name": resident.first_name,
            "address_line_1": resident.address_line_1,
            "postcode": resident.postcode,
            "phone": resident.phone,
        }
