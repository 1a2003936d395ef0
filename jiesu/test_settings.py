"""Settings for the test suite: production settings (DEBUG off, as pytest-django runs them) with a
throw-away SECRET_KEY and plain static storage (no collectstatic before a test run). Tests that start
real servers (gunicorn, Celery) use jiesu.settings with the environment they set themselves."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("JIESU_STATIC_MANIFEST", "0")
# The test client and the live server speak plain HTTP; HTTPS settings are tested with
# `check --deploy` in a subprocess (jiesu/ops/tests/test_deploy.py).
os.environ.setdefault("JIESU_HTTPS", "0")

from jiesu.settings import *  # noqa: F403

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise warns when it is missing)

# Leader figures (jiesu.assessment.aggregates): tests act and then read at once, with no timer in
# between, so a stale stored figure is re-computed on read; the timer path has its own tests.
JIESU_AGGREGATES_REFRESH_ON_READ = True
