from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "clipcart.accounts"
    label = "accounts"
