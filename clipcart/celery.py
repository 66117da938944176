"""The Celery app. Tasks are discovered in each app's tasks.py; beat's schedule is in settings."""

import os
from pathlib import Path

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clipcart.settings")

app = Celery("clipcart")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _ensure_filesystem_broker_folders() -> None:
    """The embedded broker keeps messages in folders that must exist before anyone publishes."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@signals.import_modules.connect
def _on_worker_import(**_kwargs) -> None:
    _ensure_filesystem_broker_folders()
