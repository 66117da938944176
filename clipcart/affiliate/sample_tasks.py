"""Beat task of free samples. Celery's autodiscovery imports only `tasks.py`, which imports this
module so the task is registered (`from . import sample_tasks  # noqa: F401`)."""

from dataclasses import asdict

from celery import shared_task

from .services import samples


@shared_task(name="affiliate.sweep_samples")
def sweep_samples() -> dict[str, int]:
    return asdict(samples.sweep_samples())
