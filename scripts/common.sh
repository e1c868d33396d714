# Shared by the local_*.sh scripts: paths, the environment, and small helpers.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
INSTANCE="${TRACKBASE_INSTANCE:-$ROOT/instance}"  # local state: database, secrets, mail, Redis dir
export PYTHONPATH="$ROOT/backend:$ROOT${PYTHONPATH:+:$PYTHONPATH}"

say() { printf '\033[1;34m[trackbase]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[trackbase]\033[0m %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = "0" ]; }

# Development secrets: generated once into instance/secrets.env (never committed), unless set already.
load_env() {
  mkdir -p "$INSTANCE"
  if [ -f "$ROOT/.env" ]; then
    set -a; . "$ROOT/.env"; set +a
  fi
  if [ ! -f "$INSTANCE/secrets.env" ]; then
    umask 077
    {
      echo "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
      echo "SECURITY_PASSWORD_SALT=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
    } > "$INSTANCE/secrets.env"
    umask 022
  fi
  local key value
  while IFS='=' read -r key value; do
    [ -n "$key" ] && [ -z "${!key:-}" ] && export "$key=$value"
  done < "$INSTANCE/secrets.env"
  export DATABASE_URL="${DATABASE_URL:-sqlite:///$INSTANCE/trackbase.db}"
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
  export MAIL_SERVER="${MAIL_SERVER:-127.0.0.1}"
  export MAIL_PORT="${MAIL_PORT:-1025}"
  export SUPPLIER_API_URL="${SUPPLIER_API_URL:-http://127.0.0.1:5050}"
  export PUBLIC_URL="${PUBLIC_URL:-http://127.0.0.1:${PORT:-5000}}"
}

require_venv() {
  [ -x "$VENV/bin/python" ] || die "No virtualenv yet: run ./local_setup.sh first."
}

redis_answers() {  # redis_answers URL
  "$VENV/bin/python" - "$1" <<'PY' >/dev/null 2>&1
import sys, redis
redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1).ping()
PY
}

port_of_url() {  # port_of_url URL DEFAULT
  "$VENV/bin/python" -c 'import sys; from urllib.parse import urlsplit; print(urlsplit(sys.argv[1]).port or sys.argv[2])' "$1" "$2"
}

free_ports() {  # free_ports N: N distinct free TCP ports on 127.0.0.1, space-separated
  "$VENV/bin/python" - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

wait_http() {  # wait_http SECONDS PORT...: until every 127.0.0.1:PORT answers HTTP (any status); 1 on timeout
  "$VENV/bin/python" - "$@" <<'PY'
import http.client, sys, time
deadline = time.monotonic() + float(sys.argv[1])
for port in sys.argv[2:]:
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=2)
            conn.request("GET", "/api/config")
            conn.getresponse().read()
            conn.close()
            break
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(1)
            time.sleep(0.2)
PY
}

nginx_binary() {  # the nginx executable (Debian puts it in /usr/sbin, off a normal user's PATH), or nothing
  command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true
}
