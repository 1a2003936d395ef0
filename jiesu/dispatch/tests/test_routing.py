"""Unit routing (issue 12): the maps, bad input, the proposal from a small model trained by the real
code, evaluate_routing on small files, the category tree and its 权责清单 rules."""

import io
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from jiesu.common.errors import InvalidInput
from jiesu.dispatch import router
from jiesu.dispatch.routing import model as rm
from jiesu.dispatch.routing.maps import read_unit_map
from jiesu.dispatch.routing.propose import LOCAL_UNKNOWN_NAME, propose, text_problem
from jiesu.dispatch.routing.testing import small_model_path
from jiesu.org.models import ResponsibilityRule, Unit
from jiesu.workorders.models import Category

FIXTURES = Path(__file__).parent / "fixtures"
LAST_LINE = re.compile(
    r"^top1=(\d\.\d{4}) top3=(\d\.\d{4}) macro_f1=(\d\.\d{4}) abstain=(\d\.\d{4}) n=(\d+) skipped=(\d+)$"
)


@pytest.fixture(scope="module")
def small_model():
    return rm.load(small_model_path())


@pytest.fixture
def data(reference):
    router.cache.clear()
    yield router.cache.get()
    router.cache.clear()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "为空"),
        ("   ", "为空"),
        ("好", "过短"),
        ("a", "没有中文"),
        ("hello world 123", "没有中文"),
        ("投诉" * 50_000, "过长"),
    ],
)
def test_bad_text_is_an_abstention_with_a_reason(text, why, small_model, data):
    assert why in text_problem(text)
    result = propose(text=text, model=small_model, data=data)
    assert result.abstained and why in result.reason and result.units == []


def test_clear_matters_go_to_their_regulator(small_model, data):
    cases = {
        "公司拖欠工资三个月不发": "区人力社保局",
        "孩子上小学划片入学的问题": "区教委",
        "家里手机信号很差": "退回市级",
    }
    for text, unit in cases.items():
        result = propose(text=text, model=small_model, data=data)
        assert not result.abstained, text
        assert result.top.short_name == unit, (text, [(u.short_name, u.probability) for u in result.units])
        probs = [u.probability for u in result.units]
        assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0001
        assert result.top.reasons  # every proposal says why


def test_local_matters_stay_local_and_become_the_street_when_known(small_model, data, units):
    text = "楼下饭馆油烟很大，熏得开不了窗"
    unknown = propose(text=text, model=small_model, data=data)
    assert unknown.top.unit_id is None and unknown.top.name == LOCAL_UNKNOWN_NAME
    street = units["110106013"]
    known = propose(text=text, model=small_model, data=data, street=street)
    assert known.top.unit_id == street.pk and known.top.name == "方庄街道"
    assert known.categories and known.categories[0].path.startswith("城市管理/")


def test_a_clerks_category_routes_by_its_rule(small_model, data):
    school = Category.objects.get(path="教育/义务教育/入学与学位")
    result = propose(
        text="想问一下这个事情怎么办理", model=small_model, data=data, given_category=school, model_share=0.0
    )
    assert result.top.short_name == "区教委"
    assert any("权责清单" in r for r in result.top.reasons)


def test_unit_map_reading_and_first_match(tmp_path):
    unit_map = read_unit_map(FIXTURES / "units_small.yaml")
    assert unit_map.rule_for("某市轨道交通集团").raw_units == ("退回市级",)
    assert unit_map.rule_for("银河系管理局") is None
    bad = tmp_path / "bad.yaml"
    for text, code in (
        ("- {pattern: '(', units: [a]}", "unit_map_invalid"),
        ("just text", "unit_map_invalid"),
        ("- {pattern: a}", "unit_map_invalid"),
    ):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(InvalidInput) as err:
            read_unit_map(bad)
        assert err.value.code == code
    with pytest.raises(InvalidInput, match="找不到"):
        read_unit_map(tmp_path / "missing.yaml")


