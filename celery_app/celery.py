"""The Celery app, built from the Flask app factory; `celery -A celery_app` loads this module."""
from trackbase import create_app

from .schedule import beat_schedule

flask_app = create_app()
app = flask_app.extensions["celery"]
app.conf.beat_schedule = beat_schedule(flask_app.config)

import trackbase.tasks  # noqa: E402,F401  (registers every task)
