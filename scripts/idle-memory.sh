#!/usr/bin/env bash
# idle-memory.sh: the idle memory of the desktop app (issue 5), the real camsdesk under Xvfb.
#
#   scripts/idle-memory.sh [--runs N] [--wait SECONDS] [--sim] [VARIANT ...]
#
# Each run starts camsdesk under its own `xvfb-run -a` with a fresh home, data folder and settings file, waits,
# then prints VmRSS, VmHWM, PSS and /proc/PID/smaps grouped by what holds the pages, and stops the app with
# SIGTERM (it quits cleanly). After N runs (default 3) it prints the medians.
#
# A VARIANT is a command that starts the app, split on spaces, such as "/tmp/old-camsdesk" or
# "env LP_NUM_THREADS=1 /tmp/camsdesk"; several variants are run alternately, run by run, so that they can be
# compared on a noisy machine. By default camsdesk is built from this tree; go build follows GOFLAGS, so
# GOFLAGS=-tags=no_emoji builds it without Fyne's emoji font.
# --sim configures one device served by `camssim serve` on 127.0.0.1 instead of the first-run screen.
#
# Groups: go-heap is the Go arena (heap and goroutine stacks: the anonymous mappings below the shared-library
# area at 0x7f…, where Go places its randomized heap base); c-heap is malloc's [heap] (brk); anon is every other
# anonymous mapping (malloc arenas, thread stacks, Go runtime metadata); binary is the executable's pages and
# its bss; llvm is libLLVM (Mesa llvmpipe's compiler); dri is Mesa's *_dri.so; libs is every other shared
# library; other is the rest (the window's X shared-memory image, fonts, [stack], vdso).
set -euo pipefail

runs=3 wait=10 sim=0
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift 2 ;;
	--wait) wait=$2; shift 2 ;;
	--sim) sim=1; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "usage: $0 [--runs N] [--wait SECONDS] [--sim] [VARIANT ...]" >&2; exit 2 ;;
	*) break ;;
	esac
