"""The sync pipeline's own infrastructure failing under it, while 1,000 signed Calendar V3
deliveries arrive: the local store still ends EXACTLY equal to the fake upstream's state.

Real processes throughout: ``make serve``'s gunicorn (workers keeping their database
connections, as in production) takes the deliveries; a real Celery worker with its beat (as
``make worker`` runs it) applies them, reading the fake Calendar V3 server; the queue is a
redis-server of this test's own, keeping nothing on disk. The scenario of test_wix_sync.py
(every change once, 20% duplicated, 10% stale-revision copies, shuffled) is posted by
concurrent senders that, like Wix, send a delivery again when it was answered 503 or the
connection failed. While they post:

1. every app connection to the test database is dropped (``pg_terminate_backend``);
2. Redis is killed and started again, empty: the queued tasks and drain marks are gone;
3. the worker is SIGKILLed mid-batch and a new one started;
4. every app connection is dropped again.

Nothing but the app's own machinery brings the store back: the web workers reconnect (Django's
health checks), the tasks retry a dropped connection, and the beat's sweep
(``requeue_stalled_deliveries``, every ``SYNC_REQUEUE_SECONDS``) queues again what Redis lost.
No answer is ever a 500.
"""

import logging
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from calendar_app.wix.models import WebhookDelivery
from tests.benchmarks.gunicorn_server import PROXY_HEADERS, gunicorn
from tests.factories import WixConnectionFactory
from tests.fakes.wix_server import FakeWixServer
from tests.integration.conftest import Worker, terminate_app_connections, wait_for
from tests.integration.wix_scenario import assert_mirror_equals, settled, signed_scenario

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

POSTERS = 6
SEND_ATTEMPTS = 40  # a sender gives up on a delivery after this many 503s or failed connections
REQUEUE_SECONDS = "2"  # the beat's sweep: deliveries waiting 2 s are queued again, every 2 s
WEB_WORKERS = 3
# (deliveries answered so far, what happens then)
CHAOS = [
    (150, "drop connections"),
    (350, "restart redis"),
    (550, "kill worker"),
    (750, "drop connections"),
]


@pytest.fixture
def fake():
    with FakeWixServer() as server:
        yield server


@pytest.fixture
def connection(fake):
    return WixConnectionFactory.mirroring(fake)


class Senders:
    """Concurrent senders posting signed deliveries as Wix does: each delivery is sent again
    after a 503 or a failed connection (with a short pause), until it is answered otherwise."""

    def __init__(self, url: str):
        self.url = url
        self.answered = 0
        self.statuses: Counter = Counter()  # every answer, retries included
        self.lock = threading.Lock()

    def send(self, tokens: list[str]) -> list[int]:
        finals = []
        with httpx.Client(headers=PROXY_HEADERS, timeout=30) as client:
            for token in tokens:
                finals.append(self._send_one(client, token))
                with self.lock:
                    self.answered += 1
        return finals

    def _send_one(self, client: httpx.Client, token: str) -> int:
        status = 0
        for _ in range(SEND_ATTEMPTS):
            try:
                status = client.post(self.url, content=token).status_code
            except httpx.TransportError:
                status = -1
            with self.lock:
                self.statuses[status] += 1
            if status not in (503, -1):
                return status
            time.sleep(0.25)
        return status


def test_the_store_converges_through_database_drops_a_redis_restart_and_a_killed_worker(
    fake, connection, own_redis, tmp_path
):
    logging.getLogger("httpx").setLevel(logging.WARNING)
    tokens, distinct = signed_scenario(fake, connection)
    queue = f"chaos-{uuid.uuid4().hex[:8]}"
    env = {
        "REDIS_URL": own_redis.url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "SYNC_REQUEUE_SECONDS": REQUEUE_SECONDS,
    }
    workers = []

    def start_worker() -> Worker:
        worker = Worker(
            queue, tmp_path / "worker.log", env, beat_schedule=tmp_path / f"beat-{len(workers)}"
        ).start()
        workers.append(worker)
        return worker

    done: list[str] = []
    backlog: list[str] = []
    try:
        worker = start_worker()
        with gunicorn(log_path=tmp_path / "web.log", workers=WEB_WORKERS, env=env) as web:
            senders = Senders(f"{web.base_url}/webhooks/wix/")
            with ThreadPoolExecutor(POSTERS) as pool:
                shares = [pool.submit(senders.send, tokens[n::POSTERS]) for n in range(POSTERS)]
                for answered, what in CHAOS:
                    wait_for(
                        lambda answered=answered: senders.answered >= answered,
                        timeout=60,
                        what=f"{answered} deliveries answered",
                        log=web.log,
                    )
                    waiting = WebhookDelivery.objects.filter(status="received").count()
                    if what == "restart redis":
                        own_redis.restart()
                    elif what == "kill worker":
                        worker.kill()  # SIGKILL, the beat with it, mid-batch
                        worker = start_worker()
                    else:
                        assert terminate_app_connections() > 0  # the web and worker's
                    done.append(what)
                    backlog.append(f"{what} with {waiting} stored deliveries waiting")
                finals = [status for share in shares for status in share.result()]
            web_log = web.log()

        assert finals == [200] * len(tokens), Counter(finals)
        assert 500 not in senders.statuses, web_log[-4000:]
        wait_for(
            settled(distinct),
            timeout=120,
            what="the worker and the beat to apply every stored delivery",
            log=worker.log,
        )
        assert not WebhookDelivery.objects.exclude(status="applied").exists()
        assert_mirror_equals(fake, connection)
    finally:
        for started in workers:
            started.stop()
    assert done == [what for _, what in CHAOS]
    print(f"\nchaos: {'; '.join(backlog)}; answers, retries included: {senders.statuses}")
