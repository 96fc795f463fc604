"""A URL configuration for the layout's tests: every URL name the navigation links to, each answered by a
page that extends base.html, and one page with a form of every kind of field. The real pages live in the
apps; these stand in for them so the layout is tested on its own."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

from config.forms import GovukDateField

PAGE = engines["django"].from_string(
    """{% extends "base.html" %}{% block title %}Stand-in{% endblock %}
{% block content %}<h1 class="govuk-heading-l">Stand-in page</h1>{% endblock %}"""
)
FORM_PAGE = engines["django"].from_string(
    """{% extends "base.html" %}{% load i18n %}
{% block title %}{% if form.errors %}{% translate "Error:" %} {% endif %}Every field{% endblock %}
{% block content %}
{% include "includes/error_summary.html" with form=form %}
<h1 class="govuk-heading-l">Every field</h1>
<form method="post" novalidate>{% csrf_token %}{{ form }}<button type="submit" class="govuk-button">Save</button></form>
{% endblock %}"""
)


class EveryFieldForm(forms.Form):
    name = forms.CharField(label="Resident's name", help_text="As they say it", max_length=80)
    phone = forms.CharField(
        label="Phone", required=False, widget=forms.TextInput(attrs={"class": "govuk-input--width-20"})
    )
    note = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 4}), max_length=300, required=False)
    urgency = forms.ChoiceField(
        label="Urgency",
        choices=[("today", "Today"), ("48h", "Within 48 hours"), ("week", "This week")],
        widget=forms.RadioSelect,
    )
    needs = forms.MultipleChoiceField(
        label="Needs",
        choices=[("food", "Food parcel"), ("rx", "Prescription collection"), ("call", "Check-in call")],
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
    )
    area = forms.ChoiceField(label="Area", choices=[("", "Choose an area"), ("hx1", "Halifax town")])
    consent = forms.BooleanField(label="They agree to share their details", help_text="Read the consent script")
    needed_by = GovukDateField(label="Needed by", help_text="For example, 27 3 2026")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("urgency") == "today" and not cleaned.get("phone"):
            raise forms.ValidationError("A call for today needs a phone number to call back on.")
        return cleaned


def page(request: HttpRequest) -> HttpResponse:
    if "message" in request.GET:
        messages.success(request, request.GET["message"])
    return HttpResponse(PAGE.render({}, request))


def form_page(request: HttpRequest) -> HttpResponse:
    form = EveryFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        messages.success(request, "Saved")
    return HttpResponse(FORM_PAGE.render({"form": form}, request))


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a page that fails")


def stand_ins(namespace: str, **routes: str) -> Any:
    return include(([path(route, page, name=name) for name, route in routes.items()], namespace))


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("helpline/", stand_ins("helpline", call="")),
    path("triage/", stand_ins("triage", queue="", request="r/1/")),
    path("dashboard/", stand_ins("dashboard", overview="")),
    path("partner/", stand_ins("partner", inbox="")),
    path("audit/", stand_ins("audit", log="")),
    path("v/", stand_ins("volunteer", home="")),
    path("v/", stand_ins("volunteers", availability="availability/", profile="profile/")),
    path("signout/", page, name="signout"),
    path("every-field/", form_page, name="every-field"),
    path("forbidden/", forbidden),
    path("broken/", broken),
    path("", page, name="home"),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
