"""The Django admin, behind the same sign-in as every staff page.

Its own login form would be a second door without the lockout or the second factor, so it sends people
to ``/sign-in/`` and back; a signed-in person must also have passed the second factor in this session to
be let in (as django-otp's ``OTPAdminSite`` does). Signing out of the admin forgets the session as the
product's own sign-out does.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from partners.signin.second_factor import second_factor_required, second_factor_verified
from partners.signin.sessions import signout


class SecondFactorAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and second_factor_verified(request.user)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        if not request.user.is_authenticated:
            return redirect_to_login(next_url)
        if second_factor_required(request.user) and not second_factor_verified(request.user):
            return redirect("signin-two-factor")
        # Signed in, second factor passed, but not someone the admin is for.
        return redirect("home")

    def logout(  # type: ignore[override]  # a redirect, not a page
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method != "POST":
            return redirect("signout")
        signout(request)
        return redirect("signin")
