"""Pages that work on requests, whoever reads them (DESIGN.md section 4): one URL module per audience."""

from django.urls import include, path

from requests.views.home import home

urlpatterns = [
    path("", home, name="home"),
    path("helpline/", include("requests.urls.helpline")),
    path("triage/", include("requests.urls.triage")),
    path("v/", include("requests.urls.volunteer")),
    path("partner/", include("requests.urls.partner")),
    path("dashboard/", include("requests.urls.dashboard")),
    path("audit/", include("requests.urls.audit")),
]
