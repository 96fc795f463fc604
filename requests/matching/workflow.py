"""The matching workflow: rank, store, offer, move on, escalate; and the beat sweeper.

Every function here is safe to run twice. Ranking clears the request's ``needs_ranking_since`` flag
only if nobody flagged it again meanwhile; offering happens under the request's row lock and only
from a waiting status; the database allows one pending offer per request.
"""

import datetime
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import DomainError
from partners.models import CellPartner, Organisation
from requests import services
from requests.matching.candidates import (
    ELIGIBLE,
    ORGANISATION_RULES,
    VOLUNTEER_RULES,
    organisation_verdict,
    volunteer_verdict,
)
from requests.matching.context import REFUSED_STATES, build_context
from requests.matching.ranking import ORGANISATION, STORED_CANDIDATES, VOLUNTEER, RankingResult, rank
from requests.models import (
    EscalationStage,
    Event,
    EventVerb,
    Offer,
    OfferState,
    Ranking,
    Status,
    SupportRequest,
)
from requests.notifications import notifications_resend_due, notify_escalation, notify_offer, notify_reminder
from requests.tasks import enqueue_match
from volunteers.models import Volunteer

logger = logging.getLogger(__name__)

# Statuses from which the workflow may make an automatic offer.
AUTO_OFFER_STATUSES = (Status.NEW, Status.TRIAGED)
# A request flagged for ranking this long ago without being ranked is re-enqueued by the sweeper.
STUCK_AFTER = datetime.timedelta(seconds=30)
SWEEP_BATCH = 500
# Remind a helper when this share of the offer's time is left (but at most this long before expiry).
REMIND_AT_SHARE_LEFT = 0.25
REMIND_AT_MOST = datetime.timedelta(minutes=60)


def ranking_store(*, support_request: SupportRequest, result: RankingResult) -> Ranking:
    ranking, _created = Ranking.objects.update_or_create(
        request=support_request,
        defaults={
            "ranked_at": timezone.now(),
            "candidates": [candidate.as_dict() for candidate in result.candidates[:STORED_CANDIDATES]],
            "signposts": result.signposts,
            "exclusions": result.exclusions,
            "considered": result.considered,
            "duration_ms": result.duration_ms,
        },
    )
    return ranking


def request_rank(*, request_id: int) -> tuple[SupportRequest, RankingResult] | None:
    """Rank a request and store the ranking. The request's flag is left for ``request_match`` to clear."""
    support_request = (
        SupportRequest.objects.select_related("cell", "resident__area__parent__parent").filter(pk=request_id).first()
    )
    if support_request is None:
        logger.warning("request %s no longer exists; nothing to rank", request_id)
        return None
    result = rank(support_request)
    ranking_store(support_request=support_request, result=result)
    return support_request, result


def request_match(*, request_id: int) -> Offer | None:
    """What a worker does for a flagged request: rank it, make the automatic offer the cell's policy
    allows, and only then clear the flag (unless someone flagged it again meanwhile), so a worker that
    dies anywhere in between leaves the request for the sweeper. Returns the offer made, if any."""
    ranked = request_rank(request_id=request_id)
    if ranked is None:
        return None
    support_request, result = ranked
    flagged_at = support_request.needs_ranking_since  # as read before ranking
    offer = None
    if support_request.status in AUTO_OFFER_STATUSES:
        offer = request_offer_next(request_id=request_id, result=result)
    SupportRequest.objects.filter(pk=request_id, needs_ranking_since=flagged_at).update(needs_ranking_since=None)
    return offer


def _refusals_since_escalation(support_request: SupportRequest) -> int:
    last_escalation = (
        Event.objects.filter(request=support_request, verb=EventVerb.ESCALATED).order_by("-created_at").first()
    )
    refusals = Offer.objects.filter(request=support_request, state__in=REFUSED_STATES)
    if last_escalation is not None:
        refusals = refusals.filter(updated_at__gt=last_escalation.created_at)
    return refusals.count()


@transaction.atomic
def request_offer_next(*, request_id: int, result: RankingResult) -> Offer | None:
    """Offer the request to the best candidate not yet asked, or escalate when candidates have run out or
    the cell's decline limit is reached. Does nothing unless the request is waiting, the cell offers
    automatically and the request carries no safeguarding concern."""
    support_request = SupportRequest.objects.select_for_update().select_related("cell").get(pk=request_id)
    cell = support_request.cell
    if support_request.status not in AUTO_OFFER_STATUSES or not cell.auto_offer or support_request.safeguarding:
        return None
    if _refusals_since_escalation(support_request) >= cell.declines_before_escalation:
        return _escalate(
            support_request,
            note=_("%(n)d helpers declined or did not answer.") % {"n": cell.declines_before_escalation},
        )
    asked = Offer.objects.filter(request=support_request).exclude(state=OfferState.WITHDRAWN)
    asked_before = {(VOLUNTEER, v) for v in asked.exclude(volunteer=None).values_list("volunteer_id", flat=True)}
    asked_before |= {
        (ORGANISATION, o) for o in asked.exclude(organisation=None).values_list("organisation_id", flat=True)
    }
    candidate = next((c for c in result.candidates if (c.kind, c.id) not in asked_before), None)
    if candidate is not None:
        words = {"name": candidate.name, "score": candidate.score}
        to_volunteer = candidate.kind == VOLUNTEER
        offer = services.offer_make(
            support_request=support_request,
            actor=None,
            volunteer=Volunteer.objects.get(pk=candidate.id) if to_volunteer else None,
            organisation=None if to_volunteer else Organisation.objects.get(pk=candidate.id),
            note=(
                _("Offered automatically to %(name)s (score %(score)s).")
                if to_volunteer
                else _("Referred automatically to %(name)s (score %(score)s).")
            )
            % words,
        )
        notify_offer(offer=offer)
        return offer
    return _escalate(support_request, note=_("No eligible helper is left to ask."))


