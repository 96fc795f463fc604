"""The project's URLs, plus one page behind ``staff_required``, to test the gate through real requests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from partners.access import Perm
from partners.decorators import staff_required


@staff_required(Perm.REQUEST_WORK)
def gated(request: HttpRequest) -> HttpResponse:
    return HttpResponse("the triage queue")


urlpatterns = [path("gated/", gated, name="gated"), *site_urlpatterns]
