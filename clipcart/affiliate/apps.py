from django.apps import AppConfig


class AffiliateConfig(AppConfig):
    name = "clipcart.affiliate"
    label = "affiliate"
