"""A module-level app for WSGI servers: `gunicorn 'supplier_sim.wsgi:app'` (default settings)."""

from .app import create_app

app = create_app()
