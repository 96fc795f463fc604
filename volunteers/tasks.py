"""Celery tasks of the volunteers app. Thin: they call a service."""

from celery import shared_task


@shared_task(name="volunteers.cluster", acks_late=True, time_limit=600, soft_time_limit=540)
def cluster() -> None:
    from volunteers.services import volunteers_cluster

    volunteers_cluster()


@shared_task(
    name="volunteers.send_magic_link",
    acks_late=True,
    autoretry_for=(Exception,),
    max_retries=2,
    retry_backoff=5,
    time_limit=60,
    soft_time_limit=45,
)
def send_magic_link(user_id: int, channel: str) -> None:
    """Create and send a volunteer's sign-in link (a new one on each try: a link is sent only once)."""
    from volunteers.signin import magic_link_send

    magic_link_send(user_id=user_id, channel=channel)