done
command -v xvfb-run >/dev/null || { echo "$0: xvfb-run is missing: apt-get install xvfb" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/camsdesk-mem.XXXXXX)
sim_pid="" app_pid="" xvfb_pid=""
cleanup() {
	if [ -n "$app_pid" ]; then kill -TERM "$app_pid" 2>/dev/null || true; fi
	if [ -n "$xvfb_pid" ]; then wait "$xvfb_pid" 2>/dev/null || true; fi
	if [ -n "$sim_pid" ]; then kill -TERM "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

variants=("$@")
if [ ${#variants[@]} -eq 0 ]; then
	echo "idle-memory: building camsdesk" >&2
	(cd "$root" && go build -o "$work/camsdesk" ./cmd/camsdesk)
	variants=("$work/camsdesk")
fi

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
app_port=$(free_port)

if [ "$sim" = 1 ]; then
	sim_port=$(free_port)
	(cd "$root" && go build -o "$work/camssim" ./cmd/camssim)
	"$work/camssim" serve --listen "127.0.0.1:$sim_port" --callback "http://127.0.0.1:$app_port/callback" \
		--zone Asia/Kolkata --users 40 --logs 2500 --days 20 --rate 0.5 --delay 500ms --quiet >"$work/camssim.log" 2>&1 &
	sim_pid=$!
	for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$sim_port") 2>/dev/null && break; sleep 0.05; done
fi

# write_config FILE: the settings of one run; with --sim, one device on the simulator (its own credentials).
write_config() {
	if [ "$sim" = 1 ]; then
		cat >"$1" <<-JSON
			{"listen": "127.0.0.1:$app_port",
			 "devices": [{"name": "Main Gate", "restful_endpoint": "http://127.0.0.1:$sim_port/external/api3.0/biometric",
			   "stgid": "CAMSSIM000000001", "auth_token": "SimulatorAuthToken00000000000001",
			   "callback_auth_token": "SimulatorCallbackToken0000000001", "time_zone": "Asia/Kolkata"}],
			 "default_device": "Main Gate"}
		JSON
	else
		echo "{\"listen\": \"127.0.0.1:$app_port\"}" >"$1"
	fi
}

# measure PID EXE: one line of figures in MB: rss hwm pss go-heap anon c-heap binary llvm dri libs other.
measure() {
	local pid=$1 exe=$2
	local rss hwm pss
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
	hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
	pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")
	awk -v exe="$exe" -v rss="$rss" -v hwm="$hwm" -v pss="$pss" '
		/^[0-9a-f]+-[0-9a-f]+ / {
			split($1, r, "-"); path = $6
			if (path == "" && length(r[1]) <= 8) g = "bin"
			else if (path == "") g = (length(r[1]) < 12 || substr(r[1], 1, 1) < "7") ? "go" : "anon"
			else if (path == "[heap]") g = "cheap"
			else if (path == exe) g = "bin"
			else if (path ~ /libLLVM/) g = "llvm"
			else if (path ~ /_dri\.so$/) g = "dri"
			else if (path ~ /\.so(\.[0-9]+)*$/) g = "libs"
			else g = "other"
			next
		}
		/^Rss:/ { R[g] += $2 }
		/^Pss:/ { P[g] += $2 }
		END {
			printf "%d %d %d", rss / 1024, hwm / 1024, pss / 1024
			n = split("go anon cheap bin llvm dri libs other", k, " ")
			for (i = 1; i <= n; i++) printf " %.1f/%.1f", R[k[i]] / 1024, P[k[i]] / 1024
			printf "\n"
		}' "/proc/$pid/smaps"
}

# run VARIANT: starts the app, waits, prints its figures and stops it.
run() {
	local -a cmd
	read -ra cmd <<<"$1"
	local dir
	dir=$(mktemp -d "$work/run.XXXXXX")
	mkdir -p "$dir/home" "$dir/data"
	write_config "$dir/config.json"
	# shellcheck disable=SC2016 # the inner shell writes its own pid, then becomes the app
	env -u DBUS_SESSION_BUS_ADDRESS HOME="$dir/home" XDG_CONFIG_HOME="$dir/home/.config" \
		XDG_DATA_HOME="$dir/home/.local/share" XDG_CACHE_HOME="$dir/home/.cache" LANG=C.UTF-8 \
		xvfb-run -a -s "-screen 0 1280x860x24" sh -c 'echo $$ >"$0"; exec "$@"' "$dir/pid" \
		"${cmd[@]}" --data-dir "$dir/data" --config "$dir/config.json" >"$dir/log" 2>&1 &
	xvfb_pid=$!
	for _ in $(seq 100); do [ -s "$dir/pid" ] && break; sleep 0.05; done
	[ -s "$dir/pid" ] || { echo "idle-memory: xvfb-run did not start camsdesk; its log:" >&2; cat "$dir/log" >&2; exit 1; }
	app_pid=$(cat "$dir/pid")
	sleep "$wait"
	if ! kill -0 "$app_pid" 2>/dev/null; then
		echo "idle-memory: camsdesk stopped; its log:" >&2
		cat "$dir/log" >&2
		exit 1
	fi
	local exe
	exe=$(readlink "/proc/$app_pid/exe")
	measure "$app_pid" "$exe"
	kill -TERM "$app_pid"
	for _ in $(seq 200); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$app_pid" 2>/dev/null && echo "idle-memory: camsdesk did not quit on SIGTERM within 20 s" >&2
	wait "$xvfb_pid" || true
	app_pid="" xvfb_pid=""
}

header="rss hwm pss go-heap anon c-heap binary llvm dri libs other"
echo "idle-memory: MB, $wait s after start; groups are RSS/PSS"
for i in $(seq "$runs"); do
	for v in "${!variants[@]}"; do
		run "${variants[$v]}" >"$work/line"
		line=$(cat "$work/line")
		echo "$line" >>"$work/results.$v"
		printf 'run %d  %-40s  %s\n' "$i" "${variants[$v]}" "$line"
	done
done

# Medians of each column (the middle run; the mean of the two middle ones for an even count).
echo
printf '%-40s  %s\n' "median" "$header"
for v in "${!variants[@]}"; do
	med=$(awk '
		{ for (c = 1; c <= NF; c++) { split($c, p, "/"); R[c, NR] = p[1]; Q[c, NR] = p[2]; two[c] = (p[2] != "") } }
		function median(A, c,   i, j, t, v) {
			for (i = 1; i <= NR; i++) v[i] = A[c, i] + 0
			for (i = 2; i <= NR; i++) for (j = i; j > 1 && v[j-1] > v[j]; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t }
			return NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		}
		END {
			for (c = 1; c <= NF; c++) {
				if (two[c]) printf "%.1f/%.1f ", median(R, c), median(Q, c)
				else printf "%g ", median(R, c)
			}
			printf "\n"
		}' "$work/results.$v")
	printf '%-40s  %s\n' "${variants[$v]}" "$med"
done
