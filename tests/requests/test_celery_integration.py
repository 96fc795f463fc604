"""The matching workflow end to end, with a real Celery worker and beat on Redis and PostgreSQL.

A request saved in the web process is ranked and offered by the worker; a decline moves to the next
candidate through the worker; an offer past its deadline is expired by beat's sweeper, which lives in
the database (no ETA tasks), and the next candidate is asked.
"""

import datetime
from collections.abc import Collection

import pytest
from django.db import transaction
from django.utils import timezone

from requests import services
from requests.models import Offer, OfferState, Ranking, Status, SupportRequest
from tests.requests.celery_fixtures import MatchableCell, matchable_cell, wait_until

pytestmark = [pytest.mark.celery, pytest.mark.usefixtures("celery_worker_and_beat")]

# Generous for a loaded CI machine; each step normally takes well under a second.
STEP_TIMEOUT = 20.0


def log_request(seed: MatchableCell) -> SupportRequest:
    with transaction.atomic():
        return services.request_create(cell=seed.cell, resident=seed.resident, categories=[seed.category])


def pending_offer(support_request: SupportRequest, *, not_to: Collection[int] = ()) -> Offer | None:
    return (
        Offer.objects.filter(request=support_request, state=OfferState.PENDING).exclude(volunteer_id__in=not_to).first()
    )


def test_logged_request_is_ranked_and_offered_by_the_worker() -> None:
    seed = matchable_cell(volunteers=2)

    support_request = log_request(seed)

    offer = wait_until(lambda: pending_offer(support_request), timeout=STEP_TIMEOUT, what="an automatic offer")
    ranking = Ranking.objects.get(request=support_request)
    assert {candidate["id"] for candidate in ranking.candidates} == {volunteer.pk for volunteer in seed.volunteers}
    assert offer.volunteer_id == ranking.candidates[0]["id"]
    # The worker clears the flag just after the offer's transaction commits: wait for it, do not race it.
    wait_until(
        lambda: SupportRequest.objects.filter(pk=support_request.pk, needs_ranking_since__isnull=True).exists(),
        timeout=STEP_TIMEOUT,
        what="the ranking flag to be cleared",
    )
    support_request.refresh_from_db()
    assert support_request.status == Status.OFFERED


def test_declined_offer_moves_to_the_next_candidate() -> None:
    seed = matchable_cell(volunteers=2)
    support_request = log_request(seed)
    first = wait_until(lambda: pending_offer(support_request), timeout=STEP_TIMEOUT, what="the first offer")

    services.offer_decline(offer=first, actor=None, reason="Away this week")

    second = wait_until(
        lambda: pending_offer(support_request, not_to={first.volunteer_id}),
        timeout=STEP_TIMEOUT,
        what="an offer to the next candidate",
    )
    assert second.volunteer_id != first.volunteer_id
    assert Offer.objects.filter(request=support_request).count() == 2


def test_expired_offer_is_expired_by_the_sweeper_and_the_next_candidate_asked() -> None:
    seed = matchable_cell(volunteers=2)
    support_request = log_request(seed)
    first = wait_until(lambda: pending_offer(support_request), timeout=STEP_TIMEOUT, what="the first offer")

    # The deadline passes: only the database knows it; beat's sweeper must notice.
    Offer.objects.filter(pk=first.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    second = wait_until(
        lambda: pending_offer(support_request, not_to={first.volunteer_id}),
        timeout=STEP_TIMEOUT,
        what="the sweeper to expire the offer and the worker to ask the next candidate",
    )
    first.refresh_from_db()
    assert first.state == OfferState.EXPIRED
    assert second.volunteer_id != first.volunteer_id
    assert list(support_request.events.values_list("verb", flat=True).order_by("created_at", "pk")) == [
        "logged",
        "offered",
        "expired",
        "offered",
    ]
