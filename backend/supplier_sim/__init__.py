"""Supplier simulator: a standalone WSGI stand-in for the upstream "bad API" (v2).

`create_app(**settings)` returns the WSGI app; `python -m supplier_sim --port 5050` serves it;
`supplier_sim.testing.run_in_thread(**settings)` runs it for tests. Independent of `trackbase`.
"""

from .app import Simulator, create_app
from .config import ConfigError, SimConfig

__all__ = ["Simulator", "SimConfig", "ConfigError", "create_app"]
