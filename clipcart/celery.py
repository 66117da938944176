"""The Celery app. Tasks are discovered in each app's tasks.py; beat's schedule is in settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clipcart.settings")

app = Celery("clipcart")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
