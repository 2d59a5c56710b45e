"""The egress policy: internal addresses refused at the form and at the socket, the checked
address the one connected to, ``EGRESS_ALLOW`` the only way through."""

import os
import socket
import subprocess
import sys

import httpx
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import override_settings

from calendar_app.sync.egress import (
    EgressBackend,
    EgressRefused,
    EgressTransport,
    refusal,
    refuse_internal_url,
)
from tests.fakes.webhook_receiver import WebhookReceiver

PUBLIC = "93.184.215.14"

REFUSED = [
    pytest.param("127.0.0.1", "a loopback address", id="loopback-v4"),
    pytest.param("::1", "a loopback address", id="loopback-v6"),
    pytest.param("10.0.0.5", "a private address", id="private-10"),
    pytest.param("172.16.3.4", "a private address", id="private-172.16"),
    pytest.param("192.168.1.1", "a private address", id="private-192.168"),
    pytest.param("fd00::1", "a private address", id="private-v6-unique-local"),
    pytest.param("169.254.169.254", "a link-local address", id="link-local-cloud-metadata"),
    pytest.param("fe80::1", "a link-local address", id="link-local-v6"),
    pytest.param("224.0.0.1", "a multicast address", id="multicast-v4"),
    pytest.param("ff02::1", "a multicast address", id="multicast-v6"),
    pytest.param("240.0.0.1", "a reserved address", id="reserved-v4"),
    pytest.param("0.0.0.0", "an unspecified address", id="unspecified-v4"),
    pytest.param("::", "an unspecified address", id="unspecified-v6"),
    pytest.param("100.64.0.1", "not a public address", id="shared-carrier-grade-nat"),
    pytest.param(
        "::ffff:127.0.0.1", "the IPv4-mapped form of a loopback address", id="v4-mapped-loopback"
    ),
    pytest.param(
        "::ffff:169.254.169.254",
        "the IPv4-mapped form of a link-local address",
        id="v4-mapped-metadata",
    ),
]


def answering(*answers: list[str]):
    """A resolver that gives each answer in turn (the last one from then on), counting calls."""

    def resolve(host: str, port: int) -> list[str]:
        resolve.calls.append(host)
        return answers[min(len(resolve.calls), len(answers)) - 1]

    resolve.calls = []
    return resolve


@pytest.fixture
def opened(monkeypatch):
    """The (address, port) of every socket opened; none really is (no network in tests)."""
    addresses = []

    def create_connection(address, *args, **kwargs):
        addresses.append(address)
        raise ConnectionRefusedError("no network in this test")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return addresses


@pytest.mark.parametrize(("address", "kind"), REFUSED)
@override_settings(EGRESS_ALLOW=[])
def test_an_internal_address_is_refused_before_any_socket_opens(address, kind, opened):
    backend = EgressBackend(resolver=answering([address]))

    with pytest.raises(EgressRefused, match="the server does not call internal addresses") as err:
        backend.connect_tcp("hooks.example.com", 443)

    assert kind in str(err.value)
    assert f"hooks.example.com ({address.split('%')[0]})" in str(err.value)
    assert opened == []


@pytest.mark.parametrize(("address", "kind"), REFUSED)
@override_settings(EGRESS_ALLOW=[])
def test_a_form_refuses_an_internal_address_with_a_sentence_saying_why(address, kind):
    url = f"https://[{address}]/hook" if ":" in address else f"https://{address}/hook"

    with pytest.raises(ValidationError) as err:
        refuse_internal_url(url)

    [message] = err.value.messages
    assert message.startswith(f"{address} is {kind}")
    assert "the server does not call internal addresses" in message
    assert "EGRESS_ALLOW" in message


@override_settings(EGRESS_ALLOW=[])
def test_a_name_that_resolves_to_an_internal_address_is_refused_by_the_form():
    with pytest.raises(ValidationError, match=r"intranet\.example \(10\.1\.2\.3\) is a private"):
        refuse_internal_url("https://intranet.example/", resolver=answering(["10.1.2.3"]))


