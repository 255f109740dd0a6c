#!/usr/bin/env bash
# Stops what deploy/local/up.sh started: the silos (SIGTERM, a clean shutdown, then SIGKILL after a grace period) and
# PostgreSQL. SIGTERM rather than SIGINT: background processes of a script start with SIGINT ignored.
#   deploy/local/down.sh            # keep the data for the next up.sh
#   deploy/local/down.sh --purge    # and delete the folder
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${MESH_LOCAL_DIR:-$repo/.mesh-local}"
purge=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --purge) purge=1; shift ;;
    -h|--help) echo "Usage: deploy/local/down.sh [--dir PATH] [--purge]"; exit 0 ;;
    *) echo "down.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[[ -d "$dir" ]] || { echo "Nothing to stop: $dir does not exist."; exit 0; }

for pid_file in "$dir"/silo-*.pid; do
  [[ -f "$pid_file" ]] || continue
  pid="$(cat "$pid_file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { echo "Silo pid $pid did not stop in 30 s; killing it."; kill -KILL "$pid"; }
    echo "Stopped silo (pid $pid)"
  fi
  rm -f "$pid_file"
done

pg_ctl=""
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  [[ -x "$candidate/pg_ctl" ]] && { pg_ctl="$candidate/pg_ctl"; break; }
done
[[ -z "$pg_ctl" ]] && command -v pg_config >/dev/null && pg_ctl="$(pg_config --bindir)/pg_ctl"
if [[ -n "$pg_ctl" && -f "$dir/postgres/postmaster.pid" ]]; then
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$pg_ctl" -D "$dir/postgres" -m fast -w stop >/dev/null && echo "Stopped PostgreSQL"
  else
    "$pg_ctl" -D "$dir/postgres" -m fast -w stop >/dev/null && echo "Stopped PostgreSQL"
  fi
fi

if [[ "$purge" == 1 ]]; then
  rm -rf "$dir"
  echo "Deleted $dir"
fi
