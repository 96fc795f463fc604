"""Gates for pages: who may open a page at all. What they may see on it is the access policy's business
(``partners.access``, ``requests.access``); these only check that the right kind of person is signed in."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url

from partners.access import Perm, principal_for
from partners.signin.second_factor import second_factor_required, second_factor_verified

View = Callable[..., HttpResponse]


def second_factor_needed(user: Any) -> bool:
    """Staff (anyone holding a role in a cell, or the admin site) must have passed the TOTP second factor
    in this session; volunteers sign in by magic link and have none."""
    return second_factor_required(user) and not second_factor_verified(user)


def signed_out(request: HttpRequest) -> HttpResponse:
    """To the sign-in page; for a background refresh by htmx, make the whole page go there (htmx would
    otherwise put the sign-in page inside the part it refreshes)."""
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
        return response
    return redirect_to_login(request.get_full_path())


def staff_required(perm: Perm | None = None) -> Callable[[View], View]:
    """Signed in, second factor passed, holding ``perm`` in some cell (or any staff role when None).
    A signed-in person without the right is sent to their own front page, not shown an error."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return signed_out(request)
            if second_factor_needed(request.user):
                return redirect("signin-two-factor")
            principal = principal_for(request.user)
            allowed = principal.can(perm) if perm is not None else principal.is_staff_member
            if not allowed:
                return redirect("home")
            return view(request, *args, **kwargs)

        # Read by the permission matrix test, which checks every page against ROLE_PERMISSIONS.
        wrapped.required_perm = perm  # type: ignore[attr-defined]
        return wrapped

    return decorator
