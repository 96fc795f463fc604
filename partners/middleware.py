"""Signing out people who have walked away: 30 minutes (``SESSION_IDLE_SECONDS``) without doing anything.

A page left open that refreshes itself (the triage queue every 15 seconds, the dashboard every minute)
must not keep a session alive for ever, so background refreshes (``X-Background-Poll: true``, which the
polling elements send through ``hx-headers``) neither count as activity nor renew the session.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

LAST_ACTIVITY = "last_activity"
POLL_HEADER = "X-Background-Poll"


def is_background_poll(request: HttpRequest) -> bool:
    return request.headers.get(POLL_HEADER, "").lower() == "true"


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_ACTIVITY)
            if last is not None and now - float(last) > settings.SESSION_COOKIE_AGE:
                logout(request)
            elif not is_background_poll(request):
                request.session[LAST_ACTIVITY] = now
        return self.get_response(request)
