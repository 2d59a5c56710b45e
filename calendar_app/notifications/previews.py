"""The Messages page: each kind of message as it is sent, rendered with sample data.

Each kind is rendered by its own renderer where one is registered here; any other kind by its
templates (``notifications/<kind>.txt`` and ``.html``) with the same sample context, so a kind
whose templates exist shows up without more code. Nothing is written to the database.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from calendar_app import recurrence
from calendar_app.models import Event, Schedule
from calendar_app.notifications.models import Message
from calendar_app.notifications.reminders import render_reminder
from calendar_app.notifications.rendering import Rendered, render_cancellation, when_text
from calendar_app.notifications.sending import sender_of, with_footer
from calendar_app.tenancy.models import Business

SAMPLE_NAME = "Alex Example"
SAMPLE_MESSAGE = "The teacher is ill; we are sorry. See you next week."
SAMPLE_UNSUBSCRIBE = "https://example.invalid/unsubscribe/…/"


@dataclass(frozen=True)
class Preview:
    kind: str
    label: str
    rendered: Rendered | None  # None: this kind has no templates yet


def sample_event(business: Business) -> Event:
    """An unsaved Morning Yoga next Monday at 09:00 in the business's zone, at a studio."""
    today = datetime.now(business.zone).date()
    monday = today + timedelta(days=7 - today.weekday())
    start_local = datetime(monday.year, monday.month, monday.day, 9, 0)
    return Event(
        business=business,
        schedule=Schedule(business=business, name="Morning Yoga"),
        title="Morning Yoga",
        time_zone=business.time_zone,
        start_local_date=start_local.isoformat(timespec="seconds"),
        start=recurrence.to_utc(start_local, business.time_zone),
        end=recurrence.to_utc(start_local + timedelta(hours=1), business.time_zone),
        location={"name": "Studio 1"},
    )


def _by_templates(kind: str, event: Event, business: Business) -> Rendered | None:
    context = {
        "business": business,
        "event": event,
        "name": SAMPLE_NAME,
        "message": SAMPLE_MESSAGE,
        "place": "Studio 1",
        "unsubscribe_url": SAMPLE_UNSUBSCRIBE,
        **when_text(event=event, business=business),
    }
    try:
        text = render_to_string(f"notifications/{kind}.txt", context)
        html = render_to_string(f"notifications/{kind}.html", context)
    except TemplateDoesNotExist:
        return None
    label = Message.Kind(kind).label
    subject = f"{label}: {event.title} on {context['short_day']}"
    return Rendered(subject=subject, text=text, html=html)


RENDERERS: dict[str, Callable[[Event, Business], Rendered]] = {
    Message.Kind.CANCELLED: lambda event, business: render_cancellation(
        event=event,
        business=business,
        name=SAMPLE_NAME,
        message=SAMPLE_MESSAGE,
        unsubscribe_url=SAMPLE_UNSUBSCRIBE,
    ),
    Message.Kind.REMINDER: lambda event, business: render_reminder(
        event=event, business=business, name=SAMPLE_NAME, unsubscribe_url=SAMPLE_UNSUBSCRIBE
    ),
}


def previews(*, business: Business) -> list[Preview]:
    """Every kind of message, rendered for a sample participant and class, with the business's
    footer as it is sent (one query, for the sender settings)."""
    event = sample_event(business)
    footer = sender_of(business).footer
    result = []
    for kind, label in Message.Kind.choices:
        renderer = RENDERERS.get(kind)
        rendered = renderer(event, business) if renderer else _by_templates(kind, event, business)
        if rendered is not None:
            text, html = with_footer(text=rendered.text, html=rendered.html, footer=footer)
            rendered = Rendered(subject=rendered.subject, text=text, html=html)
        result.append(Preview(kind=kind, label=label, rendered=rendered))
    return result
