#!/usr/bin/env bash
# Celery workers alone (for a split deployment): ./local_workers.sh [extra celery worker options]
set -euo pipefail
. "$(dirname "$0")/scripts/common.sh"
require_venv
load_env
cd "$ROOT"
exec "$VENV/bin/celery" -A celery_app worker --loglevel INFO "$@"
