"""Celery tasks: thin wrappers over services. Importing this registers them all."""

from . import inventory, jobs, mail, ops, product_export, products, shop, tracking, watch  # noqa: F401
