from django.db import migrations, models


def reinstall_search(apps, schema_editor):
    """SQLite applies these changes by rebuilding catalog_product, which drops the search
    triggers of 0002: put them back and rebuild the index (idempotent; a no-op on PostgreSQL,
    whose generated column survives)."""
    from clipcart.catalog import search

    search.install(schema_editor)


class Migration(migrations.Migration):
    """The handling ranges per kind and the capacity CHECKs, once 0005 moved the data in."""

    dependencies = [("catalog", "0005_clamp_handling_days")]

    operations = [
        migrations.AddConstraint(
            model_name='product',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('handling_kind', 'in_stock'), ('ships_on__isnull', True), models.Q(('handling_days__isnull', True), models.Q(('handling_days__gte', 1), ('handling_days__lte', 3)), _connector='OR')), models.Q(('handling_days__gte', 3), ('handling_days__lte', 14), ('handling_kind', 'made_to_order'), ('ships_on__isnull', True)), models.Q(('handling_days__gte', 3), ('handling_days__lte', 15), ('handling_kind', 'backorder'), ('ships_on__isnull', True)), models.Q(('handling_days__isnull', True), ('handling_kind', 'preorder'), ('ships_on__isnull', False)), _connector='OR'), name='product_handling_by_kind'),
        ),
        migrations.AddConstraint(
            model_name='shop',
            constraint=models.CheckConstraint(condition=models.Q(('handling_days__gte', 1), ('handling_days__lte', 2)), name='shop_handling_days_1_to_2'),
        ),
        migrations.AddConstraint(
            model_name='shop',
            constraint=models.CheckConstraint(condition=models.Q(('daily_capacity__isnull', True), ('daily_capacity__gte', 1), _connector='OR'), name='shop_daily_capacity_positive'),
        ),
        migrations.AddConstraint(
            model_name='shop',
            constraint=models.CheckConstraint(condition=models.Q(('backlog_limit_days__lte', 30)), name='shop_backlog_limit_range'),
        ),
        migrations.RunPython(reinstall_search, migrations.RunPython.noop),
    ]