def _escalate(support_request: SupportRequest, *, note: str) -> Offer | None:
    """Escalate one stage and alert the people who act there; at the statutory safety net, refer the
    request to the safety-net organisation unless it has already refused it."""
    escalated = services.request_escalate(support_request=support_request, actor=None, note=note)
    notify_escalation(support_request=escalated, stage=escalated.escalation_stage, note=note)
    if escalated.escalation_stage != EscalationStage.SAFETY_NET:
        return None
    safety_net = CellPartner.objects.filter(cell_id=escalated.cell_id, role=CellPartner.Role.SAFETY_NET).first()
    if safety_net is None:
        return None
    if Offer.objects.filter(
        request=escalated, organisation_id=safety_net.organisation_id, state__in=REFUSED_STATES
    ).exists():
        return None
    offer = services.offer_make(
        support_request=escalated,
        actor=None,
        organisation=safety_net.organisation,
        note=_("Referred to the statutory safety net."),
    )
    notify_offer(offer=offer)
    return offer


def candidate_verdict(
    *, support_request: SupportRequest, volunteer: Volunteer | None = None, organisation: Organisation | None = None
) -> str:
    """The hard-rule verdict for one candidate: ``eligible`` or the first rule it fails."""
    context = build_context(support_request)
    if volunteer is not None:
        if volunteer.cell_id != context.cell_id:
            return "not_active"
        return volunteer_verdict(context, volunteer.pk)
    assert organisation is not None
    return organisation_verdict(context, organisation.pk)


@transaction.atomic
def request_offer_to(
    *,
    support_request: SupportRequest,
    actor: services.Actor,
    volunteer: Volunteer | None = None,
    organisation: Organisation | None = None,
) -> Offer:
    """A coordinator offers the request to a chosen candidate, who must pass every hard rule."""
    verdict = candidate_verdict(support_request=support_request, volunteer=volunteer, organisation=organisation)
    if verdict != ELIGIBLE:
        label = VOLUNTEER_RULES.get(verdict) if volunteer is not None else ORGANISATION_RULES.get(verdict)
        raise DomainError(
            _("This candidate cannot be offered the request: %(reason)s.") % {"reason": label or verdict},
            field="volunteer" if volunteer is not None else "organisation",
        )
    pending = Offer.objects.filter(request=support_request, state=OfferState.PENDING).first()
    if pending is not None:
        services.offer_withdraw(offer=pending, actor=actor, reason=_("Offered to someone else instead."))
    offer = services.offer_make(
        support_request=support_request, actor=actor, volunteer=volunteer, organisation=organisation
    )
    notify_offer(offer=offer)
    return offer


# The sweeper -------------------------------------------------------------------------------------------


@contextmanager
def advisory_lock(name: str) -> Iterator[bool]:
    """A PostgreSQL session advisory lock, so that two beat ticks never sweep at once. On SQLite (one
    process, the embedded default) it always succeeds."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [name])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [name])


def offers_expire_due(*, now: datetime.datetime) -> int:
    """Expire every pending offer past its deadline; each expiry flags its request for the next match."""
    expired = 0
    for offer in Offer.objects.filter(state=OfferState.PENDING, expires_at__lte=now).order_by("expires_at")[
        :SWEEP_BATCH
    ]:
        if services.offer_expire(offer=offer, now=now):
            expired += 1
    return expired


def offers_remind_due(*, now: datetime.datetime) -> int:
    reminded = 0
    due = Offer.objects.filter(state=OfferState.PENDING, reminded_at__isnull=True, expires_at__gt=now)
    for offer in due.order_by("expires_at")[:SWEEP_BATCH]:
        assert offer.expires_at is not None
        window = offer.expires_at - offer.created_at
        remind_from = offer.expires_at - min(window * REMIND_AT_SHARE_LEFT, REMIND_AT_MOST)
        if now >= remind_from and notify_reminder(offer=offer, now=now):
            reminded += 1
    return reminded


def requests_enqueue_stuck(*, now: datetime.datetime) -> int:
    """Re-enqueue requests flagged for ranking that no worker has finished: the broker was down, or the
    worker was killed mid-task. Each is re-flagged with the time it was re-sent, so the sweeper sends it
    again only if it is still waiting another ``STUCK_AFTER`` later, not on every tick."""
    stuck = SupportRequest.objects.filter(needs_ranking_since__lte=now - STUCK_AFTER).order_by("needs_ranking_since")
    sent = 0
    for request_id, flagged_at in stuck.values_list("pk", "needs_ranking_since")[:SWEEP_BATCH]:
        if not enqueue_match(request_id):
            break  # the broker is away; the next sweep tries again
        SupportRequest.objects.filter(pk=request_id, needs_ranking_since=flagged_at).update(needs_ranking_since=now)
        sent += 1
    return sent


def sweep_once(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """One beat tick: expire offers, send reminders, re-enqueue stuck rankings, resend notifications."""
    now = now or timezone.now()
    with advisory_lock("requests.sweep") as acquired:
        if not acquired:
            return {}
        summary = {
            "expired": offers_expire_due(now=now),
            "reminded": offers_remind_due(now=now),
            "re_enqueued": requests_enqueue_stuck(now=now),
            "notifications": notifications_resend_due(now=now),
        }
    if any(summary.values()):
        logger.info("sweep: %s", summary)
    return summary
