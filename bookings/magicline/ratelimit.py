"""Magicline's documented 1000 requests per minute, per key and endpoint: a sliding one-minute
window per (connection, endpoint), shared by every web and Celery process through Redis (in
this process's memory without Redis). A call reserves its place and waits for it, or is
refused when the place is more than ``max_wait`` seconds away."""

import functools
import threading
import time
import uuid

import redis
from django.conf import settings


class LocalWindow:
    """At most ``limit`` reservations in any ``window`` seconds, in this process's memory (the
    development setup without Redis, where one process makes every call)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._times: dict[str, list[float]] = {}

    def reserve(self, key: str, *, limit: int, window: float, max_wait: float) -> float | None:
        with self._lock:
            now = time.monotonic()
            times = [t for t in self._times.get(key, []) if t > now - window]
            at = now if len(times) < limit else times[len(times) - limit] + window
            if at - now > max_wait:
                self._times[key] = times
                return None
            self._times[key] = sorted([*times, at])
            return at - now


# A sliding window in a sorted set: drop what left the window, then reserve the first instant at
# which one more call keeps ``limit`` calls in any ``window`` seconds (now, or when the oldest
# call that counts leaves it), unless that is more than ``max_wait`` away. Redis's clock, so all
# processes agree.
_RESERVE = """
local key, window, limit, max_wait, member =
    KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local at = now
if count >= limit then
  local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
  at = tonumber(oldest[2]) + window
end
if at - now > max_wait then return {0, tostring(at - now)} end
redis.call('ZADD', key, at, member)
redis.call('EXPIRE', key, math.ceil(at - now + window) + 1)
return {1, tostring(at - now)}
"""


class RedisWindow:
    """The same window shared by every process (web and Celery workers) through Redis: the
    documented limit is Magicline's per key and endpoint, not per process."""

    def __init__(self, url: str):
        self._redis = redis.Redis.from_url(url)
        self._script = self._redis.register_script(_RESERVE)

    def reserve(self, key: str, *, limit: int, window: float, max_wait: float) -> float | None:
        granted, wait = self._script(
            keys=[f"magicline:rate:{key}"], args=[window, limit, max_wait, uuid.uuid4().hex]
        )
        return max(0.0, float(wait)) if granted else None


@functools.cache
def shared_window() -> LocalWindow | RedisWindow:
    """The process's rate window: in Redis when there is one (``REDIS_URL``), else local."""
    return RedisWindow(settings.REDIS_URL) if settings.REDIS_URL else LocalWindow()
