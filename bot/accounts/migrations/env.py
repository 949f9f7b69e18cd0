"""Alembic's entry point for the staff accounts: runs on the connection the store passes in."""

from __future__ import annotations

from bot.migrate import run_env

run_env()
