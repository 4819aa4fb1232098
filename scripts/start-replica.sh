#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL 15 primary (scripts/start-postgres.sh, cluster
# `15 main`, port 5432): the cluster `15 replica` on port 5433, a hot standby made with
# `pg_basebackup -R`. Safe to repeat: a replica that already streams is left alone, a stopped one
# is started, one that cannot catch up (or is no standby) is made again.
#
#   bash scripts/start-replica.sh          start it (and the primary), wait until it streams
#   bash scripts/start-replica.sh stop     stop the replica (the primary keeps running)
#
# Then: DATABASE_URL=postgres://coso:coso@127.0.0.1:5432/coso
#       DATABASE_REPLICA_URLS=postgres://coso:coso@127.0.0.1:5433/coso
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; AS_PG="runuser -u postgres --"
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; AS_PG="sudo -u postgres"; fi
VERSION=15
NAME=replica
PORT=5433
PRIMARY_PORT=5432
DATA=/var/lib/postgresql/$VERSION/$NAME
CONF=/etc/postgresql/$VERSION/$NAME
# The application_name the standby's WAL receiver reports: Debian sets cluster_name.
APP_NAME="$VERSION/$NAME"
REPL_USER=replicator
REPL_PASSWORD=${COSO_REPLICATION_PASSWORD:-replicator}

if [ "${1:-}" = "stop" ]; then
    $SUDO pg_ctlcluster $VERSION $NAME stop 2>/dev/null || true
    exit 0
fi

primary() { $AS_PG psql -p $PRIMARY_PORT -v ON_ERROR_STOP=1 -Atq "$@"; }
replica() { $AS_PG psql -p $PORT -v ON_ERROR_STOP=1 -Atq "$@"; }
exists() { pg_lsclusters -h | grep -q "^$VERSION \+$NAME "; }
streaming() {
    [ "$(primary -c "SELECT count(*) FROM pg_stat_replication
        WHERE application_name = '$APP_NAME' AND state = 'streaming'")" = "1" ] \
        && [ "$(replica -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = "t" ]
}
wait_streaming() {  # $1: seconds
    for _ in $(seq 1 "$1"); do
        streaming && return 0
        sleep 1
    done
    return 1
}

pg_isready -q -h 127.0.0.1 -p $PRIMARY_PORT || bash scripts/start-postgres.sh

# The primary's side: a replication role, a pg_hba line for it, WAL that carries enough for a
# standby (wal_level replica, PostgreSQL's default; a cluster set to minimal is put back).
primary <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$REPL_USER') THEN
    CREATE ROLE $REPL_USER WITH REPLICATION LOGIN PASSWORD '$REPL_PASSWORD';
  END IF;
END \$\$;
SQL
# The routing tests pause the replica's replay to show that a lagging replica never serves the
# page after a write. Grants on functions live in each database's catalogue: template1 passes
# them to the test databases created from it; they reach the standby with the rest.
for db in template1 coso; do
    primary -d "$db" -c "GRANT EXECUTE ON FUNCTION pg_wal_replay_pause() TO coso;
        GRANT EXECUTE ON FUNCTION pg_wal_replay_resume() TO coso"
done
HBA=$(primary -c 'SHOW hba_file')
if ! $SUDO grep -q "^host \+replication \+$REPL_USER " "$HBA"; then
    echo "host replication $REPL_USER 127.0.0.1/32 scram-sha-256" | $SUDO tee -a "$HBA" >/dev/null
    primary -c 'SELECT pg_reload_conf()' >/dev/null
fi
if [ "$(primary -c 'SHOW wal_level')" = "minimal" ]; then
    primary -c "ALTER SYSTEM SET wal_level = 'replica'"
    primary -c "ALTER SYSTEM SET max_wal_senders = 10"
    $SUDO pg_ctlcluster $VERSION main restart
fi

if exists; then
    $SUDO pg_ctlcluster $VERSION $NAME start >/dev/null 2>&1 || true
    if wait_streaming 20; then
        # A test run that stopped while the replay was paused must not leave the replica stale.
        replica -c "SELECT pg_wal_replay_resume() WHERE pg_is_wal_replay_paused()" >/dev/null
        echo "Replica $APP_NAME streams from port $PRIMARY_PORT (port $PORT)."
        exit 0
    fi
    echo "Replica $APP_NAME does not stream: making it again." >&2
    $SUDO pg_dropcluster --stop $VERSION $NAME
fi

$SUDO pg_createcluster $VERSION $NAME -p $PORT >/dev/null
# Read-only queries on the standby would otherwise be cancelled when the primary vacuums rows
# they still see.
echo "hot_standby_feedback = on" | $SUDO tee "$CONF/conf.d/coso-standby.conf" >/dev/null
$SUDO find "$DATA" -mindepth 1 -delete
# -R writes standby.signal and primary_conninfo; -X stream copies the WAL written meanwhile.
$AS_PG env PGPASSWORD="$REPL_PASSWORD" pg_basebackup -h 127.0.0.1 -p $PRIMARY_PORT \
    -U $REPL_USER -D "$DATA" -R -X stream --checkpoint=fast
$SUDO pg_ctlcluster $VERSION $NAME start
if ! wait_streaming 60; then
    echo "Replica $APP_NAME did not start streaming; see /var/log/postgresql/postgresql-$VERSION-$NAME.log" >&2
    exit 1
fi
echo "Replica $APP_NAME streams from port $PRIMARY_PORT (port $PORT)."
