"""Benchmark of ``manage.py seed_demo`` on PostgreSQL: how long a large demo takes to seed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crisis_hub .venv/bin/python bench/seed.py --volunteers 100000

DATABASE_URL says which server to use; the benchmark works in its own scratch database on that server
(``--database``, default crisis_hub_bench), which it drops and recreates, migrates, and then seeds,
timing the seed alone. It prints the seed's own stage timings, then seconds, volunteers per second
(over the whole seed and over the volunteer stage) and the process's peak resident memory. It is a
benchmark, not a test: it asserts nothing.
"""

import argparse
import io
import os
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # before site-packages: the project's ``requests`` app, not the PyPI library


class _Tee(io.StringIO):
    """Keeps what the command prints and shows it as it comes."""

    def write(self, text: str) -> int:
        sys.stdout.write(text)
        sys.stdout.flush()
        return super().write(text)


def recreate_database(server_url: str, name: str) -> str:
    """Drop and create ``name`` on the server of ``server_url``; return the URL of the new database."""
    import psycopg2
    from psycopg2 import sql

    base = server_url.rsplit("/", 1)[0]
    admin = psycopg2.connect(f"{base}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()
    return f"{base}/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--residents", type=int, default=72)
    parser.add_argument("--database", default="crisis_hub_bench", help="the scratch database (dropped first)")
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/crisis_hub")
    if "bench" not in args.database:
        sys.exit("The scratch database is dropped first; its name must contain 'bench'.")

    os.environ["DATABASE_URL"] = recreate_database(server_url, args.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter() - started
    print(f"Database {args.database} recreated and migrated in {migrated:.1f} s; seeding...", flush=True)

    output = _Tee()
    started = time.perf_counter()
    call_command("seed_demo", volunteers=args.volunteers, residents=args.residents, stdout=output)
    seconds = time.perf_counter() - started

    stage = re.search(r"^volunteers: ([0-9.]+) s$", output.getvalue(), re.MULTILINE)
    stage_seconds = float(stage.group(1)) if stage else float("nan")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print()
    print(f"volunteers              {args.volunteers:>12,}")
    print(f"seed_demo, seconds      {seconds:>12.1f}")
    print(f"volunteers per second   {args.volunteers / seconds:>12,.0f}   (whole seed)")
    print(
        f"volunteers per second   {args.volunteers / stage_seconds:>12,.0f}   (volunteer stage, {stage_seconds:.1f} s)"
    )
    print(f"peak RSS, MiB           {peak_mib:>12,.0f}")


if __name__ == "__main__":
    main()
