"""The gate for a volunteer's own pages."""

from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from partners.decorators import View
from volunteers.access import volunteer_for


def volunteer_required(view: View) -> View:
    """Signed in as a volunteer who has not left; ``request.volunteer`` is their record."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            # With ?next=, so that the link in an offer's text message leads back to the offer after signing in.
            return redirect_to_login(request.get_full_path(), "volunteers:signin")
        volunteer = volunteer_for(request.user)
        if volunteer is None:
            return redirect("home")
        request.volunteer = volunteer  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    wrapped.for_volunteers = True  # type: ignore[attr-defined]  # read by the permission matrix test
    return wrapped
