import pytest

from jiesu.assessment.services import load_rule_file
from jiesu.assessment.tests.flows import RULES_DIR, with_minimum_sample


@pytest.fixture
def rules(reference):
    """The shipped rule versions: huairou-2021 (in force), weighted-2025, huairou-cycle — with the
    minimum sample at 1, as the tests' months have a few callbacks each (test_minimum_sample.py
    tests the shipped minimum)."""
    return {
        p.stem.removeprefix("rules-"): with_minimum_sample(load_rule_file(path=p), 1)
        for p in sorted(RULES_DIR.glob("rules-*.yaml"))
    }
