#!/usr/bin/env bash
# Shared helpers for the cluster scripts. Sourced, never run.
# Works on Debian/Ubuntu (runuser), Alpine (su-exec) and as a normal user.

die() { echo "error: $*" >&2; exit 1; }
note() { echo "[cluster] $*" >&2; }

# The folder holding initdb, pg_ctl, postgres (and pg_basebackup).
find_pg_bin() {
  if [ -n "${PG_BIN:-}" ]; then
    [ -x "$PG_BIN/postgres" ] || die "PG_BIN=$PG_BIN has no postgres binary"
    echo "$PG_BIN"; return
  fi
  local candidate
  for candidate in /usr/lib/postgresql/{19,18,17,16,15}/bin /usr/local/bin /usr/bin; do
    if [ -x "$candidate/postgres" ] && [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
      local major
      major=$("$candidate/postgres" --version | sed -E 's/[^0-9]*([0-9]+).*/\1/')
      if [ "$major" -ge 15 ]; then echo "$candidate"; return; fi
    fi
  done
  if command -v pg_config >/dev/null 2>&1; then
    candidate=$(pg_config --bindir)
    [ -x "$candidate/postgres" ] && { echo "$candidate"; return; }
  fi
  cat >&2 <<MSG
error: PostgreSQL 15 (or newer) server binaries were not found.
  Looked in: \$PG_BIN, /usr/lib/postgresql/<15..19>/bin, /usr/local/bin, /usr/bin, pg_config --bindir.
  Install them, then run the command again:
    Debian/Ubuntu:  sudo apt-get install -y postgresql-15    (or: postgresql, any version >= 15)
    Fedora/RHEL:    sudo dnf install -y postgresql15-server
    macOS:          brew install postgresql@15
  Or point PG_BIN at a folder that holds initdb, pg_ctl, postgres and pg_basebackup.
MSG
  exit 3
}

# PostgreSQL refuses to run as root: run its programs as the postgres OS user then.
as_pg() {
  if [ "$(id -u)" -ne 0 ]; then "$@"; return; fi
  id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' OS user to run PostgreSQL as"
  if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"
  elif command -v su-exec >/dev/null 2>&1; then su-exec postgres "$@"
  elif command -v gosu >/dev/null 2>&1; then gosu postgres "$@"
  else die "running as root with no runuser, su-exec or gosu to drop to the postgres user"
  fi
}

# Gives a folder to the user PostgreSQL runs as, private (it will hold data and passwords).
own_dir() {
  mkdir -p "$1"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$1"; fi
  chmod 700 "$1"
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && { exec 3>&- 3<&- 2>/dev/null; return 0; }
  return 1
}

# Whether a process lives. A postmaster killed a moment ago passes kill -0 until its
# parent (often PID 1) reaps it; as a zombie it holds no port, socket or file any more.
alive() {
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
  [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# Removes a stale postmaster.pid when its process is gone.
check_pid_file() {
  local data=$1 pidfile="$1/postmaster.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(head -n1 "$pidfile")
  if alive "$pid"; then return 0; fi
  note "removing stale lock file $pidfile (process $pid is not running)"
  rm -f "$pidfile"
}

# Removes a Unix socket's lock file (and socket) left by a postmaster that is gone: a new
# server on that port would otherwise refuse to start while the old one is still a zombie.
clear_socket_lock() {
  local sock=$1 port=$2 lock="$1/.s.PGSQL.$2.lock"
  [ -f "$lock" ] || return 0
  alive "$(head -n1 "$lock")" && return 0
  rm -f "$lock" "$sock/.s.PGSQL.$port"
}

# Runs SQL as the bootstrap superuser over the Unix socket (peer authentication).
psql_admin() {
  local port=$1 sock=$2; shift 2
  as_pg "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -q -h "$sock" -p "$port" -U postgres "$@"
}
