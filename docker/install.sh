#!/usr/bin/env bash
# QAtron on one machine in one command (PRD 17.1, 20.1):
#   1. checks Docker and Docker Compose v2;
#   2. creates docker/.env from .env.example with freshly generated secrets (kept on later runs);
#   3. in production (QATRON_ENV=production, or --production) asks for the admin password
#      (NFR-SEC-04) and generates every service password (PRD 20.3);
#   4. `docker compose up -d --build`, then waits until the api's /readyz answers.
# Usage: ./install.sh [--production] [--timeout SECONDS]
# Non-interactive production installs pass the password in the environment:
#   QATRON_ENV=production DEFAULT_ADMIN_PASSWORD='…' ./install.sh
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
COMPOSE_FILE="$HERE/docker-compose.yml"
ENV_EXAMPLE="$HERE/.env.example"
ENV_FILE="$HERE/.env"
TIMEOUT=600
MODE="${QATRON_ENV:-}"

log() { printf '[qatron] %s\n' "$*" >&2; }
die() { printf '[qatron] error: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --production) MODE=production ;;
    --timeout) shift; TIMEOUT="${1:?--timeout needs a number of seconds}" ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) die "unknown option: $1 (try --help)" ;;
  esac
  shift
done

# ---- 1. prerequisites ------------------------------------------------------------------------
command -v docker >/dev/null 2>&1 || die "docker is not installed: https://docs.docker.com/engine/install/"
docker compose version >/dev/null 2>&1 \
  || die "the Docker Compose v2 plugin ('docker compose') is missing: https://docs.docker.com/compose/install/"
docker info >/dev/null 2>&1 || die "the Docker engine is not reachable: is it running, and may this user use it?"
compose() { docker compose -f "$COMPOSE_FILE" --env-file "$ENV_FILE" "$@"; }

# ---- helpers for .env ------------------------------------------------------------------------
# Random hex: safe inside URLs (DATABASE_URL) and .env files without quoting.
random_hex() {
  local bytes="$1"
  if command -v openssl >/dev/null 2>&1; then
    openssl rand -hex "$bytes"
  else
    od -An -N"$bytes" -tx1 /dev/urandom | tr -d ' \n'
  fi
}
# Reads KEY's value from .env (the last assignment wins, quotes removed).
get_var() {
  local line
  line=$(grep -E "^$1=" "$ENV_FILE" | tail -n 1 || true)
  line="${line#*=}"
  line="${line%\'}"; line="${line#\'}"
  printf '%s' "$line"
}
# Sets KEY=VALUE in .env, single-quoted so that compose takes `$` and `#` literally. The value goes
# through the environment, not awk -v, so that backslashes survive unchanged.
set_var() {
  local key="$1" value="$2" tmp
  case "$value" in *"'"*) die "$key must not contain a single quote" ;; esac
  tmp=$(mktemp "$ENV_FILE.XXXXXX")
  K="$key" V="'$value'" awk '
    BEGIN { k = ENVIRON["K"]; v = ENVIRON["V"] }
    index($0, k "=") == 1 { print k "=" v; done = 1; next }
    { print }
    END { if (!done) print k "=" v }
  ' "$ENV_FILE" > "$tmp"
  chmod 600 "$tmp"
  mv "$tmp" "$ENV_FILE"
}

# ---- 2. .env ---------------------------------------------------------------------------------
fresh=false
if [ -f "$ENV_FILE" ]; then
  log "keeping the existing $ENV_FILE"
else
  [ -f "$ENV_EXAMPLE" ] || die "$ENV_EXAMPLE is missing"
  ( umask 077 && cp "$ENV_EXAMPLE" "$ENV_FILE" )
  set_var JWT_SECRET "$(random_hex 32)"
  set_var METRICS_TOKEN "$(random_hex 24)"
  fresh=true
  log "created $ENV_FILE with generated JWT_SECRET and METRICS_TOKEN"
fi
chmod 600 "$ENV_FILE"
[ -n "$MODE" ] || MODE=$(get_var QATRON_ENV)
[ -n "$MODE" ] || MODE=development

# ---- 3. production: no default credentials (NFR-SEC-04, PRD 20.3) ---------------------------------
if [ "$MODE" = production ]; then
  set_var QATRON_ENV production
  if [ "$fresh" = true ]; then
    # Only on a fresh .env: PostgreSQL and MinIO read these once, when their volumes are created.
    set_var POSTGRES_PASSWORD "$(random_hex 24)"
    set_var MINIO_ROOT_USER "qatron-$(random_hex 4)"
    set_var MINIO_ROOT_PASSWORD "$(random_hex 24)"
    set_var GRAFANA_ADMIN_PASSWORD "$(random_hex 16)"
    log "generated the PostgreSQL, MinIO and Grafana passwords (see $ENV_FILE)"
  fi
  password="${DEFAULT_ADMIN_PASSWORD:-$(get_var DEFAULT_ADMIN_PASSWORD)}"
  if [ -z "$password" ]; then
    [ -t 0 ] || die "QATRON_ENV=production needs an admin password: set DEFAULT_ADMIN_PASSWORD or run interactively"
    while :; do
      read -r -s -p "Password for the QAtron 'admin' user (12+ characters): " password; echo >&2
      read -r -s -p "Repeat it: " again; echo >&2
      if [ "$password" != "$again" ]; then log "the passwords differ, try again"; continue; fi
      if [ "${#password}" -lt 12 ]; then log "at least 12 characters, try again"; continue; fi
      if [ "$password" = admin ]; then log "not the default password, try again"; continue; fi
      break
    done
  fi
  [ "$password" != admin ] || die "DEFAULT_ADMIN_PASSWORD must not be 'admin' in production"
  set_var DEFAULT_ADMIN_PASSWORD "$password"
  unset password again
fi

# ---- 4. start and wait for readiness ---------------------------------------------------------
log "starting QAtron ($MODE); the first run builds the images and may take several minutes"
compose up -d --build

api_port=8000
deadline=$(( $(date +%s) + TIMEOUT ))
log "waiting for the api to be ready (http://localhost:$api_port/readyz, up to ${TIMEOUT}s)"
ready() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -o /dev/null --max-time 5 "http://localhost:$api_port/readyz"
  else
    # Without curl on the host, ask Docker: the api's healthcheck is the same /readyz request.
    [ "$(docker inspect --format '{{.State.Health.Status}}' "$(compose ps -q api)" 2>/dev/null)" = healthy ]
  fi
}
until ready; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    compose ps >&2 || true
    die "the api was not ready after ${TIMEOUT}s: see ./manage.sh logs api"
  fi
  sleep 5
done

admin_hint="admin / admin"
[ "$MODE" = production ] && admin_hint="admin / the password you chose"
cat >&2 <<EOF
[qatron] QAtron is up.
  Board        http://localhost:3000   ($admin_hint)
  API          http://localhost:8000   (contract: /api/v1/openapi.json)
  Grafana      http://localhost:3001
  Temporal UI  http://127.0.0.1:8233
  MinIO        http://127.0.0.1:9001
Manage it with $HERE/manage.sh start|stop|restart|status|logs
EOF
