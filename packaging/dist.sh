#!/usr/bin/env bash
# Builds CamsDesk's release artifacts into dist/ ("make dist"); docs/install.md says how each is installed.
#
#   packaging/dist.sh [TARGET...]
#
#   camsd      static camsd binaries (CGO_ENABLED=0) for linux, windows and darwin on amd64 and arm64,
#              and the camsd .deb for amd64 and arm64 (systemd unit included)
#   linux      the desktop app: fyne's tarball and the camsdesk .deb (desktop entry, icons, AppStream)
#   windows    the desktop app's .exe (cgo with MinGW-w64 from Linux, gcc on Windows; icon, manifest and
#              version embedded) and its NSIS installer
#   macos      CamsDesk.app and a .dmg (packaging/macos/build-macos.sh; on a Mac only)
#   checksums  SHA256SUMS of everything in dist/
#   test       packaging/test-deb.sh on the amd64 .debs in dist/
#
# Without targets: camsd linux windows checksums test on Linux, camsd macos checksums on macOS, windows
# checksums on Windows (Git Bash). dist/ is emptied first unless DIST_KEEP=1 (CI runs targets in steps).
# Environment: VERSION, COMMIT (default: from git), DIST (default: dist), CC_WINDOWS (default:
# x86_64-w64-mingw32-gcc from Linux, gcc on Windows), FYNE (a fyne v1.7.2 binary), RECEIVER_PORT (5000).
set -euo pipefail
# shellcheck source=packaging/lib.sh
. "$(dirname "$0")/lib.sh"

DIST=${DIST:-$repo/dist}
case $(uname -s) in
Linux) defaults="camsd linux windows checksums test" host=linux ;;
Darwin) defaults="camsd macos checksums" host=darwin ;;
MINGW* | MSYS* | CYGWIN*) defaults="windows checksums" host=windows ;;
*) defaults="camsd checksums" host=other ;;
esac
# shellcheck disable=SC2206
targets=(${@:-$defaults})
set_versions
work="$DIST/.work"
[ "${DIST_KEEP:-}" = 1 ] || rm -rf "$DIST"
rm -rf "$work"
mkdir -p "$DIST" "$work"
trap 'rm -rf "$work"' EXIT
release_flags=(-tags "$RELEASE_TAGS" -trimpath -ldflags "-s -w $ldflags_x")
say "CamsDesk $ver (deb $deb_ver, app $app_ver build $build${commit:+, commit $commit}) into $DIST: ${targets[*]}"

build_camsd() {
	local p os arch ext
	for p in linux/amd64 linux/arm64 windows/amd64 windows/arm64 darwin/amd64 darwin/arm64; do
		os=${p%/*} arch=${p#*/} ext=""
		[ "$os" = windows ] && ext=.exe
		say "camsd $os/$arch"
		(cd "$repo" && CGO_ENABLED=0 GOOS=$os GOARCH=$arch "$GO" build "${release_flags[@]}" \
			-o "$DIST/camsd_${ver}_${os}_${arch}$ext" ./cmd/camsd)
	done
	for arch in amd64 arm64; do
		say "camsd .deb $arch"
		"$repo/packaging/deb.sh" camsd "$deb_ver" "$arch" "$DIST/camsd_${ver}_linux_$arch" "$DIST" >/dev/null
	done
}

build_linux() {
	[ "$host" = linux ] || die "the linux target builds on Linux"
	ensure_fyne
	[ -n "${sd:-}" ] || stage_src "$work/src"
	say "desktop app for Linux (fyne package; the first cgo build takes minutes)"
	mkdir -p "$work/linux"
	(cd "$work/linux" && fyne_package linux)
	local tarball="$DIST/camsdesk_${ver}_linux_amd64.tar.xz" bin
	mv "$work/linux/$APP_NAME.tar.xz" "$tarball"
	bin=$(tar -tJf "$tarball" | grep '/bin/camsdesk$') || die "no bin/camsdesk in $tarball"
	tar -xJf "$tarball" -C "$work/linux" "$bin"
	say "camsdesk .deb amd64"
	"$repo/packaging/deb.sh" camsdesk "$deb_ver" amd64 "$work/linux/$bin" "$DIST" >/dev/null
}

