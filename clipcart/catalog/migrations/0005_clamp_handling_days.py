"""Existing handling times into the new ranges, before 0006 adds the CHECKs: a shop's default
becomes at most 2 business days; a product's longer override becomes made to order (4–14 days)
or backorder (15), and anything longer is made to order in 14."""

from django.db import migrations

SHOP_MAX = 2
IN_STOCK_MAX = 3
MADE_TO_ORDER_MAX = 14
BACKORDER_MAX = 15


def clamp(apps, schema_editor):
    Shop = apps.get_model("catalog", "Shop")
    Product = apps.get_model("catalog", "Product")
    Shop.objects.filter(handling_days__gt=SHOP_MAX).update(handling_days=SHOP_MAX)
    Shop.objects.filter(handling_days__lt=1).update(handling_days=1)
    Product.objects.filter(handling_days__lt=1).update(handling_days=None)
    Product.objects.filter(
        handling_days__gt=IN_STOCK_MAX, handling_days__lte=MADE_TO_ORDER_MAX
    ).update(handling_kind="made_to_order")
    Product.objects.filter(handling_days=BACKORDER_MAX).update(handling_kind="backorder")
    Product.objects.filter(handling_days__gt=BACKORDER_MAX).update(
        handling_kind="made_to_order", handling_days=MADE_TO_ORDER_MAX
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_returns_lines_photos_events")]

    operations = [migrations.RunPython(clamp, migrations.RunPython.noop)]