def run(path, unit_map=FIXTURES / "units_small.yaml", text_cols="title,content", unit_col="answered_by"):
    out = io.StringIO()
    call_command(
        "evaluate_routing",
        data=str(path),
        text_cols=text_cols,
        unit_col=unit_col,
        unit_map=str(unit_map),
        model=str(small_model_path()),
        stdout=out,
    )
    return out.getvalue().rstrip("\n").split("\n")


@pytest.mark.django_db
def test_evaluate_routing_reports_and_ends_with_the_summary(reference):
    router.cache.clear()
    lines = run(FIXTURES / "routed_small.csv")
    found = LAST_LINE.match(lines[-1])
    assert found, lines[-1]
    top1, top3, macro_f1, abstain, n, skipped = found.groups()
    assert (int(n), int(skipped)) == (8, 3)  # empty text, empty unit, unmapped 银河系管理局
    assert float(abstain) == pytest.approx(1 / 8, abs=1e-4)  # "hello world" cannot be routed
    assert float(top1) <= float(top3) and float(top1) >= 0.5
    text = "\n".join(lines)
    assert "银河系管理局×1" in text  # unknown units are listed, not a traceback
    assert "这个单位不存在" in text  # a map regex that matches no unit is named
    assert "各单位指标" in text


@pytest.mark.django_db
def test_evaluate_routing_reads_xlsx_the_same(reference, tmp_path):
    router.cache.clear()
    import csv

    rows = list(csv.reader((FIXTURES / "routed_small.csv").open(encoding="utf-8")))
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(tmp_path / "routed.xlsx")
    assert run(tmp_path / "routed.xlsx")[-1] == run(FIXTURES / "routed_small.csv")[-1]


