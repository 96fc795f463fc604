"""Between the password and the second factor.

A person whose password was right but who still owes a code is *not* signed in: the session only holds
who they are and when the password was given, for ten minutes. Nothing that checks ``is_authenticated``
(a page, the API's session authentication) can mistake them for signed in. Someone already signed in who
comes to need a second factor (a volunteer given a staff role, a device deleted by an administrator) is
treated the same way, and pages send them here through ``partners.decorators``.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.http import HttpRequest
from django.utils import timezone

from partners.signin.second_factor import second_factor_required, second_factor_verified
from partners.signin.sessions import MODEL_BACKEND

PENDING_FOR = datetime.timedelta(minutes=10)

_USER = "signin_pending_user"
_BACKEND = "signin_pending_backend"
_SINCE = "signin_pending_since"
_NEXT = "signin_next"
SETUP_DEVICE = "signin_setup_device"


@dataclass(frozen=True)
class Pending:
    user: Any
    backend: str
    next_url: str
    signed_in: bool  # already signed in, without the second factor this session needs


def pending_begin(request: HttpRequest, *, user: Any, backend: str, next_url: str) -> None:
    """The password was right; the code is still owed. A new session key, as at any change of privilege."""
    request.session.cycle_key()
    request.session[_USER] = user.pk
    request.session[_BACKEND] = backend
    request.session[_SINCE] = timezone.now().isoformat()
    request.session[_NEXT] = next_url
    request.session.pop(SETUP_DEVICE, None)


def pending_get(request: HttpRequest) -> Pending | None:
    """Who owes a second factor on this session, or None (nobody, or the ten minutes have passed)."""
    user = request.user
    if user.is_authenticated:
        if second_factor_required(user) and not second_factor_verified(user):
            backend = request.session.get(BACKEND_SESSION_KEY, MODEL_BACKEND)
            return Pending(user, backend, request.session.get(_NEXT, ""), signed_in=True)
        return None
    pk = request.session.get(_USER)
    if pk is None or pending_expired(request):
        return None
    pending = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if pending is None:
        return None
    return Pending(pending, request.session.get(_BACKEND, MODEL_BACKEND), request.session.get(_NEXT, ""), False)


def pending_expired(request: HttpRequest) -> bool:
    """A password was given on this session, but longer ago than the ten minutes allowed."""
    since = request.session.get(_SINCE)
    if since is None:
        return False
    try:
        return datetime.datetime.fromisoformat(since) + PENDING_FOR < timezone.now()
    except (TypeError, ValueError):
        return True


def pending_clear(request: HttpRequest) -> None:
    for key in (_USER, _BACKEND, _SINCE, _NEXT, SETUP_DEVICE):
        request.session.pop(key, None)
