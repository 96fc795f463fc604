"""Celery tasks of the request workflow. Thin: they take ids and call a service.

``enqueue_match`` is how the rest of the code asks for a request to be ranked: it runs after the
transaction commits and never lets a broker that is down or stalled fail or block the caller; the
beat sweeper re-enqueues whatever did not make it (the ``needs_ranking_since`` flag in the database
is the source of truth).
"""

from celery import shared_task

from requests.broker import publish
from requests.notifications.tasks import send_notification

__all__ = ["anonymise_due", "enqueue_match", "match_request", "send_notification", "sweep"]


def enqueue_match(request_id: int) -> bool:
    """Ask a worker to rank (and, policy allowing, offer) a request. Returns False when the broker
    could not take it; the request stays flagged in the database and the sweeper retries."""
    return publish(match_request, request_id)


@shared_task(name="requests.match_request", acks_late=True, reject_on_worker_lost=True, max_retries=3)
def match_request(request_id: int) -> None:
    from requests.matching.workflow import request_match

    request_match(request_id=request_id)


@shared_task(name="requests.sweep", acks_late=True)
def sweep() -> None:
    from requests.matching.workflow import sweep_once

    sweep_once()


@shared_task(name="requests.anonymise_due", acks_late=True)
def anonymise_due() -> None:
    from requests.privacy import residents_anonymise_due

    residents_anonymise_due()