@pytest.mark.django_db
def test_evaluate_routing_bad_files_are_chinese_errors(reference, tmp_path):
    router.cache.clear()
    with pytest.raises(CommandError, match="找不到列：unit"):
        run(FIXTURES / "routed_small.csv", unit_col="unit")
    with pytest.raises(CommandError, match="找不到单位对照表"):
        run(FIXTURES / "routed_small.csv", unit_map=tmp_path / "none.yaml")
    with pytest.raises(CommandError, match="找不到文件"):
        run(tmp_path / "none.csv")
    shutil.copy(FIXTURES / "routed_small.csv", tmp_path / "broken.xlsx")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CommandError, match="Excel"):
        run(tmp_path / "broken.xlsx")
    (tmp_path / "nothing.csv").write_text("title,content,answered_by\n,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="没有可评估的行"):
        run(tmp_path / "nothing.csv")


@pytest.mark.django_db
def test_every_leaf_has_a_lead_and_old_categories_map_to_new_ones(reference):
    leaves = Category.objects.filter(scheme="beijing", children__isnull=True)
    assert leaves.count() >= 150 and all(c.code >= "21" for c in leaves)
    assert Category.objects.filter(scheme="beijing").values("level").distinct().count() == 3
    rules = {r.category_code: r for r in ResponsibilityRule.objects.filter(street__isnull=True)}
    for leaf in leaves:
        parts = leaf.code.split(".")
        assert any(".".join(parts[:i]) in rules for i in range(1, 4)), leaf.path
        assert leaf.initials and leaf.tipdm_label
    old = Category.objects.filter(scheme="tipdm")
    assert old.exists() and not old.filter(maps_to__isnull=True).exists()
    assert Category.objects.get(path="城乡建设/住房保障与房地产/物业服务").maps_to.path == "住房/物业管理/物业服务质量"


@pytest.mark.django_db
def test_the_catalogue_has_the_missing_bodies_and_the_city_return(reference):
    shorts = set(Unit.objects.values_list("short_name", flat=True))
    for name in (
        "公安丰台分局",
        "区城管执法局",
        "区税务局",
        "区农业农村局",
        "区司法局",
        "区退役军人局",
        "区政务服务局",
        "区财政局",
        "区国资委",
        "区科信局",
        "区残联",
        "区消防救援支队",
        "退回市级",
    ):
        assert name in shorts, name
    assert Unit.objects.get(short_name="区教委").name == "北京市丰台区教育委员会"
    assert Unit.objects.get(short_name="退回市级").name == "退回市级"


@pytest.mark.django_db
def test_old_orders_move_to_the_new_tree_with_an_event(users):
    from jiesu.workorders import services
    from jiesu.workorders.models import State
    from jiesu.workorders.reference import remap_legacy_orders

    old = Category.objects.get(path="城乡建设/住房保障与房地产/物业服务")
    order, _ = services.create_order(user=users["agent"], content="物业不管楼道卫生", category=old)
    merged, _ = services.create_order(user=users["agent"], content="物业不管楼道卫生（重复）", category=old)
    services.merge_duplicate(user=users["dispatcher"], order_id=merged.pk, master_id=order.pk)
    assert remap_legacy_orders(dry_run=True) == {"legacy": 2, "remapped": 1, "kept": 1, "unmapped": 0}
    order.refresh_from_db()
    assert order.category == old  # the dry run changed nothing
    remap_legacy_orders()
    order.refresh_from_db()
    merged.refresh_from_db()
    assert (
        order.category.path == "住房/物业管理/物业服务质量" and merged.category == old and merged.state == State.MERGED
    )
    event = order.events.get(action="recategorize")
    assert event.payload["category_by"] == "migration" and event.payload["changed"]["category"] == [
        old.code,
        order.category.code,
    ]
    assert remap_legacy_orders()["remapped"] == 0  # idempotent


def test_the_answering_body_is_read_from_the_reply():
    from jiesu.dispatch.routing.letters import answering_body

    assert answering_body("网友您好！……感谢您的关心。A7县环境保护局2014年2月26日") == "A7县环境保护局"
    assert answering_body("您好！经圭塘街道调查核实，现回复如下：……2019年3月1日") == "圭塘街道"
    assert answering_body("您的留言转由市教育局办理，……") == "市教育局"
    assert answering_body("网友：您好！留言已收悉") == ""
    # weaker signs, only when no signature or verb phrase names a body
    assert answering_body("您提出的宝贵意见已转县教育局，感谢您的留言。") == "县教育局"
    assert answering_body("……感谢您对A7县交通运输局工作的支持！") == "A7县交通运输局"
    assert answering_body("您好！我镇高度重视，立即组织人员到现场……") == "镇人民政府"
    assert answering_body("感谢您对我街道工作的支持和监督！") == "街道办事处"
    assert answering_body("问题已解决，感谢您对我局工作的支持。") == ""  # which bureau: not said


@pytest.mark.django_db
def test_evaluate_dispatch_can_read_the_seven_labels_through_the_category_tree(reference):
    out = io.StringIO()
    call_command(
        "evaluate_dispatch",
        data=str(FIXTURES / "labelled_small.csv"),
        text_cols="title,content",
        label_col="label",
        model=str(small_model_path()),
        via_categories=True,
        stdout=out,
    )
    last = out.getvalue().rstrip("\n").split("\n")[-1]
    found = re.match(r"^macro_f1=(\d\.\d{4}) accuracy=(\d\.\d{4}) n=(\d+) skipped=(\d+)$", last)
    assert found and int(found.group(3)) > 0
    view = rm.TipdmView(rm.load(small_model_path()))
    assert len(view.labels) == 7 and view.predict(["学校乱收费，老师态度差"]) == ["教育文体"]


def test_evaluate_routing_on_a_fresh_checkout_prepares_the_database(tmp_path):
    """An evaluator's first command on a fresh checkout — no migrated database, no SECRET_KEY, DEBUG
    unset — gives the figures, not a traceback: the database is migrated and the reference data
    loaded first (said on stderr)."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    result = subprocess.run(
        [
            sys.executable, "manage.py", "evaluate_routing", "--data", str(FIXTURES / "routed_small.csv"),
            "--text-cols", "title,content", "--unit-col", "answered_by", "--unit-map", str(FIXTURES / "units_small.yaml"),
            "--model", str(small_model_path()),
        ],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert LAST_LINE.match(result.stdout.strip().splitlines()[-1]), result.stdout[-500:]
    assert "数据库尚未迁移" in result.stderr and "正在加载参考数据" in result.stderr
