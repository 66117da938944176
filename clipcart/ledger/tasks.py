from celery import shared_task

from . import services


@shared_task(name="ledger.settle")
def settle() -> dict[str, int]:
    return services.settle()


@shared_task(name="ledger.run_payouts")
def run_payouts() -> int:
    return len(services.run_payouts())
