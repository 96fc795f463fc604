"""The base of the API's resources whose writes go through services. Kept apart from ``config.api``, which
DRF imports while it is still loading its generic views (the pagination class is a setting)."""

from typing import Any

from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ErrorSerializer, PolicyViewMixin, as_id


class ServiceAutoSchema(AutoSchema):
    """Describes the answers of a resource: a created row as the serializer that shows rows
    (``serializer_class``) shows it, whatever the create serializer (``create_serializer_class``) accepted,
    and the errors each kind of operation can give, all in the one error shape (``config.api``)."""

    def get_response_serializers(self) -> Any:
        action = getattr(self.view, "action", None)
        if self._is_create_operation() and getattr(self.view, "create_serializer_class", None) is not None:
            success: Any = getattr(self.view, "serializer_class", None)
        else:
            success = super().get_response_serializers()
        errors = {
            "list": (400, 401, 403, 404),  # a bad filter; not signed in; no right; an invalid cursor
            "retrieve": (401, 403, 404),
            "create": (400, 401, 403),
            "partial_update": (400, 401, 403, 404, 409),
            "destroy": (401, 403, 404, 409),
        }.get(action or "", (400, 401, 403, 404))
        code = {"create": 201, "destroy": 204}.get(action or "", 200)
        return {code: None if code == 204 else success, **dict.fromkeys(errors, ErrorSerializer)}


class ServiceViewSet(PolicyViewMixin, viewsets.ModelViewSet):
    """A resource whose writes go through services: subclasses implement ``create_object``, ``update_object``
    and ``delete_object`` (each calling one service). A create serializer (``create_serializer_class``)
    may take more than the row shows, such as the cell a row is created in; the answer is always the row
    as ``serializer_class`` shows it. Updates are partial (PATCH); there is no PUT."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    parser_classes = [JSONParser]
    create_serializer_class: type[serializers.BaseSerializer] | None = None
    schema = ServiceAutoSchema()

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create" and self.create_serializer_class is not None:
            return self.create_serializer_class
        return super().get_serializer_class()

    def get_object(self) -> Any:
        # An id no row could have is simply not found (a huge one would overflow SQLite in the query).
        lookup = self.lookup_url_kwarg or self.lookup_field
        if as_id(self.kwargs.get(lookup)) is None:
            raise Http404
        return super().get_object()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.create_object(dict(serializer.validated_data))
        shown = self.serializer_class(instance, context=self.get_serializer_context())  # type: ignore[misc]
        return Response(shown.data, status=201)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = self.update_object(serializer.instance, dict(serializer.validated_data))

    def perform_destroy(self, instance: Any) -> None:
        self.delete_object(instance)

    def create_object(self, data: dict[str, Any]) -> Any:
        raise exceptions.MethodNotAllowed(self.request.method or "POST")

    def update_object(self, instance: Any, data: dict[str, Any]) -> Any:
        raise exceptions.MethodNotAllowed(self.request.method or "PATCH")

    def delete_object(self, instance: Any) -> None:
        raise exceptions.MethodNotAllowed(self.request.method or "DELETE")
