from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "clipcart.payments"
    label = "payments"
