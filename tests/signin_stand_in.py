"""Stand-in sign-in routes for the page tests, used only while the real ones are missing.

The page gates redirect to ``signin`` (staff) and ``volunteers:signin`` (volunteers), which the sign-in
work adds. Until those routes exist on this branch, ``signin_routes`` serves the same URL names from a
test URLconf so that the redirects can be asserted; once they exist it changes nothing, and the real
routes are the ones tested. Delete this module when every branch has the sign-in pages.
"""

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, URLResolver, include, path, reverse

import config.urls
import volunteers.urls


def _signin(request: HttpRequest) -> HttpResponse:
    return HttpResponse("sign in")


_missing_volunteer_signin = not any(getattr(p, "name", None) == "signin" for p in volunteers.urls.urlpatterns)

urlpatterns = [
    path(
        "v/",
        include(
            (
                [*volunteers.urls.urlpatterns, path("signin/", _signin, name="signin")]
                if _missing_volunteer_signin
                else volunteers.urls.urlpatterns,
                "volunteers",
            )
        ),
    ),
    path("signin/", _signin, name="signin"),
    *[p for p in config.urls.urlpatterns if not (isinstance(p, URLResolver) and p.namespace == "volunteers")],
]


@pytest.fixture
def signin_routes(settings: Any) -> None:
    try:
        reverse("signin")
        reverse("volunteers:signin")
    except NoReverseMatch:
        settings.ROOT_URLCONF = "tests.signin_stand_in"
