"""Forms for events, schedules and blocked time, by topic (``events``, ``schedules``,
``block_time``; ``fields`` holds what they share).

Forms parse and check what a person typed; the calendar rules stay in ``services``.
"""

from calendar_app.forms.block_time import BlockTimeForm
from calendar_app.forms.events import (
    EventActionForm,
    EventCreateForm,
    EventEditForm,
    create_initial,
)
from calendar_app.forms.schedules import ScheduleEditForm, ScheduleForm

__all__ = [
    "BlockTimeForm",
    "EventActionForm",
    "EventCreateForm",
    "EventEditForm",
    "ScheduleEditForm",
    "ScheduleForm",
    "create_initial",
]
