#!/usr/bin/env bash
# Start the local PostgreSQL 15 cluster and make sure the `coso` role and database exist.
set -euo pipefail
SUDO=""; AS_PG="runuser -u postgres --"
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; AS_PG="sudo -u postgres"; fi
if ! pg_lsclusters -h | grep -q '^15 \+main'; then
    $SUDO pg_createcluster 15 main
fi
$SUDO pg_ctlcluster 15 main start 2>/dev/null || true
for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
done
$AS_PG psql -q -v ON_ERROR_STOP=1 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'coso') THEN
    CREATE ROLE coso LOGIN PASSWORD 'coso' CREATEDB;
  END IF;
END $$;
SQL
$AS_PG psql -q -tc "SELECT 1 FROM pg_database WHERE datname = 'coso'" | grep -q 1 \
    || $AS_PG createdb -O coso coso
# A test database left by an interrupted run would make pytest-django's CREATE DATABASE fail;
# under pytest-xdist each worker has its own (test_coso_gw0, test_coso_gw1, ...).
for db in $($AS_PG psql -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'test\_coso%'"); do
    $AS_PG dropdb --if-exists --force "$db"
done
