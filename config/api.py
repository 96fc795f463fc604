"""What every endpoint of the public API shares: the one mapping of domain errors to HTTP, cursor
pagination for large lists, and permission classes that ask the access policy.

Errors are JSON that names the field: ``{"detail": "...", "errors": {"field": ["message"]}}``. A domain
rule that refuses an action is 400 with its field; an invalid state change is 409; a row the caller may
not see is 404 (never 403, which would confirm it exists).
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import DomainError, InvalidTransition
from partners.access import Perm, principal_for

NON_FIELD = "non_field_errors"


def _as_lists(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {key: value if isinstance(value, list | dict) else [value] for key, value in detail.items()}
    if isinstance(detail, list):
        return {NON_FIELD: detail}
    return {NON_FIELD: [detail]}


def _first_message(errors: dict[str, Any]) -> str:
    for field, messages in errors.items():
        message = messages
        while isinstance(message, list | dict):
            if not message:
                break
            message = message[0] if isinstance(message, list) else next(iter(message.values()))
        if field == NON_FIELD:
            return str(message)
        return f"{field}: {message}"
    return _("The request is not valid.")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The one place domain errors become HTTP responses."""
    if isinstance(exc, DomainError):
        status = 409 if isinstance(exc, InvalidTransition) else 400
        errors = {exc.field or NON_FIELD: [exc.message]}
        return Response({"detail": exc.message, "code": exc.code, "errors": errors}, status=status)
    if isinstance(exc, DjangoValidationError):
        errors = _as_lists(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        return Response({"detail": _first_message(errors), "code": "invalid", "errors": errors}, status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _as_lists(response.data)
        response.data = {"detail": _first_message(errors), "code": "invalid", "errors": errors}
    elif isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        response.data = {"detail": str(detail), "code": getattr(detail, "code", "error")}
    return response


class CursorPagination(pagination.CursorPagination):
    """Stable pages over large, changing lists: a row added meanwhile never shifts the next page."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-id"


class HasPerm(permissions.BasePermission):
    """The caller holds the view's ``required_perm`` (or, per action, ``action_perms[action]``) in some cell.
    Which rows they reach within it is the queryset's business (``get_queryset`` asks the policy)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        perm: Perm | None = getattr(view, "action_perms", {}).get(getattr(view, "action", None))
        perm = perm or getattr(view, "required_perm", None)
        if perm is None:
            return bool(request.user and request.user.is_authenticated)
        return principal_for(request.user).can(perm)
