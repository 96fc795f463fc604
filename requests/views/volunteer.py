"""A volunteer's front page (/v/): the "available now" switch, offers to answer, tasks, and tasks done.

A volunteer reaches only their own offers (``requests.access.volunteer_offers``); any other id is a 404.
Answers go through the services, which lock the request and the offer, so of two accepts at once one
wins; whoever loses, or answers an offer that expired, was withdrawn or went to someone else meanwhile,
gets a kind message and the offer as it now stands, never an error page.

Every action works without JavaScript (the form posts, then redirects back with a message). With HTMX,
the action answers with the offer's card, the same partial the pages include, which replaces the old
card in place: an accepted offer turns into the task with the resident's details, where it was tapped.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from config.errors import DomainError, InvalidTransition
from requests import services
from requests.forms.volunteer import DeclineForm, DoneForm, ReleaseForm, offer_prefix
from requests.helper_view import HelperView, helper_offers, helper_view, volunteer_work
from requests.models import Offer, OfferState
from volunteers.decorators import volunteer_required
from volunteers.forms import add_domain_error
from volunteers.models import Volunteer
from volunteers.selectors import time_off_on

CARD_TEMPLATE = "requests/volunteer/_card.html"


def _volunteer(request: HttpRequest) -> Volunteer:
    return request.volunteer  # type: ignore[attr-defined]


def _actor(request: HttpRequest) -> AbstractBaseUser:
    # volunteer_required has let only a signed-in volunteer through.
    return cast(AbstractBaseUser, request.user)


def _own_offer(volunteer: Volunteer, pk: int) -> Offer:
    try:
        return helper_offers(volunteer).get(pk=pk)
    except Offer.DoesNotExist as exc:
        raise Http404(_("No such offer.")) from exc


def _posted_next(request: HttpRequest) -> str:
    """The page a form was posted from, if it is one of ours."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else ""


@dataclass
class Card:
    """One offer or task as its card shows it: what the volunteer may know, the forms to act, a message."""

    item: HelperView
    next_url: str
    decline_form: DeclineForm
    done_form: DoneForm
    release_form: ReleaseForm
    message: str = ""
    message_is_warning: bool = False
    open_form: str = field(default="")  # the form to show open: the one whose input was refused

    @property
    def bound_form(self) -> forms.Form | None:
        return {"decline": self.decline_form, "done": self.done_form, "release": self.release_form}.get(self.open_form)


def _card(
    item: HelperView,
    *,
    next_url: str,
    bound: forms.Form | None = None,
    message: str = "",
    message_is_warning: bool = False,
) -> Card:
    prefix = offer_prefix(item.offer_id)
    card = Card(
        item=item,
        next_url=next_url,
        decline_form=DeclineForm(prefix=prefix),
        done_form=DoneForm(prefix=prefix),
        release_form=ReleaseForm(prefix=prefix),
        message=message,
        message_is_warning=message_is_warning,
    )
    if isinstance(bound, DeclineForm):
        card.decline_form, card.open_form = bound, "decline"
    elif isinstance(bound, DoneForm):
        card.done_form, card.open_form = bound, "done"
    elif isinstance(bound, ReleaseForm):
        card.release_form, card.open_form = bound, "release"
    return card


def _vary(response: HttpResponse) -> HttpResponse:
    """The same URL answers a partial to HTMX and a page otherwise; caches must tell them apart."""
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_safe
@never_cache
@volunteer_required
def home(request: HttpRequest) -> HttpResponse:
    volunteer = _volunteer(request)
    now = timezone.now()
    work = volunteer_work(volunteer, now=now)
    here = request.get_full_path()
    context = {
        "volunteer": volunteer,
        "offers": [_card(item, next_url=here) for item in work.offers],
        "tasks": [_card(item, next_url=here) for item in work.tasks],
        "done": work.done,
        "not_active": volunteer.status != Volunteer.Status.ACTIVE,
        "time_off_today": time_off_on(volunteer, timezone.localdate(now)),
    }
    return render(request, "requests/volunteer/home.html", context)


def _offer_page(request: HttpRequest, card: Card, *, status: int = 200) -> HttpResponse:
    return render(request, "requests/volunteer/offer.html", {"card": card}, status=status)


@require_safe
@never_cache
@volunteer_required
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One offer or task on its own: where the link in an offer's email or text message leads."""
    volunteer = _volunteer(request)
    offer = _own_offer(volunteer, pk)
    item = helper_view(offer, volunteer=volunteer, now=timezone.now())
    message = "" if item.is_open or item.is_task else _no_longer(item)
    return _offer_page(request, _card(item, next_url=request.get_full_path(), message=message))


