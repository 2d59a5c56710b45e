"""POST /webhooks/wix/: verified deliveries are stored once and queued; forgeries are refused,
counted and store nothing."""

from datetime import timedelta

import jwt
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from calendar_app.wix import tasks
from calendar_app.wix.health.models import IntakeRejection
from calendar_app.wix.models import WebhookDelivery, WixConnection
from tests.factories import WixConnectionFactory
from tests.fakes import wix_signing as signing

pytestmark = pytest.mark.django_db

URL = "/webhooks/wix/"
EVENT = {"id": "evt-1", "revision": "3", "status": "CONFIRMED"}


@pytest.fixture
def connection():
    return WixConnectionFactory(public_key_pem=signing.PUBLIC_KEY_PEM)


@pytest.fixture
def post():
    client = Client(enforce_csrf_checks=True)  # Wix sends no CSRF token, and no session

    def _post(body: str | bytes):
        return client.post(URL, data=body, content_type="text/plain")

    return _post


def rejections(connection=None) -> dict[str, int]:
    return dict(
        IntakeRejection.objects.filter(connection=connection).values_list("reason", "count")
    )


def test_the_url_is_the_one_wix_posts_to():
    assert reverse("wix_webhook") == URL


def test_it_stores_a_verified_delivery_and_queues_it(
    post, connection, django_capture_on_commit_callbacks
):
    domain_event = signing.projection_updated(EVENT, event_id="delivery-1")

    with django_capture_on_commit_callbacks() as queued:
        response = post(signing.sign(domain_event, instance_id=connection.instance_id))

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.connection == connection
    assert delivery.delivery_id == "delivery-1"
    assert (delivery.entity_fqdn, delivery.slug) == (
        "wix.calendar.v3.events_view",
        "projection_updated",
    )
    assert delivery.status == WebhookDelivery.Status.RECEIVED
    assert delivery.payload == domain_event
    assert delivery.event_time is not None
    assert len(queued) == 1


def test_it_accepts_the_body_with_surrounding_whitespace(post, connection):
    token = signing.sign(signing.projection_updated(EVENT), instance_id=connection.instance_id)

    assert post(f"\n {token}\n").status_code == 200
    assert WebhookDelivery.objects.count() == 1


def test_a_duplicate_is_acknowledged_stored_once_and_queued_once(
    post, connection, django_capture_on_commit_callbacks
):
    domain_event = signing.projection_updated(EVENT, event_id="delivery-1")

    with django_capture_on_commit_callbacks() as queued:
        first = post(signing.sign(domain_event, instance_id=connection.instance_id))
        again = post(signing.sign(domain_event, instance_id=connection.instance_id))

    assert (first.status_code, again.status_code) == (200, 200)
    assert b"already received" in again.content
    assert WebhookDelivery.objects.count() == 1
    assert len(queued) == 1


def _forged(kind: str, instance_id: str) -> str:
    domain_event = signing.projection_updated(EVENT)
    if kind == "unsigned":
        return signing.sign_unsigned(domain_event, instance_id=instance_id)
    if kind == "wrong key":
        return signing.sign(
            domain_event, instance_id=instance_id, private_key=signing.OTHER_PRIVATE_KEY
        )
    if kind == "HS256 with the public key":
        return signing.sign_hs256_with_public_key(domain_event, instance_id=instance_id)
    if kind == "expired":
        return signing.sign(domain_event, instance_id=instance_id, expires_in=-60)
    assert kind == "tampered"
    genuine = signing.sign(domain_event, instance_id=instance_id)
    other = signing.projection_updated({**EVENT, "status": "CANCELLED"})
    return signing.tamper(genuine, instance_id=instance_id, domain_event=other)


@pytest.mark.parametrize(
    "kind", ["unsigned", "wrong key", "HS256 with the public key", "expired", "tampered"]
)
def test_a_forged_delivery_is_refused_counted_and_stores_nothing(
    post, connection, kind, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = post(_forged(kind, connection.instance_id))

    assert response.status_code == 401
    assert response["Content-Type"].startswith("text/plain")
    assert response.content  # a sentence saying why
    assert not WebhookDelivery.objects.exists()
    assert not queued
    assert rejections(connection) == {"signature": 1}


def test_the_rejection_counter_counts_up(post, connection):
    for _ in range(3):
        post(_forged("wrong key", connection.instance_id))

    assert rejections(connection) == {"signature": 3}


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", b"empty"),
        (b"not a token", b"not a JWT"),
        ("caf\u00e9.x.y".encode(), b"not a JWT"),
        (b"a.b.c", b"not a JWT"),
        (b"e30.WzFd.c2ln", b"not a JWT"),  # the payload segment is a JSON list, not claims
        (b"e30.e30", b"not a JWT"),  # two segments
    ],
)
def test_a_body_that_is_not_a_jwt_is_a_400_counted_globally(post, connection, body, says):
    response = post(body)

    assert response.status_code == 400
    assert says in response.content
    assert not WebhookDelivery.objects.exists()
    assert rejections(None) == {"malformed": 1}


