"""``make serve``'s gunicorn (gunicorn.conf.py) as a benchmark's server, on the test database.

It can never hang a run: it binds a free loopback port, readiness is polled with a deadline,
its output goes to a file (a pipe that nobody reads can fill up and block the workers'
logging), every client request has a timeout, and the whole process group (master and workers)
is stopped on the way out, SIGTERM then SIGKILL, whatever happened.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
READY_SECONDS = 180  # five workers importing Django on a loaded 2-core machine took 60 s
STOP_SECONDS = 15
# Behind the documented proxy: it says the client came over HTTPS.
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    auth = f"{user}:{db['PASSWORD']}" if db["PASSWORD"] else user
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@dataclass(frozen=True)
class Server:
    base_url: str
    workers: int
    log_path: Path
    process_group: int

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the master and its live workers: the
        server's own cost per request, whatever else shares the machine's cores."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            if int(fields[2]) == self.process_group:  # fields[2]: pgrp; [11], [12]: utime, stime
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def gunicorn(*, log_path: Path, workers: int | None = None, env: dict | None = None) -> Iterator:
    """Run gunicorn with gunicorn.conf.py (workers from the core count unless ``workers``)."""
    port = free_port()
    workers = workers or (os.cpu_count() or 1) * 2 + 1
    server_env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTED_PROXY_COUNT": "1",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
    }
    server_env.pop("DJANGO_SETTINGS_MODULE", None)  # config.wsgi's unless ``env`` names one
    server_env.update(env or {})
    with open(log_path, "a") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env=server_env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers are stopped with it
        )
    server = Server(f"http://127.0.0.1:{port}", workers, log_path, process.pid)
    try:
        _wait_until_ready(process, server)
        yield server
    finally:
        _stop(process)


def _wait_until_ready(process: subprocess.Popen, server: Server) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while True:
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}:\n{server.log()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"gunicorn not ready within {READY_SECONDS} s:\n{server.log()}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the group (a graceful stop), SIGKILL it after ``STOP_SECONDS`` or when a worker
    outlived its master."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=STOP_SECONDS)
