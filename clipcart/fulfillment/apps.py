from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "clipcart.fulfillment"
    label = "fulfillment"
