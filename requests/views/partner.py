"""A partner organisation's pages (``/partner/``): the inbox of referrals, one referral with its actions
(accept, decline, complete, hand back), referring a resident up to the cell, the requests referred up,
and pausing referrals. Only partner contacts reach them (``Perm.REFERRAL_RESPOND``); every referral is
found through ``requests.access.referral_get``, so another organisation's referral is a 404."""

import datetime
import time
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from config.errors import DomainError, InvalidTransition
from partners.access import Perm, principal_for
from partners.decorators import staff_required
from partners.models import Organisation
from partners.services import organisation_set_accepting
from requests import services
from requests.access import referral_get
from requests.audit import resident_viewed
from requests.forms.partner import (
    VULNERABILITIES,
    AcceptForm,
    AcceptingForm,
    CompleteForm,
    DeclineForm,
    ReferUpForm,
    ReleaseForm,
    add_service_error,
)
from requests.models import Offer, OfferState
from requests.selectors.partner import (
    partner_inbox,
    referral_view,
    requests_referred_up,
    seats_for,
)

partner_required = staff_required(Perm.REFERRAL_RESPOND)

REFERRED_PER_PAGE = 50
# How long an open inbox keeps refreshing itself (see ``_live_refresh``).
LIVE_REFRESH_FOR = datetime.timedelta(minutes=10)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _signed_in(request: HttpRequest) -> AbstractBaseUser:
    """The user acting; ``partner_required`` has already turned away anyone not signed in."""
    user = request.user
    assert not isinstance(user, AnonymousUser)
    return user


@never_cache
@partner_required
@require_GET
def inbox(request: HtmxHttpRequest) -> HttpResponse:
    """The referrals, grouped; an HTMX poll gets the same groups partial for a live refresh."""
    principal = principal_for(request.user)
    context = {"inbox": partner_inbox(principal, request.GET), **_live_refresh(request)}
    template = "requests/partner/_inbox_groups.html" if request.htmx else "requests/partner/inbox.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _live_refresh(request: HtmxHttpRequest) -> dict[str, Any]:
    """Whether the inbox keeps polling, and the address it polls. Every poll is a request that renews the
    session, so a page left open would never reach the idle sign-out: polling stops ``LIVE_REFRESH_FOR``
    after the page was loaded, which the poll address carries (``loaded``, seconds since the epoch)."""
    now = int(time.time())
    loaded = now
    if request.htmx:
        try:
            loaded = int(request.GET.get("loaded", ""))
        except ValueError:
            loaded = 0
    params = request.GET.copy()
    params["loaded"] = str(loaded)
    live = now - loaded < LIVE_REFRESH_FOR.total_seconds()
    return {
        "live": live,
        "live_stopped": bool(request.htmx) and not live,
        "poll_url": f"{request.path}?{params.urlencode()}",
    }


@never_cache
@partner_required
@require_GET
def referral(request: HttpRequest, pk: int) -> HttpResponse:
    return _referral_page(request, referral_get(principal_for(request.user), pk))


