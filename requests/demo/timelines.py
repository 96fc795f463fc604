"""Residents, and requests told through the services: each request's timeline is true to the workflow.

A ``Storyteller`` creates the residents of a cell, then walks each planned request (``stories.PLANS``)
through ``requests.services`` in order: logged, triaged, offered, declined, escalated, completed... The
services stamp the present moment; afterwards each timeline is moved back to when it plausibly
happened (``_backdate``), keeping its order and gaps, so that the queue looks like weeks of work.

The services ask a worker to rank a request after commit whenever it is logged, triaged, declined or
expired. Run live, those rankings would make new automatic offers on top of the written history (and
send their emails and texts), so while the history is written the requests are only noted
(``matching_held``), and at the end each open request is ranked once, storing the ranking a coordinator
sees, without offering anything (``rankings_settle``).
"""

import datetime
import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from hubs.models import NeedCategory, ResponseCell
from partners.models import CellPartner, Organisation
from requests import services
from requests.demo import organisations as orgs
from requests.demo import people, stories
from requests.demo.builders import Network, Place, Report, Staff, Vocabulary
from requests.demo.stories import Course
from requests.matching.workflow import request_rank
from requests.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Channel,
    Event,
    EventVerb,
    KnownSupporter,
    Offer,
    OfferState,
    Recurrence,
    Resident,
    Status,
    SupportRequest,
    Urgency,
)
from requests.services import (
    due_by_for,
    offer_accept,
    offer_decline,
    offer_expire,
    offer_make,
    request_add_note,
    request_assign,
    request_cancel,
    request_complete,
    request_create,
    request_escalate,
    request_signpost,
    request_triage,
    resident_create,
)
from volunteers.models import Volunteer


@contextmanager
def matching_held() -> Iterator[set[int]]:
    """While the demo's history is written, note each request that asks to be ranked instead of
    enqueueing it (``services.request_flag_for_matching`` enqueues after commit). Fails loudly if the
    services stop enqueueing through ``enqueue_match``, rather than silently making live offers."""
    noted: set[int] = set()
    enqueue = services.enqueue_match
    services.enqueue_match = noted.add  # type: ignore[assignment]
    try:
        yield noted
    finally:
        services.enqueue_match = enqueue


def rankings_settle(cells: QuerySet[ResponseCell]) -> int:
    """Rank every open request that is waiting to be ranked, once, and store its ranking (no offers);
    clear the flag of closed ones. Returns how many were ranked."""
    flagged = SupportRequest.objects.filter(cell__in=cells, needs_ranking_since__isnull=False)
    flagged.filter(status__in=CLOSED_STATUSES).update(needs_ranking_since=None)
    ranked = 0
    for request_id in flagged.filter(status__in=OPEN_STATUSES).order_by("id").values_list("pk", flat=True):
        request_rank(request_id=request_id)
        ranked += 1
    return ranked


@dataclass
class _Helper:
    """A volunteer as the storyteller sees them: what they can do and where they are."""

    volunteer: Volunteer
    skills: set[str]
    dbs_level: int
    trained: bool
    id_verified: bool
    radius_km: float


@dataclass
class _Need:
    categories: list[NeedCategory]
    description: str


@dataclass(frozen=True)
class _Requirement:
    """What the matching rules ask of a volunteer for one request (travel apart)."""

    skills: frozenset[str]
    dbs_level: int
    trained: bool
    id_verified: bool

    def met_by(self, helper: _Helper) -> bool:
        return (
            self.skills <= helper.skills
            and helper.dbs_level >= self.dbs_level
            and (helper.trained or not self.trained)
            and (helper.id_verified or not self.id_verified)
        )


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance; plenty for choosing a plausible helper."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


# Minutes between one event of a timeline and the previous one, by the later event's verb.
_GAP_MINUTES = {
    EventVerb.LOGGED: (0, 0),
    EventVerb.TRIAGED: (4, 50),
    EventVerb.OFFERED: (1, 15),
    EventVerb.REFERRED: (2, 30),
    EventVerb.ACCEPTED: (5, 180),
    EventVerb.DECLINED: (5, 90),
    EventVerb.ASSIGNED: (3, 30),
    EventVerb.WITHDRAWN: (0, 0),
    EventVerb.ESCALATED: (10, 90),
    EventVerb.SIGNPOSTED: (5, 40),
    EventVerb.CANCELLED: (30, 600),
    EventVerb.COMPLETED: (120, 2880),
    EventVerb.NOTE: (2, 60),
    EventVerb.RELEASED: (60, 600),
}
# A recurring shop is done on its day, about a week after it was logged.
_RECURRING_COMPLETION_MINUTES = (int(5.5 * 24 * 60), int(6.5 * 24 * 60))

