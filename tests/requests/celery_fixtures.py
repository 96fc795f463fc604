"""A real Celery worker and beat on a private Redis, for integration and fault tests.

Nothing here mocks Celery or Redis. A session-wide ``redis-server`` runs on a free port of its own, so
stopping or stalling it never disturbs other tests or the machine's Redis. Workers and beat are
``celery`` subprocesses, each in its own process group, pointed at the test database and the private
Redis; the test process publishes to the same Redis. Tests using them need committed data, hence
``transactional_db``.

They need PostgreSQL (advisory locks, row locks, several processes on one database): elsewhere they
skip, except in CI, where a skip would hide a missing service and so they fail.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import kombu.pools
import pytest
import redis
from django.db import connection

from config.celery import app as celery_app
from requests import broker as request_broker
from tests.hubs.factories import NeedCategoryFactory, ResponseCellFactory
from tests.requests.factories import ResidentFactory
from tests.volunteers.factories import VolunteerFactory

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
# Beat drives the sweeper this often in these tests (the product default is 15 s).
SWEEP_INTERVAL_SECONDS = 2
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_or_fail(reason: str) -> None:
    """Skip locally; in CI a missing service is an error, never a silent skip."""
    if in_ci():
        pytest.fail(f"{reason} (CI must run these tests)", pytrace=False)
    pytest.skip(reason)


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        skip_or_fail("Celery worker tests need PostgreSQL: set DATABASE_URL (scripts/test does)")


def wait_until(condition: Callable[[], Any], *, timeout: float, interval: float = 0.1, what: str = "condition") -> Any:
    """Poll ``condition`` until it returns something truthy, and return that; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url_for_subprocesses() -> str:
    """The URL of the database this test runs on (pytest-django's test database), for subprocesses."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{db['NAME']}"


class RedisServer:
    """A private ``redis-server`` that a test may stop, start again on the same port, or stall (SIGSTOP)."""

    def __init__(self, *, port: int, log_path: Path) -> None:
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.paused = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1, socket_connect_timeout=1)

    def ping(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        if self.running:
            return
        binary = shutil.which("redis-server")
        assert binary is not None
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.log_path.parent)]
        args += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.paused = False
        wait_until(self.ping, timeout=10, what=f"redis-server on port {self.port} to answer PING")

    def stop(self) -> None:
        if self.process is None:
            return
        self.resume()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def pause(self) -> None:
        """Stall the server: it keeps its port and accepts connections, but answers nothing."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        if self.process is not None and self.paused:
            os.kill(self.process.pid, signal.SIGCONT)
        self.paused = False

    def flush(self) -> None:
        self.client().flushall()