build_windows() {
	ensure_fyne
	[ -n "${sd:-}" ] || stage_src "$work/src"
	# fyne compiles C with -fstack-protector-strong and _FORTIFY_SOURCE; Debian's MinGW-w64 keeps their
	# runtime in libssp, linked in statically so the exe needs no libssp-0.dll. MSYS2's has it built in.
	local cc=${CC_WINDOWS:-x86_64-w64-mingw32-gcc} extld=-l:libssp.a
	[ "$host" = windows ] && cc=${CC_WINDOWS:-gcc} extld=""
	has "$cc" || die "no $cc: install gcc-mingw-w64-x86-64 (make dist does) or set CC_WINDOWS"
	has makensis || die "no makensis: install nsis (make dist does)"
	# fyne embeds this manifest (with the icon and version) when it finds it beside the executable it builds.
	sed "s/@VERSION4@/$ver4/" "$repo/packaging/windows/camsdesk.exe.manifest.in" >"$sd/camsdesk.exe.manifest"
	say "desktop app for Windows with $cc (fyne package; the first cgo build takes minutes)"
	# Without --executable fyne builds twice, and the second build (the one it keeps, with the icon and
	# manifest) loses the -ldflags given through GOFLAGS. With an existing --executable it builds once.
	: >"$sd/camsdesk.exe"
	(cd "$work" && CC=$cc GOARCH=amd64 EXTLDFLAGS=$extld fyne_package windows --executable "$(winpath "$sd/camsdesk.exe")")
	local exe="$DIST/camsdesk_${ver}_windows_amd64.exe"
	mv "$sd/$APP_NAME.exe" "$exe"
	# The exe is a Windows GUI program that carries our manifest and the version string.
	[ "$(head -c 2 "$exe")" = MZ ] || die "$exe is not a Windows executable"
	grep -qa 'PerMonitorV2' "$exe" || die "$exe lacks the manifest"
	grep -qaF "$ver" "$exe" || die "$exe lacks the version $ver"
	if has x86_64-w64-mingw32-objdump; then # only Windows' own DLLs: nothing to ship beside the exe
		local dlls
		dlls=$(x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^\s*DLL Name: //p' | tr '[:upper:]' '[:lower:]' |
			grep -vxE '(kernel32|user32|gdi32|shell32|ole32|oleaut32|advapi32|comdlg32|comctl32|winmm|ws2_32|opengl32|imm32|dwmapi|shcore|uxtheme|version|setupapi|winspool|msvcrt|ntdll|bcrypt|crypt32|dbghelp|iphlpapi|mswsock|netapi32|powrprof|psapi|secur32|userenv|wtsapi32|dnsapi|api-ms-win-[a-z0-9-]+)\.dll' || true)
		[ -z "$dlls" ] || die "$exe needs DLLs that Windows lacks: $dlls"
	fi
	say "NSIS installer"
	(cd "$repo" && "$GO" run ./packaging/iconset -in assets/icon.png -ico "$(winpath "$work/camsdesk.ico")")
	makensis -V2 -DVERSION="$ver" -DVERSION4="$ver4" -DEXE="$(winpath "$exe")" -DICON="$(winpath "$work/camsdesk.ico")" \
		-DPORT="${RECEIVER_PORT:-5000}" -DOUTFILE="$(winpath "$DIST/$APP_NAME-$ver-Setup.exe")" \
		"$(winpath "$repo/packaging/windows/installer.nsi")"
}

build_macos() {
	[ "$host" = darwin ] || die "the macos target builds on a Mac: run packaging/macos/build-macos.sh there"
	DIST=$DIST "$repo/packaging/macos/build-macos.sh"
}

write_checksums() {
	say "SHA256SUMS"
	(cd "$DIST" && find . -maxdepth 1 -type f ! -name SHA256SUMS ! -name '.*' | sed 's#^\./##' | LC_ALL=C sort |
		xargs sha256sum >.SHA256SUMS.tmp && mv .SHA256SUMS.tmp SHA256SUMS)
}

test_debs() {
	local debs=("$DIST"/*_amd64.deb)
	[ -e "${debs[0]}" ] || die "no amd64 .deb in $DIST to test"
	say "installing the .debs into a temporary root"
	"$repo/packaging/test-deb.sh" "${debs[@]}"
}

start=$(date +%s)
for t in "${targets[@]}"; do
	case $t in
	camsd) build_camsd ;;
	linux) build_linux ;;
	windows) build_windows ;;
	macos) build_macos ;;
	checksums) write_checksums ;;
	test) test_debs ;;
	*) die "unknown target $t: want camsd, linux, windows, macos, checksums or test" ;;
	esac
done

say "done in $(($(date +%s) - start)) s:"
(cd "$DIST" && find . -maxdepth 1 -type f ! -name '.*' | sed 's#^\./##' | LC_ALL=C sort | while read -r f; do
	printf '  %10s  %s\n' "$(wc -c <"$f" | tr -d ' ')" "$f"
done)
