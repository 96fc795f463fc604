"""API sign-in: a token for ``Authorization: Token ...``, given for a username, password and (for staff, or
anyone with an authenticator app) a current code, under the same lockout as the sign-in page."""

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import NON_FIELD
from config.errors import DomainError
from partners.signin.checks import code_check, password_check
from partners.signin.lockout import locked_message
from partners.signin.second_factor import second_factor_required, totp_device_confirmed


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="The current 6-digit code of the authenticator app: required for staff and for anyone "
        "who has set one up.",
    )


_ERROR = inline_serializer(
    "AuthError",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False),
    },
)


def _wait(*, message: str, code: str, field: str, seconds: int, until: datetime.datetime | None = None) -> Response:
    """429, in the shape of every API error, with ``Retry-After``."""
    body: dict[str, Any] = {"detail": message, "code": code, "errors": {field: [message]}}
    if until is not None:
        body["retry_after"] = until
    response = Response(body, status=status.HTTP_429_TOO_MANY_REQUESTS)
    response["Retry-After"] = str(max(1, seconds))
    return response


def _locked(until: datetime.datetime) -> Response:
    seconds = int((until - timezone.now()).total_seconds()) + 1
    return _wait(message=locked_message(until), code="locked", field=NON_FIELD, seconds=seconds, until=until)


class TokenView(APIView):
    """POST: a token for a username and password (and code); DELETE: revoke the caller's token."""

    def get_authenticators(self) -> list[Any]:
        # Signing in needs no credentials but the ones in the body; revoking needs the caller's. (The schema
        # generator asks without a request.)
        if getattr(self.request, "method", None) == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self) -> list[Any]:
        if getattr(self.request, "method", None) == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    @extend_schema(
        operation_id="auth_token_create",
        summary="Get an API token",
        description="Exchange a username, password and, for staff, the current code of their authenticator "
        "app for a token. Send it as `Authorization: Token <token>`. After 10 failed attempts in 5 minutes "
        "for one username (or 50 from one address) further attempts are refused with 429 until the time given.",
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer("AuthToken", {"token": serializers.CharField()}),
            400: OpenApiResponse(_ERROR, description="A field is missing, or the credentials or code are not right."),
            429: OpenApiResponse(_ERROR, description="Locked: too many failed attempts; see `Retry-After`."),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = password_check(request._request, username=data["username"], password=data["password"])
        user = result.user
        if user is None and result.locked_until is not None:
            return _locked(result.locked_until)
        if user is None:
            raise DomainError(_("The username or password is not right."), field="password", code="credentials")
        if second_factor_required(user):
            device = totp_device_confirmed(user)
            if device is None:
                raise DomainError(
                    _("Set up your authenticator app by signing in on the website first."),
                    field="otp",
                    code="second_factor_not_set_up",
                )
            if not data.get("otp"):
                raise DomainError(
                    _("Enter the 6-digit code from your authenticator app."), field="otp", code="otp_required"
                )
            checked = code_check(request._request, user=user, device=device, code=data["otp"])
            if checked.locked_until is not None:
                return _locked(checked.locked_until)
            if checked.wait_seconds:
                return _wait(
                    message=_("Too many wrong codes: wait, then send the newest code."),
                    code="otp_wait",
                    field="otp",
                    seconds=checked.wait_seconds,
                )
            if not checked.right:
                raise DomainError(
                    _("The code is not right, or has been used already. Send the newest one."),
                    field="otp",
                    code="otp_wrong",
                )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(
        operation_id="auth_token_destroy",
        summary="Revoke your API token",
        description="Delete the caller's token; requests with it are refused from then on.",
        request=None,
        responses={204: OpenApiResponse(description="Revoked.")},
        tags=["auth"],
    )
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user_id=request.user.pk or 0).delete()  # IsAuthenticated: pk is set
        return Response(status=status.HTTP_204_NO_CONTENT)
