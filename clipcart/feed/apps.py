from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "clipcart.feed"
    label = "feed"
