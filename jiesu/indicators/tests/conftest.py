from pathlib import Path

import pytest
from django.conf import settings

from jiesu.indicators.services import load_catalogue_file

CATALOGUE = Path(settings.BASE_DIR) / "data" / "indicators" / "catalogue-fengtai-2024.yaml"


@pytest.fixture
def shipped_catalogue(units):
    return load_catalogue_file(path=CATALOGUE)
