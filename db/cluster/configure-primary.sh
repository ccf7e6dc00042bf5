#!/usr/bin/env bash
# Turns a freshly initialised data folder into the primary: WAL streaming settings,
# scram-sha-256 in pg_hba, the replicator and per-service roles, the database.
# Used by cluster.sh (local start, tests) and, as a docker-entrypoint-initdb.d
# script, by the pg-master container. Needs the server running and these variables:
#   PGDATA, REPLICATION_PASSWORD, OWNER_PASSWORD, COMMAND_DB_PASSWORD,
#   PROJECTOR_DB_PASSWORD, QUERY_DB_PASSWORD; optional DB_NAME (crypto_invest),
#   ALLOW_CIDR (127.0.0.1/32), PGPORT, PGHOST (socket folder).
set -euo pipefail

: "${PGDATA:?}" "${REPLICATION_PASSWORD:?}" "${OWNER_PASSWORD:?}" "${COMMAND_DB_PASSWORD:?}" \
  "${PROJECTOR_DB_PASSWORD:?}" "${QUERY_DB_PASSWORD:?}"
DB_NAME=${DB_NAME:-crypto_invest}
ALLOW_CIDR=${ALLOW_CIDR:-127.0.0.1/32}

cat >>"$PGDATA/postgresql.conf" <<CONF

# --- crypto-invest primary ---
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
wal_keep_size = 256MB
hot_standby = on
hot_standby_feedback = on
password_encryption = scram-sha-256
max_connections = 200
CONF

# Only scram-sha-256 over TCP; the Unix socket keeps peer auth for the bootstrap superuser.
cat >"$PGDATA/pg_hba.conf" <<HBA
# TYPE  DATABASE     USER        ADDRESS         METHOD
local   all          postgres                    peer
local   all          all                         scram-sha-256
host    all          all         127.0.0.1/32    scram-sha-256
host    all          all         ::1/128         scram-sha-256
host    replication  replicator  127.0.0.1/32    scram-sha-256
host    all          all         ${ALLOW_CIDR}   scram-sha-256
host    replication  replicator  ${ALLOW_CIDR}   scram-sha-256
HBA

psql=(psql -X -v ON_ERROR_STOP=1 -q -U "${POSTGRES_USER:-postgres}" -d postgres)
# psql's variables keep passwords out of the SQL text's quoting problems.
"${psql[@]}" \
  -v repl="$REPLICATION_PASSWORD" -v owner="$OWNER_PASSWORD" -v cmd="$COMMAND_DB_PASSWORD" \
  -v proj="$PROJECTOR_DB_PASSWORD" -v qry="$QUERY_DB_PASSWORD" -v db="$DB_NAME" <<'SQL'
SET password_encryption = 'scram-sha-256';
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'repl';
CREATE ROLE crypto_owner WITH LOGIN CREATEDB PASSWORD :'owner';
CREATE ROLE crypto_command WITH LOGIN PASSWORD :'cmd';
CREATE ROLE crypto_projector WITH LOGIN PASSWORD :'proj';
CREATE ROLE crypto_query WITH LOGIN PASSWORD :'qry';
-- A stuck writer must not hold back the projection's snapshot horizon for long.
ALTER ROLE crypto_command SET idle_in_transaction_session_timeout = '15s';
ALTER ROLE crypto_command SET statement_timeout = '10s';
ALTER ROLE crypto_query SET statement_timeout = '30s';
-- Replication/projection lag is readable by the query side.
GRANT pg_monitor TO crypto_query, crypto_projector;
CREATE DATABASE :"db" OWNER crypto_owner;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO crypto_command, crypto_projector, crypto_query;
SELECT pg_reload_conf() \gset
SQL
echo "[cluster] primary configured (database $DB_NAME, roles replicator, crypto_owner, crypto_command, crypto_projector, crypto_query)" >&2
