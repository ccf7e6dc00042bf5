#!/usr/bin/env bash
# The local PostgreSQL primary + streaming hot-standby replica, used by `npm start`
# and by the test harness (docker-compose runs configure-primary.sh and
# init-replica.sh, the same scripts this one calls).
#
#   cluster.sh up       create what is missing, start both, wait until streaming
#   cluster.sh down     stop both cleanly (fast shutdown)
#   cluster.sh status   print whether each runs and the replication state
#   cluster.sh failover the primary is lost (stopped now if it still runs): promote the
#                       replica, make it the primary again on PRIMARY_PORT and clone a new
#                       replica from it on REPLICA_PORT (runbook: db/README.md)
#
# Settings (environment):
#   CLUSTER_DIR    folder for data, sockets, logs and secrets (default: <repo>/.data/cluster)
#   PRIMARY_PORT   default 55432        REPLICA_PORT   default 55433
#   PG_BIN         folder with the PostgreSQL 15+ server programs (found automatically)
# Secrets: generated on first `up` into $CLUSTER_DIR/secrets.env (mode 600), or taken
# from the environment when already set (ADMIN_PASSWORD, REPLICATION_PASSWORD,
# OWNER_PASSWORD, COMMAND_DB_PASSWORD, PROJECTOR_DB_PASSWORD, QUERY_DB_PASSWORD).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

CLUSTER_DIR=${CLUSTER_DIR:-$(cd "$here/../.." && pwd)/.data/cluster}
PRIMARY_PORT=${PRIMARY_PORT:-55432}
REPLICA_PORT=${REPLICA_PORT:-55433}
PRIMARY_DATA=$CLUSTER_DIR/primary
REPLICA_DATA=$CLUSTER_DIR/replica
SOCK=$CLUSTER_DIR/run
LOGS=$CLUSTER_DIR/logs
SECRETS=$CLUSTER_DIR/secrets.env
SECRET_NAMES="ADMIN_PASSWORD REPLICATION_PASSWORD OWNER_PASSWORD COMMAND_DB_PASSWORD PROJECTOR_DB_PASSWORD QUERY_DB_PASSWORD"

ensure_dirs() {
  mkdir -p "$CLUSTER_DIR"
  # The postgres OS user must be able to reach its folders inside ours.
  [ "$(id -u)" -eq 0 ] && chmod 755 "$CLUSTER_DIR"
  own_dir "$SOCK"; own_dir "$LOGS"
  chmod 755 "$SOCK" "$LOGS"
}

load_secrets() {
  if [ ! -f "$SECRETS" ]; then
    umask 077
    : >"$SECRETS"
    local name
    for name in $SECRET_NAMES; do
      local value=${!name:-}
      [ -n "$value" ] || value=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
      echo "$name=$value" >>"$SECRETS"
    done
    chmod 600 "$SECRETS"
  fi
  set -a; . "$SECRETS"; set +a
}

