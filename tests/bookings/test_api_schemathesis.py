"""Schemathesis against the live API: every operation of ``/api/v1/openapi.json``, with data the
document allows and data it forbids, then chained by the document's links (book → read →
cancel), over the Monday fixture's facility and a real API key.

Checks: no 5xx (``not_a_server_error``), every answer in its documented schema
(``response_schema_conformance``) and with a documented status (``status_code_conformance``),
and nothing the document calls invalid accepted (``negative_data_rejection``). The counts are
printed whatever pytest's capture (operations, cases, runs and failures of each check, statuses).

Fuzz dictionaries give the generator the facility's real ids and free slots for half of the
draws, so positive cases get past the 404s into validation and booking. The seed is fixed (the
suite must not flake); ``API_FUZZ_SEED`` and ``API_FUZZ_EXAMPLES`` explore further.
"""

import collections
import os
import time
from dataclasses import dataclass, field

import httpx
import pytest
import schemathesis
from schemathesis.engine import Status, events, from_schema

from bookings.api.openapi import OPERATIONS
from tests.bookings.conftest import API_KEY, MONDAY, berlin
from tests.factories import (
    AppointmentBookingFactory,
    BookableAppointmentFactory,
    ContingentFactory,
    CustomerFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "negative_data_rejection",
)
SEED = int(os.environ.get("API_FUZZ_SEED", "20261207"))
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))


@dataclass
class Tally:
    operations: set = field(default_factory=set)
    cases: int = 0
    runs: collections.Counter = field(default_factory=collections.Counter)
    failed: collections.Counter = field(default_factory=collections.Counter)
    statuses: collections.Counter = field(default_factory=collections.Counter)
    answered: collections.Counter = field(default_factory=collections.Counter)  # 200s
    chained: collections.Counter = field(default_factory=collections.Counter)  # by links
    failures: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    phases: list = field(default_factory=list)

    def add(self, recorder, phase: str) -> None:
        self.cases += len(recorder.cases)
        for node in recorder.cases.values():
            self.operations.add(node.value.operation.label)
        for case_id, interaction in recorder.interactions.items():
            if interaction.response is not None:
                status = interaction.response.status_code
                self.statuses[status] += 1
                if status == 200:
                    label = recorder.cases[case_id].value.operation.label
                    self.answered[label] += 1
                    if phase == "stateful":
                        self.chained[label] += 1
        for case_id, checks in recorder.checks.items():
            for check in checks:
                self.runs[check.name] += 1
                if check.status == Status.FAILURE:
                    self.failed[check.name] += 1
                    case = recorder.cases[case_id].value
                    title = check.failure_info.failure.title if check.failure_info else ""
                    self.failures.append(f"{check.name}: {case.operation.label}: {title}\n  {case}")

    def report(self) -> str:
        lines = [
            f"schemathesis (seed {SEED}, max_examples {MAX_EXAMPLES}): "
            f"{len(self.operations)} operations, {self.cases} cases",
            "  phases: " + ", ".join(self.phases),
            *(
                f"  {name:<28} {self.runs[name]:>5} run, {self.failed[name]} failed"
                for name in CHECKS
            ),
            "  statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items())),
            "  200 by operation: "
            + ", ".join(f"{op}: {n}" for op, n in sorted(self.answered.items())),
            "  200 in linked (stateful) steps: "
            + ", ".join(f"{op}: {n}" for op, n in sorted(self.chained.items())),
        ]
        return "\n".join(lines + self.failures[:20] + self.errors)


@pytest.fixture
def facility(business, other_business, api_key, training, monday_holds, member):
    """The Monday facility: two listed appointments, customers with credits, bookings to read
    and cancel, another facility's customer and booking (404s); plus the real free slots."""
    physio = BookableAppointmentFactory(business=business, title="Physio", staff=[])
    regulars = [CustomerFactory(business=business) for _ in range(3)]
    for customer in regulars:
        ContingentFactory(customer=customer, remaining_credits=5)
    bookings = [
        AppointmentBookingFactory(appointment=training, customer=customer, start=start, end=end)
        for customer, (start, end) in zip(
            [member, *regulars],
            [(berlin(12), berlin(13)), (berlin(9, 30), berlin(10, 30))] * 2,
            strict=True,
        )
    ]
    outsider = CustomerFactory(business=other_business)
    foreign = AppointmentBookingFactory(
        appointment=BookableAppointmentFactory(business=other_business), customer=outsider
    )
    return {
        "customers": [member.pk, *(c.pk for c in regulars), outsider.pk],
        "appointments": [training.pk, physio.pk],
        "bookings": [monday_holds.pk, *(b.pk for b in bookings), foreign.pk],
        "member": member.pk,
        "training": training.pk,
    }


