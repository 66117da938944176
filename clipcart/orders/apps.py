from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "clipcart.orders"
    label = "orders"
