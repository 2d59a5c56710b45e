"""One intake counter per (connection, reason), also for the unowned rows, on either database."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction

from calendar_app.wix.health.models import IntakeRejection
from tests.factories import WixConnectionFactory

REPO = Path(__file__).resolve().parents[4]
UNKNOWN = IntakeRejection.Reason.UNKNOWN_INSTANCE
SIGNATURE = IntakeRejection.Reason.SIGNATURE


@pytest.mark.django_db
def test_an_unowned_reason_has_one_counter():
    IntakeRejection.objects.create(connection=None, reason=UNKNOWN, count=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        IntakeRejection.objects.create(connection=None, reason=UNKNOWN, count=1)
    IntakeRejection.objects.create(connection=None, reason=SIGNATURE, count=1)  # another reason
    assert IntakeRejection.objects.filter(connection=None).count() == 2


@pytest.mark.django_db
def test_a_connection_has_one_counter_per_reason():
    first, second = WixConnectionFactory(), WixConnectionFactory()
    IntakeRejection.objects.create(connection=first, reason=SIGNATURE, count=1)
    IntakeRejection.objects.create(connection=None, reason=SIGNATURE, count=1)
    IntakeRejection.objects.create(connection=second, reason=SIGNATURE, count=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        IntakeRejection.objects.create(connection=first, reason=SIGNATURE, count=1)
    assert IntakeRejection.objects.filter(reason=SIGNATURE).count() == 3


def test_the_system_check_is_clean_on_sqlite():
    """``make run`` (SQLite) must not warn that a constraint cannot be built."""
    env = {**os.environ, "DATABASE_URL": "", "PYTHONWARNINGS": "ignore"}
    answer = subprocess.run(
        [sys.executable, "manage.py", "check", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert answer.returncode == 0, answer.stderr
    assert "W047" not in answer.stdout + answer.stderr
    assert "no issues" in answer.stdout
