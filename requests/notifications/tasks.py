"""Celery tasks for notifications: thin, they take ids and call the service.

A failed send is retried by the row itself (``next_attempt_at``, picked up by the sweeper); the task
retries only when the service could not run at all, for example while the database is down. The
beat sweeper (``requests.sweep``) calls ``notifications_resend_due``.
"""

import logging
from typing import Any

from celery import shared_task

from requests.models import Notification

logger = logging.getLogger(__name__)


@shared_task(name="requests.send_notification", bind=True, acks_late=True, max_retries=5)
def send_notification(self: Any, notification_id: int) -> None:
    # Imported here: the service enqueues this task, so importing it at the top would be circular.
    from requests.notifications.service import notification_send

    try:
        notification_send(notification_id=notification_id)
    except Notification.DoesNotExist:
        logger.info("Notification %s no longer exists; nothing to send.", notification_id)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 600)) from exc
