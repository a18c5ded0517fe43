#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL and MariaDB on loopback for zart's contract,
# multi-process and benchmark runs, with no Docker and no system service.
#
#   scripts/test-databases.sh start   # start both (idempotent), then print the exports
#   scripts/test-databases.sh env     # print the exports for servers already started
#   scripts/test-databases.sh stop    # stop both and remove their data
#
#   eval "$(scripts/test-databases.sh start)" && npm test
#
# Pick a subset with ZART_TEST_DATABASES=postgres or =mysql. Ports are chosen per checkout
# (override with ZART_TEST_PG_PORT, ZART_TEST_MYSQL_PORT); data lives in a folder under
# /tmp (ZART_TEST_DB_DIR) so the server users can reach it wherever the repo is cloned.
# Run as root, the servers run as the `postgres` and `mysql` OS users; run as anyone
# else, as that user. Progress goes to stderr, exports to stdout.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
KEY="$(printf %s "$REPO" | cksum | cut -d' ' -f1)"
DIR="${ZART_TEST_DB_DIR:-${TMPDIR:-/tmp}/zart-test-databases-$(id -u)-$KEY}"
# Ports derive from the checkout's path, so two clones on one machine (a developer's and
# CI's) do not fight over them.
PG_PORT="${ZART_TEST_PG_PORT:-$((20000 + KEY % 20000 * 2))}"
MY_PORT="${ZART_TEST_MYSQL_PORT:-$((PG_PORT + 1))}"
# Ports moved off a busy default at start are remembered, so env and stop agree with it.
if [[ -f "$DIR/ports" ]]; then read -r PG_PORT MY_PORT <"$DIR/ports"; fi
WHICH="${ZART_TEST_DATABASES:-postgres,mysql}"
PG_BIN="${ZART_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}"
DB_NAME=zart_test

log() { echo "test-databases: $*" >&2; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Something else (another checkout's server, any service) may hold the derived port.
free_port() {
  local port="$1"
  while port_in_use "$port"; do port=$((port + 2)); done
  echo "$port"
}
remember_ports() {
  mkdir -p "$DIR"
  echo "$PG_PORT $MY_PORT" >"$DIR/ports"
}
wants() { [[ ",$WHICH," == *",$1,"* ]]; }

# Runs a command as the server's OS user when we are root (initdb refuses root).
as_user() {
  local user="$1"
  shift
  if [[ "$(id -u)" == 0 ]]; then
    su "$user" -s /bin/bash -c "$(printf '%q ' "$@")"
  else
    "$@"
  fi
}

pg_env() { echo "export ZART_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$PG_PORT/$DB_NAME"; }
my_env() { echo "export ZART_TEST_MYSQL_URL=mysql://root@127.0.0.1:$MY_PORT/$DB_NAME"; }

start_postgres() {
  local pg="$DIR/postgres"
  if [[ -z "$PG_BIN" || ! -x "$PG_BIN/initdb" ]]; then
    log "PostgreSQL server binaries not found (apt-get install -y postgresql, or set ZART_PG_BIN)"
    return 1
  fi
  mkdir -p "$pg"
  [[ "$(id -u)" == 0 ]] && chown postgres:postgres "$pg"
  if [[ ! -f "$pg/data/PG_VERSION" ]]; then
    log "initdb in $pg/data"
    as_user postgres "$PG_BIN/initdb" -D "$pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$pg/initdb.log" 2>&1 ||
      { cat "$pg/initdb.log" >&2; return 1; }
  fi
  if ! as_user postgres "$PG_BIN/pg_ctl" -D "$pg/data" status >/dev/null 2>&1; then
    PG_PORT="$(free_port "$PG_PORT")"
    remember_ports
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_user postgres "$PG_BIN/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 60 \
      -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$pg -c max_connections=300" start >&2 ||
      { cat "$pg/server.log" >&2; return 1; }
  fi
  if ! psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $DB_NAME" >&2
  fi
  pg_env
}

stop_postgres() {
  local pg="$DIR/postgres"
  if [[ -f "$pg/data/postmaster.pid" ]]; then
    log "stopping PostgreSQL"
    as_user postgres "$PG_BIN/pg_ctl" -D "$pg/data" -m fast -w stop >&2 || true
  fi
}

start_mysql() {
  local my="$DIR/mysql"
  local admin=(mariadb-admin --no-defaults -h127.0.0.1 -P"$MY_PORT" -uroot)
  if ! command -v mariadbd >/dev/null && [[ ! -x /usr/sbin/mariadbd ]]; then
    log "MariaDB server not found (apt-get install -y mariadb-server)"
    return 1
  fi
  mkdir -p "$my"
  [[ "$(id -u)" == 0 ]] && chown mysql:mysql "$my"
  local user=()
  [[ "$(id -u)" == 0 ]] && user=(--user=mysql)
  if [[ ! -d "$my/data/mysql" ]]; then
    log "mariadb-install-db in $my/data"
    mariadb-install-db --no-defaults --datadir="$my/data" "${user[@]}" --auth-root-authentication-method=normal \
      >"$my/install.log" 2>&1 || { cat "$my/install.log" >&2; return 1; }
  fi
  # Our own server is known by its pid file: another server answering on the port is not ours.
  if ! { [[ -f "$my/my.pid" ]] && kill -0 "$(cat "$my/my.pid")" 2>/dev/null; }; then
    MY_PORT="$(free_port "$MY_PORT")"
    remember_ports
    admin=(mariadb-admin --no-defaults -h127.0.0.1 -P"$MY_PORT" -uroot)
    log "starting MariaDB on 127.0.0.1:$MY_PORT"
    PATH="$PATH:/usr/sbin" nohup mariadbd --no-defaults --datadir="$my/data" "${user[@]}" --bind-address=127.0.0.1 \
      --port="$MY_PORT" --socket="$my/my.sock" --pid-file="$my/my.pid" --max-connections=300 \
      >"$my/server.log" 2>&1 </dev/null &
    for _ in $(seq 1 120); do
      "${admin[@]}" ping >/dev/null 2>&1 && break
      sleep 0.5
    done
    "${admin[@]}" ping >/dev/null 2>&1 || { cat "$my/server.log" >&2; return 1; }
  fi
  mariadb --no-defaults -h127.0.0.1 -P"$MY_PORT" -uroot -e "CREATE DATABASE IF NOT EXISTS $DB_NAME" >&2
  my_env
}

stop_mysql() {
  local my="$DIR/mysql"
  if [[ -f "$my/my.pid" ]]; then
    log "stopping MariaDB"
    local pid
    pid="$(cat "$my/my.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
  fi
}

case "${1:-}" in
  start)
    if wants postgres; then start_postgres; fi
    if wants mysql; then start_mysql; fi
    ;;
  env)
    if wants postgres; then pg_env; fi
    if wants mysql; then my_env; fi
    ;;
  stop)
    if wants postgres; then stop_postgres; fi
    if wants mysql; then stop_mysql; fi
    if [[ "$WHICH" == "postgres,mysql" ]]; then rm -rf "$DIR"; fi
    ;;
  *)
    echo "usage: $0 start|env|stop" >&2
    exit 2
    ;;
esac
