"""Persistence: SQLAlchemy Core tables, the database wrapper and Alembic migrations."""
