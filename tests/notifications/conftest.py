"""A real SMTP server on loopback (aiosmtpd) that keeps the raw messages it accepts, and a
class of ten with two participants who gave no email address."""

import asyncio
import email
import logging
import socket
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from calendar_app.notifications.models import Message
from calendar_app.notifications.sending import TemporarySendError
from calendar_app.notifications.tasks import send_message
from tests.factories import EventFactory, ParticipationFactory

REFUSED = "refused@example.org"
logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per SMTP command


class Inbox:
    """Accepts every message (refusing ``REFUSED`` with a 550) and keeps it as received."""

    def __init__(self):
        self.raw: list[bytes] = []
        self.delay = 0.0  # seconds between keeping a message and answering 250 (a slow server)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.content)
        await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=default) for raw in self.raw]


class Handler:
    """What aiosmtpd sees of the inbox: its two handlers only. aiosmtpd looks at every
    attribute of its handler (``inspect.getmembers``) for each new connection, which on the
    inbox itself would parse every message kept so far (``messages``) again each time."""

    def __init__(self, inbox: Inbox):
        self.handle_RCPT, self.handle_DATA = inbox.handle_RCPT, inbox.handle_DATA


class SmtpServer:
    """The loopback server, stoppable and startable again on the same port."""

    def __init__(self):
        self.inbox = Inbox()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(Handler(self.inbox), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    """A running loopback SMTP server that the email settings point at."""
    server = SmtpServer()
    server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    settings.DEFAULT_FROM_EMAIL = "notices@studio.example"
    yield server
    server.stop()


@pytest.fixture
def yoga_class(schedule):
    """Morning Yoga with ten participants, two of whom gave no email address."""
    event = EventFactory(schedule=schedule, title="Morning Yoga")
    for n in range(8):
        ParticipationFactory(event=event, name=f"Person {n}", email=f"person{n}@example.org")
    for n in range(8, 10):
        ParticipationFactory(event=event, name=f"Person {n}", email="")
    return event


def send_queued() -> list[str]:
    """Run the send task in this process for every queued row; the states they end in (a
    temporary failure is "retry")."""
    outcomes = []
    for pk in Message.objects.filter(state=Message.State.QUEUED).values_list("pk", flat=True):
        try:
            outcomes.append(send_message(pk))
        except TemporarySendError:
            outcomes.append("retry")
    return outcomes