class CeleryProcess:
    """One ``celery`` subprocess (worker or beat) in its own process group, logging to a file."""

    def __init__(self, *, name: str, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                args, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.log()))

    def wait_for_log(self, pattern: str, *, timeout: float = START_TIMEOUT) -> None:
        def seen() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{self.log()[-4000:]}")
            return re.search(pattern, self.log()) is not None

        wait_until(seen, timeout=timeout, what=f"{pattern!r} in the {self.name} log")

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        """SIGKILL the whole process group: the main process and its pool children die at once."""
        self._signal_group(signal.SIGKILL)
        self.process.wait()

    def terminate(self) -> None:
        """SIGTERM: a worker finishes its running task and exits (warm shutdown)."""
        self._signal_group(signal.SIGTERM)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL whatever is left of the group."""
        if self.process.poll() is None:
            self.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_TIMEOUT)
        self.kill()


READY_PATTERNS = {"worker": r"@\S+ ready\.", "beat": r"beat: Starting"}


def wait_ready(*processes: CeleryProcess) -> None:
    for process in processes:
        process.wait_for_log(READY_PATTERNS[process.name.split("-")[0]])


class CeleryCluster:
    """Starts workers and beat for one test, against the test database and the private Redis."""

    def __init__(self, *, redis_server: RedisServer, log_dir: Path) -> None:
        self.redis_server = redis_server
        self.log_dir = log_dir
        self.processes: list[CeleryProcess] = []

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database_url_for_subprocesses(),
            REDIS_URL=self.redis_server.url,
            SWEEP_INTERVAL_SECONDS=str(SWEEP_INTERVAL_SECONDS),
            DJANGO_SETTINGS_MODULE="config.settings",
            PYTHONPATH=os.pathsep.join([str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def _start(self, name: str, args: list[str], env: dict[str, str]) -> CeleryProcess:
        index = sum(1 for process in self.processes if process.name.startswith(name))
        log_path = self.log_dir / f"{name}-{index}.log"
        process = CeleryProcess(name=f"{name}-{index}", args=args, env=env, log_path=log_path)
        self.processes.append(process)
        return process

    def spawn_worker(self, *, app: str = "config", concurrency: int = 1, **env: str) -> CeleryProcess:
        """Start a worker without waiting for it; ``wait_ready()`` waits."""
        args = [str(CELERY), "-A", app, "worker", "--loglevel=INFO", f"--concurrency={concurrency}"]
        # A name of its own, and no waiting to sync with other workers (there are none).
        args += ["-n", f"test-{uuid.uuid4().hex[:8]}@%h", "--without-gossip", "--without-mingle"]
        return self._start("worker", args, self.env(**env))

    def spawn_beat(self) -> CeleryProcess:
        schedule = self.log_dir / f"beat-schedule-{uuid.uuid4().hex[:8]}"
        args = [str(CELERY), "-A", "config", "beat", "--loglevel=INFO", f"--schedule={schedule}"]
        return self._start("beat", args, self.env())

    def start_worker(self, **options: Any) -> CeleryProcess:
        worker = self.spawn_worker(**options)
        wait_ready(worker)
        return worker

    def start_beat(self) -> CeleryProcess:
        beat = self.spawn_beat()
        wait_ready(beat)
        return beat

    def start_worker_and_beat(self, **worker_options: Any) -> tuple[CeleryProcess, CeleryProcess]:
        """Both at once: each takes a few seconds to import Django and connect."""
        worker, beat = self.spawn_worker(**worker_options), self.spawn_beat()
        wait_ready(worker, beat)
        return worker, beat

    def stop_all(self) -> None:
        """Warm shutdown of everything still running, all at once, then SIGKILL any stragglers."""
        running = [process for process in self.processes if process.process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        for process in self.processes:
            process.kill()

    def logs(self) -> list[tuple[str, str]]:
        return [(process.name, process.log()) for process in self.processes]


def reset_broker_connections() -> None:
    """Forget every pooled broker connection, so the next publish connects afresh with the current settings."""
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


# Fixtures --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def private_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        skip_or_fail("redis-server is not installed")
    server = RedisServer(port=free_port(), log_path=tmp_path_factory.mktemp("redis") / "redis.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgresql_transactional_db(transactional_db: None) -> None:
    """Committed data on PostgreSQL, visible to other connections and processes."""
    require_postgresql()


@pytest.fixture
def celery_broker(
    postgresql_transactional_db: None, private_redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RedisServer]:
    """The private Redis, running and empty, with this process's Celery app publishing to it (not eagerly)."""
    private_redis.resume()
    private_redis.start()
    private_redis.flush()
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.broker_url = private_redis.url
    celery_app.conf.task_always_eager = False
    reset_broker_connections()
    # A fresh broker back-off for this thread, so one test's outage does not leak into the next.
    monkeypatch.setattr(request_broker, "_backoff", threading.local())
    try:
        yield private_redis
    finally:
        for key, value in saved.items():
            celery_app.conf[key] = value
        reset_broker_connections()


@pytest.fixture
def celery_cluster(celery_broker: RedisServer, tmp_path: Path) -> Iterator[CeleryCluster]:
    """Start workers and beat with ``start_worker()`` and ``start_beat()``; all are stopped at the end. Their
    logs are attached to the report of a failing test (see ``pytest_runtest_makereport`` in conftest)."""
    cluster = CeleryCluster(redis_server=celery_broker, log_dir=tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop_all()


@pytest.fixture
def celery_worker_process(celery_cluster: CeleryCluster) -> CeleryProcess:
    return celery_cluster.start_worker()


@pytest.fixture
def celery_beat_process(celery_cluster: CeleryCluster) -> CeleryProcess:
    return celery_cluster.start_beat()


@pytest.fixture
def celery_worker_and_beat(celery_cluster: CeleryCluster) -> tuple[CeleryProcess, CeleryProcess]:
    """A worker and beat, started side by side (quicker than the two fixtures above one after the other)."""
    return celery_cluster.start_worker_and_beat()


@dataclass
class MatchableCell:
    """A cell that offers automatically, a need anyone can meet, a resident, and volunteers next door."""

    cell: Any
    category: Any
    resident: Any
    volunteers: list[Any]


def matchable_cell(*, volunteers: int = 2) -> MatchableCell:
    """Volunteers at their highest weekly cap, so that many requests can each be offered to one of them."""
    cell = ResponseCellFactory(auto_offer=True)
    return MatchableCell(
        cell=cell,
        category=NeedCategoryFactory(slug="shopping", default_level=1),
        resident=ResidentFactory(cell=cell),
        volunteers=[VolunteerFactory(cell=cell, weekly_task_cap=21) for _ in range(volunteers)],
    )
