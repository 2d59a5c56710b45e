"""Real Celery worker processes for the integration tests, on the test database and Redis."""

import os
import secrets
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app

WORKER_SECRET_KEY = secrets.token_urlsafe(50)


class Worker:
    """``celery -A config worker`` in its own process group, consuming one private queue."""

    def __init__(
        self, queue: str, log_path, env: dict[str, str] | None = None, *, concurrency: int = 2
    ):
        self.queue, self.log_path, self.extra_env = queue, log_path, env or {}
        self.concurrency = concurrency
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

    def start(**env: str) -> Worker:
        """A started worker; ``env`` adds to its environment (settings read from it)."""
        worker = Worker(celery_queue, tmp_path / "worker.log", env).start()
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
