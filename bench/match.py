"""Benchmark of matching on PostgreSQL: per-request ranking latency at scale, the floor set by the bare
indexed candidate query, and throughput through real Celery workers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crisis_hub_match_bench \\
    REDIS_URL=redis://127.0.0.1:6379/2 .venv/bin/python bench/match.py --sizes 100000 750000

It drops and recreates the database named in DATABASE_URL, seeds one region (every real postcode of
Yorkshire and the Humber's postcode areas, from Code-Point Open) with N volunteers, 2,000
organisations and 1,000 requests of mixed needs and urgencies, then prints the tables. It is a
benchmark, not a test: it asserts nothing and prints figures.
"""

import argparse
import math
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

REGION = ("BD", "DN", "HD", "HG", "HU", "HX", "LS", "S", "WF", "YO")
URGENCIES = ("today", "48h", "week", "routine")
BATCH = 5_000


def recreate_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def area_letters(district: str) -> str:
    """The postcode area of a district: "HX1" -> "HX", "S10" -> "S"."""
    match = re.match(r"[A-Z]+", district)
    assert match is not None
    return match.group(0)


def region_points() -> list[tuple[str, float, float]]:
    from convertbng.cutil import convert_lonlat

    from hubs.postcodes import _area_table

    codes, eastings, northings = [], [], []
    for letters in REGION:
        for code, (east, north) in _area_table(letters).items():
            codes.append(code)
            eastings.append(east)
            northings.append(north)
    longitudes, latitudes = convert_lonlat(eastings, northings)
    return [
        (c, float(la), float(lo))
        for c, la, lo in zip(codes, latitudes, longitudes, strict=True)
        if math.isfinite(la) and math.isfinite(lo)
    ]


