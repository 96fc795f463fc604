"""The dashboard: the cell's picture at a glance, for coordinators, hub coordinators and administrators."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from hubs.models import ResponseCell
from partners.access import Perm, principal_for
from partners.decorators import staff_required
from requests.statistics import CHART_DAYS, cell_statistics, statistics_cells

CHART_HEIGHT = 120
CHART_BAR = 14


def _chart(days: list) -> dict:
    """Bar geometry for the inline SVG chart of requests logged and assigned per day (no script needed)."""
    peak = max([1, *(max(day.logged, day.assigned) for day in days)])
    bars = []
    for index, day in enumerate(days):
        x = index * (CHART_BAR * 2 + 8)
        logged = round(day.logged / peak * CHART_HEIGHT)
        assigned = round(day.assigned / peak * CHART_HEIGHT)
        bars.append(
            {
                "day": day.day,
                "logged": day.logged,
                "assigned": day.assigned,
                "x_logged": x,
                "x_assigned": x + CHART_BAR,
                "h_logged": logged,
                "h_assigned": assigned,
                "y_logged": CHART_HEIGHT - logged,
                "y_assigned": CHART_HEIGHT - assigned,
                "x_label": x + CHART_BAR,
            }
        )
    return {
        "bars": bars,
        "width": len(days) * (CHART_BAR * 2 + 8),
        "height": CHART_HEIGHT,
        "bar": CHART_BAR,
        "peak": peak,
    }


@require_safe
@staff_required(Perm.STATS_VIEW)
def overview(request: HttpRequest) -> HttpResponse:
    principal = principal_for(request.user)
    cells = list(ResponseCell.objects.filter(pk__in=statistics_cells(principal)).order_by("name"))
    chosen = request.GET.get("cell", "")
    cell = next((c for c in cells if str(c.pk) == chosen), cells[0] if cells else None)
    context: dict[str, Any] = {
        "cells": cells,
        "cell": cell,
        "chart_days": CHART_DAYS,
        "can_triage": cell is not None and principal.can(Perm.REQUEST_WORK, cell.pk),
    }
    if cell is not None:
        stats = cell_statistics(principal, cell_id=cell.pk)
        context |= {"stats": stats, "chart": _chart(stats.days)}
    template = "requests/dashboard/_figures.html" if request.htmx else "requests/dashboard/overview.html"  # type: ignore[attr-defined]
    return render(request, template, context)