def _no_longer(item: HelperView) -> str:
    """Why an offer can no longer be answered (or a task finished), in kind words, from its state now."""
    state = item.state
    if state == OfferState.ACCEPTED:
        return _("You have already accepted this. The details are below.")
    if state == OfferState.COMPLETED:
        return _("This task is done. Thank you!")
    if state == OfferState.DECLINED:
        return _("You declined this offer. Thank you for letting us know.")
    if state == OfferState.RELEASED:
        return _("You handed this task back, so your coordinator is finding someone else.")
    if state == OfferState.WITHDRAWN:
        return _(
            "Someone else is helping with this request now, or it is no longer needed. "
            "Thank you for being ready to help."
        )
    if state == OfferState.EXPIRED or (state == OfferState.PENDING and not item.is_open):
        return _("Sorry, the time to answer this offer ran out, so we have asked someone else. Thank you for looking.")
    return _("This request is no longer waiting for a helper. Thank you for being ready to help.")


def _refreshed(volunteer: Volunteer, pk: int) -> HelperView:
    return helper_view(_own_offer(volunteer, pk), volunteer=volunteer, now=timezone.now())


def _answered(
    request: HttpRequest,
    pk: int,
    *,
    message: str,
    warning: bool = False,
    bound: forms.Form | None = None,
) -> HttpResponse:
    """The response to an action on an offer: its card as it now stands (HTMX), the offer's page again
    with the refused input (no JavaScript, bad input), or back to where the form was (no JavaScript)."""
    item = _refreshed(_volunteer(request), pk)
    refused = bound is not None and bool(bound.errors)
    next_url = _posted_next(request)
    if request.htmx:  # type: ignore[attr-defined]
        card = _card(
            item, next_url=next_url, bound=bound if refused else None, message=message, message_is_warning=warning
        )
        return _vary(render(request, CARD_TEMPLATE, {"card": card}))
    if refused:
        card = _card(item, next_url=next_url, bound=bound)
        return _vary(_offer_page(request, card, status=400))
    messages.add_message(request, messages.WARNING if warning else messages.SUCCESS, message)
    return _vary(HttpResponseRedirect(next_url) if next_url else redirect("volunteer:home"))


@require_POST
@volunteer_required
def offer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = _volunteer(request)
    offer = _own_offer(volunteer, pk)
    try:
        services.offer_accept(offer=offer, actor=_actor(request))
    except InvalidTransition:
        item = _refreshed(volunteer, pk)
        return _answered(request, pk, message=_no_longer(item), warning=item.state != OfferState.ACCEPTED)
    return _answered(request, pk, message=_("Thank you for accepting. The details you need are below."))


def _answer_with_form(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    act: Callable[[Offer, dict[str, Any]], object],
    thanks: str,
) -> HttpResponse:
    """Decline, done or hand back: check the form, call the service, answer with ``thanks``; an offer that
    has moved on meanwhile gets a kind word, and a refused input is shown on its field."""
    volunteer = _volunteer(request)
    offer = _own_offer(volunteer, pk)
    form = form_class(request.POST, prefix=offer_prefix(pk))
    if form.is_valid():
        try:
            act(offer, form.cleaned_data)
        except InvalidTransition:
            return _answered(request, pk, message=_no_longer(_refreshed(volunteer, pk)), warning=True)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _answered(request, pk, message=thanks)
    return _answered(request, pk, message="", bound=form)


@require_POST
@volunteer_required
def offer_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer_with_form(
        request,
        pk,
        DeclineForm,
        lambda offer, data: services.offer_decline(offer=offer, actor=_actor(request), reason=data["reason"]),
        _("Thank you for letting us know. We will ask someone else."),
    )


@require_POST
@volunteer_required
def offer_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark an accepted task as done with its outcome, which completes the request."""
    return _answer_with_form(
        request,
        pk,
        DoneForm,
        lambda offer, data: services.offer_complete(offer=offer, actor=_actor(request), outcome=data["outcome"]),
        _("Thank you! The task is marked as done."),
    )


@require_POST
@volunteer_required
def offer_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand an accepted task back, with a reason; the request goes back to be matched again."""
    return _answer_with_form(
        request,
        pk,
        ReleaseForm,
        lambda offer, data: services.offer_release(offer=offer, actor=_actor(request), reason=data["reason"]),
        _("Thank you for telling us. Your coordinator will find someone else."),
    )
