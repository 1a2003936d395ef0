from django.conf import settings

from jiesu.workorders import state_machine
from jiesu.workorders.diagram import mermaid, render


def test_docs_state_machine_is_generated_from_the_current_table():
    on_disk = (settings.BASE_DIR / "docs" / "state_machine.md").read_text(encoding="utf-8")
    assert on_disk == render(), "docs/state_machine.md is stale: run python manage.py state_machine_doc"


def test_every_transition_is_an_arrow():
    diagram = mermaid()
    for t in state_machine.table().values():
        for source in t.sources:
            assert f"{source} --> {t.target_for(source)}: {t.label}" in diagram
