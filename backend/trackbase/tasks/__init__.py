"""Celery tasks: thin wrappers over services. Importing this registers them all."""
from . import inventory, mail, ops  # noqa: F401
