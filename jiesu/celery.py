"""Celery app: runs workers when REDIS_URL is set; otherwise tasks execute eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiesu.settings")
app = Celery("jiesu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
