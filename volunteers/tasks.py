"""Celery tasks of the volunteers app. Thin: they call a service."""

from celery import shared_task


@shared_task(name="volunteers.cluster", acks_late=True, time_limit=600, soft_time_limit=540)
def cluster() -> None:
    from volunteers.services import volunteers_cluster

    volunteers_cluster()
