"""Project-level endpoints that belong to no app."""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from config.context_processors import Layout


def health(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and docker-compose: the database answers, and Redis if configured."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


# Error pages in the product's look; under /api/ the same errors are JSON in the API's shape (config/api.py).


def _api_error(request: HttpRequest, status: int, detail: str, code: str) -> JsonResponse | None:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail, "code": code}, status=status)
    return None


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _api_error(request, 400, _("The request is not valid."), "bad_request") or render(
        request, "400.html", status=400
    )


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _api_error(request, 403, _("You do not have permission to do that."), "permission_denied") or render(
        request, "403.html", status=403
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _api_error(request, 404, _("Not found."), "not_found") or render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without context processors: the database may be what failed, so nothing here queries it."""
    api = _api_error(request, 500, _("Something went wrong on the server."), "server_error")
    if api is not None:
        return api
    return HttpResponseServerError(loader.get_template("500.html").render({"layout": Layout()}))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted without a valid CSRF token (an old page, a lost session, cookies blocked)."""
    return _api_error(request, 403, _("CSRF check failed: send the request again."), "csrf_failed") or render(
        request, "403_csrf.html", status=403
    )
