"""Celery task of the notify app: deliver queued e-mail/SMS right after a commit (production)."""

from jiesu.celery import app
from jiesu.notify import services


@app.task(name="notify.deliver_pending", ignore_result=True)
def deliver_pending_task() -> dict:
    return services.deliver_pending()
