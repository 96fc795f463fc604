"""The sessions a person is signed in with: started here, ended one at a time or all at once.

Every sign-in (staff, admin, volunteer link) records its session key in ``UserSession``, so that "sign out
everywhere" ends each session by its key through the configured session engine instead of reading every
session in the table. API tokens are ended with them.
"""

from importlib import import_module
from typing import Any

import django_otp
from django.conf import settings
from django.contrib import auth
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest
from django_otp.models import Device
from rest_framework.authtoken.models import Token

from partners.models import UserSession

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _session_store(session_key: str | None = None) -> SessionBase:
    store: SessionBase = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return store


def signin_complete(
    request: HttpRequest, user: Any, *, backend: str = MODEL_BACKEND, device: Device | None = None
) -> None:
    """Sign ``user`` in on this request (a new session key), with the second factor ``device`` when one was
    passed, and record the session. Sessions of the user that have ended meanwhile are forgotten."""
    previous_key = request.session.session_key
    auth.login(request, user, backend=backend)
    if device is not None:
        django_otp.login(request, device)
    if request.session.session_key is None:  # a session engine that makes the key only when saving
        request.session.save()
    session_key = str(request.session.session_key)
    with transaction.atomic():
        if previous_key:
            UserSession.objects.filter(session_key=previous_key).delete()
        store = _session_store()
        ended = [
            pk
            for pk, key in UserSession.objects.filter(user_id=user.pk).values_list("pk", "session_key")
            if not store.exists(key)
        ]
        UserSession.objects.filter(pk__in=ended).delete()
        UserSession.objects.create(user_id=user.pk, session_key=session_key)


def signout(request: HttpRequest) -> None:
    """End this session only."""
    if request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()
    auth.logout(request)


@transaction.atomic
def signout_everywhere(user: Any) -> int:
    """End every session the user signed in with, on every device, and delete their API tokens. Returns how
    many sessions were ended."""
    keys = list(UserSession.objects.filter(user_id=user.pk).values_list("session_key", flat=True))
    store = _session_store()
    for key in keys:
        store.delete(key)
    UserSession.objects.filter(user_id=user.pk).delete()
    Token.objects.filter(user_id=user.pk).delete()
    return len(keys)
