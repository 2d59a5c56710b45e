"""Real Celery worker processes for the integration tests, on the test database and Redis;
a Redis server of a test's own (that it can restart); the app's connections to the test
database dropped, or refused altogether, as an outage does."""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager

import pytest
import redis
from django.conf import settings
from django.db import connection

from config.celery import app

WORKER_SECRET_KEY = secrets.token_urlsafe(50)


class Worker:
    """``celery -A config worker`` in its own process group, consuming one private queue."""

    def __init__(
        self,
        queue: str,
        log_path,
        env: dict[str, str] | None = None,
        *,
        concurrency: int = 2,
        beat_schedule=None,
    ):
        self.queue, self.log_path, self.extra_env = queue, log_path, env or {}
        self.concurrency = concurrency
        self.beat_schedule = beat_schedule  # a path: the worker runs the beat too (make worker)
        self.process: subprocess.Popen | None = None

    def _env(self) -> dict:
        db = connection.settings_dict
        user = db["USER"] or "postgres"
        auth = f"{user}:{db['PASSWORD']}" if db["PASSWORD"] else user
        return {
            **os.environ,
            "DATABASE_URL": f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": settings.REDIS_URL,
            "DEBUG": "0",
            "SECRET_KEY": WORKER_SECRET_KEY,  # DEBUG=0 refuses the public development key
            "CELERY_VISIBILITY_TIMEOUT": "3",  # a killed worker's tasks come back quickly
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,  # tasks it queues itself stay on this queue
            "DB_CONN_MAX_AGE": "600",  # as make worker keeps it
            **self.extra_env,
        }

    def start(self) -> "Worker":
        name = f"{self.queue}-{uuid.uuid4().hex[:6]}@%h"
        log = open(self.log_path, "a")  # noqa: SIM115 (the worker keeps writing to it)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-l",
                "warning",
                "-c",
                str(self.concurrency),
                "-Q",
                self.queue,
                "-n",
                name,
                "--without-gossip",
                "--without-mingle",
                *(["-B", "--schedule", str(self.beat_schedule)] if self.beat_schedule else []),
            ],
            cwd=settings.BASE_DIR,
            env=self._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """SIGKILL the worker and its pool children, mid-task if they are busy."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


@pytest.fixture
def celery_queue():
    """A queue of this test's own, so the worker sees only the tasks this test queues."""
    if not settings.REDIS_URL:
        pytest.fail("The integration tests need REDIS_URL (make test sets it).")
    queue = f"it-{uuid.uuid4().hex[:10]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    yield queue
    app.conf.task_default_queue = previous
    with app.connection_for_write() as conn:
        conn.default_channel.queue_delete(queue)


@pytest.fixture
def worker_factory(celery_queue, tmp_path):
    workers: list[Worker] = []

    def start(*, beat: bool = False, **env: str) -> Worker:
        """A started worker (running the beat too with ``beat``, as ``make worker`` does);
        ``env`` adds to its environment (settings read from it)."""
        schedule = tmp_path / f"beat-{len(workers)}" if beat else None
        worker = Worker(celery_queue, tmp_path / "worker.log", env, beat_schedule=schedule).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def wait_for(condition, *, timeout: float, what: str, log=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out waiting for {what}.\n{log()[-4000:]}")
        time.sleep(0.2)


class RedisServer:
    """A ``redis-server`` of one test's own on a free loopback port, keeping nothing on disk
    (no RDB, no AOF): restarting it loses every queue and mark, as a Redis without persistence
    does. The machine's shared Redis is never touched."""

    def __init__(self, work_dir):
        self.work_dir = work_dir
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("The chaos tests start their own redis-server; install Redis.")
        log = open(self.work_dir / "redis.log", "a")  # noqa: SIM115 (the server writes to it)
        self.process = subprocess.Popen(
            [
                binary,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.work_dir)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        wait_for(lambda: self._pings(client), timeout=15, what="redis-server to start")
        client.close()
        return self

    def _pings(self, client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        """SIGKILL: a crash, nothing saved (there is nothing to save anyway)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def terminate_app_connections() -> int:
    """``pg_terminate_backend`` every other connection to THIS test's database (the web
    workers', the Celery workers'), as a database restart or failover drops them; the test's
    own connection and every other database's are left alone. Returns how many were dropped."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@contextmanager
def database_refusing_connections():
    """The test database refuses every new connection (``ALLOW_CONNECTIONS false``) and every
    app connection to it is dropped, until the block ends; then it accepts connections again,
    whatever happened inside. Only this test's own database is touched (from the ``postgres``
    maintenance database, since the test's own connection is closed meanwhile)."""
    name = connection.settings_dict["NAME"]
    quoted = connection.ops.quote_name(name)
    with connection._nodb_cursor() as admin:
        admin.execute(f"ALTER DATABASE {quoted} ALLOW_CONNECTIONS false")
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            connection.close()  # it was one of them
            yield
        finally:
            admin.execute(f"ALTER DATABASE {quoted} ALLOW_CONNECTIONS true")
    connection.close()
