#!/usr/bin/env bash
# The load test (docs/PERFORMANCE.md, "Load test"): Locust headless against a running Coso,
# bounded in users and time, then the per-page table written into docs/PERFORMANCE.md.
#
#   DATABASE_URL=... scripts/loadtest.sh URL [--users N] [--spawn-rate R] [--run-time T]
#                                            [--wait LOW-HIGH] [--title TEXT] [--marker NAME]
#                                            [--whole-run] [--no-write]
#
# URL is the server (`coso serve`, started by you on the same DATABASE_URL: this script starts
# no server). Steps:
#   1. `coso loadtest prepare` on DATABASE_URL: bench accounts (a generated dataset only) and
#      var/loadtest/targets.json (the ids each role's pages name);
#   2. Locust's own environment .venv-load (the `load` dependency group of uv.lock, kept apart
#      from .venv so that `make test` neither installs nor removes it);
#   3. `locust --headless --users N --spawn-rate R --run-time T --csv var/loadtest/run`
#      (--stop-timeout 30: the users finish their request; the run is bounded by T + 30 s),
#      with --reset-stats: the figures count from the moment every user has been spawned (the
#      logins' rush at the start left out; a refused login is retried, so it still counts);
#      --whole-run counts from the first request; `timeout` stops Locust at T + 90 s whatever
#      happens;
#   4. `coso loadtest report`: the table (role, page, requests, failures, p50, p95, p99, max)
#      between <!-- load:start --> and <!-- load:end --> of docs/PERFORMANCE.md (--marker
#      NAME for another pair, --no-write to print it only).
# Exit status: 0 when no request failed, 1 otherwise (Locust's own exit code).
set -euo pipefail

cd "$(dirname "$0")/.."
usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

URL=""
USERS=100
SPAWN_RATE=10
RUN_TIME=10m
WAIT=1-5
TITLE=""
MARKER=load
WRITE=docs/PERFORMANCE.md
RESET=--reset-stats
COUNTED="from the moment all users were spawned (Locust --reset-stats)"
while [ $# -gt 0 ]; do
  case "$1" in
    --users) USERS=$2; shift 2 ;;
    --spawn-rate) SPAWN_RATE=$2; shift 2 ;;
    --run-time) RUN_TIME=$2; shift 2 ;;
    --wait) WAIT=$2; shift 2 ;;
    --title) TITLE=$2; shift 2 ;;
    --marker) MARKER=$2; shift 2 ;;
    --no-write) WRITE=""; shift ;;
    --whole-run) RESET=""; COUNTED="from the first request (spawning and logins included)"; shift ;;
    -h|--help) usage ;;
    -*) echo "unknown option $1" >&2; usage ;;
    *) [ -z "$URL" ] || usage; URL=${1%/}; shift ;;
  esac
done
[ -n "$URL" ] || usage
if [ "$USERS" -gt 1000 ]; then echo "--users is bounded at 1000" >&2; exit 2; fi

COSO=${COSO:-.venv/bin/coso}
OUT=var/loadtest
mkdir -p "$OUT"
UV=$(command -v uv || echo "$HOME/.local/bin/uv")

echo "[$(date -u +%H:%M:%S)] bench accounts and targets on ${DATABASE_URL:-the default database}"
"$COSO" loadtest prepare --out "$OUT/targets.json"

if [ ! -x .venv-load/bin/locust ]; then
  echo "[$(date -u +%H:%M:%S)] Locust's environment (.venv-load, from uv.lock)"
fi
UV_PROJECT_ENVIRONMENT=.venv-load "$UV" sync --frozen --only-group load --quiet
LOCUST_VERSION=$(.venv-load/bin/python -c 'import locust; print(locust.__version__)')
# A hard bound besides Locust's own: run time + 30 s to stop the users + 60 s to write.
SECONDS_MAX=$(.venv-load/bin/python -c \
  'import sys; from locust.util.timespan import parse_timespan as p; print(p(sys.argv[1]) + 90)' \
  "$RUN_TIME")

# The server must answer before the users start.
if ! curl -fsS -o /dev/null --max-time 30 "$URL/accounts/login/"; then
  echo "$URL/accounts/login/ does not answer: start \`coso serve\` on the same DATABASE_URL" >&2
  exit 2
fi

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "")
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
echo "[$(date -u +%H:%M:%S)] locust $LOCUST_VERSION: $USERS users, $SPAWN_RATE/s, $RUN_TIME against $URL"
rm -f "$OUT"/run_*.csv "$OUT"/run_whole_run.json "$OUT"/run.html
status=0
LOADTEST_TARGETS="$OUT/targets.json" LOADTEST_WAIT="$WAIT" \
  LOADTEST_WHOLE_RUN="$OUT/run_whole_run.json" \
  timeout --signal=INT --kill-after=30 "$SECONDS_MAX" \
  .venv-load/bin/locust -f loadtest/locustfile.py --headless --host "$URL" \
  --users "$USERS" --spawn-rate "$SPAWN_RATE" --run-time "$RUN_TIME" --stop-timeout 30 \
  --csv "$OUT/run" --html "$OUT/run.html" --only-summary --loglevel WARNING $RESET \
  || status=$?

"$COSO" loadtest report --csv "$OUT/run" ${WRITE:+--write "$WRITE"} --marker "$MARKER" \
  --title "$TITLE" --url "$URL" --users "$USERS" --spawn-rate "$SPAWN_RATE" \
  --run-time "$RUN_TIME" --wait "$WAIT s" --locust-version "$LOCUST_VERSION" \
  --load-before "$LOAD_BEFORE" --started "$STARTED" --counted "$COUNTED"
exit "$status"
