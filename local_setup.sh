#!/usr/bin/env bash
# One-time (and idempotent) install: Python venv with the backend, npm packages, the SPA build, Redis.
set -euo pipefail
. "$(dirname "$0")/scripts/common.sh"
cd "$ROOT"

command -v python3 >/dev/null || die "python3 (3.11+) is required."
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || die "Python 3.11 or newer is required."

# Redis: the broker, cache and rate-limit store.
if ! command -v redis-server >/dev/null; then
  if is_root && command -v apt-get >/dev/null; then
    say "Installing Redis (apt)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    die "redis-server is missing: install Redis (e.g. 'sudo apt-get install redis-server') and run this again."
  fi
fi

# nginx: only ./local_run.sh --replicas N needs it (in front of the API replicas); the rest runs without.
if [ -z "$(nginx_binary)" ]; then
  if is_root && command -v apt-get >/dev/null; then
    say "Installing nginx (apt, for ./local_run.sh --replicas N)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
  else
    say "nginx is not installed: ./local_run.sh --replicas N needs it ('sudo apt-get install nginx-light'); the rest works without."
  fi
fi

# Python: a venv at .venv with the backend installed editable, reinstalled when pyproject.toml changes.
if [ ! -x "$VENV/bin/python" ]; then
  say "Creating the virtualenv in .venv"
  python3 -m venv "$VENV"
fi
stamp="$VENV/.trackbase-deps"
want="$(sha256sum backend/pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "Installing Python packages"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e "backend[test]"
  echo "$want" > "$stamp"
fi

# Front end: npm ci when the lockfile changes, then a production build served by Flask.
command -v npm >/dev/null || die "Node.js 20+ and npm are required for the web app."
node -e 'process.exit(parseInt(process.versions.node) >= 20 ? 0 : 1)' || die "Node.js 20 or newer is required."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
nstamp="frontend/node_modules/.trackbase-lock"
nwant="$(sha256sum frontend/package-lock.json | cut -d' ' -f1)"
if [ "$(cat "$nstamp" 2>/dev/null)" != "$nwant" ]; then
  say "Installing npm packages"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  echo "$nwant" > "$nstamp"
fi
say "Building the web app"
(cd frontend && npm run build --silent >/dev/null)

load_env
say "Setup complete. Start everything with ./local_run.sh"
