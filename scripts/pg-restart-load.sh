#!/usr/bin/env bash
# pg-restart-load.sh: PostgreSQL stops in the middle of a load and nothing acknowledged is lost (issue 8).
#
#   eval "$(scripts/pgtest.sh start)"
#   scripts/pg-restart-load.sh [--devices N] [--duration S] [--outage-at S] [--outage S] [--runs R]
#
# Uses the scripts/pgtest.sh cluster (the same CAMS_PGTEST_DIR; CAMS_TEST_POSTGRES names its server). Per run:
# a new database, "camsd serve --db" with N devices, "camssim load --devices N" (one connection per device) for
# --duration seconds; --outage-at seconds in, PostgreSQL stops (fast shutdown) for --outage seconds and starts
# again. After the load it waits until the receiver's journal backlog (cams_journal_backlog at /metrics) is 0,
# (two minutes at most), then counts the stored callbacks and punches. Prints per run: acknowledged, not done, no answer, stored
# callbacks and punches, the peak backlog and how long after the restart the backlog was back under N.
# Exits 1 when a run stored fewer than it acknowledged. CAMSD and CAMSSIM name prebuilt binaries.
set -euo pipefail

devices=100 duration=20 outage_at=5 outage=5 runs=1
while [ $# -gt 0 ]; do
	case "$1" in
	--devices) devices=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--outage-at) outage_at=$2; shift 2 ;;
	--outage) outage=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	*) echo "usage: $0 [--devices N] [--duration S] [--outage-at S] [--outage S] [--runs R]" >&2; exit 2 ;;
	esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib.sh"
server=$("$root/scripts/pgtest.sh" status) || { echo "$0: no scripts/pgtest.sh cluster runs; start one first" >&2; exit 2; }
server=${server#*\'} server=${server%\'*}
command -v psql >/dev/null || { echo "$0: needs psql (apt-get install postgresql-client)" >&2; exit 2; }

work=$(mktemp -d)
serve_pid=""
cleanup() {
	if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

camsd=${CAMSD:-} camssim=${CAMSSIM:-}
if [ -z "$camsd" ] || [ -z "$camssim" ]; then
	(cd "$root" && CGO_ENABLED=0 go build -o "$work/camsd" ./cmd/camsd && CGO_ENABLED=0 go build -o "$work/camssim" ./cmd/camssim)
	camsd=${camsd:-$work/camsd} camssim=${camssim:-$work/camssim}
fi

token=RestartLoadToken0000000000000001
port=$(free_port)
db=camsdesk_restart_load
dsn=${server/\/postgres\?//$db?}
sql() { PGOPTIONS="-c client_min_messages=warning" psql "$server" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
# metric prints a gauge of the receiver's /metrics as an integer (nothing when it does not answer).
metric() {
	python3 - "http://127.0.0.1:$port/metrics" "$1" <<'PY' 2>/dev/null || true
import sys, urllib.request
for line in urllib.request.urlopen(sys.argv[1], timeout=5).read().decode().splitlines():
    f = line.split()
    if len(f) == 2 and f[0] == sys.argv[2]:
        print(int(float(f[1])))
PY
}

"$camssim" load --url "http://127.0.0.1:$port/callback" --token "$token" --devices "$devices" \
	--write-config "$work/config.json" >/dev/null

failed=0
printf '%-4s %12s %9s %9s %12s %12s %12s %16s\n' run acknowledged "not done" "no answer" callbacks punches "peak backlog" "caught up after"
for run in $(seq "$runs"); do
	sql "DROP DATABASE IF EXISTS $db"
	sql "CREATE DATABASE $db"
	rm -rf "$work/data"
	"$camsd" --config "$work/config.json" serve --listen "127.0.0.1:$port" --data-dir "$work/data" --db "$dsn" \
		>"$work/serve.log" 2>&1 &
	serve_pid=$!
	for _ in $(seq 100); do [ -n "$(metric cams_database_up)" ] && break; sleep 0.1; done

	"$camssim" load --url "http://127.0.0.1:$port/callback?stgid=LOAD-0001" --token "$token" --kind punch \
		--devices "$devices" --duration "${duration}s" --json >"$work/load.json" &
	load_pid=$!
	sleep "$outage_at"
	"$root/scripts/pgtest.sh" pause "$outage" 2>/dev/null
	restarted=$(date +%s.%N)

	# The backlog every 100 ms until the load has ended and the journal is applied (at most 2 minutes more).
	peak=0 caught="" ended=""
	while :; do
		b=$(metric cams_journal_backlog)
		b=${b:-0}
		((b > peak)) && peak=$b
		if [ -z "$caught" ] && ((b < devices)) && [ "$(metric cams_database_up)" = 1 ]; then
			caught=$(awk -v a="$restarted" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }')
		fi
		if [ -z "$ended" ] && ! kill -0 "$load_pid" 2>/dev/null; then ended=$SECONDS; fi
		if [ -n "$ended" ] && ((b == 0)); then break; fi
		if [ -n "$ended" ] && ((SECONDS - ended > 120)); then
			echo "run $run: the journal backlog is still $b two minutes after the load" >&2
			failed=1
			break
		fi
		sleep 0.1
	done
	wait "$load_pid"
	kill -TERM "$serve_pid"
	wait "$serve_pid" || true
	serve_pid=""

	read -r done not_done errors < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["done"], r["not_done"], r["errors"])' "$work/load.json")
	callbacks=$(psql "$dsn" -qAtX -c "SELECT count(*) FROM callbacks")
	punches=$(psql "$dsn" -qAtX -c "SELECT count(*) FROM punches")
	printf '%-4s %12s %9s %9s %12s %12s %12s %16s\n' "$run" "$done" "$not_done" "$errors" "$callbacks" "$punches" "$peak" "${caught:-never}"
	if ((callbacks < done || punches < done)); then
		echo "run $run: LOST callbacks: stored $callbacks callbacks and $punches punches of $done acknowledged" >&2
		failed=1
	fi
	grep -E 'database (unavailable|available again)|journal applied' "$work/serve.log" | sed 's/^/  serve: /' | head -n 4
done
sql "DROP DATABASE IF EXISTS $db"
exit "$failed"