def seed(volunteers: int, organisations: int, requests: int, rng: random.Random) -> dict[str, float]:
    import datetime

    from django.db import connection
    from django.utils import timezone

    from hubs.models import Area, NeedCategory, PostcodeCoverage, ResponseCell, Skill
    from partners.models import CellPartner, Organisation
    from requests.models import Resident, Status, SupportRequest
    from volunteers.models import ALL_WEEK, Affiliation, Volunteer, grid_square

    timings: dict[str, float] = {}
    started = time.perf_counter()
    points = region_points()

    # Geography: a local authority per postcode area, a ward per postcode district.
    districts: dict[str, list[tuple[str, float, float]]] = {}
    for point in points:
        districts.setdefault(point[0].split(" ")[0], []).append(point)
    authorities = {}
    for index, letters in enumerate(REGION):
        inside = [p for d, ps in districts.items() if area_letters(d) == letters for p in ps]
        lat = statistics.fmean(p[1] for p in inside)
        lon = statistics.fmean(p[2] for p in inside)
        authorities[letters] = Area.objects.create(
            name=f"{letters} area", code=f"E0699{index:04d}", kind="local_authority", latitude=lat, longitude=lon
        )
    wards = {}
    for index, (district, ps) in enumerate(sorted(districts.items())):
        wards[district] = Area(
            name=f"{district} ward",
            code=f"E0599{index:04d}",
            kind="ward",
            parent=authorities[area_letters(district)],
            latitude=statistics.fmean(p[1] for p in ps),
            longitude=statistics.fmean(p[2] for p in ps),
        )
    Area.objects.bulk_create(wards.values())
    PostcodeCoverage.objects.bulk_create(PostcodeCoverage(area=ward, prefix=d) for d, ward in wards.items())

    skills = [
        Skill.objects.create(slug=s, name=s.replace("-", " ").capitalize())
        for s in ("driving", "befriending", "digital", "dog-handling", "food-hygiene", "money-advice")
    ]
    specs = [
        ("shopping", 1, 0, False, []),
        ("prescription-collection", 1, 0, False, []),
        ("food-parcel", 1, 0, False, []),
        ("check-in-call", 2, 3, True, [skills[1]]),
        ("transport", 1, 1, False, [skills[0]]),
        ("digital-inclusion", 1, 0, False, [skills[2]]),
        ("dog-walking", 1, 0, False, [skills[3]]),
        ("mental-health-support", 3, 3, True, []),
        ("money-advice", 3, 0, False, [skills[5]]),
    ]
    categories = []
    for slug, level, dbs, training, required in specs:
        category = NeedCategory.objects.create(
            slug=slug,
            name=slug.replace("-", " ").capitalize(),
            default_level=level,
            required_dbs_level=dbs,
            requires_safeguarding_training=training,
        )
        category.required_skills.set(required)
        categories.append(category)
    cell = ResponseCell.objects.create(
        name="Yorkshire and the Humber", slug="yorkshire", coordination_model=1, auto_offer=False
    )
    cell.areas.set(authorities.values())
    timings["geography_s"] = time.perf_counter() - started

    # Organisations, serving wards near their base, of every kind and tier.
    started = time.perf_counter()
    kinds = ("lio", "vcs", "mutual_aid", "statutory", "faith", "business")
    ward_list = list(wards.values())
    orgs = []
    for index in range(organisations):
        kind = kinds[index % len(kinds)]
        base = rng.choice(points)
        orgs.append(
            Organisation(
                name=f"Organisation {index:05d}",
                kind=kind,
                tier=4 if kind == "statutory" else rng.choice((1, 2, 2, 3)),
                constituted=kind != "mutual_aid",
                capacity=rng.randint(5, 60),
                latitude=base[1],
                longitude=base[2],
                languages=rng.sample(["pl", "ur", "pa", "bn", "ro", "ar"], rng.randint(0, 2)),
            )
        )
    Organisation.objects.bulk_create(orgs)
    category_links, area_links, partners = [], [], []
    for org in orgs:
        for category in rng.sample(categories, rng.randint(1, 4)):
            category_links.append(Organisation.categories.through(organisation_id=org.pk, needcategory_id=category.pk))
        for ward in rng.sample(ward_list, rng.randint(1, 6)):
            area_links.append(Organisation.areas.through(organisation_id=org.pk, area_id=ward.pk))
        if rng.random() < 0.3:
            relationship = (
                rng.choice(("integrated", "supported", "arms_length")) if org.kind == "mutual_aid" else "integrated"
            )
            partners.append(CellPartner(cell=cell, organisation=org, relationship=relationship))
    Organisation.categories.through.objects.bulk_create(category_links, batch_size=BATCH)
    Organisation.areas.through.objects.bulk_create(area_links, batch_size=BATCH)
    partners[0].role = "lead"
    CellPartner.objects.bulk_create(partners)
    timings["organisations_s"] = time.perf_counter() - started

    # Volunteers, spread over the region's real postcodes.
    started = time.perf_counter()
    today = timezone.localdate()
    radii = (1, 2, 2, 3, 3, 3, 5, 5, 8, 10, 15)
    lead = partners[0].organisation_id
    for first in range(0, volunteers, BATCH):
        batch = []
        for number in range(first, min(first + BATCH, volunteers)):
            code, lat, lon = rng.choice(points)
            dbs = rng.choice((0, 0, 1, 2, 3))
            batch.append(
                Volunteer(
                    cell=cell,
                    first_name=f"V{number}",
                    last_name="Bench",
                    email=f"v{number}@example.org",
                    postcode=code,
                    latitude=lat,
                    longitude=lon,
                    grid=grid_square(lat, lon),
                    area=wards[code.split(" ")[0]],
                    travel_radius_km=rng.choice(radii),
                    status="active" if rng.random() < 0.85 else "paused",
                    availability=rng.choice((ALL_WEEK, rng.getrandbits(21))),
                    available_now=rng.random() < 0.1,
                    dbs_level=dbs,
                    dbs_issued_on=today - datetime.timedelta(days=rng.randint(1, 900)) if dbs else None,
                    safeguarding_training_expires_on=today + datetime.timedelta(days=rng.randint(-100, 700))
                    if rng.random() < 0.4
                    else None,
                    id_verified_on=today if rng.random() < 0.7 else None,
                    weekly_task_cap=rng.randint(1, 5),
                    languages=["pl"] if rng.random() < 0.05 else [],
                )
            )
        Volunteer.objects.bulk_create(batch)
        links = [
            Volunteer.skills.through(volunteer_id=v.pk, skill_id=s.pk)
            for v in batch
            for s in rng.sample(skills, rng.randint(0, 3))
        ]
        Volunteer.skills.through.objects.bulk_create(links)
        Affiliation.objects.bulk_create(
            Affiliation(volunteer=v, organisation_id=lead, recruited_by=True) for v in batch if rng.random() < 0.5
        )
    timings["volunteers_s"] = time.perf_counter() - started

    # Residents and requests.
    started = time.perf_counter()
    residents = []
    for number in range(requests):
        code, lat, lon = rng.choice(points)
        residents.append(
            Resident(
                cell=cell,
                first_name=f"R{number}",
                postcode=code,
                postcode_known=True,
                latitude=lat,
                longitude=lon,
                area=wards[code.split(" ")[0]],
                consent_to_share=True,
                consent_recorded_at=timezone.now(),
                preferred_language="pl" if rng.random() < 0.05 else "",
            )
        )
    Resident.objects.bulk_create(residents)
    support_requests = []
    for number, resident in enumerate(residents):
        urgency = rng.choice(URGENCIES)
        support_requests.append(
            SupportRequest(
                cell=cell,
                reference=f"B{number:06d}",
                resident=resident,
                urgency=urgency,
                level=1,
                status=Status.NEW,
                due_by=timezone.now() + datetime.timedelta(days=2),
            )
        )
    SupportRequest.objects.bulk_create(support_requests)
    links = []
    for support_request in support_requests:
        chosen = rng.sample(categories, rng.choice((1, 1, 1, 2)))
        support_request.level = max(c.default_level for c in chosen)
        links += [
            SupportRequest.categories.through(supportrequest_id=support_request.pk, needcategory_id=c.pk)
            for c in chosen
        ]
    SupportRequest.objects.bulk_update(support_requests, ["level"])
    SupportRequest.categories.through.objects.bulk_create(links)
    timings["requests_s"] = time.perf_counter() - started
    # As beat's nightly job does in a deployment: keep each neighbourhood's volunteers together on disk.
    from volunteers.services import volunteers_cluster

    cluster_started = time.perf_counter()
    volunteers_cluster()
    timings["cluster_s"] = time.perf_counter() - cluster_started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print("  seeded: " + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in timings.items()), flush=True)
    return timings


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return pick(0.50), pick(0.95), pick(0.99)


