"""Celery entry point: `celery -A celery_app worker` / `celery -A celery_app beat` from the repo root."""
from trackbase import create_app

from .schedule import beat_schedule

flask_app = create_app()
celery = flask_app.extensions["celery"]
celery.conf.beat_schedule = beat_schedule(flask_app.config)
app = celery

import trackbase.tasks  # noqa: E402,F401  (registers every task)
