"""How a notification leaves the building: email through Django's mail framework, SMS through a backend.

The SMS backend is chosen by ``settings.SMS_BACKEND`` (a dotted path). ``LogSmsBackend`` is the default
and only writes to the log; ``NotifySmsBackend`` sends through GOV.UK Notify's REST API. Notify's own
Python client needs the PyPI ``requests`` library, which this project's ``requests`` app shadows, so the
API is called with httpx and the token signed with PyJWT.
"""

import logging
import re
import time
import uuid

import httpx
import jwt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.utils.module_loading import import_string

sms_logger = logging.getLogger("requests.notifications.sms")

NOTIFY_TIMEOUT_SECONDS = 5.0
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def send_email(*, to: str, subject: str, body: str) -> None:
    """Send one plain-text email from ``DEFAULT_FROM_EMAIL``; any failure raises."""
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)


class SmsBackend:
    """Sends one text message and returns the provider's id for it; raises on any failure."""

    def send(self, *, phone_number: str, message: str) -> str:
        raise NotImplementedError


class LogSmsBackend(SmsBackend):
    """Writes the message to the log instead of sending it: the embedded default and for development."""

    def send(self, *, phone_number: str, message: str) -> str:
        message_id = f"log-{uuid.uuid4()}"
        sms_logger.info("SMS %s to %s: %s", message_id, phone_number, message)
        return message_id


class NotifyError(Exception):
    """GOV.UK Notify refused a message; ``status_code`` is the HTTP status it answered with."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(f"GOV.UK Notify answered {status_code}: {message}")
        self.status_code = status_code
        self.message = message


def parse_notify_api_key(api_key: str) -> tuple[str, str]:
    """Split a Notify API key, ``{key_name}-{service_id}-{secret_key}``, into (service_id, secret_key).

    Both ids are 36-character UUIDs; the key name may itself contain hyphens, so read from the end."""
    api_key = api_key.strip()
    secret_key, service_id = api_key[-36:], api_key[-73:-37]
    if len(api_key) < 74 or api_key[-37] != "-" or not _UUID.match(secret_key) or not _UUID.match(service_id):
        raise ImproperlyConfigured(
            "GOVUK_NOTIFY_API_KEY is not a GOV.UK Notify API key ({key_name}-{service_id}-{secret_key})."
        )
    return service_id, secret_key


def _notify_error_message(response: httpx.Response) -> str:
    # Notify answers errors as {"status_code": 400, "errors": [{"error": "BadRequestError", "message": "..."}]}.
    try:
        errors = response.json().get("errors") or []
        messages = [str(error.get("message") or error.get("error")) for error in errors if isinstance(error, dict)]
    except (ValueError, AttributeError):
        messages = []
    return "; ".join(messages) or response.text[:200] or response.reason_phrase


class NotifySmsBackend(SmsBackend):
    """Sends SMS through the GOV.UK Notify REST API, with one template whose only field is ``message``."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        template_id: str | None = None,
        base_url: str | None = None,
        client: httpx.Client | None = None,
        timeout: float = NOTIFY_TIMEOUT_SECONDS,
    ) -> None:
        api_key = settings.GOVUK_NOTIFY_API_KEY if api_key is None else api_key
        self.template_id = settings.GOVUK_NOTIFY_SMS_TEMPLATE_ID if template_id is None else template_id
        if not api_key or not self.template_id:
            raise ImproperlyConfigured("Set GOVUK_NOTIFY_API_KEY and GOVUK_NOTIFY_SMS_TEMPLATE_ID to send SMS.")
        self.service_id, self._secret_key = parse_notify_api_key(api_key)
        self.base_url = (settings.GOVUK_NOTIFY_BASE_URL if base_url is None else base_url).rstrip("/")
        self.client = client
        self.timeout = timeout

    def _token(self) -> str:
        return jwt.encode({"iss": self.service_id, "iat": int(time.time())}, self._secret_key, algorithm="HS256")

    def send(self, *, phone_number: str, message: str) -> str:
        url = f"{self.base_url}/v2/notifications/sms"
        payload = {
            "phone_number": phone_number,
            "template_id": self.template_id,
            "personalisation": {"message": message},
        }
        headers = {"Authorization": f"Bearer {self._token()}", "User-Agent": "crisis-response-hub"}
        if self.client is not None:
            response = self.client.post(url, json=payload, headers=headers, timeout=self.timeout)
        else:
            with httpx.Client(timeout=self.timeout) as client:
                response = client.post(url, json=payload, headers=headers)
        if not response.is_success:
            raise NotifyError(response.status_code, _notify_error_message(response))
        return str(response.json().get("id", ""))


def get_sms_backend() -> SmsBackend:
    """The SMS backend named by ``settings.SMS_BACKEND``."""
    backend_class = import_string(settings.SMS_BACKEND)
    backend: SmsBackend = backend_class()
    return backend
