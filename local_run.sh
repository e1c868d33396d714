#!/usr/bin/env bash
# The whole system on one machine: API + built SPA on http://127.0.0.1:5000, Celery worker and beat,
# the supplier simulator and a local mail sink. Ctrl-C stops all of it.
#   ./local_run.sh [--port N] [--replicas N] [--workers N] [--no-worker] [--no-beat] [--no-sim] [--no-mail]
# --replicas N (N > 1): nginx on the port, in front of N API processes on free ports (one database,
# one Redis); --workers N: gunicorn worker processes per API process (default 2).
# A worker, beat, simulator, mail sink, API replica or Redis (when started here) that dies is started
# again with backoff, each restart logged; only the API (with --replicas: nginx) exiting stops it all.
set -euo pipefail
. "$(dirname "$0")/scripts/common.sh"

PORT="${PORT:-5000}"; REPLICAS=1; WORKERS=2; RUN_WORKER=1; RUN_BEAT=1; RUN_SIM=1; RUN_MAIL=1
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="$2"; shift ;;
    --replicas) REPLICAS="$2"; shift ;;
    --workers) WORKERS="$2"; shift ;;
    --no-worker) RUN_WORKER=0 ;;
    --no-beat) RUN_BEAT=0 ;;
    --no-sim) RUN_SIM=0 ;;
    --no-mail) RUN_MAIL=0 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) die "Unknown option $1 (see --help)" ;;
  esac
  shift
done
[[ "$REPLICAS" =~ ^[1-9][0-9]?$ ]] || die "--replicas takes a number from 1 to 99"
[[ "$WORKERS" =~ ^[1-9][0-9]?$ ]] || die "--workers takes a number from 1 to 99"
NGINX=""
if [ "$REPLICAS" -gt 1 ]; then
  NGINX="$(nginx_binary)"
  [ -n "$NGINX" ] || die "--replicas needs nginx: run ./local_setup.sh as root, or install it (e.g. 'sudo apt-get install nginx-light')"
fi
export PORT
require_venv
load_env
[ -f "$ROOT/frontend/dist/index.html" ] || say "The web app is not built: run ./local_setup.sh (the API still works)."

