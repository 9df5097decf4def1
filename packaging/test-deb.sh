#!/usr/bin/env bash
# Installs CamsDesk's .deb packages into a temporary root with dpkg (maintainer scripts included, confined to
# that root through DPKG_ROOT) and checks what they put there.
#
#   packaging/test-deb.sh DEB...   check these packages (make dist runs it on dist/*.deb)
#   packaging/test-deb.sh          quick: build camsd with CGO_ENABLED=0, package it as camsd and, as a stand-in
#                                  binary, as camsdesk (the desktop package's other files do not depend on the
#                                  binary), then check both
# Ends with "N passed, M failed"; exits 1 on any failure.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
GO=${GO:-go}
passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if out=$("$@" 2>&1); then pass "$what"; else fail "$what"; [ -z "$out" ] || sed 's/^/     /' <<<"$out"; fi
}
has() { command -v "$1" >/dev/null 2>&1; }

debs=("$@")
if [ ${#debs[@]} -eq 0 ]; then
	echo "quick mode: building camsd and packaging it"
	(cd "$repo" && CGO_ENABLED=0 "$GO" build -trimpath -ldflags "-s -w -X github.com/camsdesk/camsdesk/internal/version.Version=0.0.0-test" -o "$tmp/camsd" ./cmd/camsd) || { echo "build failed"; exit 1; }
	export DEB_COMPRESS=gzip
	debs+=("$("$here/deb.sh" camsd 0.0.0~test amd64 "$tmp/camsd" "$tmp/debs")") || exit 1
	export DEB_COMPRESS=gzip
	debs+=("$("$here/deb.sh" camsdesk 0.0.0~test amd64 "$tmp/camsd" "$tmp/debs")") || exit 1
fi

# mode_of prints a file's octal mode and owner, e.g. "755 root:root".
mode_of() { stat -c '%a %U:%G' "$1"; }
# png_size prints a PNG's width x height from its IHDR chunk.
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{printf "%dx%d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}'; }

check_camsd() {
	local r=$1 version=$2
	check "camsd: /usr/bin/camsd is an executable owned by root" test "$(mode_of "$r/usr/bin/camsd")" = "755 root:root"
	check "camsd: the binary runs and prints its version" bash -c "'$r/usr/bin/camsd' version | grep -q '^camsd ${version%%[~+]*}'"
	check "camsd: unit and sysusers file are 644" test "$(mode_of "$r/usr/lib/systemd/system/camsd.service") $(mode_of "$r/usr/lib/sysusers.d/camsd.conf")" = "644 root:root 644 root:root"
	local unit="$r/usr/lib/systemd/system/camsd.service"
	for want in "User=camsdesk" "StateDirectory=camsdesk" "Restart=on-failure" \
		"ExecStart=/usr/bin/camsd serve --config /var/lib/camsdesk/config.json --data-dir /var/lib/camsdesk" \
		"NoNewPrivileges=yes" "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" "WantedBy=multi-user.target"; do
		check "camsd: unit has $want" grep -qxF "$want" "$unit"
	done
	check "camsd: unit equals packaging/linux/camsd.service" cmp "$unit" "$here/linux/camsd.service"
	if has systemd-analyze; then
		sed "s#^ExecStart=/usr/bin/camsd #ExecStart=$r/usr/bin/camsd #" "$unit" >"$tmp/camsd.service"
		check "camsd: systemd-analyze verify accepts the unit" systemd-analyze verify --man=no "$tmp/camsd.service"
	else
		echo "note: systemd-analyze not installed, unit syntax not verified"
	fi
	check "camsd: sysusers file declares the camsdesk user" grep -qxF 'u camsdesk - "CamsDesk service" /var/lib/camsdesk /usr/sbin/nologin' "$r/usr/lib/sysusers.d/camsd.conf"
	if has systemd-sysusers; then
		check "camsd: postinst created user camsdesk inside the root" grep -q '^camsdesk:x:[0-9]*:[0-9]*:CamsDesk service:/var/lib/camsdesk:/usr/sbin/nologin$' "$r/etc/passwd"
	else
		echo "note: systemd-sysusers not installed, user creation not checked"
	fi
}

check_camsdesk() {
	local r=$1 version=$2
	local desktop="$r/usr/share/applications/com.camsdesk.app.desktop"
	local metainfo="$r/usr/share/metainfo/com.camsdesk.app.metainfo.xml"
	check "camsdesk: /usr/bin/camsdesk is an executable owned by root" test "$(mode_of "$r/usr/bin/camsdesk")" = "755 root:root"
	check "camsdesk: the binary runs and prints its version" bash -c "'$r/usr/bin/camsdesk' --version | grep -qF '${version%%[~+]*}'"
	check "camsdesk: desktop entry and metainfo are 644" test "$(mode_of "$desktop") $(mode_of "$metainfo")" = "644 root:root 644 root:root"
	if has desktop-file-validate; then
		check "camsdesk: desktop-file-validate accepts the entry" desktop-file-validate "$desktop"
	else
		echo "note: desktop-file-validate not installed (desktop-file-utils)"
	fi
	local exec icon
	exec=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$desktop")
	icon=$(sed -n 's/^Icon=//p' "$desktop")
	check "camsdesk: the entry's Exec ($exec) is in /usr/bin" test -x "$r/usr/bin/$exec"
	for n in 16 22 24 32 48 64 128 256 512; do
		local png="$r/usr/share/icons/hicolor/${n}x${n}/apps/$icon.png"
		check "camsdesk: icon $icon at ${n}x${n}" test "$(png_size "$png" 2>/dev/null)" = "${n}x${n}"
	done
	if has xmllint; then
		check "camsdesk: metainfo is well-formed XML" xmllint --noout "$metainfo"
	fi
	if has appstreamcli; then
		check "camsdesk: appstreamcli validates the metainfo" appstreamcli validate --no-net "$metainfo"
	else
		echo "note: appstreamcli not installed (appstream)"
	fi
	check "camsdesk: metainfo id and launchable match the desktop entry" \
		bash -c "grep -qF '<id>com.camsdesk.app</id>' '$metainfo' && grep -qF '<launchable type=\"desktop-id\">com.camsdesk.app.desktop</launchable>' '$metainfo'"
	check "camsdesk: metainfo release is the package version" grep -qF "<release version=\"$version\"" "$metainfo"
}

for deb in "${debs[@]}"; do
	pkg=$(dpkg-deb -f "$deb" Package) version=$(dpkg-deb -f "$deb" Version)
	echo "== $(basename "$deb")"
	check "$pkg: every file in the archive is owned by root" bash -c "! dpkg-deb -c '$deb' | awk '{print \$2}' | grep -v '^root/root\$'"
	r="$tmp/root-$pkg"
	mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates" "$r/etc"
	: >"$r/var/lib/dpkg/status"
	check "$pkg: dpkg installs it into a temporary root" \
		dpkg --root="$r" --force-script-chrootless --force-not-root --force-depends --log=/dev/null -i "$deb"
	check "$pkg: dpkg lists it as installed" bash -c "dpkg-query --admindir='$r/var/lib/dpkg' -W -f='\${Status}' '$pkg' | grep -qx 'install ok installed'"
	case $pkg in
	camsd) check_camsd "$r" "$version" ;;
	camsdesk) check_camsdesk "$r" "$version" ;;
	*) fail "unknown package $pkg in $deb" ;;
	esac
	check "$pkg: dpkg removes it again, leaving no file behind" bash -c "dpkg --root='$r' --force-script-chrootless --force-not-root --log=/dev/null -r '$pkg' >/dev/null && [ -z \"\$(find '$r/usr' -type f 2>/dev/null)\" ]"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
