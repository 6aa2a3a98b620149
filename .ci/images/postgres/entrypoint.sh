#!/bin/bash
# Starts PostgreSQL as the official postgres image's entrypoint does, for the variables it reads:
#   POSTGRES_PASSWORD  the superuser's password (required on a new cluster, unless
#                      POSTGRES_HOST_AUTH_METHOD=trust)
#   POSTGRES_USER      the superuser (default postgres)
#   POSTGRES_DB        a database made on the first start (default: POSTGRES_USER)
#   POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD (default scram-sha-256), PGDATA
# each of the first three also from a file named by <variable>_FILE. A new cluster is made only
# when PGDATA holds none; *.sql and *.sh in /docker-entrypoint-initdb.d run once, after it.
set -euo pipefail

from_file() { # from_file NAME DEFAULT: NAME, else the contents of NAME_FILE, else DEFAULT
  local name=$1 file_var="${1}_FILE"
  if [[ -n ${!name:-} && -n ${!file_var:-} ]]; then
    echo "error: set $name or $file_var, not both" >&2
    exit 1
  fi
  if [[ -n ${!file_var:-} ]]; then export "$name=$(<"${!file_var}")"; else export "$name=${!name:-$2}"; fi
  unset "$file_var"
}

if [[ ${1:-} == -* ]]; then set -- postgres "$@"; fi
if [[ ${1:-} != postgres ]]; then exec "$@"; fi

if [[ $(id -u) == 0 ]]; then
  # Started as root: the data folder (often a fresh volume) to postgres, then this script again as postgres.
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

from_file POSTGRES_PASSWORD ''
from_file POSTGRES_USER postgres
from_file POSTGRES_DB "$POSTGRES_USER"
auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}

if [[ ! -s $PGDATA/PG_VERSION ]]; then
  if [[ -z $POSTGRES_PASSWORD && $auth != trust ]]; then
    echo 'error: the database is not initialized and POSTGRES_PASSWORD is not set: set it to the superuser'"'"'s password (or POSTGRES_HOST_AUTH_METHOD=trust, which lets anyone who reaches the port in)' >&2
    exit 1
  fi
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments, as the official image reads it
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") --auth-local=trust \
    --auth-host="$auth" ${POSTGRES_INITDB_ARGS:-}
  printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"
  printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
  # A server on the socket alone while the database and the init files are made.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
  sql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER")
  if [[ -z $("${sql[@]}" --dbname postgres --tuples-only --set db="$POSTGRES_DB" <<<"SELECT 1 FROM pg_database WHERE datname = :'db'") ]]; then
    "${sql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db"'
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case $f in
      *.sql) echo "running $f"; "${sql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sh) echo "running $f"; bash "$f" ;;
      *) if [[ -e $f ]]; then echo "ignoring $f"; fi ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo 'PostgreSQL init process complete; ready for start up.'
fi

exec "$@"
