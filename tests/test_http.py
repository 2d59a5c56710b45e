"""HTTP around every page: gzip for HTML, ETags for conditional GET, hashed static files with a
long cache lifetime after collectstatic, and no PostgreSQL JIT on the app's connections."""

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_page_is_gzipped_for_a_browser_that_accepts_it(owner_client):
    response = owner_client.get(
        reverse("calendar_app:calendar", args=["week"]), HTTP_ACCEPT_ENCODING="gzip"
    )

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]


def test_a_page_carries_an_etag(owner_client):
    response = owner_client.get(reverse("calendar_app:schedules"))

    assert response.status_code == 200
    assert response.has_header("ETag")


def test_postgresql_connections_run_without_jit():
    if connection.vendor != "postgresql":
        pytest.skip("JIT is a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_collected_static_files_get_hashed_compressed_names_cached_for_a_year(
    settings, tmp_path, client
):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)

    url = staticfiles_storage.url("js/app.js")

    assert url.startswith("/static/js/app.") and url != "/static/js/app.js"
    assert (tmp_path / f"{url.removeprefix('/static/')}.gz").exists()


def test_every_page_links_the_favicon_and_it_is_served(owner_client, client):
    page = owner_client.get(reverse("calendar_app:schedules")).content.decode()
    icon = staticfiles_storage.url("favicon.svg")

    asked = client.get("/favicon.ico")  # no login needed
    served = client.get(icon)

    assert f'<link rel="icon" href="{icon}" type="image/svg+xml">' in page
    assert asked.status_code == 301 and asked["Location"] == icon
    assert served.status_code == 200
    assert served["Content-Type"].startswith("image/svg+xml")
