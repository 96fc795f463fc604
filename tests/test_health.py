import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_health_reports_database_ok(client: Client) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


@override_settings(ALLOWED_HOSTS=["hub.example.org"], SECURE_SSL_REDIRECT=True)
def test_health_answers_probes_by_ip_over_plain_http(client: Client) -> None:
    response = client.get("/health/", HTTP_HOST="10.0.0.5:8000")
    assert response.status_code == 200


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_health_fails_when_redis_does_not_answer(client: Client) -> None:
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")
