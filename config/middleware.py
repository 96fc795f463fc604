"""Middleware of the project as a whole."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from config.views import health


class HealthCheckMiddleware:
    """Answers /health/ before host validation and the HTTPS redirect, so that container and load
    balancer probes (which call by IP over plain HTTP) get the real answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/health/":
            return health(request)
        return self.get_response(request)
