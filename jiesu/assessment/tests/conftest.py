import pytest

from jiesu.assessment.services import load_rule_file
from jiesu.assessment.tests.flows import RULES_DIR


@pytest.fixture
def rules(reference):
    """The shipped rule versions: huairou-2021 (in force), weighted-2025, huairou-cycle."""
    return {p.stem.removeprefix("rules-"): load_rule_file(path=p) for p in sorted(RULES_DIR.glob("rules-*.yaml"))}
