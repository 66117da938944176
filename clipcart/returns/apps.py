from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "clipcart.returns"
    label = "returns"
    verbose_name = "Returns"
