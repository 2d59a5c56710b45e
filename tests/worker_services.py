"""Loaded first (``-p tests.worker_services`` in pytest's addopts): under pytest-xdist each
worker process gets a Redis database of its own, before Django reads its settings.

pytest-django already gives every xdist worker its own test database (``test_dashboard_gw0``,
``..._gw1``). Redis has no such suffix, and the app keeps keys there whose names carry database
ids (the Wix apply marks, the Magicline rate window): two workers whose businesses both have id
1 would read each other's. Database 0 stays the serial run's; worker ``gwN`` takes ``N + 1``.
"""

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16  # redis-server's default ``databases``


def _own_database(url: str, worker: str) -> str:
    number = int(worker.removeprefix("gw")) + 1
    if number >= REDIS_DATABASES:
        raise RuntimeError(
            f"At most {REDIS_DATABASES - 1} test workers: Redis has no database {number}."
        )
    return urlunsplit(urlsplit(url)._replace(path=f"/{number}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = _own_database(os.environ["REDIS_URL"], _worker)
