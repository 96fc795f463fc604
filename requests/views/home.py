"""The front door: each signed-in person goes to the page their role works in."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_safe

from partners.access import Perm, principal_for
from volunteers.access import volunteer_for


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("signin")
    principal = principal_for(request.user)
    if principal.can(Perm.REQUEST_WORK):
        return redirect("triage:queue")
    if principal.can(Perm.REQUEST_CREATE):
        return redirect("helpline:call")
    if principal.can(Perm.REFERRAL_RESPOND):
        return redirect("partner:inbox")
    if principal.can(Perm.STATS_VIEW):
        return redirect("dashboard:overview")
    if volunteer_for(request.user) is not None:
        return redirect("volunteer:home")
    return redirect("signin")
