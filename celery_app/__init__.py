"""Celery entry point: `celery -A celery_app worker` / `celery -A celery_app beat` from the repo root.

Celery finds the app in the `celery_app.celery` submodule, so importing this package (for the
schedule data) does not build the Flask app.
"""
