import pytest

from jiesu.grids import lookup


@pytest.fixture(autouse=True)
def _fresh_grid_index():
    """Each test's database is rolled back; the process-wide index must not outlive it."""
    lookup.clear()
    yield
    lookup.clear()
