from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "clipcart.checkout"
    label = "checkout"
