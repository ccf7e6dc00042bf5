#!/usr/bin/env bash
# Creates a hot-standby replica's data folder from a running primary:
# pg_basebackup -R (primary_conninfo + standby.signal) streaming WAL, with a
# physical replication slot so the primary keeps what the replica still needs.
# Used by cluster.sh (local start, tests) and by the pg-replica container.
# Variables: REPLICA_DATA, PRIMARY_HOST, PRIMARY_PORT, REPLICATION_PASSWORD,
#   optional SLOT_NAME (replica1), REPLICA_PORT (written into the config), PG_BIN.
set -euo pipefail
: "${REPLICA_DATA:?}" "${PRIMARY_HOST:?}" "${PRIMARY_PORT:?}" "${REPLICATION_PASSWORD:?}"
SLOT_NAME=${SLOT_NAME:-replica1}
BIN=${PG_BIN:+$PG_BIN/}

# The password reaches pg_basebackup through the environment, never the command line;
# -R then writes it into the replica's postgresql.auto.conf (the folder stays 0700).

run() { if declare -F as_pg >/dev/null; then as_pg "$@"; else "$@"; fi; }

# A slot left by an earlier replica of the same name would make -C fail: drop it first.
run env PGPASSWORD="$REPLICATION_PASSWORD" "${BIN}psql" -X -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U replicator \
  "dbname=postgres replication=database" \
  -c "DROP_REPLICATION_SLOT $SLOT_NAME" >/dev/null 2>&1 || true

run env PGPASSWORD="$REPLICATION_PASSWORD" "${BIN}pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U replicator \
  -D "$REPLICA_DATA" -R -X stream -C -S "$SLOT_NAME" -c fast --no-password

cat >>"$REPLICA_DATA/postgresql.conf" <<CONF

# --- crypto-invest replica ---
hot_standby = on
hot_standby_feedback = on
${REPLICA_PORT:+port = $REPLICA_PORT}
CONF
# postgresql.auto.conf now holds the replication password: keep the folder private.
chmod 700 "$REPLICA_DATA"
echo "[cluster] replica data folder ready at $REPLICA_DATA (slot $SLOT_NAME)" >&2
