"""Background generation of the review pack: a PDF of a district month takes seconds to minutes,
so the dashboard button queues it (Celery with Redis in production; in-process when embedded)."""

from jiesu.celery import app
from jiesu.org.models import User
from jiesu.reports.services import generate_review_pack


@app.task(name="reports.generate_review_pack")
def generate_review_pack_task(month: str, user_id: int | None = None, rule_version: str | None = None) -> int:
    user = User.objects.filter(pk=user_id).first() if user_id else None
    return generate_review_pack(month=month, user=user, rule_version=rule_version).pk