def bare_query_ms(context: object) -> float:
    """The floor: the indexed candidate query alone. The same ring-by-ring reads of the pool with every
    hard rule applied, keeping the nearest eligible volunteers until they are certain; no counting by
    reason, no organisations, no details, no scoring, no explanations (the request's facts, which the
    query takes as parameters, are read before the clock starts)."""
    from django.db import connection

    from requests.matching.candidates import ELIGIBLE, SEARCH_RINGS_KM, _judged_sql
    from requests.matching.ranking import VOLUNTEER_LIMIT

    started = time.perf_counter()
    radius = context.search_radius_km  # type: ignore[attr-defined]
    found: list[float] = []
    inner = 0.0
    for outer in [ring for ring in SEARCH_RINGS_KM if ring < radius] + [radius]:
        judged = _judged_sql(context, inner_km=inner, outer_km=outer)  # type: ignore[arg-type]
        inner = outer
        if judged is None:
            break
        sql, params = judged
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, distance_km FROM ({sql}) judged WHERE verdict = '{ELIGIBLE}' "
                f"ORDER BY distance_km, id LIMIT {VOLUNTEER_LIMIT}",
                params,
            )
            found += [row[1] for row in cursor.fetchall()]
        found.sort()
        if len(found) >= VOLUNTEER_LIMIT and found[VOLUNTEER_LIMIT - 1] <= inner * 0.99:
            break
    return (time.perf_counter() - started) * 1000


def measure_latency(count: int) -> dict[str, object]:
    from requests.matching.context import build_context
    from requests.matching.ranking import rank
    from requests.models import SupportRequest

    support_requests = list(
        SupportRequest.objects.select_related("cell", "resident", "resident__area").order_by("id")[:count]
    )
    for warm in support_requests[:20]:
        rank(warm)
        bare_query_ms(build_context(warm))
    full, bare, candidates = [], [], []
    for support_request in support_requests:
        started = time.perf_counter()
        result = rank(support_request)
        full.append((time.perf_counter() - started) * 1000)
        candidates.append(len(result.candidates))
        bare.append(bare_query_ms(result.context))
    return {
        "full": percentiles(full),
        "bare": percentiles(bare),
        "mean_candidates": statistics.fmean(candidates),
        "mean_considered_ms": statistics.fmean(full),
    }


