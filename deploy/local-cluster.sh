#!/usr/bin/env bash
# The national topology of docs/DEPLOY.md on one machine, from Debian's packages and this
# folder's configuration: the PostgreSQL primary (port 5432) and its streaming replica (5433),
# PgBouncer in transaction pooling (6432, deploy/pgbouncer.ini), N `coso serve` processes
# (8101...; the first also runs the task worker, the others --no-worker) and nginx in front of
# them (8100, deploy/nginx-coso.conf). For trying the topology out, not for production: the
# processes run in the background with their logs and pids in $COSO_CLUSTER_DIR.
#
#   bash deploy/local-cluster.sh start     [COSO_CLUSTER_SERVERS=3 COSO_CLUSTER_DB=coso_cluster]
#   bash deploy/local-cluster.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=${COSO_CLUSTER_DIR:-/tmp/coso-cluster}
SERVERS=${COSO_CLUSTER_SERVERS:-3}
DB=${COSO_CLUSTER_DB:-coso_cluster}
FIRST_PORT=8101
AS_PG="runuser -u postgres --"
[ "$(id -u)" -eq 0 ] || AS_PG="sudo -u postgres"
COSO=$ROOT/.venv/bin/coso

stop() {
    local pids=()
    for pidfile in "$DIR"/serve-*.pid; do
        [ -e "$pidfile" ] || continue
        pids+=("$(cat "$pidfile")")
        rm -f "$pidfile"
    done
    # The app servers (and the worker they supervise) first, and wait for them: they still
    # talk to the database through PgBouncer while they stop.
    [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 1 30); do
        kill -0 "${pids[@]}" 2>/dev/null || break
        sleep 1
    done
    [ -e "$DIR/nginx.pid" ] && nginx -p "$DIR" -c "$DIR/nginx.conf" -s quit 2>/dev/null || true
    [ -e "$DIR/pgbouncer.pid" ] && kill "$(cat "$DIR/pgbouncer.pid")" 2>/dev/null || true
    return 0
}

if [ "${1:-start}" = "stop" ]; then
    stop
    exit 0
fi
stop
if ! command -v pgbouncer >/dev/null || ! command -v nginx >/dev/null; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get install -y -qq pgbouncer nginx-light
fi
mkdir -p "$DIR"
chown postgres "$DIR" 2>/dev/null || true

# Primary and replica; the cluster's database, created and migrated on the primary directly
# (DDL does not need the pooler), reaching the replica through the stream.
bash scripts/start-replica.sh
$AS_PG psql -Atqc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
    || $AS_PG createdb -O coso "$DB"
DATABASE_URL="postgres://coso:coso@127.0.0.1:5432/$DB" "$COSO" init >/dev/null

# PgBouncer: deploy/pgbouncer.ini with this folder for its files and the cluster's database.
sed -e "s|/var/run/postgresql/|$DIR/|; s|/var/run/postgresql|$DIR|; s|/var/log/postgresql/|$DIR/|" \
    -e "s|/etc/pgbouncer/|$DIR/|" -e "s|dbname=coso$|dbname=$DB|" \
    deploy/pgbouncer.ini >"$DIR/pgbouncer.ini"
$AS_PG psql -Atqc "SELECT format('\"%s\" \"%s\"', rolname, rolpassword) FROM pg_authid
    WHERE rolname = 'coso'" >"$DIR/userlist.txt"
chown postgres "$DIR/pgbouncer.ini" "$DIR/userlist.txt"
chmod 600 "$DIR/userlist.txt"
$AS_PG pgbouncer -d "$DIR/pgbouncer.ini"

# The app servers: one secret key for all (sessions and the signed "just saved" cookie must be
# readable by whichever server gets the next request), one VAR_DIR (uploaded documents).
[ -s "$DIR/secret" ] || "$ROOT/.venv/bin/python" -c \
    "import secrets; print(secrets.token_urlsafe(50))" >"$DIR/secret"
chmod 600 "$DIR/secret"
export COSO_SECRET_KEY=$(cat "$DIR/secret")
export DATABASE_URL="postgres://coso:coso@127.0.0.1:6432/coso"
export DATABASE_REPLICA_URLS="postgres://coso:coso@127.0.0.1:6432/coso_replica1"
export COSO_DB_TRANSACTION_POOLING=1 COSO_TRUSTED_PROXIES=1
export COSO_VAR_DIR=$DIR/var COSO_WORKERS=${COSO_WORKERS:-2}
for i in $(seq 0 $((SERVERS - 1))); do
    port=$((FIRST_PORT + i))
    extra=(); [ "$i" -eq 0 ] || extra=(--no-worker)
    setsid "$COSO" serve --host 127.0.0.1 --port $port "${extra[@]}" \
        >"$DIR/serve-$port.log" 2>&1 </dev/null &
    echo $! >"$DIR/serve-$port.pid"
    for _ in $(seq 1 60); do
        curl -fso /dev/null "http://127.0.0.1:$port/accounts/login/" && break
        sleep 1
    done
done

# nginx: deploy/nginx-coso.conf with one upstream line per server started above.
{
    echo "pid $DIR/nginx.pid; error_log $DIR/nginx-error.log; events {}"
    echo "http { include /etc/nginx/mime.types; access_log $DIR/nginx-access.log;"
    echo "client_body_temp_path $DIR/nginx-body; proxy_temp_path $DIR/nginx-proxy;"
    awk -v n="$SERVERS" -v first=$FIRST_PORT '
        /server 127\.0\.0\.1:81/ { if (!done) for (i = 0; i < n; i++)
            printf "    server 127.0.0.1:%d max_fails=2 fail_timeout=10s;\n", first + i
            done = 1; next }
        { print }' deploy/nginx-coso.conf
    echo "}"
} >"$DIR/nginx.conf"
nginx -p "$DIR" -c "$DIR/nginx.conf"
echo "Coso: http://127.0.0.1:8100/ ($SERVERS app servers behind nginx, PgBouncer on 6432," \
    "primary 5432, replica 5433; logs in $DIR)"
