"""Faults the matching workflow must survive (DESIGN.md section 6), with real processes and no mocks.

A broker that is down or stalled never fails a save or blocks it for long, and nothing is lost: the
beat sweeper re-enqueues every request still flagged for ranking. A worker killed mid-task loses
nothing and doubles nothing. Two people pressing accept at once give one winner.

The figures (save times, time to recover) are printed; see them with ``pytest -s`` or ``-rP``.
"""

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from config.errors import InvalidTransition
from requests import services
from requests.matching.workflow import request_match
from requests.models import Event, EventVerb, Offer, OfferState, Ranking, Status, SupportRequest
from requests.tasks import match_request
from tests.requests.celery_fixtures import (
    CeleryCluster,
    MatchableCell,
    RedisServer,
    matchable_cell,
    reset_broker_connections,
    wait_until,
)
from tests.requests.factories import OfferFactory, SupportRequestFactory

pytestmark = [pytest.mark.celery, pytest.mark.slow]

# Flagged requests are re-enqueued by the sweeper once STUCK_AFTER (30 s) has passed, so recovery takes
# about that long; this leaves room for a slow machine.
RECOVERY_TIMEOUT = 60.0


def timed_saves(seed: MatchableCell, count: int) -> list[float]:
    """Log ``count`` requests the way a web request does (the publish runs on commit); seconds per save."""
    durations = []
    for _ in range(count):
        started = time.monotonic()
        with transaction.atomic():
            services.request_create(cell=seed.cell, resident=seed.resident, categories=[seed.category])
        durations.append(time.monotonic() - started)
    return durations


def all_ranked(cell_id: int, count: int) -> bool:
    requests = SupportRequest.objects.filter(cell_id=cell_id)
    ranked = requests.filter(needs_ranking_since__isnull=True, ranking__isnull=False).count()
    return requests.count() == count and ranked == count


