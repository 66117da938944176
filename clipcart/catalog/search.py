"""Full-text product search: PostgreSQL's tsvector in production, SQLite's FTS5 when embedded.

Both index the title (weighted higher) and the description, and both are kept current by the
database itself (a generated column on PostgreSQL, triggers on SQLite), so no code path can
forget to re-index. `matching_product_ids` returns ids best match first.
"""

from __future__ import annotations

import re

from django.db import connection

MAX_QUERY_LENGTH = 200
_WORD = re.compile(r"\w+", re.UNICODE)

POSTGRES_SETUP = [
    """
    ALTER TABLE catalog_product ADD COLUMN IF NOT EXISTS search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(description, '')), 'B')
    ) STORED
    """,
    """
    CREATE INDEX IF NOT EXISTS catalog_product_search
    ON catalog_product USING GIN (search_vector)
    """,
]
POSTGRES_TEARDOWN = [
    "DROP INDEX IF EXISTS catalog_product_search",
    "ALTER TABLE catalog_product DROP COLUMN IF EXISTS search_vector",
]

SQLITE_SETUP = [
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS catalog_product_fts USING fts5(
        title, description, content='catalog_product', content_rowid='id',
        tokenize='porter unicode61'
    )
    """,
    """
    CREATE TRIGGER IF NOT EXISTS catalog_product_fts_insert AFTER INSERT ON catalog_product BEGIN
        INSERT INTO catalog_product_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS catalog_product_fts_delete AFTER DELETE ON catalog_product BEGIN
        INSERT INTO catalog_product_fts(catalog_product_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS catalog_product_fts_update AFTER UPDATE ON catalog_product BEGIN
        INSERT INTO catalog_product_fts(catalog_product_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
        INSERT INTO catalog_product_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
    END
    """,
    "INSERT INTO catalog_product_fts(catalog_product_fts) VALUES ('rebuild')",
]
SQLITE_TEARDOWN = [
    "DROP TRIGGER IF EXISTS catalog_product_fts_insert",
    "DROP TRIGGER IF EXISTS catalog_product_fts_delete",
    "DROP TRIGGER IF EXISTS catalog_product_fts_update",
    "DROP TABLE IF EXISTS catalog_product_fts",
]


def query_words(query: str) -> list[str]:
    """The words of a shopper's query; punctuation and operators are dropped, not interpreted."""
    return _WORD.findall(query[:MAX_QUERY_LENGTH].lower())[:12]


def matching_product_ids(query: str, *, limit: int = 1000) -> list[int]:
    words = query_words(query)
    if not words:
        return []
    if connection.vendor == "postgresql":
        # Every word must match; the last one also as a prefix, for search-as-you-type.
        tsquery = " & ".join([*words[:-1], words[-1] + ":*"])
        sql = """
            SELECT id FROM catalog_product
            WHERE search_vector @@ to_tsquery('english', %s)
            ORDER BY ts_rank(search_vector, to_tsquery('english', %s)) DESC, id DESC
            LIMIT %s
        """
        params: list[str | int] = [tsquery, tsquery, limit]
    else:
        match = " ".join(f'"{word}"' for word in words[:-1]) + f' "{words[-1]}"*'
        sql = """
            SELECT rowid FROM catalog_product_fts WHERE catalog_product_fts MATCH %s
            ORDER BY bm25(catalog_product_fts, 10.0, 1.0), rowid DESC LIMIT %s
        """
        params = [match.strip(), limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def install(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in POSTGRES_SETUP if vendor == "postgresql" else SQLITE_SETUP:
        schema_editor.execute(statement)


def uninstall(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in POSTGRES_TEARDOWN if vendor == "postgresql" else SQLITE_TEARDOWN:
        schema_editor.execute(statement)
