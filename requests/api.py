"""The requests half of the public API: residents, support requests and their actions, offers and referrals.

Every endpoint asks the one access policy (`requests.access`) which rows the caller reaches; a row
outside that scope is a 404 on every route. Writes go through the services, which audit them and
raise the domain errors that `config.api.exception_handler` maps to 400 (with the field) or 409.
The shape of what comes back follows the caller's rights:

- a request is `view: "full"` (everything, and in detail its timeline) for those who may work on it,
  and `view: "status"` (where it stands) for those who may only see it;
- a resident's `health_notes` are present only for those who may read them;
- an offer is `view: "staff"` for the request's staff and `view: "helper"` for the volunteer or
  organisation asked, who see the resident's contact details only once they have accepted.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from config.api import ErrorSerializer, HasPerm
from config.pagination import KeysetPagination
from hubs.models import ResponseCell
from partners.access import Perm, Principal, principal_for
from partners.models import Organisation
from requests import services
from requests.access import (
    can_read_health,
    can_work,
    helper_may_contact,
    offers_visible,
    referrals_visible,
    request_get,
    requests_visible,
    resident_get,
    residents_visible,
    volunteer_offers,
)
from requests.audit import resident_viewed
from requests.filters import OfferFilter, ResidentFilter, SupportRequestApiFilter, open_request_count
from requests.matching.ranking import exclusion_labels
from requests.matching.workflow import request_offer_to
from requests.models import Offer, OfferState, Resident, SupportRequest
from requests.privacy import resident_erase, resident_export
from requests.serializers import (
    AssignSerializer,
    ErasedSerializer,
    EventSerializer,
    HelperChoiceSerializer,
    HelperOfferSerializer,
    NoteSerializer,
    OptionalNoteSerializer,
    OptionalReasonSerializer,
    OutcomeSerializer,
    RankingSerializer,
    ReasonSerializer,
    RequestCreateSerializer,
    RequestDetailSerializer,
    RequestStatusSerializer,
    RequestWorkSerializer,
    ResidentSerializer,
    ResidentSummarySerializer,
    StaffOfferSerializer,
    TriageSerializer,
)
from requests.statistics import cell_statistics, statistics_cells
from volunteers.access import volunteer_for
from volunteers.models import Volunteer


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    words = {
        400: _("The input is not valid; `errors` names each field at fault."),
        403: _("The caller may not do this."),
        404: _("No such row, or not one the caller may see."),
        409: _("The request's or offer's current state does not allow this."),
    }
    return {code: OpenApiResponse(ErrorSerializer, description=words[code]) for code in codes}


REQUEST_LIST_ITEM = PolymorphicProxySerializer(
    component_name="SupportRequestListItem",
    serializers=[RequestStatusSerializer, RequestWorkSerializer],
    resource_type_field_name="view",
    many=True,
)
REQUEST_ONE = PolymorphicProxySerializer(
    component_name="SupportRequestOne",
    serializers=[RequestStatusSerializer, RequestDetailSerializer],
    resource_type_field_name="view",
)
OFFER_LIST_ITEM = PolymorphicProxySerializer(
    component_name="OfferListItem",
    serializers=[StaffOfferSerializer, HelperOfferSerializer],
    resource_type_field_name="view",
    many=True,
)
OFFER_ONE = PolymorphicProxySerializer(
    component_name="OfferOne",
    serializers=[StaffOfferSerializer, HelperOfferSerializer],
    resource_type_field_name="view",
)


def _in_shapes(rows: list[Any], shape: Callable[[Any], type[serializers.BaseSerializer[Any]]]) -> list[Any]:
    """Each row in the shape the caller's rights give it, in the rows' order. One list serializer per
    shape, not one serializer per row: building a serializer's fields costs more than using them."""
    shapes: dict[type[serializers.BaseSerializer[Any]], list[int]] = {}
    for index, row in enumerate(rows):
        shapes.setdefault(shape(row), []).append(index)
    out: list[Any] = [None] * len(rows)
    for serializer_class, indexes in shapes.items():
        for index, data in zip(indexes, serializer_class([rows[i] for i in indexes], many=True).data, strict=True):
            out[index] = data
    return out


