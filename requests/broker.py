"""Publishing to the Celery broker without ever failing or stalling the caller.

The database row is always the source of truth and the beat sweeper re-enqueues whatever did not make
it, so a publish that fails is logged and skipped. After a failure, publishing pauses for a few
seconds: while Redis is down or stalled, web requests do not each wait out a socket timeout.
"""

import logging
import threading
import time
from typing import Any

from celery import Task

logger = logging.getLogger(__name__)

BACKOFF_SECONDS = 10.0
_backoff = threading.local()


def broker_resting() -> bool:
    """True for a few seconds after a publish failed in this thread."""
    return time.monotonic() < getattr(_backoff, "until", 0.0)


def publish(task: Task, *args: Any) -> bool:
    """Enqueue ``task`` with ``args``; False (and logged) when the broker cannot take it now."""
    if broker_resting():
        logger.info("broker unavailable recently; %s%r left for the sweeper", task.name, args)
        return False
    try:
        task.apply_async(args=list(args), retry=False)
    except Exception:
        _backoff.until = time.monotonic() + BACKOFF_SECONDS
        logger.warning("could not enqueue %s%r; the sweeper will retry", task.name, args, exc_info=True)
        return False
    return True
