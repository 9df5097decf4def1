#!/usr/bin/env bash
# A throw-away PostgreSQL for the tests: Debian's server binaries run a cluster in a temporary directory,
# listening on 127.0.0.1 only (trust auth, fsync off unless asked). Nothing of the system's own clusters is touched.
#
#   eval "$(scripts/pgtest.sh start)"  start it (installing Debian's postgresql when missing and possible) and
#                                      print "export CAMS_TEST_POSTGRES=postgres://...". When PostgreSQL cannot
#                                      be installed it prints "WARNING: PostgreSQL tests SKIPPED: <reason>" on
#                                      stderr, nothing on stdout, and exits 0.
#   scripts/pgtest.sh stop             stop it and remove its files
#   scripts/pgtest.sh status           print the export line when it runs, else exit 1
#   scripts/pgtest.sh pause SECONDS    stop the server (fast shutdown), wait, start it again: an outage
#
# Both are idempotent. CAMS_PGTEST_DIR (default /tmp/camsdesk-pgtest-UID) and CAMS_PGTEST_PORT (default 55432,
# the next free port above it when taken) change where it lives. CAMS_PGTEST_DURABLE=1 keeps PostgreSQL's own
# durability (fsync, synchronous_commit, full_page_writes on), as a production server runs, for benchmarks.
set -euo pipefail

# /tmp, not $TMPDIR: the postgres user must reach it, and the socket path must stay short.
base=${CAMS_PGTEST_DIR:-/tmp/camsdesk-pgtest-$(id -u)}
first_port=${CAMS_PGTEST_PORT:-55432}

say() { echo "pgtest: $*" >&2; }

skip() {
	echo "WARNING: PostgreSQL tests SKIPPED: $*" >&2
	exit 0
}

# bindir prints the newest /usr/lib/postgresql/N/bin holding initdb and pg_ctl.
bindir() {
	local d best="" v bestv=0
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] || continue
		v=$(basename "$(dirname "$d")")
		v=${v%%.*}
		if [[ $v =~ ^[0-9]+$ ]] && ((v > bestv)); then
			best=$d bestv=$v
		fi
	done
	[ -n "$best" ] && echo "$best"
}

install_postgres() {
	command -v apt-get >/dev/null 2>&1 || skip "no PostgreSQL server in /usr/lib/postgresql and no apt-get to install one"
	local sudo=""
	if [ "$(id -u)" != 0 ]; then
		sudo -n true 2>/dev/null || skip "no PostgreSQL server; install it as root: apt-get install postgresql"
		sudo="sudo -n"
	fi
	say "installing Debian's postgresql"
	$sudo apt-get update -qq >&2 || skip "apt-get update failed"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2 ||
		skip "apt-get install postgresql failed"
}

# as_owner runs a command as the cluster's owner: postgres when we are root (initdb refuses root), else us.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

dsn() { echo "postgres://postgres@127.0.0.1:$1/postgres?sslmode=disable"; }

running() {
	local bin
	[ -f "$base/port" ] && [ -f "$base/data/postmaster.pid" ] || return 1
	bin=$(cat "$base/bindir" 2>/dev/null) || return 1
	as_owner "$bin/pg_ctl" -D "$base/data" status >/dev/null 2>&1
}

start() {
	if running; then
		echo "export CAMS_TEST_POSTGRES='$(dsn "$(cat "$base/port")")'"
		return
	fi
	stop # whatever is left of an earlier run
	local bin
	bin=$(bindir) || true
	if [ -z "$bin" ]; then
		install_postgres
		bin=$(bindir) || skip "postgresql installed but no server found in /usr/lib/postgresql"
	fi
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		skip "running as root and there is no postgres user to own the cluster"
	fi

	local port=$first_port
	while port_taken "$port"; do
		port=$((port + 1))
		((port < first_port + 100)) || { say "no free port in $first_port..$port"; exit 1; }
	done

	mkdir -p "$base"
	chmod 700 "$base"
	[ "$(id -u)" = 0 ] && chown postgres: "$base"
	echo "$bin" >"$base/bindir"
	echo "$port" >"$base/port"
	if ! as_owner "$bin/initdb" -D "$base/data" -U postgres -A trust -E UTF8 --locale=C --no-sync --no-instructions \
		>"$base/initdb.log" 2>&1; then
		say "initdb failed:"
		cat "$base/initdb.log" >&2
		exit 1
	fi
	cat >>"$base/data/postgresql.conf" <<EOF
# camsdesk pgtest: a throw-away cluster for the tests
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$base'
max_connections = 200
EOF
	if [ "${CAMS_PGTEST_DURABLE:-}" != 1 ]; then
		printf '%s\n' 'fsync = off' 'synchronous_commit = off' 'full_page_writes = off' >>"$base/data/postgresql.conf"
	fi
	if ! as_owner "$bin/pg_ctl" -D "$base/data" -l "$base/server.log" -w -t 60 start >/dev/null; then
		say "the server did not start:"
		tail -n 20 "$base/server.log" >&2
		exit 1
	fi
	local durability="fsync off"
	[ "${CAMS_PGTEST_DURABLE:-}" = 1 ] && durability="durable: fsync and synchronous_commit on"
	say "PostgreSQL $(basename "$(dirname "$bin")") on 127.0.0.1:$port (cluster in $base, $durability)"
	echo "export CAMS_TEST_POSTGRES='$(dsn "$port")'"
}

stop() {
	[ -e "$base" ] || return 0
	local bin
	if [ -f "$base/data/postmaster.pid" ] && bin=$(cat "$base/bindir" 2>/dev/null); then
		as_owner "$bin/pg_ctl" -D "$base/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$base"
}

pause() {
	[[ ${1:-} =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "usage: $0 pause SECONDS" >&2; exit 2; }
	running || { say "no cluster runs in $base"; exit 1; }
	local bin
	bin=$(cat "$base/bindir")
	as_owner "$bin/pg_ctl" -D "$base/data" -m fast -w stop >/dev/null
	say "stopped; starting again in $1 s"
	sleep "$1"
	as_owner "$bin/pg_ctl" -D "$base/data" -l "$base/server.log" -w -t 60 start >/dev/null
	say "started again"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
pause) pause "${2:-}" ;;
status)
	running || exit 1
	echo "export CAMS_TEST_POSTGRES='$(dsn "$(cat "$base/port")")'"
	;;
*)
	echo "usage: $0 start|stop|status|pause SECONDS" >&2
	exit 2
	;;
esac
