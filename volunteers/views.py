"""A volunteer's own pages: the "available now" switch, weekly availability and time off, and profile.

Each page works without JavaScript (forms post, then redirect with a message); with HTMX, the switch and
the time-off list are swapped in place by rendering the same partial the page includes. A refused input
is shown on the field it names: as the partial (status 200, which HTMX swaps) or as the whole page
(status 400) without HTMX. Nothing already saved is lost, and what was typed is kept in the form.
"""

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from config.errors import DomainError
from partners.signin.lockout import Locked, client_ip, locked_message, signin_attempt_release
from partners.signin.sessions import signin_complete
from volunteers import services
from volunteers.access import volunteer_for
from volunteers.decorators import volunteer_required
from volunteers.forms import (
    AvailabilityForm,
    AvailableNowForm,
    ProfileForm,
    SignInLinkForm,
    TimeOffForm,
    add_domain_error,
)
from volunteers.models import Volunteer
from volunteers.selectors import time_off_ahead, time_off_on, volunteer_checks
from volunteers.signin import LINK_LIFETIME, magic_link_attempt, magic_link_request, magic_link_usable, magic_link_use
from volunteers.templatetags.volunteer_tags import SWITCH_TEMPLATE, available_now_context

TIME_OFF_TEMPLATE = "volunteers/_time_off.html"


def _volunteer(request: HttpRequest) -> Volunteer:
    return request.volunteer  # type: ignore[attr-defined]


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Back to the page the form was on, if it is one of ours."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return HttpResponseRedirect(target)
    return redirect(fallback)


def _first_error(form: AvailableNowForm | TimeOffForm) -> str:
    return next(str(error) for errors in form.errors.values() for error in errors)


def _switch_words(volunteer: Volunteer) -> str:
    now = timezone.now()
    if not volunteer.is_available_now_at(now):
        return _("You are no longer marked as available now.")
    assert volunteer.available_now_until is not None
    until = timezone.localtime(volunteer.available_now_until)
    if until.date() == timezone.localdate(now):
        return _("You are available now, until %(time)s.") % {"time": formats.date_format(until, "H:i")}
    return _("You are available now, until %(time)s.") % {"time": formats.date_format(until, "l H:i")}


