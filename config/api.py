"""What every endpoint of the public API shares: the one mapping of domain errors to HTTP, cursor
pagination for large lists, and permission classes that ask the access policy.

Errors are JSON that names the field: ``{"detail": "...", "errors": {"field": ["message"]}}``. A domain
rule that refuses an action is 400 with its field; an invalid state change is 409; a row the caller may
not see is 404 (never 403, which would confirm it exists). A row that others still depend on, or a shared
entry another cell uses, is 409 too (``config.errors.Conflict``).
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.db.models.deletion import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import Conflict, DomainError
from hubs.models import ResponseCell
from partners.access import Perm, Principal, principal_for
from volunteers.access import volunteer_for

NON_FIELD = "non_field_errors"

# The ranges PostgreSQL stores (SQLite stores any size, and overflows past 64 bits).
MAX_ID = 2**63 - 1
_INTEGER_RANGES = {
    "SmallIntegerField": (-32768, 32767),
    "PositiveSmallIntegerField": (0, 32767),
    "IntegerField": (-2147483648, 2147483647),
    "PositiveIntegerField": (0, 2147483647),
    "BigIntegerField": (-(2**63), MAX_ID),
    "PositiveBigIntegerField": (0, MAX_ID),
    "AutoField": (1, 2147483647),
    "BigAutoField": (1, MAX_ID),
}


def as_id(value: Any) -> int | None:
    """A row id from input (a number or its digits), or None when it cannot be one. A number beyond what
    the database stores would overflow SQLite's integers in the query rather than simply match nothing."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value) if isinstance(value, int | str) else None
    except ValueError:
        return None
    return number if number is not None and 1 <= number <= MAX_ID else None