# How long before now a request's last event happened, by its final status (minutes).
_AGO_MINUTES = {
    Status.NEW: (5, 300),
    Status.TRIAGED: (30, 2 * 24 * 60),
    Status.OFFERED: (3, 20),
    Status.ASSIGNED: (60, 3 * 24 * 60),
    Status.ESCALATED: (30, 24 * 60),
    Status.COMPLETED: (24 * 60, 25 * 24 * 60),
    Status.SIGNPOSTED: (24 * 60, 20 * 24 * 60),
    Status.CANCELLED: (24 * 60, 20 * 24 * 60),
}


def _in_daytime(moment: datetime.datetime) -> datetime.datetime:
    """The moment, or twelve hours earlier if it falls at night (20:00-08:00): calls come in the day."""
    hour = timezone.localtime(moment).hour
    return moment if 8 <= hour < 20 else moment - datetime.timedelta(hours=12)


_REFERRAL_COURSES = (Course.REFERRED, Course.ASSIGNED_REFERRAL, Course.COMPLETED_REFERRAL)
_SAFEGUARDING_COURSES = (Course.NEW_SAFEGUARDING, Course.TRIAGED_SAFEGUARDING)


class Storyteller:
    """Creates residents and walks each request through the services along its course (``stories``)."""

    def __init__(
        self,
        place: Place,
        words: Vocabulary,
        network: Network,
        staff: Staff,
        demo_volunteer: Volunteer,
        rng: random.Random,
    ) -> None:
        self.place, self.words, self.network, self.staff, self.rng = place, words, network, staff, rng
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.demo_volunteer = demo_volunteer
        # The demo volunteer gets one of each of these, so that their pages show something.
        self.demo_volunteer_courses = {Course.OFFERED, Course.ASSIGNED, Course.COMPLETED, Course.WEEKLY_SHOPPING}
        self.partner_organisation = next(
            network.organisations[s.organisation] for s in orgs.STAFF if s.role == orgs.PARTNER_CONTACT
        )
        self.hub_coordinators = {
            ward.pk: staff.users[s.username] for s in orgs.STAFF if s.hub for ward in network.hubs[s.hub].areas.all()
        }
        self.requirements = {
            category.pk: {skill.slug for skill in category.required_skills.all()}
            for category in words.categories.values()
        }
        self.offered_categories = {
            organisation.pk: {c.pk for c in organisation.categories.all()}
            for organisation in network.organisations.values()
        }
        self.helpers: dict[int, list[_Helper]] = {}
        self.supporters: dict[int, Volunteer] = {}  # resident id -> a volunteer who already helps them
        self.last_assigned: dict[int, datetime.datetime] = {}

    # People.

    def _helpers(self, cell: ResponseCell) -> list[_Helper]:
        """A sample of the cell's active volunteers (the first 800 by id: spread at random over the
        cell, since volunteers were generated in random order), read once."""
        if cell.pk not in self.helpers:
            sample = (
                Volunteer.objects.filter(cell=cell, status=Volunteer.Status.ACTIVE)
                .order_by("id")
                .prefetch_related("skills")[:800]
            )
            self.helpers[cell.pk] = [
                _Helper(
                    volunteer=v,
                    skills={s.slug for s in v.skills.all()},
                    dbs_level=v.dbs_valid_on(self.today),
                    trained=v.safeguarding_trained_on(self.today),
                    id_verified=v.id_verified_on is not None,
                    radius_km=float(v.travel_radius_km),
                )
                for v in sample
            ]
        return self.helpers[cell.pk]

    def create_residents(self, cell: ResponseCell, count: int) -> list[Resident]:
        points = [p for ward in self.network.cell_wards[cell.slug] for p in self.place.points[ward.name]]
        lac = self.network.organisations[orgs.LOCAL_AREA_COORDINATION]
        has_lac = any(p.organisation_id == lac.pk for p in self.network.partners[cell.slug])
        residents = []
        rng = self.rng
        for number in range(count):
            point = rng.choice(points)
            first, last, community = people.random_name(rng)
            language = people.random_languages(rng, community)
            language_need = bool(language) and rng.random() < 0.5
            no_phone = rng.random() < 0.12
            consent = rng.random() < 0.85
            phone = ""
            if not no_phone or rng.random() < 0.5:
                phone = people.drama_mobile(500 + number) if rng.random() < 0.7 else people.drama_landline(500 + number)
            resident = resident_create(
                cell=cell,
                first_name=first,
                last_name=last,
                postcode=point.postcode,
                phone=phone,
                email=f"{people.ascii_lower(first)}.{people.ascii_lower(last)}@example.org"
                if not no_phone and rng.random() < 0.2
                else "",
                address_line_1=f"{rng.randint(1, 180)} {rng.choice(self.place.streets[point.ward.name])}",
                town=self.place.towns[point.ward.name],
                shielding=rng.random() < 0.2,
                lives_alone=rng.random() < 0.45,
                no_phone_or_internet=no_phone,
                disability=rng.random() < 0.2,
                mental_health=rng.random() < 0.15,
                language_need=language_need,
                preferred_language=language[0] if language_need else "",
                health_notes=rng.choice(people.HEALTH_NOTES) if rng.random() < 0.35 else "",
                consent_to_share=consent,
                lawful_basis=Resident.LawfulBasis.CONSENT if consent else Resident.LawfulBasis.PUBLIC_TASK,
            )
            residents.append(resident)
            chance = rng.random()
            if chance < 0.08 and has_lac:
                KnownSupporter.objects.create(
                    resident=resident, name=lac.contact_name, role="Local Area Coordinator", organisation=lac
                )
            elif chance < 0.16:
                helper = self._nearest_helper(cell, point.latitude, point.longitude)
                if helper:
                    KnownSupporter.objects.create(resident=resident, volunteer=helper.volunteer, role="volunteer")
                    self.supporters[resident.pk] = helper.volunteer
            elif chance < 0.25:
                neighbour_first, neighbour_last, _ = people.random_name(rng)
                KnownSupporter.objects.create(
                    resident=resident,
                    name=f"{neighbour_first} {neighbour_last}",
                    role=rng.choice(people.KNOWN_SUPPORTER_ROLES),
                    phone=people.drama_mobile(700 + number),
                )
        return residents

    def _nearest_helper(self, cell: ResponseCell, lat: float, lon: float) -> _Helper | None:
        helpers = [h for h in self._helpers(cell) if h.volunteer.pk != self.demo_volunteer.pk]
        if not helpers:
            return None
        return min(helpers, key=lambda h: _distance_km(lat, lon, h.volunteer.latitude or 0, h.volunteer.longitude or 0))

    def _requirement(self, request: SupportRequest, categories: list[NeedCategory]) -> _Requirement:
        cell = request.cell
        dbs = max(c.required_dbs_level for c in categories)
        if request.level >= 2:
            dbs = max(dbs, cell.level2_min_dbs_level)
        return _Requirement(
            skills=frozenset().union(*(self.requirements[c.pk] for c in categories)),
            dbs_level=dbs,
            trained=any(c.requires_safeguarding_training for c in categories),
            id_verified=request.level >= 2 and cell.level2_requires_id_verified,
        )

    def _volunteer_for(
        self, request: SupportRequest, categories: list[NeedCategory], course: Course, exclude: set[int]
    ) -> Volunteer | None:
        """A plausible volunteer: eligible under the matching rules, near, chosen at random from the
        closest few; the demo volunteer or a volunteer the resident already knows first, when eligible.
        Falls back to anyone active in the cell when the sample holds nobody eligible."""
        resident = request.resident
        requirement = self._requirement(request, categories)
        # The demo volunteer takes only the requests kept for them, so that their pages stay readable.
        exclude = exclude | {self.demo_volunteer.pk}
        helpers = [h for h in self._helpers(request.cell) if h.volunteer.pk not in exclude]
        eligible = [h for h in helpers if requirement.met_by(h)]
        if course in self.demo_volunteer_courses and request.cell_id == self.demo_volunteer.cell_id:
            demo = next((h for h in self._helpers(request.cell) if h.volunteer.pk == self.demo_volunteer.pk), None)
            if demo is not None and requirement.met_by(demo):
                self.demo_volunteer_courses.discard(course)
                return demo.volunteer
        known = self.supporters.get(resident.pk)
        if known is not None and any(h.volunteer.pk == known.pk for h in eligible):
            return known
        lat, lon = resident.latitude or 0.0, resident.longitude or 0.0
        distance = {
            h.volunteer.pk: _distance_km(lat, lon, h.volunteer.latitude or 0.0, h.volunteer.longitude or 0.0)
            for h in eligible or helpers
        }
        ranked = sorted(eligible or helpers, key=lambda h: (distance[h.volunteer.pk], h.volunteer.pk))
        in_reach = [h for h in ranked if distance[h.volunteer.pk] <= h.radius_km]
        choices = (in_reach or ranked)[:3]
        return self.rng.choice(choices).volunteer if choices else None

    def _organisation_for(self, request: SupportRequest, categories: list[NeedCategory]) -> Organisation:
        """The lowest-tier partner that offers every need at the request's level, serves the resident's
        ward and takes referrals; the demo partner's organisation first, so its inbox has work."""
        wanted = {c.pk for c in categories}
        ward = request.resident.area
        fitting = []
        for partner in self.network.partners[request.cell.slug]:
            organisation = partner.organisation
            if (
                partner.relationship != CellPartner.Relationship.ARMS_LENGTH
                and organisation.accepting_referrals
                and organisation.tier >= request.level
                and wanted <= self.offered_categories[organisation.pk]
                and self.network.serves(organisation, ward, self.place)
            ):
                fitting.append(organisation)
        if self.partner_organisation in fitting:
            return self.partner_organisation
        if not fitting:
            return self.network.organisations[orgs.ADULT_SOCIAL_CARE]
        lowest = min(o.tier for o in fitting)
        return self.rng.choice([o for o in fitting if o.tier == lowest])

    # Words.

    def _volunteer_need(self) -> _Need:
        slug = self.rng.choices(list(stories.VOLUNTEER_NEEDS), weights=[30, 14, 18, 10, 6, 8, 5, 5], k=1)[0]
        return _Need([self.words.categories[slug]], self.rng.choice(stories.VOLUNTEER_NEEDS[slug]))

    def _referral_need(self) -> _Need:
        slug = self.rng.choice(list(stories.REFERRAL_NEEDS))
        return _Need([self.words.categories[slug]], self.rng.choice(stories.REFERRAL_NEEDS[slug]))

    def _outcome(self, categories: list[NeedCategory]) -> str:
        return self.rng.choice(stories.OUTCOMES.get(categories[0].slug, stories.OUTCOMES["other"]))

    # Actors.

    def _coordinator(self, request: SupportRequest) -> User | None:
        ward_id = request.resident.area_id
        if ward_id in self.hub_coordinators and self.rng.random() < 0.7:
            return self.hub_coordinators[ward_id]
        return self.staff.by_role(request.cell, orgs.COORDINATOR)

    def _matcher(self, request: SupportRequest) -> User | None:
        """Who made an offer: nobody (the matcher) where the cell offers automatically, else a coordinator."""
        return None if request.cell.auto_offer else self._coordinator(request)

    def _answerer(self, offer: Offer) -> User | None:
        if offer.volunteer is not None:
            return offer.volunteer.user
        if offer.organisation_id == self.partner_organisation.pk:
            return self.staff.users[next(s.username for s in orgs.STAFF if s.role == orgs.PARTNER_CONTACT)]
        return None

    # One request.

    def _create(
        self,
        cell: ResponseCell,
        resident: Resident,
        need: _Need,
        *,
        safeguarding: bool = False,
        urgency: str | None = None,
        recurrence: str = Recurrence.NONE,
        previous: SupportRequest | None = None,
        channel: str | None = None,
    ) -> SupportRequest:
        rng = self.rng
        channel = (
            channel
            or rng.choices(
                [Channel.HELPLINE, Channel.WEB, Channel.REFERRAL, Channel.WALK_IN], weights=[55, 15, 15, 15]
            )[0]
        )
        urgency = (
            urgency
            or rng.choices(
                [Urgency.TODAY, Urgency.WITHIN_48_HOURS, Urgency.THIS_WEEK, Urgency.ROUTINE], weights=[20, 30, 35, 15]
            )[0]
        )
        caller: dict[str, object] = {}
        logged_by = None
        if channel == Channel.HELPLINE:
            logged_by = self.staff.by_role(cell, orgs.HELPLINE_OPERATOR)
            if rng.random() < 0.3:
                first, last, _ = people.random_name(rng)
                caller = {
                    "caller_is_resident": False,
                    "caller_name": f"{first} {last}",
                    "caller_relationship": rng.choice(people.CALLER_RELATIONSHIPS),
                    "caller_phone": people.drama_mobile(rng.randrange(1000)),
                }
        elif channel == Channel.REFERRAL:
            referrers = [
                p.organisation
                for p in self.network.partners[cell.slug]
                if p.organisation.kind in (Organisation.Kind.STATUTORY, Organisation.Kind.VCS, Organisation.Kind.FAITH)
            ]
            referrer = rng.choice(referrers)
            logged_by = self.staff.by_role(cell, orgs.COORDINATOR)
            caller = {
                "caller_is_resident": False,
                "caller_name": f"{referrer.contact_name}, {referrer.name}",
                "caller_relationship": "referring worker",
                "caller_phone": referrer.phone,
                "referring_organisation": referrer,
            }
        elif channel == Channel.WALK_IN:
            logged_by = self._coordinator_for_walk_in(cell, resident)
        return request_create(
            cell=cell,
            resident=resident,
            categories=need.categories,
            urgency=urgency,
            channel=channel,
            description=need.description,
            safeguarding=safeguarding,
            recurrence=recurrence,
            previous_occurrence=previous,
            logged_by=logged_by,
            **caller,  # type: ignore[arg-type]
        )

    def _coordinator_for_walk_in(self, cell: ResponseCell, resident: Resident) -> User | None:
        return self.hub_coordinators.get(resident.area_id or 0) or self.staff.by_role(cell, orgs.COORDINATOR)

    def _triage(self, request: SupportRequest, *, level: int | None = None, note: str | None = None) -> SupportRequest:
        resident = request.resident
        vulnerable = resident.shielding or resident.lives_alone
        if level is None and request.level == 1 and vulnerable and self.rng.random() < 0.3:
            level = 2
            note = "Lives alone or shielding: level 2, a checked volunteer."
        if note is None:
            note = self.rng.choice(stories.TRIAGE_NOTES)
        actor = self._coordinator(request)
        if request.safeguarding:
            actor = self.staff.by_role(request.cell, orgs.SAFEGUARDING_LEAD) or actor
        return request_triage(support_request=request, actor=actor, level=level, note=note)

    def _offer(self, request: SupportRequest, need: _Need, course: Course, exclude: set[int]) -> Offer | None:
        volunteer = self._volunteer_for(request, need.categories, course, exclude)
        if volunteer is None:
            return None
        exclude.add(volunteer.pk)
        return offer_make(support_request=request, actor=self._matcher(request), volunteer=volunteer)

    def _refer(self, request: SupportRequest, need: _Need) -> Offer:
        organisation = self._organisation_for(request, need.categories)
        return offer_make(support_request=request, actor=self._matcher(request), organisation=organisation)

    def _accept(self, offer: Offer) -> Offer:
        return offer_accept(offer=offer, actor=self._answerer(offer))

    def _decline(self, offer: Offer, reason: str | None = None) -> None:
        reason = reason if reason is not None else self.rng.choice(stories.DECLINE_REASONS)
        offer_decline(offer=offer, actor=self._answerer(offer), reason=reason)

    def _expire(self, offer: Offer) -> None:
        assert offer.expires_at is not None
        offer_expire(offer=offer, now=offer.expires_at + datetime.timedelta(seconds=1))

    def _complete(self, request: SupportRequest, need: _Need, offer: Offer) -> None:
        if self.rng.random() < 0.3:
            request_add_note(
                support_request=request, actor=self._coordinator(request), note=self.rng.choice(stories.NOTES)
            )
        request_complete(support_request=request, actor=self._answerer(offer), outcome=self._outcome(need.categories))

    def _escalate(self, request: SupportRequest, note: str) -> None:
        """Escalate as the matcher would in a cell that offers automatically, or as a coordinator."""
        actor = None if request.cell.auto_offer else self._coordinator(request)
        request_escalate(support_request=request, actor=actor, note=note)

    def _need_for(self, course: Course, safeguarding: bool) -> _Need:
        if safeguarding:
            index = self.rng.randrange(len(stories.SAFEGUARDING_NEEDS))
            slug = ("shopping", "befriending", "food-parcel")[index]
            return _Need([self.words.categories[slug]], stories.SAFEGUARDING_NEEDS[index])
        if course == Course.ESCALATED_SAFETY_NET:
            return _Need([self.words.categories["other"]], self.rng.choice(stories.SAFETY_NET_NEEDS))
        if course in _REFERRAL_COURSES:
            return self._referral_need()
        return self._volunteer_need()

    def tell(self, cell: ResponseCell, resident: Resident, course: Course) -> list[SupportRequest]:
        """Walk one request (three for a weekly shop) along ``course``; return them, backdated.

        Where the cell offers automatically the matcher's offer comes first (actor: nobody) and a
        coordinator steps in only where the course needs one; elsewhere a coordinator triages first and
        chooses every match."""
        if course == Course.WEEKLY_SHOPPING:
            return self._weekly_shopping(cell, resident)
        rng = self.rng
        by_hand = not cell.auto_offer
        safeguarding = course in _SAFEGUARDING_COURSES or (course == Course.ASSIGNED_BY_HAND and rng.random() < 0.5)
        need = self._need_for(course, safeguarding)
        urgency = Urgency.TODAY if course == Course.ESCALATED_SAFETY_NET else None
        request = self._create(cell, resident, need, safeguarding=safeguarding, urgency=urgency)
        declined: set[int] = set()

        if course == Course.NEW:
            pass
        elif course == Course.NEW_SAFEGUARDING:
            request_add_note(
                support_request=request,
                actor=request.logged_by,
                note="Safeguarding lead told by phone; the caller did not want the police called.",
            )
        elif course == Course.TRIAGED_SAFEGUARDING:
            self._triage(
                request,
                level=max(request.level, 2),
                note="Spoke to the resident: a checked volunteer the family knows, chosen by a coordinator.",
            )
        elif course == Course.SIGNPOSTED:
            # Where offers are automatic, the call handler signposts on the call, before any match.
            actor = request.logged_by if not by_hand and request.logged_by else self._coordinator(request)
            if by_hand:
                request = self._triage(request)
            request_signpost(support_request=request, actor=actor, note=self._signpost_note(cell))
        elif course == Course.CANCELLED:
            if by_hand:
                request = self._triage(request)
            if not by_hand or rng.random() < 0.5:
                self._offer(request, need, course, declined)
            request_cancel(
                support_request=request, actor=self._coordinator(request), reason=rng.choice(stories.CANCEL_REASONS)
            )
        elif course == Course.ESCALATED_SAFETY_NET:
            if not by_hand:
                self._offer(request, need, course, declined)  # withdrawn when triage raises the level
            request = self._triage(request, level=4, note="Needs a statutory response today, not volunteers.")
            for note in stories.SAFETY_NET_STEPS:
                request_escalate(support_request=request, actor=self._coordinator(request), note=note)
        elif course == Course.ASSIGNED_BY_HAND:
            request = self._triage(request, level=max(request.level, 2))
            volunteer = self._volunteer_for(request, need.categories, course, declined)
            if volunteer is not None:
                request_assign(
                    support_request=request,
                    actor=self._coordinator(request),
                    volunteer=volunteer,
                    reason=rng.choice(stories.HAND_ASSIGN_REASONS),
                )
        elif course in _REFERRAL_COURSES:
            if by_hand:
                request = self._triage(request)
            offer = self._refer(request, need)
            if course != Course.REFERRED:
                self._accept(offer)
                if course == Course.COMPLETED_REFERRAL:
                    self._complete(request, need, offer)
        else:
            if by_hand:
                request = self._triage(request)
            if course != Course.TRIAGED:
                self._volunteer_course(request, need, course, declined)
        return [self._backdate(request)]

    def _volunteer_course(self, request: SupportRequest, need: _Need, course: Course, declined: set[int]) -> None:
        offer = self._offer(request, need, course, declined)
        if offer is None:
            self._escalate(request, "No eligible helper is left to ask.")
            return
        if course == Course.OFFERED:
            return
        if course == Course.TRIAGED_AFTER_EXPIRY:
            self._expire(offer)
            return
        if course == Course.TRIAGED_AFTER_DECLINE:
            self._decline(offer)
            return
        if course == Course.ESCALATED:
            # Declines and expiries, in turn, until the cell's limit; the matcher then escalates (a
            # coordinator does, after two, where matching is by hand).
            limit = request.cell.declines_before_escalation if request.cell.auto_offer else 2
            for refusal in range(limit):
                if refusal % 2 == 0:
                    self._decline(offer)
                else:
                    self._expire(offer)
                following = self._offer(request, need, course, declined) if refusal + 1 < limit else None
                if following is None:
                    break
                offer = following
            note = f"{limit} helpers declined or did not answer."
            self._escalate(request, note if request.cell.auto_offer else self.rng.choice(stories.ESCALATION_NOTES))
            return
        if course == Course.COMPLETED_AFTER_DECLINE:
            self._decline(offer)
            following = self._offer(request, need, course, declined)
            if following is None:
                self._escalate(request, "No eligible helper is left to ask.")
                return
            offer = following
        self._accept(offer)
        if course in (Course.COMPLETED, Course.COMPLETED_AFTER_DECLINE):
            self._complete(request, need, offer)

    def _weekly_shopping(self, cell: ResponseCell, resident: Resident) -> list[SupportRequest]:
        """Three weeks of the same shop by the same volunteer: two done, this week's assigned. Completing
        a recurring request logs its next occurrence (``request_complete``), so only the first is logged
        here; each occurrence starts when the one before was done."""
        need = _Need(
            [self.words.categories["shopping"]],
            "Weekly shop, same list each week: milk, bread, fruit, ready meals, and the paper on Saturdays.",
        )
        request = self._create(cell, resident, need, urgency=Urgency.THIS_WEEK, recurrence=Recurrence.WEEKLY)
        start = self.now - datetime.timedelta(days=15, hours=self.rng.randint(0, 20))
        volunteer = None
        chain: list[SupportRequest] = []
        for week in range(3):
            if not cell.auto_offer:
                request = self._triage(request, note="Recurring weekly shop." if week == 0 else "")
            volunteer = volunteer or self._volunteer_for(request, need.categories, Course.WEEKLY_SHOPPING, set())
            if volunteer is None:
                break
            offer = offer_make(support_request=request, actor=self._matcher(request), volunteer=volunteer)
            self._accept(offer)
            if week < 2:
                self._complete(request, need, offer)
            request = self._backdate(request, start_at=start)
            chain.append(request)
            following = SupportRequest.objects.filter(previous_occurrence=request).first()
            if following is None or request.closed_at is None:
                break
            start, request = request.closed_at, following
        return chain

    def _signpost_note(self, cell: ResponseCell) -> str:
        arms_length = [
            p.organisation.name
            for p in self.network.partners[cell.slug]
            if p.relationship == CellPartner.Relationship.ARMS_LENGTH
        ]
        template = self.rng.choice(stories.SIGNPOST_NOTES)
        return template.format(group=self.rng.choice(arms_length) if arms_length else "a local group")

    # Time.

    def _backdate(
        self,
        request: SupportRequest,
        *,
        start_at: datetime.datetime | None = None,
    ) -> SupportRequest:
        """Move the request's timeline back to when it plausibly happened, with plausible gaps between
        events: ending a while ago that suits its status, or starting at ``start_at``, never in the
        future. The stamps on the request and its offers follow their events."""
        request.refresh_from_db()
        rng = self.rng
        events = list(request.events.order_by("id"))
        offers = list(request.offers.order_by("id"))
        expiry = datetime.timedelta(minutes=request.cell.offer_expiry_minutes(request.urgency))
        gaps = []
        for event in events:
            low, high = _GAP_MINUTES.get(EventVerb(event.verb), (1, 10))
            if event.verb == EventVerb.COMPLETED and request.recurrence != Recurrence.NONE:
                low, high = _RECURRING_COMPLETION_MINUTES
            gap = datetime.timedelta(minutes=rng.randint(low, high))
            if event.verb == EventVerb.EXPIRED:
                gap = expiry + datetime.timedelta(seconds=rng.randint(5, 240))
            elif event.verb in (EventVerb.ACCEPTED, EventVerb.DECLINED):
                gap = min(gap, expiry - datetime.timedelta(minutes=1))
            gaps.append(gap)
        gaps[0] = datetime.timedelta(0)
        span = sum(gaps, datetime.timedelta(0))
        latest_end = self.now - datetime.timedelta(minutes=2)
        if start_at is None:
            low, high = _AGO_MINUTES[Status(request.status)]
            start_at = self.now - datetime.timedelta(minutes=rng.randint(low, high)) - span
            if request.status != Status.OFFERED:
                start_at = _in_daytime(start_at)
        start = min(start_at, latest_end - span)
        moment = start
        for event, gap in zip(events, gaps, strict=True):
            moment += gap
            event.created_at = moment
        Event.objects.bulk_update(events, ["created_at"])

        moves = [e for e in events if e.to_status]
        first_triaged = next((e.created_at for e in moves if e.to_status == Status.TRIAGED), None)
        last_assigned = next((e.created_at for e in reversed(moves) if e.to_status == Status.ASSIGNED), None)
        SupportRequest.objects.filter(pk=request.pk).update(
            created_at=start,
            updated_at=events[-1].created_at,
            due_by=due_by_for(request.urgency, now=start),
            triaged_at=first_triaged if request.triaged_at else None,
            assigned_at=last_assigned if request.status == Status.ASSIGNED else None,
            closed_at=moves[-1].created_at if request.status in CLOSED_STATUSES else None,
        )

        # Each offer was made by an offered, referred or assigned-by-hand event, in the same order.
        making = [e for e in events if e.verb in (EventVerb.OFFERED, EventVerb.REFERRED, EventVerb.ASSIGNED)]
        for offer, made in zip(offers, making, strict=True):
            later = [e for e in events if e.pk > made.pk]
            answer = next((e for e in later if e.verb in (EventVerb.ACCEPTED, EventVerb.DECLINED)), None)
            settled = next(
                (e for e in later if e.verb in (EventVerb.EXPIRED, EventVerb.WITHDRAWN, EventVerb.COMPLETED)), None
            )
            offer.created_at = made.created_at
            if offer.expires_at is not None:
                offer.expires_at = made.created_at + expiry
            if offer.by_hand:
                offer.responded_at = made.created_at
            elif answer is not None and offer.responded_at is not None:
                offer.responded_at = answer.created_at
            offer.updated_at = (settled or answer or made).created_at
            if offer.volunteer_id is not None and offer.state in (OfferState.ACCEPTED, OfferState.COMPLETED):
                moment = offer.responded_at or made.created_at
                previous = self.last_assigned.get(offer.volunteer_id)
                self.last_assigned[offer.volunteer_id] = moment if previous is None else max(previous, moment)
        Offer.objects.bulk_update(offers, ["created_at", "expires_at", "responded_at", "updated_at"])
        request.refresh_from_db()
        return request

    def record_last_assignments(self) -> None:
        """The services stamp a volunteer's last task at the present; move it to the backdated time."""
        for volunteer_id, moment in self.last_assigned.items():
            Volunteer.objects.filter(pk=volunteer_id).update(last_assigned_at=moment)


def build_requests(
    place: Place,
    words: Vocabulary,
    network: Network,
    staff: Staff,
    demo_volunteer: Volunteer,
    residents: int,
    rng: random.Random,
    report: Report,
) -> tuple[int, int]:
    """Residents for each cell, then each cell's plan of requests (``stories.PLANS``) told through the
    services, then one stored ranking for each open request. Returns (requests, rankings)."""
    teller = Storyteller(place, words, network, staff, demo_volunteer, rng)
    made = 0
    cells = list(network.cells.values())
    with matching_held():
        for index, cell in enumerate(cells):
            share = residents // len(cells) + (1 if index < residents % len(cells) else 0)
            people_here = teller.create_residents(cell, max(share, 1))
            courses = [course for course, times in stories.PLANS[cell.slug].items() for _ in range(times)]
            rng.shuffle(courses)
            for number, course in enumerate(courses):
                made += len(teller.tell(cell, people_here[number % len(people_here)], course))
            report(f"  {cell.name}: {len(people_here)} residents, {len(courses)} planned requests")
        teller.record_last_assignments()
    ranked = rankings_settle(ResponseCell.objects.filter(pk__in=[cell.pk for cell in cells]))
    report(f"  {ranked} open requests ranked")
    return made, ranked
