"""A volunteer's sign-in by link: ask for one, and use it (the volunteer's own pages are in
``requests.views``, since they show offers and tasks)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from partners.signin.lockout import Locked, client_ip, locked_message, signin_attempt_release
from partners.signin.sessions import signin_complete
from volunteers.access import volunteer_for
from volunteers.forms import SignInLinkForm
from volunteers.signin import LINK_LIFETIME, magic_link_attempt, magic_link_request, magic_link_usable, magic_link_use

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