def run_at_once(count: int, action: Callable[[], Any]) -> list[Any]:
    """Run ``action`` in ``count`` threads released together; each result is a return value or an exception."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = action()
        except Exception as exc:  # noqa: BLE001 - the caller inspects what each thread got
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_saves_with_redis_down_are_quick_and_ranked_after_it_returns(
    celery_broker: RedisServer, celery_cluster: CeleryCluster
) -> None:
    seed = matchable_cell(volunteers=3)
    celery_broker.stop()
    # No pooled connection survives: the first publish must discover the outage itself.
    reset_broker_connections()

    durations = timed_saves(seed, 50)

    print(f"\nRedis down: 50 saves, max {max(durations) * 1000:.0f} ms, total {sum(durations) * 1000:.0f} ms")
    assert SupportRequest.objects.filter(cell=seed.cell, needs_ranking_since__isnull=False).count() == 50
    assert max(durations) < 0.5

    celery_broker.start()
    returned = time.monotonic()
    celery_cluster.start_worker_and_beat()
    wait_until(lambda: all_ranked(seed.cell.pk, 50), timeout=RECOVERY_TIMEOUT, interval=0.5, what="all 50 ranked")
    print(f"Redis back: all 50 ranked {time.monotonic() - returned:.1f} s after it returned")


def test_stalled_broker_does_not_block_saves_for_long(
    celery_broker: RedisServer, celery_cluster: CeleryCluster
) -> None:
    seed = matchable_cell(volunteers=1)
    # Worker and beat keep running through the stall and must recover from it by themselves.
    celery_cluster.start_worker_and_beat()
    celery_broker.pause()
    try:
        durations = timed_saves(seed, 10)
    finally:
        celery_broker.resume()
    resumed = time.monotonic()

    print(
        f"\nRedis stalled: 10 saves, max {max(durations) * 1000:.0f} ms, total {sum(durations) * 1000:.0f} ms"
        f" (first {durations[0] * 1000:.0f} ms)"
    )
    assert SupportRequest.objects.filter(cell=seed.cell).count() == 10
    # The first publish waits for the socket timeout (2 s); the back-off spares the others.
    assert max(durations) < 3.0
    assert sum(durations) < 5.0

    wait_until(lambda: all_ranked(seed.cell.pk, 10), timeout=RECOVERY_TIMEOUT, interval=0.5, what="all 10 ranked")
    print(f"Redis resumed: all 10 ranked {time.monotonic() - resumed:.1f} s later")


def test_worker_killed_mid_ranking_loses_nothing_and_doubles_nothing(celery_cluster: CeleryCluster) -> None:
    seed = matchable_cell(volunteers=2)
    slow_worker = celery_cluster.start_worker(app="tests.requests.slow_celery_app")
    with transaction.atomic():
        support_request = services.request_create(cell=seed.cell, resident=seed.resident, categories=[seed.category])
    slow_worker.wait_for_log(rf"slow ranking of request {support_request.pk} started", timeout=20)

    slow_worker.kill()
    killed = time.monotonic()
    support_request.refresh_from_db()
    assert support_request.needs_ranking_since is not None
    assert not Ranking.objects.filter(request=support_request).exists()

    # The unacknowledged message would wait for Redis's visibility timeout; the sweeper does not.
    celery_cluster.start_worker_and_beat()
    wait_until(lambda: all_ranked(seed.cell.pk, 1), timeout=RECOVERY_TIMEOUT, interval=0.5, what="the request ranked")
    offer = wait_until(
        lambda: Offer.objects.filter(request=support_request, state=OfferState.PENDING).first(),
        timeout=10,
        what="the automatic offer",
    )
    print(f"\nWorker killed mid-ranking: ranked and offered {time.monotonic() - killed:.1f} s after the kill")
    assert Offer.objects.filter(request=support_request).count() == 1
    assert offer.volunteer_id in {volunteer.pk for volunteer in seed.volunteers}
    assert support_request.events.filter(verb=EventVerb.OFFERED).count() == 1


@pytest.mark.usefixtures("postgresql_transactional_db")
def test_twenty_simultaneous_accepts_give_one_winner() -> None:
    offer = OfferFactory()

    results = run_at_once(20, lambda: services.offer_accept(offer=Offer.objects.get(pk=offer.pk), actor=None))

    winners = [result for result in results if isinstance(result, Offer)]
    refused = [result for result in results if isinstance(result, InvalidTransition)]
    print(f"\n20 simultaneous accepts: {len(winners)} accepted, {len(refused)} refused")
    assert len(winners) == 1
    assert len(refused) == 19, [result for result in results if not isinstance(result, Offer | InvalidTransition)]
    assert {str(error) for error in refused} == {"This offer is accepted and can no longer be accepted."}
    offer.refresh_from_db()
    assert offer.state == OfferState.ACCEPTED
    support_request = SupportRequest.objects.get(pk=offer.request_id)
    assert support_request.status == Status.ASSIGNED
    assert Event.objects.filter(request=support_request, verb=EventVerb.ACCEPTED).count() == 1


def flagged_request(seed: MatchableCell) -> SupportRequest:
    """A request waiting to be ranked, saved without publishing, so that the test decides who matches it."""
    return SupportRequestFactory(
        cell=seed.cell, resident=seed.resident, categories=[seed.category], needs_ranking_since=timezone.now()
    )


@pytest.mark.usefixtures("postgresql_transactional_db")
def test_request_match_twice_at_once_leaves_one_pending_offer() -> None:
    seed = matchable_cell(volunteers=3)
    support_request = flagged_request(seed)

    results = run_at_once(2, lambda: request_match(request_id=support_request.pk))

    assert not [result for result in results if isinstance(result, Exception)], results
    assert Offer.objects.filter(request=support_request).count() == 1
    assert Offer.objects.filter(request=support_request, state=OfferState.PENDING).count() == 1
    assert Ranking.objects.filter(request=support_request).count() == 1


def test_two_match_tasks_published_at_once_leave_one_pending_offer(celery_cluster: CeleryCluster) -> None:
    seed = matchable_cell(volunteers=3)
    support_request = flagged_request(seed)
    worker = celery_cluster.start_worker(concurrency=2)
    before = worker.count(r"Task requests\.match_request\[\S+\] succeeded")

    match_request.apply_async(args=[support_request.pk])
    match_request.apply_async(args=[support_request.pk])

    wait_until(
        lambda: worker.count(r"Task requests\.match_request\[\S+\] succeeded") >= before + 2,
        timeout=20,
        what="both tasks to finish",
    )
    assert Offer.objects.filter(request=support_request).count() == 1
    assert Offer.objects.filter(request=support_request, state=OfferState.PENDING).count() == 1
