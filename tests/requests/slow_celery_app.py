"""The project's Celery app with ranking made slow, so that a fault test can kill a worker in the middle
of one. Started as ``celery -A tests.requests.slow_celery_app worker``; product code has no test hooks."""

import logging
import os
import time
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from config.celery import app  # noqa: E402 - Django must be set up before the workflow is imported
from requests.matching import workflow  # noqa: E402

__all__ = ["app"]

SLOW_RANKING_SECONDS = float(os.environ.get("SLOW_RANKING_SECONDS", "30"))
logger = logging.getLogger(__name__)
_rank = workflow.rank


def _slow_rank(support_request: Any) -> Any:
    logger.warning("slow ranking of request %s started", support_request.pk)
    time.sleep(SLOW_RANKING_SECONDS)
    return _rank(support_request)


workflow.rank = _slow_rank
