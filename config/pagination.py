"""Keyset pagination: cursors over the queryset's whole ordering, not only its first field.

DRF's ``CursorPagination`` keeps its place by the first ordering field and an offset among the rows
that share its value. Sorting a queue by urgency or level of need (four values each, thousands of rows
per value) then pages by offset, and past ``offset_cutoff`` rows it silently repeats pages. Here the
cursor holds the last row's value of every ordering field, and the next page is the rows strictly
after it in that order (``(a, b, id) > (x, y, z)``), which holds however many rows share a value.

The ordering is the queryset's own (a FilterSet's ``ordering`` or the model's ``Meta.ordering``); the
primary key is appended when it is not there, so every position is unique. Ordering fields must be
the model's own columns or annotations, never null. Cursors are signed: a cursor that was altered, or
that belongs to another ordering, is refused as invalid (404, as DRF does) instead of reaching SQL.
"""

import datetime
import decimal
from typing import Any

from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from config.api import CursorPagination

_SALT = "config.pagination.keyset"


def _plain(value: Any) -> Any:
    """A position value as JSON keeps it; Django's lookups read these strings back for their fields."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _flip(term: str) -> str:
    return term[1:] if term.startswith("-") else f"-{term}"


def _after(walk: tuple[str, ...], values: list[Any], *, inclusive: bool) -> Q:
    """Rows that come after ``values`` when the queryset is ordered by ``walk``: the lexicographic
    comparison ``(f1, f2, ...) > (v1, v2, ...)`` spelt out as ``f1 > v1 OR (f1 = v1 AND f2 > v2) ...``."""
    condition = Q(pk__in=[])
    equal = Q()
    for term, value in zip(walk, values, strict=True):
        name = term.lstrip("-")
        condition |= equal & Q(**{f"{name}__{'lt' if term.startswith('-') else 'gt'}": value})
        equal &= Q(**{name: value})
    return condition | equal if inclusive else condition


class KeysetPagination(CursorPagination):
    """Cursor pagination keyed on every ordering field (see the module's docstring)."""

    def keyset_ordering(self, queryset: QuerySet[Any]) -> tuple[str, ...]:
        terms: list[Any] = list(queryset.query.order_by) or (
            list(queryset.model._meta.ordering) if queryset.query.default_ordering else []
        )
        if not terms:
            terms = [self.ordering] if isinstance(self.ordering, str) else list(self.ordering)
        if any(not isinstance(term, str) or "__" in term or term.lstrip("-") == "?" for term in terms):
            raise ImproperlyConfigured(f"Keyset pagination needs plain field names to order by, not {terms!r}.")
        ordering: list[str] = terms
        names = [term.lstrip("-") for term in ordering]
        if "pk" not in names and queryset.model._meta.pk.name not in names:
            ordering.append("-pk" if ordering[-1].startswith("-") else "pk")
        return tuple(ordering)

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request, view: Any = None) -> list[Any] | None:
        self.request = request
        size = self.get_page_size(request) or self.page_size or 1
        self.base_url = request.build_absolute_uri()
        self.keyset = self.keyset_ordering(queryset)
        self.position = self.decode_position(request)
        reverse = bool(self.position and self.position["r"])
        walk = tuple(_flip(term) for term in self.keyset) if reverse else self.keyset
        queryset = queryset.order_by(*walk)
        if self.position is not None:
            queryset = queryset.filter(_after(walk, self.position["v"], inclusive=self.position["i"]))
        # The page's keys first, from the table alone (the sort reads no joined rows), then its rows in
        # full: on a cell with tens of thousands of requests this halves the time of a page.
        keys = list(queryset.values_list("pk", flat=True)[: size + 1])
        more = len(keys) > size
        found = {row.pk: row for row in queryset.order_by().filter(pk__in=keys[:size])}
        self.page = [found[key] for key in keys[:size] if key in found]
        if reverse:
            self.page.reverse()
            self.has_next = not self.position["i"]  # type: ignore[index]
            self.has_previous = more
        else:
            self.has_next = more
            self.has_previous = self.position is not None and not self.position["i"]
        self.display_page_controls = self.has_next or self.has_previous
        return self.page

    def _values(self, row: Any) -> list[Any]:
        return [_plain(row.pk if term.lstrip("-") == "pk" else getattr(row, term.lstrip("-"))) for term in self.keyset]

    def _link(self, values: list[Any], *, reverse: bool, inclusive: bool) -> str:
        payload = {"o": list(self.keyset), "v": values, "r": reverse, "i": inclusive}
        return replace_query_param(self.base_url or "", self.cursor_query_param, signing.dumps(payload, salt=_SALT))

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        if self.page:
            return self._link(self._values(self.page[-1]), reverse=False, inclusive=False)
        assert self.position is not None  # an empty page with rows after it came from a cursor
        return self._link(self.position["v"], reverse=False, inclusive=not self.position["i"])

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        if self.page:
            return self._link(self._values(self.page[0]), reverse=True, inclusive=False)
        assert self.position is not None
        return self._link(self.position["v"], reverse=True, inclusive=not self.position["i"])

    def decode_position(self, request: Request) -> dict[str, Any] | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            payload = signing.loads(encoded, salt=_SALT)
        except signing.BadSignature as exc:
            raise NotFound(self.invalid_cursor_message) from exc
        if (
            not isinstance(payload, dict)
            or payload.get("o") != list(self.keyset)
            or not isinstance(payload.get("v"), list)
            or len(payload["v"]) != len(self.keyset)
        ):
            raise NotFound(self.invalid_cursor_message)
        return {"v": payload["v"], "r": bool(payload.get("r")), "i": bool(payload.get("i"))}

    # DRF's own cursor helpers do not apply to keyset cursors.
    def encode_cursor(self, cursor: Any) -> str:
        raise NotImplementedError

    def decode_cursor(self, request: Request) -> Any:
        raise NotImplementedError
