"""The API of volunteers: their records for the staff of their cell, and ``volunteers/me/`` for a volunteer's
own profile, availability and time off.

Staff holding ``Perm.VOLUNTEER_VIEW`` read the volunteers of their cells; cell administrators register
and change them. A signed-in volunteer reaches their own record and nothing else of the cell. The weekly
availability is a list of {weekday, part} slots (``volunteers.serializers``).
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from config.api import ErrorSerializer, HasPerm
from config.errors import DomainError
from config.viewsets import ServiceViewSet
from partners.access import Perm
from volunteers import services
from volunteers.access import volunteer_for, volunteers_visible
from volunteers.filters import VolunteerFilter
from volunteers.models import Volunteer
from volunteers.serializers import VolunteerCreateSerializer, VolunteerMeSerializer, VolunteerSerializer


def _service_arguments(data: dict[str, Any]) -> dict[str, Any]:
    """The serializer's names for the lists the services take under their own names."""
    if "affiliation_links" in data:
        data["affiliations"] = data.pop("affiliation_links")
    return data


class VolunteerViewSet(ServiceViewSet):
    """Volunteers of the caller's cells: where they live and how far they travel, their skills, languages,
    weekly availability, time off, checks and affiliations."""

    serializer_class = VolunteerSerializer
    create_serializer_class = VolunteerCreateSerializer
    permission_classes = [permissions.IsAuthenticated, HasPerm]
    required_perm = Perm.VOLUNTEER_VIEW
    action_perms = dict.fromkeys(("create", "partial_update", "update", "destroy"), Perm.CELL_CONFIGURE)
    filterset_class = VolunteerFilter
    ordering_fields = ["id", "last_name", "first_name", "joined_on", "created_at", "updated_at", "travel_radius_km"]
    ordering = ["last_name"]

    def get_queryset(self) -> QuerySet[Volunteer]:
        return volunteers_visible(self.principal, self.action_perm() or Perm.VOLUNTEER_VIEW).prefetch_related(
            "skills", "time_off", "affiliation_links__organisation"
        )

    def create_object(self, data: dict[str, Any]) -> Volunteer:
        return services.volunteer_create(**_service_arguments(data))

    def update_object(self, instance: Volunteer, data: dict[str, Any]) -> Volunteer:
        return services.volunteer_update(volunteer=instance, **_service_arguments(data))

    def delete_object(self, instance: Volunteer) -> None:
        services.volunteer_delete(volunteer=instance)


class VolunteerMeViewSet(viewsets.GenericViewSet):
    """A signed-in volunteer's own record."""

    serializer_class = VolunteerMeSerializer
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None
    filter_backends: list[Any] = []
    parser_classes = [JSONParser]

    def get_object(self) -> Volunteer:
        volunteer = volunteer_for(self.request.user)
        if volunteer is None:
            raise Http404(_("You are not signed in as a volunteer."))
        return (
            Volunteer.objects.filter(pk=volunteer.pk)
            .prefetch_related("skills", "time_off", "affiliation_links__organisation")
            .get()
        )

    @extend_schema(
        methods=["GET"],
        summary=_("My volunteer profile"),
        description=_("The signed-in volunteer's own record. Anyone else gets a 404."),
        responses={200: VolunteerMeSerializer, **dict.fromkeys((401, 403, 404), ErrorSerializer)},
    )
    @extend_schema(
        methods=["PATCH"],
        summary=_("Change my profile, availability or time off"),
        description=_(
            "Say when you are usually free, switch “available now” on (for up to a day) or off, list your time "
            "off, and keep your skills, contact details, travel radius, transport and languages up to date, "
            "under the same rules as your own pages. Lists replace the old ones."
        ),
        request=VolunteerMeSerializer,
        responses={200: VolunteerMeSerializer, **dict.fromkeys((400, 401, 403, 404), ErrorSerializer)},
    )
    @action(detail=False, methods=["get", "patch"], url_path="me")
    def me(self, request: Request) -> Response:
        volunteer = self.get_object()
        if request.method == "PATCH":
            serializer = self.get_serializer(volunteer, data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            try:
                services.volunteer_update_own(volunteer=volunteer, **dict(serializer.validated_data))
            except DomainError as error:
                if error.field == "hours":  # the pages' name for it
                    raise DomainError(error.message, field="available_for_hours", code=error.code) from error
                raise
            volunteer = self.get_object()
        return Response(self.get_serializer(volunteer).data)


def register(router: BaseRouter) -> None:
    # "me" first, so that volunteers/me/ is never read as the volunteer with id "me".
    router.register("volunteers", VolunteerMeViewSet, basename="volunteer-me")
    router.register("volunteers", VolunteerViewSet, basename="volunteer")
