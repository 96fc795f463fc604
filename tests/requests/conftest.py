"""Fixtures of the request tests: a real Celery worker and beat on a private Redis (see celery_fixtures)."""

from collections.abc import Generator
from typing import Any

import pytest

from tests.requests.api_world import world
from tests.requests.celery_fixtures import (
    celery_beat_process,
    celery_broker,
    celery_cluster,
    celery_worker_and_beat,
    celery_worker_process,
    postgresql_transactional_db,
    private_redis,
)

__all__ = [
    "celery_beat_process",
    "celery_broker",
    "celery_cluster",
    "celery_worker_and_beat",
    "celery_worker_process",
    "postgresql_transactional_db",
    "private_redis",
    "world",
]

LOG_TAIL = 6000


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """When a test with Celery processes fails, show the end of each process's log with the failure."""
    report = yield
    cluster = getattr(item, "funcargs", {}).get("celery_cluster")
    if report.failed and cluster is not None:
        for name, log in cluster.logs():
            report.sections.append((f"celery {name} log (last {LOG_TAIL} characters)", log[-LOG_TAIL:]))
    return report