def test_a_token_whose_envelope_is_not_json_is_a_400(post, connection):
    token = signing.jwt.encode({"data": "{not json"}, signing.PRIVATE_KEY, algorithm="RS256")

    response = post(token)

    assert response.status_code == 400
    assert b"envelope is not valid JSON" in response.content
    assert rejections(None) == {"malformed": 1}


def test_an_envelope_without_an_instance_id_is_a_400(post, connection):
    token = signing.jwt.encode({"data": "{}"}, signing.PRIVATE_KEY, algorithm="RS256")

    assert post(token).status_code == 400
    assert not WebhookDelivery.objects.exists()


def test_a_verified_delivery_without_a_domain_event_id_is_a_400_of_its_connection(post, connection):
    domain_event = signing.projection_updated(EVENT)
    del domain_event["id"]

    response = post(signing.sign(domain_event, instance_id=connection.instance_id))

    assert response.status_code == 400
    assert b"no id" in response.content
    assert not WebhookDelivery.objects.exists()
    assert rejections(connection) == {"malformed": 1}


def test_an_unknown_instance_is_acknowledged_dropped_and_counted(
    post, connection, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = post(signing.sign(signing.projection_updated(EVENT), instance_id="nobody"))

    assert response.status_code == 200
    assert b"dropped" in response.content
    assert not WebhookDelivery.objects.exists()
    assert not queued
    assert rejections(None) == {"unknown_instance": 1}


def test_each_connection_is_verified_with_its_own_key(post, connection):
    other = WixConnectionFactory(public_key_pem=signing.OTHER_PUBLIC_KEY_PEM)
    token = signing.sign(signing.projection_updated(EVENT), instance_id=other.instance_id)

    assert post(token).status_code == 401  # our key, their instance
    assert rejections(other) == {"signature": 1}
    assert rejections(connection) == {}


def test_a_connection_with_a_broken_public_key_refuses_instead_of_failing(post):
    broken = WixConnectionFactory()  # the factory's placeholder PEM
    token = signing.sign(signing.projection_updated(EVENT), instance_id=broken.instance_id)

    response = post(token)

    assert response.status_code == 401
    assert b"public key" in response.content
    assert rejections(broken) == {"signature": 1}


def test_a_kind_of_webhook_this_app_does_not_mirror_is_kept_as_dropped_and_not_queued(
    post, connection, django_capture_on_commit_callbacks
):
    domain_event = signing.entity_event("wix.contacts.v4.contact", "merged", {"id": "c1"})

    with django_capture_on_commit_callbacks() as queued:
        response = post(signing.sign(domain_event, instance_id=connection.instance_id))

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.DROPPED
    assert not queued


def test_it_answers_only_post(client):
    assert client.get(URL).status_code == 405


def test_a_form_post_instead_of_a_raw_token_is_a_400(client, connection):
    response = client.post(URL, {"token": "x"})  # multipart: Django may read it as a form

    assert response.status_code == 400
    assert b"JWT" in response.content
    assert not WebhookDelivery.objects.exists()


def test_deliveries_whose_task_was_lost_are_queued_again(
    connection, django_capture_on_commit_callbacks
):
    now = timezone.now()
    for name, status, age in (
        ("stalled", "received", timedelta(minutes=20)),
        ("fresh", "received", timedelta(seconds=5)),
        ("applied", "applied", timedelta(minutes=20)),
    ):
        WebhookDelivery.objects.create(
            connection=connection,
            delivery_id=name,
            entity_fqdn="wix.calendar.v3.events_view",
            slug="projection_updated",
            payload={},
            status=status,
            received_at=now - age,
        )

    with django_capture_on_commit_callbacks() as queued:
        assert tasks.requeue_stalled_deliveries.apply().get() == 1

    assert len(queued) == 1


def test_a_signed_domain_event_with_an_overlong_id_is_a_400(post, connection):
    domain_event = signing.projection_updated(EVENT, event_id="x" * 300)

    response = post(signing.sign(domain_event, instance_id=connection.instance_id))

    assert response.status_code == 400
    assert not WebhookDelivery.objects.exists()


def test_odd_envelope_fields_are_stored_cut_to_size_and_dropped(post, connection):
    domain_event = signing.projection_updated(EVENT)
    domain_event.update(entityFqdn="f" * 500, slug=["not", "text"], entityId="e" * 500)

    assert post(signing.sign(domain_event, instance_id=connection.instance_id)).status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert (len(delivery.entity_fqdn), delivery.slug, len(delivery.entity_id)) == (200, "", 250)
    assert delivery.status == "dropped"


def test_stalled_event_deliveries_get_one_drain_and_the_others_a_task_each(
    connection, django_capture_on_commit_callbacks
):
    long_ago = timezone.now() - timedelta(minutes=20)
    for name, fqdn, slug in (
        ("event-1", "wix.calendar.v3.events_view", "projection_updated"),
        ("event-2", "wix.calendar.v3.event", "updated"),
        ("participation-1", "wix.calendar.v3.participation", "created"),
        ("participation-2", "wix.calendar.v3.participation", "deleted"),
    ):
        WebhookDelivery.objects.create(
            connection=connection,
            delivery_id=name,
            entity_fqdn=fqdn,
            slug=slug,
            payload={},
            received_at=long_ago,
        )

    with django_capture_on_commit_callbacks() as queued:
        assert tasks.requeue_stalled_deliveries.apply().get() == 4

    assert len(queued) == 3  # one drain for the connection, a task per participation delivery


def _delivered(connection, n: int) -> str:
    event = signing.projection_updated(EVENT, event_id=f"known-key-{n}")
    return signing.sign(event, instance_id=connection.instance_id)


def test_a_known_key_stores_the_next_delivery_in_one_query(
    post, connection, django_assert_num_queries
):
    assert post(_delivered(connection, 1)).status_code == 200  # the key is read and known

    with django_assert_num_queries(1):  # the INSERT that checks the key is still the same
        assert post(_delivered(connection, 2)).status_code == 200
    assert WebhookDelivery.objects.count() == 2


def test_a_replaced_key_counts_at_once_although_the_old_one_was_known(post, connection):
    assert post(_delivered(connection, 1)).status_code == 200
    WixConnection.objects.filter(pk=connection.pk).update(
        public_key_pem=signing.OTHER_PUBLIC_KEY_PEM
    )

    answer = post(_delivered(connection, 2))  # signed with the old key

    assert answer.status_code == 401
    assert rejections(connection) == {"signature": 1}
    assert WebhookDelivery.objects.count() == 1
    signed_with_the_new_key = signing.sign(
        signing.projection_updated(EVENT, event_id="known-key-3"),
        instance_id=connection.instance_id,
        private_key=signing.OTHER_PRIVATE_KEY,
    )
    assert post(signed_with_the_new_key).status_code == 200
    assert WebhookDelivery.objects.count() == 2


def test_a_deleted_connection_counts_at_once_although_its_key_was_known(post, connection):
    assert post(_delivered(connection, 1)).status_code == 200
    instance_id = connection.instance_id
    connection.delete()

    answer = post(_delivered(WixConnectionFactory.build(instance_id=instance_id), 2))

    assert answer.status_code == 200
    assert b"dropped" in answer.content
    assert rejections() == {"unknown_instance": 1}
    assert not WebhookDelivery.objects.exists()


def test_a_repeat_with_a_known_key_is_acknowledged_once(post, connection):
    token = _delivered(connection, 1)
    assert post(_delivered(connection, 0)).status_code == 200  # the key is known
    first, again = post(token), post(token)

    assert (first.content, again.content) == (b"Received.", b"This delivery was already received.")
    assert WebhookDelivery.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"exp": "tomorrow"}, b"not valid"),
        ({"exp": True}, b"not valid"),
        ({"nbf": 4_102_444_800}, b"not valid yet"),  # 2100
        ({"iat": 4_102_444_800}, b"not valid yet"),
        ({"exp": 1_000_000_000}, b"expired"),
    ],
)
def test_a_signed_token_with_bad_times_is_a_401(post, connection, change, says):
    claims = signing.claims(signing.projection_updated(EVENT), instance_id=connection.instance_id)
    token = jwt.encode({**claims, **change}, signing.PRIVATE_KEY, algorithm="RS256")

    answer = post(token)

    assert answer.status_code == 401
    assert says in answer.content
    assert not WebhookDelivery.objects.exists()


def test_a_token_without_an_expiry_is_accepted_as_pyjwt_accepted_it(post, connection):
    claims = signing.claims(signing.projection_updated(EVENT), instance_id=connection.instance_id)
    del claims["exp"]

    assert post(jwt.encode(claims, signing.PRIVATE_KEY, algorithm="RS256")).status_code == 200
