"""Template helpers for GOV.UK Design System markup (``{% load govuk %}``)."""

from collections.abc import Iterator

from django import template
from django.core.paginator import Page

register = template.Library()

# A GOV.UK tag colour for each status, state or urgency value the pages show (by value, so this module
# needs no model). Colours follow what needs a person's attention: red and orange first, grey when closed.
TAG_COLOURS = {
    # Support request statuses.
    "new": "blue",
    "triaged": "light-blue",
    "offered": "yellow",
    "assigned": "turquoise",
    "escalated": "orange",
    "completed": "green",
    "signposted": "purple",
    "cancelled": "grey",
    # Offer and referral states.
    "pending": "yellow",
    "accepted": "green",
    "declined": "pink",
    "expired": "grey",
    "withdrawn": "grey",
    "released": "orange",
    # Urgency.
    "today": "red",
    "48h": "orange",
    "week": "yellow",
    "routine": "grey",
    # Flags.
    "safeguarding": "red",
    "overdue": "red",
    "paused": "grey",
}
COLOURS = frozenset({"grey", "green", "turquoise", "blue", "light-blue", "purple", "pink", "red", "orange", "yellow"})


@register.filter
def tag_colour(value: object) -> str:
    """``"escalated"`` -> ``"orange"``; a colour name passes through; anything else gives no modifier."""
    key = str(value or "")
    if key in COLOURS:
        return key
    return TAG_COLOURS.get(key, "")


@register.filter
def page_numbers(page: Page) -> Iterator[int | str]:
    """The page numbers around a Django ``Page`` to link to, with ``Paginator.ELLIPSIS`` for the gaps."""
    return page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
