"""The cell's picture at a glance: the dashboard's and the API's statistics, read in a handful of queries.

Everything is computed over the requests the caller may see with ``Perm.STATS_VIEW`` (a hub coordinator's
figures are their hub's areas), for one cell at a time, so that figures never mix tenants.
"""

import datetime
import statistics as pystatistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hubs.models import Area, NeedCategory
from partners.access import Perm, Principal
from requests.access import requests_visible
from requests.matching.ranking import exclusion_labels
from requests.models import OPEN_STATUSES, WAITING_STATUSES, Ranking, Status, SupportRequest, Urgency
from volunteers.models import Volunteer

UNMATCHED_SHOWN = 10
CHART_DAYS = 14
ASSIGNMENT_WINDOW = datetime.timedelta(days=7)


@dataclass(frozen=True)
class Tally:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Unmatched:
    id: int
    reference: str
    urgency: str
    due_by: datetime.datetime
    area: str
    reasons: list[tuple[str, int | None]]


@dataclass(frozen=True)
class AreaBalance:
    area_id: int | None
    area: str
    available_now: int
    waiting: int


@dataclass(frozen=True)
class Day:
    day: datetime.date
    logged: int
    assigned: int


@dataclass
class CellStatistics:
    cell_id: int
    generated_at: datetime.datetime
    open_total: int
    by_status: list[Tally]
    by_urgency: list[Tally]
    by_category: list[Tally]
    overdue: int
    waiting: int
    unmatched: list[Unmatched]
    top_exclusions: list[tuple[str, int]]
    areas: list[AreaBalance]
    median_minutes_to_assignment: float | None
    assigned_last_7_days: int
    days: list[Day] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cell": self.cell_id,
            "generated_at": self.generated_at.isoformat(),
            "open_total": self.open_total,
            "by_status": [c.__dict__ for c in self.by_status],
            "by_urgency": [c.__dict__ for c in self.by_urgency],
            "by_category": [c.__dict__ for c in self.by_category],
            "overdue": self.overdue,
            "waiting": self.waiting,
            "unmatched": [
                {
                    "id": u.id,
                    "reference": u.reference,
                    "urgency": u.urgency,
                    "due_by": u.due_by.isoformat(),
                    "area": u.area,
                    "reasons": [{"reason": reason, "count": count} for reason, count in u.reasons],
                }
                for u in self.unmatched
            ],
            "top_exclusions": [{"reason": reason, "count": count} for reason, count in self.top_exclusions],
            "areas": [a.__dict__ for a in self.areas],
            "median_minutes_to_assignment": self.median_minutes_to_assignment,
            "assigned_last_7_days": self.assigned_last_7_days,
            "days": [{"day": d.day.isoformat(), "logged": d.logged, "assigned": d.assigned} for d in self.days],
        }


def statistics_cells(principal: Principal) -> list[int]:
    """The cells whose statistics the principal may read."""
    if principal.is_superuser:
        return list(SupportRequest.objects.values_list("cell_id", flat=True).distinct().order_by("cell_id"))
    return sorted(principal.cell_ids(Perm.STATS_VIEW))


def _scope(principal: Principal, cell_id: int) -> QuerySet[SupportRequest]:
    return requests_visible(principal, Perm.STATS_VIEW).filter(cell_id=cell_id)