def _referral_page(
    request: HttpRequest, offer: Offer, *, failed: tuple[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    """The referral page, with the action forms its state allows; ``failed`` is the (action, form) whose
    input or whose service refused, shown with its errors."""
    view = referral_view(offer)
    if view.contact is not None:
        resident_viewed(
            actor=_signed_in(request),
            resident=offer.request.resident,
            note=_("Referral page of %(organisation)s") % {"organisation": offer.organisation},
        )
    forms: dict[str, Any] = {}
    if offer.state == OfferState.PENDING:
        forms = {"accept": AcceptForm(), "decline": DeclineForm()}
    elif offer.state == OfferState.ACCEPTED:
        forms = {"complete": CompleteForm(), "release": ReleaseForm()}
    if failed is not None:
        forms[failed[0]] = failed[1]
    context = {
        "view": view,
        "offer": offer,
        "support_request": offer.request,
        "forms": forms,
        "failed_form": failed[1] if failed is not None else None,
        "several_organisations": len(principal_for(request.user).organisation_ids()) > 1,
    }
    return render(request, "requests/partner/referral.html", context, status=status)


def _refused(request: HttpRequest, pk: int, action: str, form: Any, error: DomainError) -> HttpResponse:
    """A service refused the action: show the page again, as it now stands, with the reason."""
    add_service_error(form, error)
    offer = referral_get(principal_for(request.user), pk)  # read again: the state has moved on
    status = 409 if isinstance(error, InvalidTransition) else 400
    return _referral_page(request, offer, failed=(action, form), status=status)


@never_cache
@partner_required
@require_POST
def referral_accept(request: HttpRequest, pk: int) -> HttpResponse:
    offer = referral_get(principal_for(request.user), pk)
    form = AcceptForm(request.POST)
    try:
        services.offer_accept(offer=offer, actor=_signed_in(request))
    except DomainError as error:
        if Offer.objects.filter(pk=offer.pk, state=OfferState.ACCEPTED).exists():
            # Pressed twice, or by a colleague at the same moment: it is the organisation's already.
            messages.info(request, _("Your organisation has already accepted this referral."))
            return redirect("partner:referral", pk=offer.pk)
        return _refused(request, pk, "accept", form, error)
    messages.success(
        request,
        _("You accepted referral %(reference)s. How to reach the resident is below.")
        % {"reference": offer.request.reference},
    )
    return redirect("partner:referral", pk=offer.pk)


def _answer(
    request: HttpRequest,
    pk: int,
    action: str,
    form_class: type[Any],
    act: Callable[[Offer, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Decline, complete or hand back: check the form, call the service, say what happened (``done``, with
    the reference), and go back to the inbox; a refusal shows the referral page with the reason."""
    offer = referral_get(principal_for(request.user), pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return _referral_page(request, offer, failed=(action, form), status=400)
    try:
        act(offer, form.cleaned_data)
    except DomainError as error:
        return _refused(request, pk, action, form, error)
    messages.success(request, done % {"reference": offer.request.reference})
    return redirect("partner:inbox")


@never_cache
@partner_required
@require_POST
def referral_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(
        request,
        pk,
        "decline",
        DeclineForm,
        lambda offer, data: services.offer_decline(offer=offer, actor=_signed_in(request), reason=data["reason"]),
        _("You declined referral %(reference)s. The cell will ask someone else."),
    )


@never_cache
@partner_required
@require_POST
def referral_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(
        request,
        pk,
        "complete",
        CompleteForm,
        lambda offer, data: services.offer_complete(offer=offer, actor=_signed_in(request), outcome=data["outcome"]),
        _("Referral %(reference)s is complete. Thank you."),
    )


@never_cache
@partner_required
@require_POST
def referral_release(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(
        request,
        pk,
        "release",
        ReleaseForm,
        lambda offer, data: services.offer_release(offer=offer, actor=_signed_in(request), reason=data["reason"]),
        _("You handed referral %(reference)s back to the cell, which will find someone else."),
    )


@never_cache
@partner_required
@require_POST
def organisation_accepting(request: HttpRequest, pk: int) -> HttpResponse:
    """Pause or resume the referrals of an organisation the contact speaks for (any other is a 404)."""
    if pk not in principal_for(request.user).organisation_ids():
        raise Http404(_("No such organisation."))
    organisation = get_object_or_404(Organisation, pk=pk)
    form = AcceptingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to pause or resume referrals."))
        return redirect("partner:inbox")
    organisation = organisation_set_accepting(
        organisation=organisation, accepting=form.cleaned_data["accepting"], actor=request.user
    )
    if organisation.accepting_referrals:
        text = _("%(organisation)s is accepting referrals again.")
    else:
        text = _(
            "%(organisation)s is paused: the cell will send it no new referrals. "
            "Referrals already sent to it still wait for your answer."
        )
    messages.success(request, text % {"organisation": organisation})
    return redirect("partner:inbox")


@never_cache
@partner_required
@require_http_methods(["GET", "POST"])
def refer_up(request: HttpRequest) -> HttpResponse:
    """Refer a resident up to the cell when the need is beyond the organisation (two-way signposting)."""
    seats = seats_for(principal_for(request.user))
    form = ReferUpForm(request.POST if request.method == "POST" else None, seats=seats)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        seat = data["organisation"]
        chosen = set(data["vulnerabilities"])
        try:
            support_request = services.request_refer_up(
                cell=seat.cell,
                organisation=seat.organisation,
                actor=_signed_in(request),
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                address_line_1=data["address_line_1"],
                town=data["town"],
                postcode=data["postcode"],
                categories=data["categories"],
                urgency=data["urgency"],
                description=data["description"],
                reason=data["reason"],
                consent_to_share=data["consent_to_share"],
                safeguarding=data["safeguarding"],
                **{flag: flag in chosen for flag, _label in VULNERABILITIES},
            )
        except (DomainError, ValidationError) as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Referred to the cell. The reference is %(reference)s: give it to the resident.")
                % {"reference": support_request.reference},
            )
            return redirect("partner:referred")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "requests/partner/refer.html", {"form": form, "seats": seats}, status=status)


@never_cache
@partner_required
@require_GET
def referred_up(request: HttpRequest) -> HttpResponse:
    """The requests the contact's organisations referred up: reference and status only."""
    principal = principal_for(request.user)
    page = Paginator(requests_referred_up(principal), REFERRED_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "several_organisations": len(principal.organisation_ids()) > 1}
    return render(request, "requests/partner/referred.html", context)
