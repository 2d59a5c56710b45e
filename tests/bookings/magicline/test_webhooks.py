"""``POST /webhooks/magicline/``: the key names the studio, a delivery is stored once."""

import json

import pytest

from bookings.magicline.models import MagiclineIntakeRefusal, MagiclineWebhookDelivery

URL = "/webhooks/magicline/"
BERLIN_HOOK = "berlin-webhook-key-0001"


def envelope(uuid="095be615-a8ad-4c33-8e9c-c7612fbf6c9f", entity_id=7893459, **extra):
    return {
        "entityId": entity_id,
        "uuid": uuid,
        "payload": [
            {"timestamp": 1642779144176, "type": "APPOINTMENT_BOOKING_CREATED", "content": {}}
        ],
        **extra,
    }


def post(client, body, key=BERLIN_HOOK):
    headers = {"HTTP_X_API_KEY": key} if key is not None else {}
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **headers)


def test_a_delivery_is_stored_for_the_studio_its_key_names(
    client, berlin_connection, hamburg_connection
):
    answer = post(client, envelope())
    assert answer.status_code == 200
    assert answer.json() == {"uuid": envelope()["uuid"], "duplicate": False}
    delivery = MagiclineWebhookDelivery.objects.get()
    assert delivery.connection == berlin_connection
    assert delivery.entity_id == 7893459
    assert delivery.payload[0]["type"] == "APPOINTMENT_BOOKING_CREATED"


@pytest.mark.parametrize(
    "key",
    [None, "", "hamburg-webhook-key-000", "berlin-open-api-key-0001", BERLIN_HOOK.upper()],
)
def test_a_missing_or_unknown_key_is_401_and_stores_nothing(client, berlin_connection, key):
    answer = post(client, envelope(), key=key)
    assert answer.status_code == 401
    assert "x-api-key" in answer.json()["errorMessage"]
    assert not MagiclineWebhookDelivery.objects.exists()


def test_a_disabled_connection_is_401(client, berlin_connection):
    berlin_connection.enabled = False
    berlin_connection.save()
    assert post(client, envelope()).status_code == 401


def test_a_repeated_uuid_is_acknowledged_and_stored_once(client, berlin_connection):
    assert post(client, envelope()).json()["duplicate"] is False
    again = post(client, envelope())
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert MagiclineWebhookDelivery.objects.count() == 1


def test_the_same_uuid_from_another_studio_is_a_conflict(
    client, berlin_connection, hamburg_connection
):
    post(client, envelope())
    answer = post(client, envelope(), key="hamburg-webhook-key-0002")
    assert answer.status_code == 409
    assert MagiclineWebhookDelivery.objects.get().connection == berlin_connection


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "JSON object"),
        ([], "JSON object"),
        ({"entityId": 1, "payload": []}, "uuid"),
        ({"uuid": "u", "entityId": "7", "payload": []}, "entityId"),
        ({"uuid": "u", "entityId": True, "payload": []}, "entityId"),
        ({"uuid": "u", "entityId": 2**64, "payload": []}, "out of range"),
        ({"uuid": "u", "entityId": 7, "payload": {"type": "X"}}, "payload"),
        ({"uuid": "u", "entityId": 7, "payload": [{"content": {}}]}, "payload"),
        ({"uuid": "u" * 65, "entityId": 7, "payload": []}, "uuid"),
    ],
)
def test_a_body_that_is_no_envelope_is_400_and_stores_nothing(
    client, berlin_connection, body, message
):
    answer = post(client, body)
    assert answer.status_code == 400
    assert message in answer.json()["errorMessage"]
    assert not MagiclineWebhookDelivery.objects.exists()


def test_each_refusal_answers_the_contracts_error_response(
    client, berlin_connection, hamburg_connection
):
    post(client, envelope())

    assert post(client, envelope(), key="nobody").json() == {
        "errorMessage": "The x-api-key header does not name a connected studio.",
        "errorCode": "UNAUTHORIZED",
    }
    assert post(client, envelope(entityId="7")).json() == {
        "errorMessage": "entityId must be a whole number.",
        "errorCode": "BAD_REQUEST",
        "reference": "entityId",
    }
    assert post(client, envelope(), key="hamburg-webhook-key-0002").json() == {
        "errorMessage": "This uuid was already delivered for another studio.",
        "errorCode": "CONFLICT",
    }


def test_a_form_post_instead_of_json_is_400_and_stores_nothing(client, berlin_connection):
    answer = client.post(URL, {"uuid": "095be615"}, HTTP_X_API_KEY=BERLIN_HOOK)  # multipart

    assert answer.status_code == 400
    assert answer.json()["errorMessage"]
    assert not MagiclineWebhookDelivery.objects.exists()


def test_unknown_properties_are_tolerated(client, berlin_connection):
    assert post(client, envelope(somethingNew={"x": 1})).status_code == 200


def test_only_post_is_answered(client, berlin_connection):
    assert client.get(URL).status_code == 405


def test_the_webhook_answers_with_a_few_queries_and_no_call_to_magicline(
    client, fake, berlin_connection, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):  # the key lookup, one INSERT … ON CONFLICT, and the
        # request's savepoint and its release
        post(client, envelope(uuid="delivery-1"))
    assert fake.requests == []


def refusals() -> dict:
    return {
        (refusal.connection_id, refusal.reason): refusal.count
        for refusal in MagiclineIntakeRefusal.objects.all()
    }


def test_refused_deliveries_are_counted_per_studio_and_reason(
    client, berlin_connection, hamburg_connection
):
    post(client, envelope(), key="no-such-key")
    post(client, envelope(), key=None)
    post(client, {"uuid": "u"})
    post(client, envelope())
    post(client, envelope(), key="hamburg-webhook-key-0002")  # berlin's uuid

    assert refusals() == {
        (None, "unknown_key"): 2,
        (berlin_connection.pk, "malformed"): 1,
        (hamburg_connection.pk, "other_studio"): 1,
    }