def cell_statistics(principal: Principal, *, cell_id: int, now: datetime.datetime | None = None) -> CellStatistics:
    now = now or timezone.now()
    scoped = _scope(principal, cell_id)
    open_requests = scoped.filter(status__in=sorted(OPEN_STATUSES))

    status_counts = dict(open_requests.values_list("status").annotate(n=Count("pk")).order_by())
    by_status = [
        Tally(status.value, str(status.label), status_counts.get(status.value, 0))
        for status in Status
        if status in OPEN_STATUSES
    ]
    urgency_counts = dict(open_requests.values_list("urgency").annotate(n=Count("pk")).order_by())
    by_urgency = [Tally(u.value, str(u.label), urgency_counts.get(u.value, 0)) for u in Urgency]
    category_counts = dict(
        open_requests.values_list("categories__slug").annotate(n=Count("pk", distinct=True)).order_by()
    )
    by_category = [
        Tally(slug, name, category_counts[slug])
        for slug, name in NeedCategory.objects.filter(slug__in=list(category_counts)).values_list("slug", "name")
    ]
    by_category.sort(key=lambda c: (-c.count, c.label))

    overdue = open_requests.filter(due_by__lt=now).count()
    waiting_requests = open_requests.filter(status__in=sorted(WAITING_STATUSES))

    # Unmatched: waiting, ranked, with nobody to offer; the reasons are the ranking's exclusion counts.
    unmatched_rows = list(
        Ranking.objects.filter(request__in=waiting_requests, candidates=[])
        .select_related("request__resident__area")
        .order_by("request__due_by", "request_id")
    )
    total_reasons: Counter[str] = Counter()
    unmatched: list[Unmatched] = []
    for ranking in unmatched_rows:
        # The ranking's own words for its exclusions, largest first; a rule that ruled out every
        # volunteer comes first, without a count.
        labels = exclusion_labels(ranking.exclusions)
        counted = [(label, n) for label, n in labels if n is not None]
        for label, n in counted:
            total_reasons[label] += n
        listed: list[tuple[str, int | None]] = [(label, n) for label, n in labels if n is None]
        listed += counted[:3]
        if len(unmatched) < UNMATCHED_SHOWN:
            request = ranking.request
            unmatched.append(
                Unmatched(
                    id=request.pk,
                    reference=request.reference,
                    urgency=request.urgency,
                    due_by=request.due_by,
                    area=request.resident.area.name if request.resident.area else _("area unknown"),
                    reasons=listed,
                )
            )

    # Volunteers available now against requests waiting, per area.
    waiting_by_area = Counter(
        dict(waiting_requests.values_list("resident__area_id").annotate(n=Count("pk")).order_by())
    )
    available = (
        Volunteer.objects.filter(cell_id=cell_id, status=Volunteer.Status.ACTIVE, available_now=True)
        .filter(Q(available_now_until__isnull=True) | Q(available_now_until__gt=now))
        .values_list("area_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    available_by_area = Counter(dict(available))
    area_ids = {a for a in set(waiting_by_area) | set(available_by_area) if a is not None}
    names = dict(Area.objects.filter(pk__in=area_ids).values_list("pk", "name"))
    areas = [
        AreaBalance(
            area_id=area_id,
            area=names.get(area_id, _("area unknown")) if area_id is not None else _("area unknown"),
            available_now=available_by_area.get(area_id, 0),
            waiting=waiting_by_area.get(area_id, 0),
        )
        for area_id in set(waiting_by_area) | set(available_by_area)
    ]
    areas.sort(key=lambda a: (-(a.waiting - a.available_now), a.area))

    # Median time from call to assignment, over requests assigned in the last seven days.
    assigned = list(
        scoped.filter(assigned_at__gte=now - ASSIGNMENT_WINDOW, assigned_at__lte=now).values_list(
            "created_at", "assigned_at"
        )
    )
    minutes = [(done - logged).total_seconds() / 60 for logged, done in assigned if done is not None]
    median = round(pystatistics.median(minutes), 1) if minutes else None

    return CellStatistics(
        cell_id=cell_id,
        generated_at=now,
        open_total=sum(status_counts.values()),
        by_status=by_status,
        by_urgency=by_urgency,
        by_category=by_category,
        overdue=overdue,
        waiting=sum(c.count for c in by_status if c.key in WAITING_STATUSES),
        unmatched=unmatched,
        top_exclusions=total_reasons.most_common(5),
        areas=areas,
        median_minutes_to_assignment=median,
        assigned_last_7_days=len(minutes),
        days=_days(scoped, now=now),
    )


def _days(scoped: QuerySet[SupportRequest], *, now: datetime.datetime) -> list[Day]:
    """Requests logged and assigned on each of the last ``CHART_DAYS`` days (local dates)."""
    today = timezone.localdate(now)
    first = today - datetime.timedelta(days=CHART_DAYS - 1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    logged = Counter(
        timezone.localdate(t) for t in scoped.filter(created_at__gte=start).values_list("created_at", flat=True)
    )
    assigned = Counter(
        timezone.localdate(t)
        for t in scoped.filter(assigned_at__gte=start, assigned_at__lte=now).values_list("assigned_at", flat=True)
    )
    return [
        Day(day=day, logged=logged.get(day, 0), assigned=assigned.get(day, 0))
        for day in (first + datetime.timedelta(days=n) for n in range(CHART_DAYS))
    ]
