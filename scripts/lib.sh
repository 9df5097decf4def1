# shellcheck shell=bash
# Shell functions shared by the scripts in this folder; source it.

free_port() { # a loopback port nobody listens on
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 30000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	return 1
}
