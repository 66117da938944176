"""Full-text search over products: a GIN-indexed generated tsvector on PostgreSQL, an FTS5
table kept in sync by triggers on SQLite (see catalog/search.py)."""

from django.db import migrations


def install(apps, schema_editor):
    from clipcart.catalog import search

    search.install(schema_editor)


def uninstall(apps, schema_editor):
    from clipcart.catalog import search

    search.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
