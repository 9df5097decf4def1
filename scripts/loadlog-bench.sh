#!/usr/bin/env bash
# loadlog-bench.sh: times "camsd loadlog" of the simulator's punches into a fresh data dir (issue 4).
#
#   scripts/loadlog-bench.sh [--logs N] [--page-size P] [--runs R] [--days D]
#
# Starts "camssim serve" on 127.0.0.1 (no processing hold, no live punches), then R times: loads every punch
# into a new data dir under /usr/bin/time -v, checks that the store holds N distinct punches, and loads again to
# check that nothing new is stored. Prints each run's wall time, camsd's CPU time (user + system) and peak RSS,
# then their medians.
# CAMSD and CAMSSIM name prebuilt binaries; by default both are built from this tree.
set -euo pipefail

logs=500000 page=50 runs=3 days=30
while [ $# -gt 0 ]; do
	case "$1" in
	--logs) logs=$2; shift 2 ;;
	--page-size) page=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--days) days=$2; shift 2 ;;
	*) echo "usage: $0 [--logs N] [--page-size P] [--runs R] [--days D]" >&2; exit 2 ;;
	esac
done
[ -x /usr/bin/time ] || { echo "$0: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
sim_pid=""
cleanup() {
	if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

camsd=${CAMSD:-}
camssim=${CAMSSIM:-}
if [ -z "$camsd" ] || [ -z "$camssim" ]; then
	(cd "$root" && CGO_ENABLED=0 go build -o "$work/camsd" ./cmd/camsd && CGO_ENABLED=0 go build -o "$work/camssim" ./cmd/camssim)
	camsd=${camsd:-$work/camsd} camssim=${camssim:-$work/camssim}
fi

"$camssim" serve --listen 127.0.0.1:0 --logs "$logs" --days "$days" --page-size "$page" --processing-time 0 \
	--rate 0 --quiet >"$work/sim.out" 2>&1 &
sim_pid=$!
endpoint=""
for _ in $(seq 200); do
	endpoint=$(sed -n 's/^  RESTful endpoint  *//p' "$work/sim.out")
	[ -n "$endpoint" ] && break
	kill -0 "$sim_pid" 2>/dev/null || { cat "$work/sim.out" >&2; exit 1; }
	sleep 0.05
done
[ -n "$endpoint" ] || { echo "$0: camssim did not start" >&2; cat "$work/sim.out" >&2; exit 1; }
stgid=$(sed -n 's/^  stgid  *//p' "$work/sim.out")
token=$(sed -n 's/^  Auth token  *//p' "$work/sim.out")

# The simulator's logs end now, device time (+05:30): a day either side covers them.
from=$(date -u -d "-$((days + 1)) days" +%F)
to=$(date -u -d "+1 day" +%F)

field() { sed -n "s/^[[:space:]]*$1: //p" "$2"; }
seconds() { awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "loadlog of $logs punches, $page rows a page, $from to $to, $runs runs ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
: >"$work/times"
: >"$work/rss"
: >"$work/cpu"
for run in $(seq "$runs"); do
	dir="$work/run$run"
	mkdir -p "$dir/data"
	cat >"$dir/config.json" <<EOF
{"data_dir": "$dir/data", "devices": [{"name": "Simulator", "restful_endpoint": "$endpoint", "stgid": "$stgid",
 "auth_token": "$token", "time_zone": "+05:30"}]}
EOF
	/usr/bin/time -v -o "$dir/time" "$camsd" loadlog --config "$dir/config.json" --from "$from" --to "$to" \
		>"$dir/out" 2>"$dir/err" || { cat "$dir/out" "$dir/err" >&2; exit 1; }
	grep -q ": $logs new, 0 already stored" "$dir/out" || { echo "$0: run $run: $(cat "$dir/out")" >&2; exit 1; }
	"$camsd" loadlog --config "$dir/config.json" --from "$from" --to "$to" >"$dir/again" 2>/dev/null
	grep -q ": 0 new, $logs already stored" "$dir/again" || { echo "$0: run $run, again: $(cat "$dir/again")" >&2; exit 1; }
	"$camsd" punches --config "$dir/config.json" --format csv >"$dir/punches.csv"
	stored=$(($(wc -l <"$dir/punches.csv") - 1))
	distinct=$(tail -n +2 "$dir/punches.csv" | cut -d, -f2,10 | sort -u | wc -l)
	[ "$stored" -eq "$logs" ] && [ "$distinct" -eq "$logs" ] ||
		{ echo "$0: run $run: $stored punches stored, $distinct distinct; want $logs" >&2; exit 1; }
	wall=$(field "Elapsed (wall clock) time (h:mm:ss or m:ss)" "$dir/time" | seconds)
	rss=$(($(field "Maximum resident set size (kbytes)" "$dir/time") / 1024))
	cpu=$(echo "$(field "User time (seconds)" "$dir/time") $(field "System time (seconds)" "$dir/time")" | awk '{ printf "%.2f", $1 + $2 }')
	echo "$wall" >>"$work/times"
	echo "$rss" >>"$work/rss"
	echo "$cpu" >>"$work/cpu"
	echo "run $run: ${wall} s, camsd CPU ${cpu} s, peak RSS ${rss} MB, $stored stored, all distinct; again: 0 new (load $(cut -d' ' -f1-3 /proc/loadavg))"
	rm -rf "$dir"
done
echo "median: $(median <"$work/times") s, camsd CPU $(median <"$work/cpu") s, peak RSS $(median <"$work/rss") MB"
