"""The benchmark's yardstick, never shipped: the app's URLs plus one bare Django view that
inserts the request body as one row, on the same gunicorn and settings.

gunicorn loads it through ``tests.benchmarks.bare_settings`` (the app's settings with this
module as the URLconf). The intake benchmark posts the same signed bodies here and to the
webhook. This view goes through the app's whole middleware stack, as any view of the app's
does; the webhook's view is called from ``WebhookMiddleware``, right after the security
headers, without the session, CSRF, login and page middleware below it. Besides that, what the
intake costs beyond this view is its own work (the key lookup, the signature, the delivery row,
the drain's mark on Redis).
"""

from django.contrib.auth.decorators import login_not_required
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.urls import urlpatterns as app_urlpatterns

TABLE = "bench_bare_insert"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, "
    "received timestamptz NOT NULL DEFAULT now(), body text NOT NULL)"
)


@transaction.non_atomic_requests  # as the webhook: one autocommitted statement
@csrf_exempt
@login_not_required
@require_POST
def bare_insert(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (body) VALUES (%s)", [request.body.decode()])
    return HttpResponse("Received.", content_type="text/plain")


urlpatterns = [*app_urlpatterns, path("bench/bare-insert/", bare_insert)]
