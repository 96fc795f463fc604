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

# The project's components (static/src/components/) as docs/frontend.md shows them.
COMPONENTS_PAGE = engines["django"].from_string(
    """{% extends "base.html" %}{% block title %}Components{% endblock %}
{% block content %}
<h1 class="govuk-heading-l">Components</h1>
<form method="post">{% csrf_token %}
  <button type="submit" class="govuk-button app-toggle" aria-pressed="true" name="available_now" value="0">
    <span class="app-toggle__state">On</span> Available now</button>
  <button type="submit" class="govuk-button app-toggle" aria-pressed="false" name="available_now" value="1">
    <span class="app-toggle__state">Off</span> Available now</button>
</form>
<ul class="app-count-list">
  <li class="app-count"><span class="app-count__number">12</span> new</li>
  <li class="app-count"><span class="app-count__number">4</span> overdue</li>
</ul>
<div class="app-table-wrapper"><table class="govuk-table app-queue-table">
  <thead class="govuk-table__head"><tr class="govuk-table__row">
    <th scope="col" class="govuk-table__header"><a class="app-sort-link" href="?sort=reference" aria-sort="ascending">Reference</a></th>
    <th scope="col" class="govuk-table__header">Need</th><th scope="col" class="govuk-table__header">Status</th></tr></thead>
  <tbody class="govuk-table__body">
    <tr class="govuk-table__row app-queue-table__row--overdue"><td class="govuk-table__cell">HX-4K2</td>
      <td class="govuk-table__cell">Prescription collection</td>
      <td class="govuk-table__cell">{% include "includes/tag.html" with text="Escalated" status="escalated" %}</td></tr>
    <tr class="govuk-table__row app-queue-table__row--safeguarding app-queue-table__row--new"><td class="govuk-table__cell">HX-4K3</td>
      <td class="govuk-table__cell">Check-in call</td>
      <td class="govuk-table__cell">{% include "includes/tag.html" with text="New" status="new" %}</td></tr>
  </tbody></table></div>
<dl class="app-bar-chart">
  {% for label, count in bars %}<div class="app-bar-chart__row"><dt class="app-bar-chart__label">{{ label }}</dt>
    <dd class="app-bar-chart__value"><span class="app-bar-chart__bar app-bar-chart__bar--{% widthratio count 40 100 %}"></span>
    <span class="app-bar-chart__number">{{ count }}</span></dd></div>{% endfor %}
</dl>
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


def components(request: HttpRequest) -> HttpResponse:
    bars = [("Food parcel", 40), ("Prescription collection", 22), ("Check-in call", 9), ("Dog walking", 0)]
    return HttpResponse(COMPONENTS_PAGE.render({"bars": bars}, request))


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
    path("components/", components),
    path("forbidden/", forbidden),
    path("broken/", broken),
    path("", page, name="home"),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
