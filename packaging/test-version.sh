#!/usr/bin/env bash
# Checks how packaging/lib.sh turns a tag into the release's version numbers, and that Debian orders the
# resulting package versions as the releases go. Ends with "N passed, M failed".
set -uo pipefail
# shellcheck source=packaging/lib.sh
. "$(dirname "$0")/lib.sh"
passed=0 failed=0

# case VERSION VER APP_VER VER4 DEB_VER
case_() {
	local got
	got=$(VERSION=$1 COMMIT=abc SOURCE_DATE_EPOCH=0 bash -c '. "$0"; set_versions; echo "$ver $app_ver $ver4 $deb_ver"' "$repo/packaging/lib.sh" 2>&1)
	if [ "$got" = "$2 $3 $4 $5" ]; then
		passed=$((passed + 1)); echo "ok   $1 -> $got"
	else
		failed=$((failed + 1)); echo "FAIL $1 -> $got, want $2 $3 $4 $5"
	fi
}
case_ v1.2.3 1.2.3 1.2.3 1.2.3.0 1.2.3
case_ 1.2.3 1.2.3 1.2.3 1.2.3.0 1.2.3
case_ v2.0 2.0 2.0.0 2.0.0.0 2.0
case_ v1.2.3-rc.1 1.2.3-rc.1 1.2.3 1.2.3.0 1.2.3~rc.1
case_ v1.2.3-4-g0abc12f 1.2.3-4-g0abc12f 1.2.3 1.2.3.0 1.2.3+git4.g0abc12f
case_ v1.2.3-4-g0abc12f-dirty 1.2.3-4-g0abc12f-dirty 1.2.3 1.2.3.0 1.2.3+git4.g0abc12f.dirty
case_ v1.2.3-dirty 1.2.3-dirty 1.2.3 1.2.3.0 1.2.3+dirty
case_ 0.1.0-dev 0.1.0-dev 0.1.0 0.1.0.0 0.1.0~dev

# A bad version is refused with a clear message.
if out=$(VERSION=latest bash -c '. "$0"; set_versions' "$repo/packaging/lib.sh" 2>&1); then
	failed=$((failed + 1)); echo "FAIL VERSION=latest was accepted"
elif [[ $out == *"want one that starts with X.Y.Z"* ]]; then
	passed=$((passed + 1)); echo "ok   VERSION=latest refused: $out"
else
	failed=$((failed + 1)); echo "FAIL VERSION=latest: $out"
fi

# Debian's order matches the releases': pre-release < release < later commits < next release.
if has dpkg; then
	order=(0.1.0~dev 1.2.3~rc.1 1.2.3 1.2.3+dirty 1.2.3+git4.g0abc12f 1.2.4~rc.1 1.2.4)
	for ((i = 1; i < ${#order[@]}; i++)); do
		if dpkg --compare-versions "${order[i - 1]}" lt "${order[i]}"; then
			passed=$((passed + 1)); echo "ok   ${order[i - 1]} < ${order[i]}"
		else
			failed=$((failed + 1)); echo "FAIL ${order[i - 1]} sorts after ${order[i]}"
		fi
	done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
