from pathlib import Path

import pytest
from django.conf import settings

from jiesu.indicators.services import load_catalogue_file

CATALOGUE = Path(settings.BASE_DIR) / "data" / "indicators" / "catalogue-fengtai-2024.yaml"


@pytest.fixture
def shipped_catalogue(units):
    return load_catalogue_file(path=CATALOGUE)


@pytest.fixture(autouse=True)
def local_follow_ups(settings):
    """This app's tests exercise the follow-up interface on its local backend; the platform's
    default (the 督办 engine, jiesu.supervision.followups) is tested in the supervision app."""
    settings.JIESU_FOLLOW_UP_BACKEND = "jiesu.indicators.followup.LocalFollowUps"


@pytest.fixture(autouse=True)
def restore_providers():
    """Tests plug providers in and out; the ones installed apps registered come back afterwards."""
    from jiesu.indicators import providers

    saved = providers.registered()
    yield
    providers._REGISTRY.clear()
    providers._REGISTRY.update(saved)