def measure_throughput(processes: int, count: int) -> float:
    """Requests ranked per second by ``processes`` worker processes on Redis."""
    from django.utils import timezone

    from requests.models import SupportRequest
    from requests.tasks import enqueue_match

    ids = list(SupportRequest.objects.order_by("-id").values_list("id", flat=True)[:count])
    SupportRequest.objects.filter(id__in=ids).update(needs_ranking_since=timezone.now())
    worker = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "config",
            "worker",
            "--loglevel=WARNING",
            f"--concurrency={processes}",
            "-n",
            f"bench-{processes}@%h",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        time.sleep(4)  # let the worker connect before the clock starts
        started = time.perf_counter()
        for request_id in ids:
            enqueue_match(request_id)
        while SupportRequest.objects.filter(id__in=ids, needs_ranking_since__isnull=False).exists():
            if time.perf_counter() - started > 600:
                raise TimeoutError("workers did not finish")
            time.sleep(0.05)
        return count / (time.perf_counter() - started)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 750_000])
    parser.add_argument("--organisations", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--throughput-requests", type=int, default=300)
    parser.add_argument("--reuse", action="store_true", help="measure the database as it is, without reseeding")
    parser.add_argument("--latency-only", action="store_true", help="skip the worker throughput measurement")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or not url.rsplit("/", 1)[1].endswith("_match_bench"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL database whose name ends in _match_bench: it is dropped and recreated."
        )
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL: throughput is measured through real workers.")

    rows = []
    for size in args.sizes:
        import django
        from django.core.management import call_command
        from django.db import connections

        if not args.reuse:
            recreate_database(url)
        django.setup()
        connections.close_all()
        seeded = 0.0
        if not args.reuse:
            call_command("migrate", verbosity=0)
            seed_started = time.perf_counter()
            seed(size, args.organisations, args.requests, random.Random(2020))
            seeded = time.perf_counter() - seed_started
        latency = measure_latency(args.requests)
        throughput = {1: 0.0, 2: 0.0}
        if not args.latency_only:
            throughput = {p: measure_throughput(p, args.throughput_requests) for p in (1, 2)}
        rows.append((size, seeded, latency, throughput))
        connections.close_all()
        full_p50, full_p95, full_p99 = latency["full"]  # type: ignore[misc]
        bare_p50, bare_p95, bare_p99 = latency["bare"]  # type: ignore[misc]
        print(f"\nN = {size:,} volunteers, {args.organisations:,} organisations, seeded in {seeded:.0f} s", flush=True)
        print(f"  full ranking   p50 {full_p50:6.1f} ms  p95 {full_p95:6.1f} ms  p99 {full_p99:6.1f} ms")
        print(f"  bare query     p50 {bare_p50:6.1f} ms  p95 {bare_p95:6.1f} ms  p99 {bare_p99:6.1f} ms")
        print(f"  ratio at p95   {full_p95 / bare_p95:.2f}x; mean candidates {latency['mean_candidates']:.0f}")
        print(f"  throughput     1 worker {throughput[1]:.1f}/s, 2 workers {throughput[2]:.1f}/s")

    print(
        "\n| volunteers | ranking p50 | p95 | p99 | bare query p50 | p95 | p99 | ratio (p95) | 1 worker | 2 workers |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, _seeded, latency, throughput in rows:
        f50, f95, f99 = latency["full"]  # type: ignore[misc]
        b50, b95, b99 = latency["bare"]  # type: ignore[misc]
        print(
            f"| {size:,} | {f50:.1f} ms | {f95:.1f} ms | {f99:.1f} ms | {b50:.1f} ms | {b95:.1f} ms | {b99:.1f} ms "
            f"| {f95 / b95:.2f}x | {throughput[1]:.1f}/s | {throughput[2]:.1f}/s |"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of the benchmark process: {peak:.0f} MiB; CPU: {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
