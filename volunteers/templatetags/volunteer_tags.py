"""The "available now" switch as a component: the volunteer's front page (in ``requests``) and the
availability page include it with ``{% available_now_switch %}``, and the switch's own endpoint renders
the same partial with the same context, so there is one template for it."""

from typing import Any

from django import template
from django.http import HttpRequest
from django.utils import timezone

from volunteers.forms import AvailableNowForm
from volunteers.models import Volunteer

register = template.Library()

SWITCH_TEMPLATE = "volunteers/_available_now.html"


def available_now_context(
    request: HttpRequest,
    volunteer: Volunteer,
    *,
    form: AvailableNowForm | None = None,
    next_url: str = "",
    announce: str = "",
) -> dict[str, Any]:
    now = timezone.now()
    until = volunteer.available_now_until
    return {
        "request": request,
        "volunteer": volunteer,
        "is_on": volunteer.is_available_now_at(now),
        "until": until,
        "until_is_today": until is not None and timezone.localdate(until) == timezone.localdate(now),
        "form": form or AvailableNowForm(),
        "next_url": next_url or request.get_full_path(),
        "announce": announce,
    }


@register.inclusion_tag(SWITCH_TEMPLATE, takes_context=True)
def available_now_switch(context: template.Context, next_url: str = "") -> dict[str, Any]:
    request = context["request"]
    switch = available_now_context(request, request.volunteer, next_url=next_url)
    switch["csrf_token"] = context.get("csrf_token")
    return switch
