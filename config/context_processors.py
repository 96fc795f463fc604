"""What every page's layout needs: who is signed in, where, and the navigation their rights give them.

Navigation asks the access policy (``partners.access``, ``volunteers.access``), never a role name, so an
item appears exactly when its page would let the person in. An item whose URL name does not (yet) exist
is left out rather than breaking every page. All of it is worked out lazily: a response that renders no
layout (JSON, a redirect) costs nothing, and a page costs at most three small queries.
"""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hubs.models import ResponseCell
from partners.access import Perm, principal_for
from partners.decorators import second_factor_needed
from volunteers.access import volunteer_for


@dataclass(frozen=True)
class NavEntry:
    label: Promise
    url_name: str
    perm: Perm | None = None  # staff items: the right the page asks for; None for a volunteer's items


# In the order they are shown. docs/frontend.md lists the URL names the pages must use.
STAFF_NAVIGATION = (
    NavEntry(_("Helpline"), "helpline:call", Perm.REQUEST_CREATE),
    NavEntry(_("Triage"), "triage:queue", Perm.REQUEST_WORK),
    NavEntry(_("Dashboard"), "dashboard:overview", Perm.STATS_VIEW),
    NavEntry(_("Partner inbox"), "partner:inbox", Perm.REFERRAL_RESPOND),
    NavEntry(_("Audit"), "audit:log", Perm.AUDIT_VIEW),
)
VOLUNTEER_NAVIGATION = (
    NavEntry(_("My offers"), "volunteer:home"),
    NavEntry(_("Availability"), "volunteers:availability"),
    NavEntry(_("Profile"), "volunteers:profile"),
)


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str
    current: bool = False


@dataclass(frozen=True)
class Layout:
    """The signed-in person as the header shows them, and their navigation."""

    user_name: str = ""
    cell_name: str = ""
    navigation: tuple[NavItem, ...] = ()
    signout_url: str = ""
    home_url: str = "/"

    @property
    def signed_in(self) -> bool:
        return bool(self.user_name)


def _reverse(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def _with_current(items: list[tuple[str, str]], path: str) -> tuple[NavItem, ...]:
    """Mark the item whose URL is the longest prefix of the path: /v/availability/ is Availability,
    not My offers at /v/, and /triage/r/1/ is still Triage."""
    matches = [href for _text, href in items if path.startswith(href)]
    current = max(matches, key=len) if matches else None
    return tuple(NavItem(text=text, href=href, current=href == current) for text, href in items)


def _cell_names(cell_ids: set[int]) -> str:
    names = list(ResponseCell.objects.filter(pk__in=cell_ids).order_by("name").values_list("name", flat=True))
    if len(names) > 2:
        return gettext("%(first)s and %(count)d more cells") % {"first": names[0], "count": len(names) - 1}
    return gettext(" and ").join(names)


def build_layout(request: HttpRequest) -> Layout:
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Layout(home_url=_reverse("home") or "/")
    principal = principal_for(user)
    user_name = user.get_full_name() or user.get_username()
    signout_url = _reverse("signout") or ""
    home_url = _reverse("home") or "/"

    if principal.is_staff_member:
        if principal.is_superuser and not principal.grants:
            cell_name = gettext("All response cells")
        else:
            cell_name = _cell_names({grant.cell_id for grant in principal.grants})
        entries: list[tuple[str, str]] = []
        # Until the second factor is passed every staff page sends the person back to it: no menu yet.
        if not second_factor_needed(user):
            for entry in STAFF_NAVIGATION:
                href = _reverse(entry.url_name)
                if href and entry.perm is not None and principal.can(entry.perm):
                    entries.append((str(entry.label), href))
        return Layout(user_name, cell_name, _with_current(entries, request.path), signout_url, home_url)

    volunteer = volunteer_for(user)
    if volunteer is not None:
        entries = []
        for entry in VOLUNTEER_NAVIGATION:
            href = _reverse(entry.url_name)
            if href:
                entries.append((str(entry.label), href))
        name = f"{volunteer.first_name} {volunteer.last_name}".strip() or user_name
        return Layout(name, volunteer.cell.name, _with_current(entries, request.path), signout_url, home_url)

    # Signed in with no role and no volunteer record (e.g. a membership ended): a name and a way out.
    return Layout(user_name=user_name, signout_url=signout_url, home_url=home_url)


def layout(request: HttpRequest) -> dict[str, Any]:
    return {"layout": SimpleLazyObject(lambda: build_layout(request))}
