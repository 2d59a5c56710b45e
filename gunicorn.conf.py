"""gunicorn for ``make serve`` (production): workers from the core count, each keeping one
database connection open between requests (that is the pool: workers x machines).

``gthread`` workers with one thread: a worker still serves one request at a time (so its one
kept connection is never shared), but it keeps its clients' connections alive between requests
(``keepalive``), which sync workers cannot: a client posting often (Wix delivering webhooks, a
proxy) then skips a TCP connect and gunicorn's per-connection setup on every request.
"""

import multiprocessing
import os

# Read by config/settings.py when the workers import the app: a worker serves one request at a
# time on its one thread, so its one kept connection is never shared and never leaks.
os.environ.setdefault("DB_CONN_MAX_AGE", "600")

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = 1  # one request at a time per worker: one database connection per worker
keepalive = 5  # seconds an idle client connection stays open
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
max_requests = 2000  # recycle workers now and then; jitter keeps them from restarting together
max_requests_jitter = 200
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "config.wsgi:application"
