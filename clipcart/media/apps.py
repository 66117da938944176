from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "clipcart.media"
    label = "media"