@override_settings(EGRESS_ALLOW=[])
def test_public_addresses_and_names_that_do_not_resolve_pass_the_form():
    refuse_internal_url("https://api.example.com/", resolver=answering([PUBLIC]))
    refuse_internal_url("https://[2606:4700::1111]/")

    def not_found(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    refuse_internal_url("https://typo.example/", resolver=not_found)  # checked at send time


@override_settings(EGRESS_ALLOW=[])
def test_a_rebinding_answer_after_the_form_check_is_refused_at_connect(opened):
    resolver = answering([PUBLIC], ["127.0.0.1"])
    refuse_internal_url("https://rebind.example/", resolver=resolver)

    with pytest.raises(EgressRefused, match=r"rebind\.example \(127\.0\.0\.1\) is a loopback"):
        EgressBackend(resolver=resolver).connect_tcp("rebind.example", 443)

    assert opened == []


@override_settings(EGRESS_ALLOW=[])
def test_the_socket_opens_to_the_checked_address_never_to_the_name_again(opened):
    """The name is resolved once per connection and the socket opened to that address: a
    resolver that would answer loopback next is never asked between check and connect."""
    resolver = answering([PUBLIC], ["127.0.0.1"])
    with httpx.Client(transport=EgressTransport(resolver=resolver)) as http:
        with pytest.raises(httpx.ConnectError):
            http.get("https://rebind.example/first")
        with pytest.raises(EgressRefused):
            http.get("https://rebind.example/second")

    assert resolver.calls == ["rebind.example", "rebind.example"]
    assert opened == [(PUBLIC, 443)]


@override_settings(EGRESS_ALLOW=[])
def test_only_the_allowed_addresses_of_a_mixed_answer_are_connected_to(opened):
    resolver = answering(["127.0.0.1", PUBLIC, "169.254.169.254"])

    http = httpx.Client(transport=EgressTransport(resolver=resolver))
    with http, pytest.raises(httpx.ConnectError):
        http.get("http://mixed.example/")

    assert opened == [(PUBLIC, 80)]


def test_the_request_keeps_its_host_name_while_connecting_to_the_checked_address():
    receiver = WebhookReceiver()
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    try:
        with override_settings(EGRESS_ALLOW=[f"hooks.internal:{port}"]):
            transport = EgressTransport(resolver=answering(["127.0.0.1"]))
            with httpx.Client(transport=transport) as http:
                response = http.post(f"http://hooks.internal:{port}/in", json={"a": 1})
    finally:
        receiver.close()

    assert response.status_code == 200
    [delivery] = receiver.received
    assert delivery.headers["Host"] == f"hooks.internal:{port}"


@override_settings(EGRESS_ALLOW=["10.0.0.0/8", "127.0.0.1:8080", "[::1]:9000", "Wix.Internal:443"])
def test_egress_allow_names_networks_and_exact_host_ports():
    assert refusal(host="a.example", port=1, address="10.9.9.9") is None
    assert refusal(host="127.0.0.1", port=8080, address="127.0.0.1") is None
    assert refusal(host="127.0.0.1", port=8081, address="127.0.0.1") is not None
    assert refusal(host="::1", port=9000, address="::1") is None
    assert refusal(host="wix.internal", port=443, address="192.168.0.2") is None
    assert refusal(host="other.internal", port=443, address="192.168.0.2") is not None
    assert refusal(host="a.example", port=443, address="172.16.0.1") is not None


@override_settings(EGRESS_ALLOW=["localhost"])
def test_an_egress_allow_entry_that_is_neither_cidr_nor_host_port_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="neither a CIDR nor host:port"):
        refusal(host="localhost", port=80, address="127.0.0.1")


def test_egress_allow_is_empty_unless_the_environment_names_it():
    env = {k: v for k, v in os.environ.items() if k != "EGRESS_ALLOW"}
    printed = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.EGRESS_ALLOW)"],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert printed.stdout.strip() == "[]"