class _PolicyMixin:
    """The caller as the access policy and the services see them (every view requires a signed-in user)."""

    @property
    def principal(self) -> Principal:
        return principal_for(self.request.user)  # type: ignore[attr-defined]

    @property
    def actor(self) -> Any:
        return self.request.user  # type: ignore[attr-defined]


# Residents ---------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("Find residents by name, phone or postcode"),
        description=_("Each with the number of open requests: “already known, 2 open requests”."),
        responses={200: ResidentSummarySerializer(many=True), **_errors(400, 403)},
    ),
    retrieve=extend_schema(
        summary=_("A resident's record (the view is recorded in the audit log)"),
        responses={200: ResidentSerializer, **_errors(403, 404)},
    ),
    create=extend_schema(
        summary=_("Record a new resident"),
        request=ResidentSerializer,
        responses={201: ResidentSerializer, **_errors(400, 403)},
    ),
    update=extend_schema(
        summary=_("Change a resident's record"),
        request=ResidentSerializer,
        responses={200: ResidentSerializer, **_errors(400, 403, 404)},
    ),
    partial_update=extend_schema(
        summary=_("Change some of a resident's record"),
        request=ResidentSerializer,
        responses={200: ResidentSerializer, **_errors(400, 403, 404)},
    ),
)
class ResidentViewSet(
    _PolicyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Resident],
):
    permission_classes = [HasPerm]
    required_perm = Perm.RESIDENT_SEARCH
    action_perms = {
        "create": Perm.REQUEST_CREATE,
        "update": Perm.REQUEST_CREATE,
        "partial_update": Perm.REQUEST_CREATE,
        "export": Perm.RESIDENT_DATA_RIGHTS,
        "erase": Perm.RESIDENT_DATA_RIGHTS,
    }
    filter_backends = [DjangoFilterBackend]
    filterset_class = ResidentFilter
    pagination_class = KeysetPagination
    serializer_class = ResidentSerializer

    def get_queryset(self) -> QuerySet[Resident]:
        return (
            residents_visible(self.principal)
            .select_related("area")
            .annotate(open_requests=open_request_count())
            .order_by("last_name", "first_name", "id")
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return ResidentSummarySerializer if self.action == "list" else ResidentSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["cells"] = ResponseCell.objects.filter(
            self.principal.cell_filter(Perm.REQUEST_CREATE, field="pk"), is_active=True
        ).order_by("pk")
        return context

    def get_object(self) -> Resident:
        resident = resident_get(self.principal, self.kwargs["pk"])
        if self.action in ("update", "partial_update") and not (
            residents_visible(self.principal, Perm.REQUEST_CREATE).filter(pk=resident.pk).exists()
        ):
            raise PermissionDenied(_("You may see this resident's record but not change it."))
        return resident

    def _record(self, resident: Resident, *, status_code: int = 200) -> Response:
        context = {**self.get_serializer_context(), "may_read_health": can_read_health(self.principal, resident)}
        return Response(ResidentSerializer(resident, context=context).data, status=status_code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        resident = self.get_object()
        resident_viewed(actor=self.actor, resident=resident)
        return self._record(resident)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        resident = services.resident_create(actor=self.actor, **serializer.validated_data)
        return self._record(resident, status_code=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        resident = self.get_object()
        context = {**self.get_serializer_context(), "may_read_health": can_read_health(self.principal, resident)}
        serializer = ResidentSerializer(
            resident, data=request.data, partial=kwargs.get("partial", False), context=context
        )
        serializer.is_valid(raise_exception=True)
        before = _stored_values(resident)
        resident = services.resident_update(resident=resident, actor=self.actor, **serializer.validated_data)
        if _stored_values(resident) == before:
            # Nothing changed, so nothing was recorded as updated; the record sent back is still a read of it.
            resident_viewed(
                actor=self.actor, resident=resident, note=str(_("Read back after a change that changed nothing"))
            )
        return self._record(resident)

    @extend_schema(
        summary=_("Everything held about a resident (subject access; recorded in the audit log)"),
        responses={200: OpenApiTypes.OBJECT, **_errors(403, 404)},
    )
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: str) -> Response:
        resident = resident_get(self.principal, pk, Perm.RESIDENT_DATA_RIGHTS)
        return Response(resident_export(resident=resident, actor=self.actor))

    @extend_schema(
        summary=_("Erase a resident's details (right to erasure); their requests stay in the statistics"),
        request=ReasonSerializer,
        responses={200: ErasedSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def erase(self, request: Request, pk: str) -> Response:
        resident = resident_get(self.principal, pk, Perm.RESIDENT_DATA_RIGHTS)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        erased = resident_erase(resident=resident, actor=self.actor, reason=serializer.validated_data["reason"])
        return Response(ErasedSerializer(erased).data)


# Requests ----------------------------------------------------------------------------------------------


def _stored_values(resident: Resident) -> dict[str, Any]:
    return {f.attname: getattr(resident, f.attname) for f in Resident._meta.concrete_fields if f.name != "updated_at"}


def _work_response(support_request: SupportRequest, *, status_code: int = 200) -> Response:
    """The request after an action, in full: the caller has just worked on it (and may since have moved it
    out of their scope, e.g. by clearing the safeguarding flag, so it is read again without the policy)."""
    fresh = SupportRequest.objects.select_related("resident__area", "referring_organisation", "logged_by").get(
        pk=support_request.pk
    )
    return Response(RequestDetailSerializer(fresh).data, status=status_code)


@extend_schema_view(
    list=extend_schema(
        summary=_("Support requests, filtered and sorted"),
        description=_(
            "Each request is `view: full` where the caller may work on it and `view: status` where they "
            "may only see where it stands (a helpline operator, a cell administrator)."
        ),
        responses={200: REQUEST_LIST_ITEM, **_errors(400, 403)},
    ),
    retrieve=extend_schema(
        summary=_("One support request"),
        description=_(
            "`view: full` with the timeline and the helpers asked, for those who may work on it; "
            "`view: status` otherwise."
        ),
        responses={200: REQUEST_ONE, **_errors(403, 404)},
    ),
    create=extend_schema(
        summary=_("Log a request for a resident"),
        description=_("It enters the queue and a worker ranks its candidates."),
        request=RequestCreateSerializer,
        responses={201: REQUEST_ONE, **_errors(400, 403)},
    ),
)
class SupportRequestViewSet(
    _PolicyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[SupportRequest],
):
    permission_classes = [HasPerm]
    required_perm = Perm.REQUEST_VIEW
    WORK_ACTIONS = ("triage", "match", "candidates", "offer", "assign", "escalate", "complete", "cancel", "signpost")
    action_perms = {
        "create": Perm.REQUEST_CREATE,
        "notes": Perm.REQUEST_WORK,
        **dict.fromkeys(WORK_ACTIONS, Perm.REQUEST_WORK),
    }
    filter_backends = [DjangoFilterBackend]
    filterset_class = SupportRequestApiFilter
    pagination_class = KeysetPagination
    serializer_class = RequestWorkSerializer

    def get_queryset(self) -> QuerySet[SupportRequest]:
        accepted = Offer.objects.filter(state=OfferState.ACCEPTED).select_related("volunteer", "organisation")
        return (
            requests_visible(self.principal)
            .select_related("resident__area", "referring_organisation", "logged_by")
            .prefetch_related("categories", Prefetch("offers", queryset=accepted, to_attr="accepted_offers"))
        )

    def _shaped(self, rows: list[SupportRequest], *, detail: bool = False) -> list[dict[str, Any]]:
        workable = set(
            requests_visible(self.principal, Perm.REQUEST_WORK)
            .filter(pk__in=[row.pk for row in rows])
            .values_list("pk", flat=True)
        )
        full = RequestDetailSerializer if detail else RequestWorkSerializer
        return _in_shapes(rows, lambda row: full if row.pk in workable else RequestStatusSerializer)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        assert page is not None
        return self.get_paginated_response(self._shaped(page))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        support_request = request_get(self.principal, kwargs["pk"])
        return Response(self._shaped([support_request], detail=True)[0])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cells = self.principal.cell_filter(Perm.REQUEST_CREATE, field="cell_partnerships__cell")
        context = {
            **self.get_serializer_context(),
            "resident_queryset": residents_visible(self.principal, Perm.REQUEST_CREATE),
            "referring_organisation_queryset": Organisation.objects.filter(cells).distinct(),
        }
        serializer = RequestCreateSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        resident = data.pop("resident")
        support_request = services.request_create(cell=resident.cell, resident=resident, logged_by=self.actor, **data)
        fresh = self.get_queryset().filter(pk=support_request.pk).first()
        if fresh is None:  # logged for a resident outside the caller's sight once it is saved
            return Response(RequestStatusSerializer(support_request).data, status=status.HTTP_201_CREATED)
        return Response(self._shaped([fresh], detail=True)[0], status=status.HTTP_201_CREATED)

    def _workable(self) -> SupportRequest:
        """The request of an action: 404 outside the caller's sight, 403 where they may see but not work on it."""
        support_request = request_get(self.principal, self.kwargs["pk"])
        if not can_work(self.principal, support_request):
            raise PermissionDenied(_("You may see this request but not work on it."))
        return support_request

    def _input(self, serializer_class: type[serializers.Serializer[Any]], **context: Any) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context={**self.get_serializer_context(), **context})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(
        summary=_("Triage: set the level of need, urgency, needs or the safeguarding flag"),
        request=TriageSerializer,
        responses={200: RequestDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def triage(self, request: Request, pk: str) -> Response:
        support_request = self._workable()
        data = self._input(TriageSerializer)
        services.request_triage(support_request=support_request, actor=self.actor, **data)
        return _work_response(support_request)

    @extend_schema(
        summary=_("Rank the candidates again"),
        description=_("A worker ranks them shortly; `candidates` says when the new ranking is in."),
        request=None,
        responses={202: RequestDetailSerializer, **_errors(403, 404)},
    )
    @action(detail=True, methods=["post"])
    def match(self, request: Request, pk: str) -> Response:
        support_request = self._workable()
        services.request_rerank(support_request=support_request, actor=self.actor)
        return _work_response(support_request, status_code=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary=_("The ranked candidates, with their reasons, signposts and exclusions"),
        responses={200: RankingSerializer, **_errors(403, 404)},
    )
    @action(detail=True, methods=["get"])
    def candidates(self, request: Request, pk: str) -> Response:
        support_request = self._workable()
        ranking = getattr(support_request, "ranking", None)
        data: dict[str, Any] = {
            "ranked_at": None,
            "pending": support_request.needs_ranking_since is not None,
            "needs_ranking_since": support_request.needs_ranking_since,
            "considered": 0,
            "candidates": [],
            "signposts": [],
            "exclusions": [],
        }
        if ranking is not None:
            data.update(
                ranked_at=ranking.ranked_at,
                considered=ranking.considered,
                candidates=ranking.candidates,
                signposts=ranking.signposts,
                exclusions=[{"reason": reason, "count": n} for reason, n in exclusion_labels(ranking.exclusions)],
            )
        return Response(RankingSerializer(data).data)

    @extend_schema(
        summary=_("Offer the request to a chosen volunteer, or refer it to a chosen organisation"),
        description=_("The candidate must pass every hard rule; a pending offer to someone else is withdrawn."),
        request=HelperChoiceSerializer,
        responses={201: StaffOfferSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def offer(self, request: Request, pk: str) -> Response:
        support_request = self._workable()
        data = self._input(HelperChoiceSerializer, volunteer_queryset=self._volunteers(support_request))
        offer = request_offer_to(support_request=support_request, actor=self.actor, **data)
        return Response(StaffOfferSerializer(offer).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Assign by hand, with a reason"),
        request=AssignSerializer,
        responses={201: StaffOfferSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        support_request = self._workable()
        data = self._input(AssignSerializer, volunteer_queryset=self._volunteers(support_request))
        offer = services.request_assign(support_request=support_request, actor=self.actor, **data)
        return Response(StaffOfferSerializer(offer).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def _volunteers(support_request: SupportRequest) -> QuerySet[Volunteer]:
        return Volunteer.objects.filter(cell_id=support_request.cell_id).exclude(status=Volunteer.Status.LEFT)

    @extend_schema(
        summary=_("Escalate one stage: hub, LIO, then the statutory safety net"),
        request=OptionalNoteSerializer,
        responses={200: RequestDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, pk: str) -> Response:
        support_request = self._workable()
        data = self._input(OptionalNoteSerializer)
        services.request_escalate(support_request=support_request, actor=self.actor, **data)
        return _work_response(support_request)

    @extend_schema(
        summary=_("Complete the request with its outcome"),
        request=OutcomeSerializer,
        responses={200: RequestDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        support_request = self._workable()
        data = self._input(OutcomeSerializer)
        services.request_complete(support_request=support_request, actor=self.actor, **data)
        return _work_response(support_request)

    @extend_schema(
        summary=_("Cancel the request, with a reason"),
        request=ReasonSerializer,
        responses={200: RequestDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        support_request = self._workable()
        data = self._input(ReasonSerializer)
        services.request_cancel(support_request=support_request, actor=self.actor, **data)
        return _work_response(support_request)

    @extend_schema(
        summary=_("Close the request by pointing the resident to help elsewhere"),
        request=NoteSerializer,
        responses={200: RequestDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def signpost(self, request: Request, pk: str) -> Response:
        support_request = self._workable()
        data = self._input(NoteSerializer)
        services.request_signpost(support_request=support_request, actor=self.actor, **data)
        return _work_response(support_request)

    @extend_schema(
        summary=_("Add a note to the request's timeline"),
        request=NoteSerializer,
        responses={201: EventSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: str) -> Response:
        support_request = self._workable()
        data = self._input(NoteSerializer)
        event = services.request_add_note(support_request=support_request, actor=self.actor, **data)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


# Offers and referrals ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("Offers and referrals: a volunteer's own, an organisation's referrals, or a cell's"),
        description=_(
            "`view: helper` for the volunteer or organisation asked (the resident's contact details only "
            "once accepted), `view: staff` for the staff who work on the request."
        ),
        responses={200: OFFER_LIST_ITEM, **_errors(400)},
    ),
    retrieve=extend_schema(summary=_("One offer or referral"), responses={200: OFFER_ONE, **_errors(404)}),
)
class OfferViewSet(_PolicyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Offer]):
    permission_classes = [HasPerm]  # any signed-in user: each role reaches its own rows, and volunteers hold no role
    filter_backends = [DjangoFilterBackend]
    filterset_class = OfferFilter
    pagination_class = KeysetPagination
    serializer_class = HelperOfferSerializer

    def _helper_rows(self) -> QuerySet[Offer]:
        if not hasattr(self, "_volunteer"):
            self._volunteer = volunteer_for(self.request.user)
        return referrals_visible(self.principal) | volunteer_offers(self._volunteer)

    def _staff_rows(self) -> QuerySet[Offer]:
        # Who was asked is part of working on a request: those who only see where it stands do not get it.
        return offers_visible(self.principal, Perm.REQUEST_WORK)

    def get_queryset(self) -> QuerySet[Offer]:
        return (
            (self._staff_rows() | self._helper_rows())
            .select_related("request__resident__area", "volunteer", "organisation", "created_by")
            .prefetch_related("request__categories")
            .order_by("-created_at", "-id")
        )

    def _shaped(self, rows: list[Offer]) -> list[dict[str, Any]]:
        ids = [row.pk for row in rows]
        staff = set(self._staff_rows().filter(pk__in=ids).values_list("pk", flat=True))
        self._record_contacts_seen([row for row in rows if row.pk not in staff])
        return _in_shapes(rows, lambda row: StaffOfferSerializer if row.pk in staff else HelperOfferSerializer)

    def _record_contacts_seen(self, helper_rows: list[Offer]) -> None:
        """A partner contact is staff: the resident's details they are shown, as the referral page does, are a
        read of the resident's record and go in the audit log. (A volunteer's are not: volunteers are not staff.)"""
        if not self.principal.is_staff_member:
            return
        for offer in helper_rows:
            if offer.organisation_id is not None and helper_may_contact(offer):
                resident_viewed(
                    actor=self.actor,
                    resident=offer.request.resident,
                    note=_("Referral to %(organisation)s, through the API") % {"organisation": offer.organisation},
                )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None
        return self.get_paginated_response(self._shaped(page))

    def get_object(self) -> Offer:
        try:
            return self.get_queryset().get(pk=int(self.kwargs["pk"]))
        except (Offer.DoesNotExist, TypeError, ValueError) as exc:
            raise Http404(_("No such offer.")) from exc

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._shaped([self.get_object()])[0])

    def _asked(self) -> Offer:
        """The offer of a helper's action: only the volunteer or organisation asked may answer it."""
        offer = self.get_object()
        if not self._helper_rows().filter(pk=offer.pk).exists():
            raise PermissionDenied(_("Only the volunteer or organisation asked can answer this."))
        return offer

    def _helper_response(self, offer: Offer) -> Response:
        fresh = Offer.objects.select_related("request__resident__area", "volunteer", "organisation").get(pk=offer.pk)
        self._record_contacts_seen([fresh])
        return Response(HelperOfferSerializer(fresh).data)

    def _input(self, serializer_class: type[serializers.Serializer[Any]]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(
        summary=_("Accept the offer or referral"),
        request=None,
        responses={200: HelperOfferSerializer, **_errors(403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        offer = services.offer_accept(offer=self._asked(), actor=self.actor)
        return self._helper_response(offer)

    @extend_schema(
        summary=_("Decline the offer or referral"),
        request=OptionalReasonSerializer,
        responses={200: HelperOfferSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        offer = self._asked()
        data = self._input(OptionalReasonSerializer)
        return self._helper_response(services.offer_decline(offer=offer, actor=self.actor, **data))

    @extend_schema(
        summary=_("Mark the accepted task done, with its outcome"),
        request=OutcomeSerializer,
        responses={200: HelperOfferSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        offer = self._asked()
        data = self._input(OutcomeSerializer)
        return self._helper_response(services.offer_complete(offer=offer, actor=self.actor, **data))

    @extend_schema(
        summary=_("Hand back an accepted task, with a reason"),
        request=ReasonSerializer,
        responses={200: HelperOfferSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str) -> Response:
        offer = self._asked()
        data = self._input(ReasonSerializer)
        return self._helper_response(services.offer_release(offer=offer, actor=self.actor, **data))

    @extend_schema(
        summary=_("Withdraw an offer waiting for an answer (the request's coordinators)"),
        request=ReasonSerializer,
        responses={200: StaffOfferSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        offer = self.get_object()
        if not self._staff_rows().filter(pk=offer.pk).exists():
            raise PermissionDenied(_("Only the request's coordinators can withdraw an offer."))
        data = self._input(ReasonSerializer)
        services.offer_withdraw(offer=offer, actor=self.actor, **data)
        return Response(StaffOfferSerializer(self.get_queryset().get(pk=offer.pk)).data)


# Statistics --------------------------------------------------------------------------------------------


class StatisticsQuerySerializer(serializers.Serializer[Any]):
    cell = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text=_("The cell; the caller's first when left out.")
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("The cell's picture at a glance, as the dashboard shows it"),
        parameters=[StatisticsQuerySerializer],
        responses={200: OpenApiTypes.OBJECT, **_errors(400, 403, 404)},
    )
)
class StatisticsViewSet(_PolicyMixin, viewsets.ViewSet):
    """Open requests by status, urgency and need; overdue; unmatched with their exclusion reasons; volunteers
    available now against requests waiting per area; median minutes from call to assignment (7 days)."""

    permission_classes = [HasPerm]
    required_perm = Perm.STATS_VIEW

    def list(self, request: Request) -> Response:
        query = StatisticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        cells = statistics_cells(self.principal)
        cell_id = query.validated_data.get("cell", cells[0] if cells else None)
        if cell_id is None or cell_id not in cells:
            raise Http404(_("No such response cell."))
        return Response(cell_statistics(self.principal, cell_id=cell_id).as_dict())


def register(router: BaseRouter) -> None:
    router.register("residents", ResidentViewSet, basename="resident")
    router.register("requests", SupportRequestViewSet, basename="request")
    router.register("offers", OfferViewSet, basename="offer")
    router.register("statistics", StatisticsViewSet, basename="statistics")