def _as_lists(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {key: value if isinstance(value, list | dict) else [value] for key, value in detail.items()}
    if isinstance(detail, list):
        return {NON_FIELD: detail}
    return {NON_FIELD: [detail]}


def _first_leaf(messages: Any) -> str | None:
    """The first message in nested errors; the items of a list without errors are empty ({})."""
    if isinstance(messages, dict):
        messages = list(messages.values())
    if isinstance(messages, list):
        for item in messages:
            found = _first_leaf(item)
            if found is not None:
                return found
        return None
    return str(messages)


def _first_message(errors: dict[str, Any]) -> str:
    for field, messages in errors.items():
        message = _first_leaf(messages)
        if message is None:
            continue
        return message if field == NON_FIELD else f"{field}: {message}"
    return _("The request is not valid.")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The one place domain errors become HTTP responses."""
    if isinstance(exc, ProtectedError | RestrictedError):
        exc = Conflict(_("This cannot be deleted: other records use it."), code="in_use")
    if isinstance(exc, DomainError):
        status = 409 if isinstance(exc, Conflict) else 400
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

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request, view: Any = None) -> list[Any] | None:
        # A cursor is opaque but not signed: a hand-made one whose position does not fit the ordering field
        # ("p=abc" for an id) would fail in the query. It is an invalid cursor, like any other.
        cursor = self.decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            order = self.get_ordering(request, queryset, view)[0].lstrip("-")
            try:
                field = queryset.model._meta.get_field(order)
            except FieldDoesNotExist:
                field = None  # an annotation: nothing to check it against
            if field is not None and not _fits(field, cursor.position):
                raise exceptions.NotFound(self.invalid_cursor_message)
        return super().paginate_queryset(queryset, request, view)


def _fits(field: Any, value: Any) -> bool:
    """Whether a value read from a cursor can be compared with the ordering field's column."""
    try:
        python_value = field.to_python(value)
    except (DjangoValidationError, ValueError, TypeError, OverflowError):
        return False
    bounds = _INTEGER_RANGES.get(field.get_internal_type())
    if bounds is not None:
        return bounds[0] <= python_value <= bounds[1]
    return python_value is not None


class HasPerm(permissions.BasePermission):
    """The caller holds the view's ``required_perm`` (or, per action, ``action_perms[action]``) in some cell.
    Which rows they reach within it is the queryset's business (``get_queryset`` asks the policy)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        perm: Perm | None = getattr(view, "action_perms", {}).get(getattr(view, "action", None))
        perm = perm or getattr(view, "required_perm", None)
        if perm is None:
            return bool(request.user and request.user.is_authenticated)
        return principal_for(request.user).can(perm)


class IsStaffMember(permissions.BasePermission):
    """Holds a role in some cell (or administers the deployment): staff, not a volunteer."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return principal_for(request.user).is_staff_member


class VocabularyPermission(permissions.BasePermission):
    """The shared vocabulary (areas, categories, skills): any staff member reads it; anyone who administers
    a cell adds to it. Whether a change may touch an entry other cells use is the services' rule. A view
    with ``volunteers_read = True`` (the skills, which volunteers choose for themselves) is readable by a
    signed-in volunteer too."""

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = principal_for(request.user)
        if request.method in permissions.SAFE_METHODS:
            if principal.is_staff_member:
                return True
            if getattr(view, "volunteers_read", False):
                return volunteer_for(request.user) is not None
            return False
        return principal.can(Perm.CELL_CONFIGURE)


class IsSuperuser(permissions.BasePermission):
    """Administers the whole deployment (creates response cells, changes shared entries other cells use)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return principal_for(request.user).is_superuser


if TYPE_CHECKING:
    # Only for the type checker: importing DRF's views here would be circular (see config.viewsets).
    from rest_framework.viewsets import GenericViewSet as _ViewBase
else:
    _ViewBase = object


class PolicyViewMixin(_ViewBase):
    """For a view whose permission is ``HasPerm``: the principal, and the permission the current action needs,
    so that ``get_queryset`` filters by the same permission the permission class checked."""

    required_perm: Perm | None = None
    action_perms: dict[str, Perm] = {}

    @property
    def principal(self) -> Principal:
        return principal_for(self.request.user)

    def action_perm(self) -> Perm | None:
        return self.action_perms.get(self.action or "") or self.required_perm

    def actor_cells(self, perm: Perm = Perm.CELL_CONFIGURE) -> frozenset[int] | None:
        """The cells where the caller holds ``perm``, or None for a deployment administrator (everywhere):
        the form the services take for "who is asking"."""
        principal = self.principal
        return None if principal.is_superuser else frozenset(principal.cell_ids(perm))


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to a row by its id. Anything but a whole number is the wrong type; a number no row can
    have does not exist (without asking a database that might overflow on it)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if as_id(data) is None:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class VisibleRelatedField(IdRelatedField):
    """A reference by id to a row the caller may use, as the access policy scopes it: ``scope(principal)``
    gives the rows. Any other id, whether it exists or not, is "does not exist", so nothing leaks."""

    def __init__(self, *, scope: Callable[[Principal], QuerySet[Any]], model: type[Model], **kwargs: Any) -> None:
        self.scope = scope
        self.model = model
        if not kwargs.get("read_only"):
            kwargs["queryset"] = model._default_manager.all()
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        request = self.context.get("request")
        if request is None:
            return self.model._default_manager.none()
        return self.scope(principal_for(request.user))


class OnlyCellDefault:
    """The default for a ``cell`` input: the one cell where the caller holds ``perm``. Someone who holds it in
    several (or a deployment administrator) must choose, and is told so against the field."""

    requires_context = True

    def __init__(self, perm: Perm = Perm.CELL_CONFIGURE) -> None:
        self.perm = perm

    def __call__(self, field: serializers.Field) -> Any:
        request = field.context.get("request")
        principal = principal_for(request.user if request is not None else None)
        cells = set() if principal.is_superuser else principal.cell_ids(self.perm)
        if len(cells) != 1:
            raise serializers.ValidationError(_("Choose the response cell."), code="required")
        return ResponseCell.objects.get(pk=cells.pop())

    def __repr__(self) -> str:
        return "OnlyCellDefault()"


class ModelSerializer(serializers.ModelSerializer):
    """A model serializer whose integer inputs are bounded as the column stores them, on every database, so
    that a huge number is a 400 naming the field instead of an overflow in the database."""

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[type[serializers.Field], dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        bounds = _INTEGER_RANGES.get(model_field.get_internal_type())
        if bounds is not None and issubclass(field_class, serializers.IntegerField):
            low, high = bounds
            if kwargs.get("min_value") is None or kwargs["min_value"] < low:
                kwargs["min_value"] = low
            if kwargs.get("max_value") is None or kwargs["max_value"] > high:
                kwargs["max_value"] = high
        return field_class, kwargs


class ErrorSerializer(serializers.Serializer):
    """Every error answer of the API (``exception_handler``)."""

    detail = serializers.CharField(help_text=_("What went wrong, in words; for bad input, the first problem."))
    code = serializers.CharField(
        help_text=_("A stable code: invalid, invalid_postcode, not_found, permission_denied, conflict, in_use, shared…")
    )
    # Named like Serializer.errors: DRF's metaclass takes declared fields out of the class attributes.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("For bad input: messages by field name (non_field_errors for the request as a whole)."),
    )