def _free_slots(base: str, facility: dict) -> list[dict]:
    answer = httpx.get(
        f"{base}/appointments/bookable/{facility['training']}/slots",
        params={"customerId": facility["member"], "slotWindowStartDate": MONDAY.isoformat()},
        headers={"X-API-KEY": API_KEY},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _config(base: str, facility: dict, slots: list[dict]) -> schemathesis.Config:
    def dictionary(values: list) -> dict:
        return {"values": values or ["none"]}

    def half(name: str) -> dict:
        return {"dictionary": name, "probability": 0.5}

    return schemathesis.Config.from_dict(
        {
            "headers": {"X-API-KEY": API_KEY},
            "base-url": base,
            "seed": SEED,
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "database": "none"},
            "phases": {
                # Two methods no path takes are enough to see the 405s in their contract shape.
                "coverage": {"unexpected-methods": ["PUT", "PATCH"]},
                "stateful": {"max-steps": 6},
            },
            "dictionaries": {
                "customers": dictionary(facility["customers"]),
                "appointments": dictionary(facility["appointments"]),
                "bookings": dictionary(facility["bookings"]),
                "starts": dictionary([slot["startDateTime"] for slot in slots[:6]]),
                "ends": dictionary([slot["endDateTime"] for slot in slots[:6]]),
            },
            "parameters": {
                "customerId": half("customers"),
                "bookableAppointmentId": half("appointments"),
                "bookingId": half("bookings"),
                "startDateTime": half("starts"),
                "endDateTime": half("ends"),
            },
        }
    )


def _add_real_slots(schema, facility: dict, slots: list[dict]) -> None:
    """Examples that book and validate a free slot for the member, so the booking path runs
    end to end (the generated ids and date-times rarely line up)."""

    def body(slot: dict) -> dict:
        return {
            "customerId": facility["member"],
            "bookableAppointmentId": facility["training"],
            "startDateTime": slot["startDateTime"],
            "endDateTime": slot["endDateTime"],
            "instructorIds": [slot["instructors"][0]["id"]],
        }

    @schema.hook
    def before_add_examples(context, examples):
        label = context.operation.label
        if label == "POST /appointments/booking/book":
            examples.append(context.operation.Case(body=body(slots[0])))
        elif label == "POST /appointments/bookable/validate":
            examples.append(context.operation.Case(body=body(slots[-1])))


def test_the_live_api_keeps_its_published_contract(live_server, facility, capsys):
    base = f"{live_server.url}/api/v1"
    slots = _free_slots(base, facility)
    assert slots, "the Monday fixture has free slots to book"
    schema = schemathesis.openapi.from_url(
        f"{base}/openapi.json", config=_config(base, facility, slots)
    )
    _add_real_slots(schema, facility, slots)
    tally = Tally()
    started = time.monotonic()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            tally.add(event.recorder, getattr(event, "phase", "fuzzing"))
        elif isinstance(event, events.PhaseFinished):
            seconds = time.monotonic() - started
            tally.phases.append(f"{event.phase.name} {event.status.value} at {seconds:.0f} s")
        elif isinstance(event, events.NonFatalError | events.FatalError):
            tally.errors.append(f"error: {event}")
    with capsys.disabled():
        print("\n" + tally.report())

    documented = {f"{op.method.upper()} {op.path}" for op in OPERATIONS}
    assert tally.operations == documented
    assert not tally.errors
    assert not tally.failures, tally.report()
    assert all(tally.runs[name] > 0 for name in CHECKS)
    assert tally.statuses[400] and tally.statuses[404]
    assert tally.answered["POST /appointments/booking/book"], "a real booking was made"
    assert tally.answered["DELETE /appointments/booking/{bookingId}"], "and one cancelled"
