from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "clipcart.core"
    label = "core"
