"""The session authentication the API accepts. Kept apart from the API's views: DRF imports the classes
named in its settings while ``rest_framework.views`` is itself still loading."""

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from partners.signin.second_factor import second_factor_required, second_factor_verified


class SecondFactorSessionAuthentication(SessionAuthentication):
    """Session authentication that ignores a staff session still owing its second factor, as the pages do."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        if second_factor_required(result[0]) and not second_factor_verified(result[0]):
            return None
        return result


class SecondFactorSessionScheme(OpenApiAuthenticationExtension):
    """How the schema describes it: the session cookie, as for DRF's own session authentication."""

    target_class = "partners.api_authentication.SecondFactorSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
