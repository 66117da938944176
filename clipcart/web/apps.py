from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "clipcart.web"
    label = "web"