# pg_ctl status asks kill -0, which a postmaster killed a moment ago passes until its
# parent reaps it (a zombie): that one is not running (lib.sh alive).
running() {
  [ -f "$1/postmaster.pid" ] && alive "$(head -n1 "$1/postmaster.pid")" && as_pg "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

start_server() {
  local data=$1 port=$2 name=$3
  check_pid_file "$data"
  if running "$data"; then note "$name already running"; return; fi
  clear_socket_lock "$SOCK" "$port"
  if port_in_use "$port"; then
    die "port $port is already in use by another program, so the $name cannot start there. Stop that program or choose another port (PRIMARY_PORT / REPLICA_PORT)."
  fi
  as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$LOGS/$name.log" -o "-p $port -k $SOCK" -w -t 60 start >/dev/null \
    || die "the $name did not start; its log: $LOGS/$name.log
$(tail -n 15 "$LOGS/$name.log" 2>/dev/null)"
}

init_primary() {
  note "initialising the primary in $PRIMARY_DATA"
  own_dir "$PRIMARY_DATA"
  as_pg "$PG_BIN/initdb" -D "$PRIMARY_DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$LOGS/initdb.log" 2>&1 \
    || as_pg "$PG_BIN/initdb" -D "$PRIMARY_DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
      --encoding=UTF8 --no-locale >"$LOGS/initdb.log" 2>&1 \
    || die "initdb failed; see $LOGS/initdb.log"
  cat >>"$PRIMARY_DATA/postgresql.conf" <<CONF

listen_addresses = '127.0.0.1'
port = $PRIMARY_PORT
unix_socket_directories = '$SOCK'
CONF
  start_server "$PRIMARY_DATA" "$PRIMARY_PORT" primary
  as_pg env PGDATA="$PRIMARY_DATA" PGHOST="$SOCK" PGPORT="$PRIMARY_PORT" PATH="$PG_BIN:$PATH" \
    REPLICATION_PASSWORD="$REPLICATION_PASSWORD" OWNER_PASSWORD="$OWNER_PASSWORD" \
    COMMAND_DB_PASSWORD="$COMMAND_DB_PASSWORD" PROJECTOR_DB_PASSWORD="$PROJECTOR_DB_PASSWORD" \
    QUERY_DB_PASSWORD="$QUERY_DB_PASSWORD" bash "$here/configure-primary.sh"
  psql_admin "$PRIMARY_PORT" "$SOCK" -d postgres -v pw="$ADMIN_PASSWORD" <<'SQL'
ALTER ROLE postgres PASSWORD :'pw';
SQL
}

init_replica() {
  note "creating the replica in $REPLICA_DATA from the primary (pg_basebackup)"
  [ -x "$PG_BIN/pg_basebackup" ] || die "pg_basebackup is missing from $PG_BIN; install the full PostgreSQL server package"
  own_dir "$REPLICA_DATA"
  # Copy lib.sh's as_pg into init-replica.sh's environment by sourcing both in one shell.
  REPLICA_DATA=$REPLICA_DATA PRIMARY_HOST=127.0.0.1 PRIMARY_PORT=$PRIMARY_PORT REPLICA_PORT=$REPLICA_PORT \
    SLOT_NAME=${SLOT_NAME:-replica1} PG_BIN=$PG_BIN bash -c ". '$here/lib.sh'; . '$here/init-replica.sh'" \
    >"$LOGS/basebackup.log" 2>&1 || die "pg_basebackup failed; see $LOGS/basebackup.log
$(tail -n 10 "$LOGS/basebackup.log")"
  cat >>"$REPLICA_DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCK'
CONF
}

wait_streaming() {
  local i
  for i in $(seq 1 100); do
    local state
    state=$(psql_admin "$PRIMARY_PORT" "$SOCK" -d postgres -tA \
      -c "select state from pg_stat_replication where application_name <> 'pg_basebackup' limit 1" 2>/dev/null || true)
    [ "$state" = "streaming" ] && return 0
    sleep 0.1
  done
  die "the replica started but is not streaming from the primary after 10 s; logs: $LOGS/replica.log"
}

cmd_up() {
  PG_BIN=$(find_pg_bin)
  ensure_dirs
  load_secrets
  if [ -f "$PRIMARY_DATA/PG_VERSION" ]; then start_server "$PRIMARY_DATA" "$PRIMARY_PORT" primary
  else
    [ -d "$PRIMARY_DATA" ] && [ -n "$(ls -A "$PRIMARY_DATA" 2>/dev/null)" ] \
      && die "$PRIMARY_DATA exists but holds no PostgreSQL data folder; remove it (npm run reset) and retry"
    init_primary
  fi
  if [ ! -f "$REPLICA_DATA/PG_VERSION" ]; then rm -rf "$REPLICA_DATA"; init_replica; fi
  start_server "$REPLICA_DATA" "$REPLICA_PORT" replica
  wait_streaming
  note "primary on 127.0.0.1:$PRIMARY_PORT, replica on 127.0.0.1:$REPLICA_PORT (streaming)"
}

stop_server() {
  local data=$1 name=$2
  [ -f "$data/postmaster.pid" ] || return 0
  check_pid_file "$data"
  [ -f "$data/postmaster.pid" ] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null && note "$name stopped"
}

cmd_down() {
  PG_BIN=$(find_pg_bin)
  stop_server "$REPLICA_DATA" replica
  stop_server "$PRIMARY_DATA" primary
}

cmd_status() {
  PG_BIN=$(find_pg_bin)
  local name data
  for name in primary replica; do
    data=$CLUSTER_DIR/$name
    if running "$data"; then echo "$name: running"; else echo "$name: stopped"; fi
  done
  if running "$PRIMARY_DATA"; then
    psql_admin "$PRIMARY_PORT" "$SOCK" -d postgres -c \
      "select application_name, state, sent_lsn, replay_lsn, replay_lag from pg_stat_replication"
  fi
  if running "$REPLICA_DATA"; then
    psql_admin "$REPLICA_PORT" "$SOCK" -d postgres -tA -c "select 'replica in recovery: ' || pg_is_in_recovery()"
  fi
}

# Failover of the local cluster. Folder roles swap so that the ports stay as they were:
# the promoted replica's data becomes primary/ (restarted once on PRIMARY_PORT), the lost
# primary's data is kept aside as primary.lost-<time>, and replica/ is cloned anew.
cmd_failover() {
  PG_BIN=$(find_pg_bin)
  [ -f "$SECRETS" ] || die "no cluster in $CLUSTER_DIR (no secrets.env): nothing to fail over"
  [ -f "$REPLICA_DATA/standby.signal" ] || die "$REPLICA_DATA holds no standby to promote"
  ensure_dirs
  load_secrets
  check_pid_file "$REPLICA_DATA"
  running "$REPLICA_DATA" || start_server "$REPLICA_DATA" "$REPLICA_PORT" replica

  local written=""
  check_pid_file "$PRIMARY_DATA"
  if running "$PRIMARY_DATA"; then
    written=$(psql_admin "$PRIMARY_PORT" "$SOCK" -d postgres -tA -c "select pg_current_wal_lsn()" 2>/dev/null || true)
    note "losing the primary: immediate shutdown, as in a crash (transactions in flight are lost)"
    as_pg "$PG_BIN/pg_ctl" -D "$PRIMARY_DATA" -m immediate -w -t 60 stop >/dev/null
  else
    note "the primary is not running: it is treated as lost"
  fi
  local received
  received=$(psql_admin "$REPLICA_PORT" "$SOCK" -d postgres -tA -c "select pg_last_wal_receive_lsn()")
  if [ -n "$written" ]; then
    local behind
    behind=$(psql_admin "$REPLICA_PORT" "$SOCK" -d postgres -tA -c "select greatest(pg_wal_lsn_diff('$written', '$received'), 0)")
    note "the replica had received WAL up to $received ($behind bytes behind the primary's $written)"
  else
    note "the replica had received WAL up to $received"
  fi

  note "promoting the replica (pg_promote)"
  [ "$(psql_admin "$REPLICA_PORT" "$SOCK" -d postgres -tA -c "select pg_promote(true, 60)")" = t ] \
    || die "the replica was not promoted within 60 s; its log: $LOGS/replica.log"
  # It follows nobody any more.
  psql_admin "$REPLICA_PORT" "$SOCK" -d postgres -c "ALTER SYSTEM RESET primary_conninfo" -c "ALTER SYSTEM RESET primary_slot_name"

  local lost
  lost=$CLUSTER_DIR/primary.lost-$(date -u +%Y%m%dT%H%M%SZ)
  note "moving the promoted server to the primary's folder and port (one restart)"
  stop_server "$REPLICA_DATA" "promoted replica"
  mv "$PRIMARY_DATA" "$lost"
  mv "$REPLICA_DATA" "$PRIMARY_DATA"
  start_server "$PRIMARY_DATA" "$PRIMARY_PORT" primary
  note "the promoted server is the primary on 127.0.0.1:$PRIMARY_PORT; the lost primary's data is kept in $lost"

  init_replica
  start_server "$REPLICA_DATA" "$REPLICA_PORT" replica
  wait_streaming
  local timeline
  timeline=$(psql_admin "$PRIMARY_PORT" "$SOCK" -d postgres -tA -c "select timeline_id from pg_control_checkpoint()")
  note "failover done: primary on 127.0.0.1:$PRIMARY_PORT (timeline $timeline), new replica on 127.0.0.1:$REPLICA_PORT (streaming)"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  failover) cmd_failover ;;
  *) echo "usage: cluster.sh up|down|status|failover" >&2; exit 2 ;;
esac
