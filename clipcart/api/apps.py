from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "clipcart.api"
    label = "api"
