"""Celery tasks: thin wrappers over services. Importing this registers them all."""

from . import inventory, jobs, mail, ops, shop, tracking  # noqa: F401
