from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "clipcart.inventory"
    label = "inventory"
