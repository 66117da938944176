from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "clipcart.ledger"
    label = "ledger"
    verbose_name = "Ledger"
