"""/reports/ (listed in the README) is the index of every report, each link answering."""

import pytest

pytestmark = pytest.mark.django_db


def test_reports_index_lists_every_report(client, users, month_of_orders):
    client.force_login(users["district_leader"])
    page = client.get("/reports/")
    html = page.content.decode()
    assert page.status_code == 200
    for name in (
        "领导驾驶舱",
        "月度工作点评",
        "街镇综合评分卡",
        "每月一题",
        "热点",
        "季节性与周期性问题",
        "诉求量预测",
        "督办事项",
    ):
        assert f">{name}</a>" in html, name
    links = [line.split('href="')[1].split('"')[0] for line in html.split("<a ")[1:] if 'href="' in line]
    for href in {h for h in links if h.startswith(("/reports/", "/insights/", "/supervision/"))}:
        assert client.get(href).status_code == 200, href
    # No indicator catalogue in this fixture: the scorecard says so in Chinese (400), no error page.
    assert "/scorecard/2026-10/" in links


def test_publish_the_closed_months_oldest_first(month_of_orders, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.utils import timezone

    from jiesu.assessment.models import AssessmentSnapshot
    from jiesu.common.months import parse_month, previous_month

    call_command("publish_assessment", "--closed", "3")
    this = parse_month(timezone.localdate())
    expected = [previous_month(previous_month(previous_month(this))), previous_month(previous_month(this))]
    expected.append(previous_month(this))
    assert sorted(set(AssessmentSnapshot.objects.values_list("month", flat=True))) == expected
    assert [line[:7] for line in capsys.readouterr().out.splitlines()] == [f"{m:%Y-%m}" for m in expected]
    with pytest.raises(CommandError, match="考评月份"):
        call_command("publish_assessment")


def test_topics_of_the_last_months_in_one_command(month_of_orders, capsys):
    from django.core.management import call_command
    from django.utils import timezone

    from jiesu.insights.models import MonthlyTopic

    today = timezone.localdate()
    count = (today.year - 2026) * 12 + today.month - 9 + 1  # September 2026 … this month
    call_command("compute_monthly_topic", "--last", str(count), "--min-volume", "2")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == count and lines == sorted(lines) and lines[0].startswith("2026-09")
    assert "2026-10：城乡建设/安全生产" in lines and "2026-11：不设每月一题" in lines
    assert MonthlyTopic.objects.filter(month__year=2026, month__month=10, rank=1).exists()
