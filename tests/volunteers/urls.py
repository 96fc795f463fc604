"""The project's URLs, plus the volunteer's front page (``volunteer:home``) where the requests app does not
serve it yet, so that signing in by link can be followed to where it leads."""

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, include, path, reverse

from config.urls import urlpatterns as site_urlpatterns


def _volunteer_home(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"volunteer home for {request.user}")


try:
    reverse("volunteer:home", urlconf="config.urls")
    urlpatterns = list(site_urlpatterns)
except NoReverseMatch:
    urlpatterns = [path("v/", include(([path("", _volunteer_home, name="home")], "volunteer"))), *site_urlpatterns]
