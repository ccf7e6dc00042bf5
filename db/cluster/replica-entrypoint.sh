#!/usr/bin/env bash
# Entry point of the pg-replica container (postgres:15-alpine, started as root).
# On an empty data volume it waits for the primary and clones it with init-replica.sh
# (pg_basebackup, the same script the local cluster uses); then it runs PostgreSQL as
# the postgres user. A data folder that already holds a server is started as it is:
# a standby goes on streaming, a promoted one (after a failover) runs as a primary.
#
# Variables: PGDATA, PRIMARY_HOST, REPLICATION_PASSWORD; optional PRIMARY_PORT (5432),
#   SLOT_NAME (replica1), PRIMARY_WAIT_SECONDS (300), PG_BIN (programs on PATH otherwise).
# Arguments are passed on to postgres (a leading "postgres", the image's CMD, is dropped).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

: "${PGDATA:?}" "${PRIMARY_HOST:?}" "${REPLICATION_PASSWORD:?}"
PRIMARY_PORT=${PRIMARY_PORT:-5432}
PRIMARY_WAIT_SECONDS=${PRIMARY_WAIT_SECONDS:-300}
BIN=${PG_BIN:+$PG_BIN/}
[ "${1:-}" = postgres ] && shift

# Hands the data folder to the postgres user, private (it holds the replication password).
own_data() {
  mkdir -p "$PGDATA"
  if [ "$(id -u)" -eq 0 ]; then find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +; fi
  chmod 700 "$PGDATA"
}

# Until postgres takes over this process, `docker stop` must not wait for its kill timeout
# (PID 1 ignores signals it has no handler for).
trap 'note "stopped before PostgreSQL started"; exit 143' TERM INT

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  note "no data in $PGDATA: waiting for the primary $PRIMARY_HOST:$PRIMARY_PORT (up to $PRIMARY_WAIT_SECONDS s)"
  deadline=$((SECONDS + PRIMARY_WAIT_SECONDS))
  until "${BIN}pg_isready" -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT"; do
    [ "$SECONDS" -lt "$deadline" ] || die "the primary $PRIMARY_HOST:$PRIMARY_PORT did not accept connections within $PRIMARY_WAIT_SECONDS s"
    sleep 1
  done
  own_data
  # Sourced in a subshell so init-replica.sh runs pg_basebackup through lib.sh's as_pg.
  (
    REPLICA_DATA=$PGDATA SLOT_NAME=${SLOT_NAME:-replica1}
    unset REPLICA_PORT
    # shellcheck source=init-replica.sh
    . "$here/init-replica.sh"
  )
fi
own_data

# listen_addresses first so that arguments given to this script can override it.
set -- "${BIN}postgres" -D "$PGDATA" -c listen_addresses='*' "$@"
note "starting PostgreSQL ($(if [ -f "$PGDATA/standby.signal" ]; then echo hot standby; else echo primary; fi))"
if [ "$(id -u)" -ne 0 ]; then exec "$@"; fi
if command -v gosu >/dev/null 2>&1; then exec gosu postgres "$@"; fi
if command -v su-exec >/dev/null 2>&1; then exec su-exec postgres "$@"; fi
exec runuser -u postgres -- "$@"