PIDS=()
cleanup() {
  trap - INT TERM EXIT
  say "Stopping..."
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do
    alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
start() {  # start NAME COMMAND...
  local name="$1"; shift
  "$@" > >(sed -u "s/^/[$name] /") 2>&1 &
  PIDS+=("$!")
}
# supervise NAME COMMAND...: run COMMAND, and start it again whenever it exits (1 s backoff doubling
# to 30 s, back to 1 s after a minute up). TERM stops the command (KILL after 8 s) and the loop.
supervise() {
  local name="$1"; shift
  local child="" delay=1 restarts=0 started status
  trap 'stop_supervised' TERM INT
  stop_supervised() {
    trap '' TERM INT  # a second signal (Ctrl-C reaches everyone, then the script's TERM) must not cut this short
    if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
      kill -TERM "$child" 2>/dev/null || true
      for _ in $(seq 80); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$child" 2>/dev/null || true
    fi
    exit 0
  }
  while :; do
    started=$SECONDS
    "$@" &
    child=$!
    say "$name started (pid $child)"
    status=0
    wait "$child" || status=$?
    child=""
    [ $((SECONDS - started)) -ge 60 ] && delay=1
    restarts=$((restarts + 1))
    say "$name exited with status $status after $((SECONDS - started)) s; restart $restarts in $delay s"
    sleep "$delay" &
    wait $! || true
    delay=$((delay * 2 > 30 ? 30 : delay * 2))
  done
}

if ! redis_answers "$REDIS_URL"; then
  command -v redis-server >/dev/null || die "Redis is not running and redis-server is not installed: run ./local_setup.sh"
  mkdir -p "$INSTANCE/redis"
  start redis supervise redis redis-server --port "$(port_of_url "$REDIS_URL" 6379)" --bind 127.0.0.1 --save "" --appendonly no --dir "$INSTANCE/redis"
  for _ in $(seq 50); do redis_answers "$REDIS_URL" && break; sleep 0.1; done
  redis_answers "$REDIS_URL" || die "Redis did not start on $REDIS_URL"
fi

cd "$ROOT/backend"
FLASK=("$VENV/bin/flask" --app trackbase)
say "Updating the database schema"
"${FLASK[@]}" db upgrade 2>&1 | grep -v '^INFO' || true

if [ -z "${TRACKBASE_ADMIN_EMAIL:-}" ] && [ ! -f "$INSTANCE/demo-admin.env" ]; then
  umask 077
  printf 'TRACKBASE_ADMIN_EMAIL=admin@example.com\nTRACKBASE_ADMIN_PASSWORD=%s\n' \
    "$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')" > "$INSTANCE/demo-admin.env"
  umask 022
fi
if [ -z "${TRACKBASE_ADMIN_EMAIL:-}" ]; then
  set -a; . "$INSTANCE/demo-admin.env"; set +a
  DEMO=1
fi
"${FLASK[@]}" users ensure-admin

if [ "$RUN_MAIL" = 1 ] && [ "$MAIL_SERVER" = "127.0.0.1" -o "$MAIL_SERVER" = "localhost" ]; then
  start mail supervise mail "$VENV/bin/python" -m devtools.mailsink --port "$MAIL_PORT" --dir "$INSTANCE/mail"
fi
if [ "$RUN_SIM" = 1 ] && [ "$SUPPLIER_API_URL" = "http://127.0.0.1:5050" ]; then
  start supplier supervise supplier "$VENV/bin/python" -m supplier_sim --port 5050 --quiet
fi
cd "$ROOT"
if [ "$RUN_WORKER" = 1 ]; then
  start worker supervise worker "$VENV/bin/celery" -A celery_app worker --loglevel INFO --concurrency 2
fi
if [ "$RUN_BEAT" = 1 ]; then
  start beat supervise beat "$VENV/bin/celery" -A celery_app beat --loglevel INFO --schedule "$INSTANCE/celerybeat-schedule"
fi
GUNICORN=("$VENV/bin/gunicorn" --workers "$WORKERS" --worker-class gthread --threads 4 --access-logfile /dev/null)
if [ "$REPLICAS" = 1 ]; then
  start web "${GUNICORN[@]}" --bind "127.0.0.1:$PORT" "trackbase:create_app()"
  WEB_PID="${PIDS[-1]}"; WEB_NAME="The API"
else
  # Replicas on free ports behind nginx on PORT: one more trusted proxy hop (nginx) than in front of
  # the stack, so the app reads the client address from X-Forwarded-For. They keep idle connections
  # longer (75 s) than nginx does (60 s, deploy/nginx.conf). A replica that dies is started again
  # on its port; nginx sends its requests to the others meanwhile.
  read -ra REPLICA_PORTS <<< "$(free_ports "$REPLICAS")"
  UPSTREAMS=()
  for i in $(seq "$REPLICAS"); do
    port="${REPLICA_PORTS[$((i - 1))]}"
    start "web-$i" supervise "web-$i" env TRUSTED_PROXIES="$((${TRUSTED_PROXIES:-0} + 1))" "${GUNICORN[@]}" \
      --keep-alive 75 --no-control-socket --bind "127.0.0.1:$port" "trackbase:create_app()"
    UPSTREAMS+=(--upstream "127.0.0.1:$port")
  done
  say "Waiting for $REPLICAS API replicas (ports ${REPLICA_PORTS[*]})"
  wait_http 120 "${REPLICA_PORTS[@]}" || say "Not every replica answers yet; nginx starts anyway and skips the ones that do not."
  NGINX_DIR="$INSTANCE/nginx"
  (cd "$ROOT/backend" && "$VENV/bin/python" -m devtools.nginx --dir "$NGINX_DIR" --listen "127.0.0.1:$PORT" "${UPSTREAMS[@]}") >/dev/null
  start nginx "$NGINX" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e stderr
  WEB_PID="${PIDS[-1]}"; WEB_NAME="nginx"
  say "nginx on port $PORT in front of $REPLICAS replicas; access log in $NGINX_DIR/logs/access.log"
fi

say "Trackbase is starting on http://127.0.0.1:$PORT  (API docs: http://127.0.0.1:$PORT/api/docs/)"
if [ "${DEMO:-0}" = 1 ]; then
  say "Demo admin: $TRACKBASE_ADMIN_EMAIL / $TRACKBASE_ADMIN_PASSWORD  (kept in instance/demo-admin.env)"
fi
[ "$RUN_MAIL" = 1 ] && say "Every email is kept in instance/mail/ (one .eml file per message)."
say "Press Ctrl-C to stop."
wait "$WEB_PID" || true
say "$WEB_NAME exited; stopping the rest."