@require_POST
@vary_on_headers("HX-Request")
@volunteer_required
def available_now(request: HttpRequest) -> HttpResponse:
    """Turn the switch on (for a while) or off."""
    volunteer = _volunteer(request)
    form = AvailableNowForm(request.POST)
    announce = ""
    if form.is_valid():
        try:
            services.volunteer_set_available_now(
                volunteer=volunteer, available=form.cleaned_data["available"], hours=form.cleaned_data["hours"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            announce = _switch_words(volunteer)
            form = AvailableNowForm()
    if request.htmx:  # type: ignore[attr-defined]
        context = available_now_context(
            request, volunteer, form=form, next_url=request.POST.get("next", ""), announce=announce
        )
        return render(request, SWITCH_TEMPLATE, context)
    if form.errors:
        messages.error(request, _first_error(form))
    else:
        messages.success(request, announce)
    return _back(request, "home")


def _availability_page(
    request: HttpRequest,
    *,
    grid: AvailabilityForm | None = None,
    time_off_form: TimeOffForm | None = None,
    status: int = 200,
) -> HttpResponse:
    volunteer = _volunteer(request)
    today = timezone.localdate()
    context = {
        "volunteer": volunteer,
        "grid": grid or AvailabilityForm(volunteer=volunteer),
        "time_off_today": time_off_on(volunteer, today),
        **_time_off_context(volunteer, form=time_off_form),
    }
    return render(request, "volunteers/availability.html", context, status=status)


def _time_off_context(
    volunteer: Volunteer, *, form: TimeOffForm | None = None, announce: str = ""
) -> dict[str, object]:
    return {
        "time_off": list(time_off_ahead(volunteer, today=timezone.localdate())),
        "time_off_form": form or TimeOffForm(),
        "announce": announce,
    }


@require_http_methods(["GET", "POST"])
@never_cache
@volunteer_required
def availability(request: HttpRequest) -> HttpResponse:
    """The weekly grid (GET shows it, POST saves it) and the time-off list."""
    volunteer = _volunteer(request)
    if request.method != "POST":
        return _availability_page(request)
    grid = AvailabilityForm(request.POST, volunteer=volunteer)
    if grid.is_valid():
        try:
            services.volunteer_set_availability(volunteer=volunteer, slots=grid.slots())
        except DomainError as error:
            add_domain_error(grid, error)
        else:
            messages.success(request, _("Your weekly availability is saved."))
            return redirect("volunteers:availability")
    return _availability_page(request, grid=grid, status=400)


def _time_off_response(request: HttpRequest, *, form: TimeOffForm | None, announce: str) -> HttpResponse:
    """After adding or removing time off: the list again (HTMX), or back to the page with a message."""
    volunteer = _volunteer(request)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, TIME_OFF_TEMPLATE, _time_off_context(volunteer, form=form, announce=announce))
    if form is not None and form.errors:
        return _availability_page(request, time_off_form=form, status=400)
    messages.success(request, announce)
    return redirect("volunteers:availability")


def _period(starts_on: datetime.date, ends_on: datetime.date) -> dict[str, str]:
    return {"start": formats.date_format(starts_on, "j F Y"), "end": formats.date_format(ends_on, "j F Y")}


@require_POST
@vary_on_headers("HX-Request")
@volunteer_required
def time_off_add(request: HttpRequest) -> HttpResponse:
    form = TimeOffForm(request.POST)
    if form.is_valid():
        try:
            period = services.time_off_add(volunteer=_volunteer(request), **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if period.starts_on == period.ends_on:
                words = _("Time off on %(start)s is saved.") % _period(period.starts_on, period.ends_on)
            else:
                words = _("Time off from %(start)s to %(end)s is saved.") % _period(period.starts_on, period.ends_on)
            return _time_off_response(request, form=None, announce=words)
    return _time_off_response(request, form=form, announce="")


@require_POST
@vary_on_headers("HX-Request")
@volunteer_required
def time_off_remove(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = _volunteer(request)
    period = get_object_or_404(volunteer.time_off, pk=pk)
    services.time_off_remove(volunteer=volunteer, time_off=period)
    if period.starts_on == period.ends_on:
        words = _("Time off on %(start)s is removed.") % _period(period.starts_on, period.ends_on)
    else:
        words = _("Time off from %(start)s to %(end)s is removed.") % _period(period.starts_on, period.ends_on)
    return _time_off_response(request, form=None, announce=words)


@require_http_methods(["GET", "POST"])
@never_cache
@volunteer_required
def profile(request: HttpRequest) -> HttpResponse:
    """What the volunteer can do and how to reach them; their checks, read only, so they know when to renew."""
    volunteer = _volunteer(request)
    status = 200
    if request.method == "POST":
        form = ProfileForm(request.POST, volunteer=volunteer)
        if form.is_valid():
            try:
                services.volunteer_update_profile(volunteer=volunteer, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("volunteers:profile")
        status = 400
    else:
        form = ProfileForm(volunteer=volunteer)
    context = {
        "volunteer": volunteer,
        "form": form,
        "checks": volunteer_checks(volunteer, today=timezone.localdate()),
    }
    return render(request, "volunteers/profile.html", context, status=status)


# Signing in by link -----------------------------------------------------------------------------------------


TOO_MANY = 429
GONE = 410


@never_cache
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and volunteer_for(request.user) is not None:
        return redirect("volunteer:home")
    form = SignInLinkForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_valid():
        locked = magic_link_request(address=form.cleaned_data["address"], ip=client_ip(request))
        if locked is None:
            return redirect("volunteers:signin-sent")
        form.add_error("address", locked_message(locked.until))
        status = TOO_MANY
    return render(request, "volunteers/signin.html", {"form": form}, status=status)


@never_cache
def signin_sent(request: HttpRequest) -> HttpResponse:
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    return render(request, "volunteers/signin_sent.html", {"minutes": minutes})


@never_cache
@require_http_methods(["GET", "POST"])
def magic_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only the POST it sends signs in, so a mail scanner opening the link does not."""
    if request.method == "GET":
        if magic_link_usable(token) is None:
            return render(request, "volunteers/magic_link_invalid.html", status=GONE)
        return render(request, "volunteers/magic_link.html")
    attempt = magic_link_attempt(ip=client_ip(request))
    if isinstance(attempt, Locked):
        context = {"locked_message": locked_message(attempt.until)}
        return render(request, "volunteers/magic_link_invalid.html", context, status=TOO_MANY)
    user = magic_link_use(token)
    if user is None:
        return render(request, "volunteers/magic_link_invalid.html", status=GONE)
    signin_attempt_release(attempt)
    signin_complete(request, user)
    return redirect("volunteer:home")
