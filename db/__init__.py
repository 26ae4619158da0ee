"""Persistence: peewee models, the connection factory, migrations, checks,
backups, the audit chain, spreadsheet import/export and demo data.

Nothing here imports Textual or the screens; nothing outside this package is
specific to SQLite or PostgreSQL.
"""
