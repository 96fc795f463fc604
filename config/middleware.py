"""Middleware of the project as a whole."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from config.views import health

View = Callable[..., HttpResponse]


class HealthCheckMiddleware:
    """Answers /health/ before host validation and the HTTPS redirect, so that container and load
    balancer probes (which call by IP over plain HTTP) get the real answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/health/":
            return health(request)
        return self.get_response(request)


def content_security_policy(directives: dict[str, list[str]]) -> str:
    """``{"default-src": ["'self'"], ...}`` as a header value, directives in the order given."""
    return "; ".join(" ".join([name, *sources]) if sources else name for name, sources in directives.items())


class SecurityHeadersMiddleware:
    """A Content-Security-Policy on every response, and ``Cache-Control: no-store`` on every response to a
    signed-in person (their pages carry personal data a shared or kiosk browser must not keep) and on
    every API response (tokens are not sessions). Static files are served before this middleware and keep
    their long cache. The policy is ``settings.SECURE_CSP``, the shape Django 6's own setting takes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = content_security_policy(settings.SECURE_CSP)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A view may set a narrower policy of its own; none may go without one.
        response.headers.setdefault("Content-Security-Policy", self.policy)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response


def csp_replace(directives: dict[str, list[str]]) -> Callable[[View], View]:
    """A view whose policy replaces some directives of ``settings.SECURE_CSP`` (the middleware keeps a
    policy a view has set). For the rare third-party page that cannot work under the strict one."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            response.headers["Content-Security-Policy"] = content_security_policy({**settings.SECURE_CSP, **directives})
            return response

        return wrapped

    return decorator
