#!/usr/bin/env bash
# Day-to-day control of the compose stack (PRD 20.1). Run ./install.sh once first: it writes .env.
#   ./manage.sh start              start (or update) every service
#   ./manage.sh stop               stop every service, keeping containers and data
#   ./manage.sh restart [SERVICE…] restart everything, or the named services
#   ./manage.sh status             services, their state and health
#   ./manage.sh logs [SERVICE…]    follow the logs (last 200 lines first)
#   ./manage.sh scale N            run N worker containers
# Data lives in named volumes; `docker compose down -v` (not offered here) would delete it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ENV_FILE="$HERE/.env"

usage() { sed -n '2,9p' "$0" >&2; exit "${1:-2}"; }
die() { printf '[qatron] error: %s\n' "$*" >&2; exit 1; }

[ $# -ge 1 ] || usage
[ -f "$ENV_FILE" ] || die "$ENV_FILE is missing: run ./install.sh first"
compose() { docker compose -f "$HERE/docker-compose.yml" --env-file "$ENV_FILE" "$@"; }

command="$1"
shift
case "$command" in
  start) compose up -d "$@" ;;
  stop) compose stop "$@" ;;
  restart) compose restart "$@" ;;
  status) compose ps --all "$@" ;;
  logs) compose logs --follow --tail=200 "$@" ;;
  scale)
    count="${1:-}"
    case "$count" in ''|*[!0-9]*) die "scale needs a number of workers, e.g. ./manage.sh scale 4" ;; esac
    compose up -d --no-recreate --scale "worker=$count" worker
    ;;
  -h|--help|help) usage 0 ;;
  *) printf '[qatron] unknown command: %s\n' "$command" >&2; usage ;;
esac
