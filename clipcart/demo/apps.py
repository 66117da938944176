from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "clipcart.demo"
    label = "demo"
