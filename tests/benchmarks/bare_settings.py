"""The app's settings, unchanged but for the URLconf: the app's URLs and the bare view of
``tests.benchmarks.bare_insert`` (the intake benchmark's yardstick; never shipped)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.benchmarks.bare_insert"
