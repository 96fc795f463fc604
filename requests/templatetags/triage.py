"""Presentation helpers of the triage pages: GOV.UK tag colours for statuses and urgencies."""

from django import template

from requests.models import OfferState, Status, Urgency

register = template.Library()

_STATUS_COLOURS: dict[str, str] = {
    Status.NEW: "light-blue",
    Status.TRIAGED: "blue",
    Status.OFFERED: "purple",
    Status.ASSIGNED: "green",
    Status.ESCALATED: "orange",
    Status.COMPLETED: "grey",
    Status.SIGNPOSTED: "turquoise",
    Status.CANCELLED: "grey",
}
_URGENCY_COLOURS: dict[str, str] = {
    Urgency.TODAY: "red",
    Urgency.WITHIN_48_HOURS: "orange",
    Urgency.THIS_WEEK: "yellow",
    Urgency.ROUTINE: "grey",
}
_OFFER_COLOURS: dict[str, str] = {
    OfferState.PENDING: "purple",
    OfferState.ACCEPTED: "green",
    OfferState.COMPLETED: "grey",
}


@register.filter
def status_tag(status: str) -> str:
    """The GOV.UK tag modifier class for a request status."""
    return f"govuk-tag--{_STATUS_COLOURS.get(status, 'grey')}"


@register.filter
def urgency_tag(urgency: str) -> str:
    return f"govuk-tag--{_URGENCY_COLOURS.get(urgency, 'grey')}"


@register.filter
def offer_tag(state: str) -> str:
    return f"govuk-tag--{_OFFER_COLOURS.get(state, 'grey')}"


@register.filter
def actor_name(user: object) -> str:
    """Who did something, as a colleague would name them; None is the system (a worker, the sweeper)."""
    if user is None:
        return ""
    full_name = getattr(user, "get_full_name", lambda: "")()
    return full_name or str(getattr(user, "get_username", lambda: user)())
