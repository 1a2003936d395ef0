import datetime as dt

import pytest

from jiesu.supervision import services
from jiesu.supervision.models import Source
from jiesu.supervision.services import MilestoneSpec

FANGZHUANG = "110106013"


@pytest.fixture
def make_item(users, units):
    def make(**kwargs):
        spec = {
            "user": users["dispatcher"],
            "source": Source.LIVELIHOOD_PROJECT,
            "title": "芳城园一区加装电梯",
            "lead_unit": units[FANGZHUANG],
            "start_date": dt.date(2026, 3, 1),
            "due_date": dt.date(2026, 12, 31),
            "target_value": 4,
            "target_unit": "部",
            "milestones": [
                MilestoneSpec(title="完成居民意见征询", due_date=dt.date(2026, 5, 31)),
                MilestoneSpec(title="开工", due_date=dt.date(2026, 8, 31)),
            ],
        }
        spec.update(kwargs)
        return services.create_item(**spec)

    return make
