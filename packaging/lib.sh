# Shared by packaging/dist.sh and packaging/macos/build-macos.sh (sourced, not run): the release's version
# numbers, the fyne packaging tool, and a copy of the source to package from.
# shellcheck shell=bash

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
module=github.com/camsdesk/camsdesk
GO=${GO:-go}
FYNE_TOOLS_VERSION=v1.7.2 # the fyne CLI that matches Fyne 2.7 (newer ones need Fyne 2.8)
APP_ID=com.camsdesk.app
APP_NAME=CamsDesk
RELEASE_TAGS=migrated_fynedo

die() { echo "${0##*/}: $*" >&2; exit 1; }
say() { echo "==> $*"; }
has() { command -v "$1" >/dev/null 2>&1; }

# winpath turns a path into the host's form for native Windows programs (Git Bash); elsewhere it is unchanged.
winpath() { if has cygpath; then cygpath -w "$1"; else printf '%s\n' "$1"; fi; }

# set_versions derives, from VERSION (default: git describe of a vX.Y.Z tag, else FyneApp.toml's version -dev):
#   ver      1.2.3-rc.1        stamped into the binaries (internal/version.Version) and in file names
#   app_ver  1.2.3             x.y.z for fyne's metadata and Windows version resources; ver4 is 1.2.3.0
#   deb_ver  1.2.3~rc.1        Debian's order: ~ sorts before the release, +git after it
#   build    commits so far    fyne's build number; commit: the short revision
# shellcheck disable=SC2034 # the variables are for the scripts that source this file
set_versions() {
	local raw
	raw=${VERSION:-$(git -C "$repo" describe --tags --match 'v[0-9]*' --dirty 2>/dev/null ||
		echo "$(sed -n 's/^ *Version *= *"\(.*\)"/\1/p' "$repo/FyneApp.toml")-dev")}
	ver=${raw#v}
	[[ $ver =~ ^[0-9]+(\.[0-9]+){0,2} ]] || die "version $raw: want one that starts with X.Y.Z, e.g. v1.2.3"
	local a b c
	IFS=. read -r a b c <<<"${BASH_REMATCH[0]}"
	app_ver="$a.${b:-0}.${c:-0}"
	ver4="$app_ver.0"
	deb_ver=$ver
	if [[ $deb_ver =~ ^(.*)-([0-9]+)-g([0-9a-f]+)(-dirty)?$ ]]; then
		deb_ver="${BASH_REMATCH[1]}+git${BASH_REMATCH[2]}.g${BASH_REMATCH[3]}${BASH_REMATCH[4]:+.dirty}"
	elif [[ $deb_ver == *-dirty ]]; then
		deb_ver="${deb_ver%-dirty}+dirty"
	fi
	deb_ver=${deb_ver//-/\~}
	[[ $deb_ver =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || die "version $raw: cannot make a Debian version of it ($deb_ver)"
	build=$(git -C "$repo" rev-list --count HEAD 2>/dev/null || echo 1)
	[ "$build" -gt 0 ] 2>/dev/null || build=1
	commit=${COMMIT:-$(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || true)}
	SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}
	export SOURCE_DATE_EPOCH
	ldflags_x="-X $module/internal/version.Version=$ver${commit:+ -X $module/internal/version.Commit=$commit}"
}

# ensure_fyne sets $fyne to the fyne CLI $FYNE_TOOLS_VERSION: $FYNE if set, else one installed with go install
# into a cache folder of its own (a fyne already on PATH may be another version).
ensure_fyne() {
	if [ -n "${FYNE:-}" ]; then
		fyne=$FYNE
		return
	fi
	local dir="${XDG_CACHE_HOME:-$HOME/.cache}/camsdesk/fyne-$FYNE_TOOLS_VERSION"
	fyne="$dir/fyne$("$GO" env GOEXE)"
	if [ ! -x "$fyne" ]; then
		say "installing the fyne CLI $FYNE_TOOLS_VERSION into $dir"
		GOBIN=$(winpath "$dir") "$GO" install "fyne.io/tools/cmd/fyne@$FYNE_TOOLS_VERSION" || die "go install fyne failed"
	fi
}

# stage_src copies the source tree to $1 (without .git, bin and dist) and readies cmd/camsdesk there for fyne,
# which writes its build files beside the main package: FyneApp.toml with the icon path made relative to it and
# the Linux desktop entry's fields. Sets $sd to the staged cmd/camsdesk.
stage_src() {
	local dst=$1
	mkdir -p "$dst"
	tar -C "$repo" --exclude=./.git --exclude=./bin --exclude=./dist --exclude='*.test' -cf - . | tar -C "$dst" -xf -
	sd="$dst/cmd/camsdesk"
	[ -d "$sd" ] || die "no cmd/camsdesk in the source"
	sed 's#^\( *Icon *= *"\)\([^/"][^"]*"\)#\1../../\2#' "$repo/FyneApp.toml" >"$sd/FyneApp.toml"
	if ! grep -q '^\[LinuxAndBSD\]' "$sd/FyneApp.toml"; then
		cat >>"$sd/FyneApp.toml" <<-'EOF'

			[LinuxAndBSD]
			  GenericName = "Attendance Device Manager"
			  Comment = "Manage Cams biometric attendance devices, punches and timesheets"
			  Categories = ["Office"]
			  Keywords = ["attendance", "biometric", "timesheet", "punch", "Cams"]
		EOF
	fi
}

# fyne_package runs "fyne package" in the current folder for OS $1 on the staged source, as a release
# (-trimpath, -ldflags "-s -w", tags release and $RELEASE_TAGS) stamped with the version. EXTLDFLAGS (one word)
# goes to the external linker; more arguments go to fyne.
fyne_package() {
	local os=$1 x goflags=""
	shift
	for x in $ldflags_x; do
		[ "$x" = -X ] || goflags="$goflags -ldflags=-X=$x"
	done
	[ -z "${EXTLDFLAGS:-}" ] || goflags="$goflags -ldflags=-extldflags=$EXTLDFLAGS"
	GOFLAGS="${GOFLAGS:+$GOFLAGS }${goflags# }" "$fyne" package --os "$os" --release --tags "$RELEASE_TAGS" \
		--name "$APP_NAME" --app-id "$APP_ID" --app-version "$app_ver" --app-build "$build" \
		--icon "$(winpath "$repo/assets/icon.png")" --src "$(winpath "$sd")" "$@"
}
