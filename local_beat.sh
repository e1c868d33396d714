#!/usr/bin/env bash
# Celery beat alone (run exactly one per deployment; the tasks are safe if two ever run).
set -euo pipefail
. "$(dirname "$0")/scripts/common.sh"
require_venv
load_env
cd "$ROOT"
exec "$VENV/bin/celery" -A celery_app beat --loglevel INFO --schedule "$INSTANCE/celerybeat-schedule" "$@"
