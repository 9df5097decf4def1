#!/usr/bin/env bash
# Builds CamsDesk's Debian packages from built binaries with dpkg-deb, and prints the .deb's path.
#
#   packaging/deb.sh camsd    DEB_VERSION ARCH CAMSD_BINARY OUTDIR
#   packaging/deb.sh camsdesk DEB_VERSION ARCH CAMSDESK_BINARY OUTDIR
#
# camsd:    /usr/bin/camsd, the systemd unit, the sysusers file for the camsdesk user, maintainer scripts.
# camsdesk: /usr/bin/camsdesk, the .desktop entry, hicolor icons (from assets/icon.png), AppStream metadata;
#           Depends lists the packages of the binary's shared libraries.
# Environment: DEB_MAINTAINER, SOURCE_DATE_EPOCH (file times and the AppStream release date), DEB_COMPRESS
# (xz by default; the quick test uses gzip), GO.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
maintainer=${DEB_MAINTAINER:-"CamsDesk <packages@camsdesk.app>"}
homepage="https://github.com/camsdesk/camsdesk"
GO=${GO:-go}

die() { echo "deb.sh: $*" >&2; exit 1; }

[ $# -eq 5 ] || die "usage: deb.sh camsd|camsdesk DEB_VERSION ARCH BINARY OUTDIR"
pkg=$1 version=$2 arch=$3 bin=$4 outdir=$5
[[ $version =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || die "version $version: want a Debian upstream version such as 1.2.3 or 1.2.3~rc1"
[ -f "$bin" ] || die "no binary at $bin"
mkdir -p "$outdir"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}

# depends_of prints the Debian packages holding the shared libraries that binary $1 links to, plus those in $2
# (libraries it opens at run time).
depends_of() {
	local lib deps
	read -ra deps <<<"$2"
	for lib in $(objdump -p "$1" 2>/dev/null | awk '/NEEDED/ {print $2}'); do
		case $lib in
		libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | librt.so.*) deps+=("libc6") ;;
		libGL.so.1) deps+=("libgl1") ;;
		libEGL.so.1) deps+=("libegl1") ;;
		libX11.so.6) deps+=("libx11-6") ;;
		libXcursor.so.1) deps+=("libxcursor1") ;;
		libXrandr.so.2) deps+=("libxrandr2") ;;
		libXinerama.so.1) deps+=("libxinerama1") ;;
		libXi.so.6) deps+=("libxi6") ;;
		libXxf86vm.so.1) deps+=("libxxf86vm1") ;;
		libXext.so.6) deps+=("libxext6") ;;
		*) die "$1 links to $lib: add its Debian package to depends_of in packaging/deb.sh" ;;
		esac
	done
	printf '%s\n' "${deps[@]}" | sort -u | paste -sd, - | sed 's/,/, /g'
}

case $pkg in
camsd)
	install -D -m 0755 "$bin" "$root/usr/bin/camsd"
	install -D -m 0644 "$here/linux/camsd.service" "$root/usr/lib/systemd/system/camsd.service"
	install -D -m 0644 "$here/linux/camsd.sysusers" "$root/usr/lib/sysusers.d/camsd.conf"
	install -d -m 0755 "$root/DEBIAN"
	for s in postinst prerm postrm; do
		install -m 0755 "$here/linux/camsd.$s" "$root/DEBIAN/$s"
	done
	depends=""
	recommends="systemd"
	section=net
	summary="CamsDesk service: callback receiver for Cams attendance devices"
	long=" camsd runs the CamsDesk callback receiver without a window, as a systemd
 service (user camsdesk, data in /var/lib/camsdesk, restarted on failure), and
 is a command line for the devices, the attendance data and the configuration."
	;;
camsdesk)
	install -D -m 0755 "$bin" "$root/usr/bin/camsdesk"
	install -D -m 0644 "$here/linux/com.camsdesk.app.desktop" "$root/usr/share/applications/com.camsdesk.app.desktop"
	install -d -m 0755 "$root/usr/share/metainfo"
	sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$(date -u -d "@$epoch" +%F)/" \
		"$here/linux/com.camsdesk.app.metainfo.xml.in" >"$root/usr/share/metainfo/com.camsdesk.app.metainfo.xml"
	(cd "$repo" && "$GO" run ./packaging/iconset -in assets/icon.png -hicolor "$root/usr/share/icons/hicolor" -name com.camsdesk.app)
	install -d -m 0755 "$root/DEBIAN"
	# GLFW opens the X11 extension libraries with dlopen, so they are not in the binary's NEEDED list.
	depends=$(depends_of "$bin" "libxcursor1 libxrandr2 libxinerama1 libxi6 libxxf86vm1 libxrender1")
	recommends=""
	section=misc
	summary="Desktop companion for Cams Biometrics attendance devices"
	long=" CamsDesk receives the callbacks of Cams Biometrics Web API 3.0 attendance
 devices, keeps every punch in a local database and sends the devices their
 commands. It shows punches as they arrive, the users with their photos, and
 timesheets with late arrivals and early departures."
	;;
*) die "unknown package $pkg: want camsd or camsdesk" ;;
esac

# Files 0644, programs and maintainer scripts 0755, folders 0755, all with the build's time.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -exec touch -h -d "@$epoch" {} +

{
	echo "Package: $pkg"
	echo "Version: $version"
	echo "Architecture: $arch"
	echo "Maintainer: $maintainer"
	echo "Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)"
	[ -z "$depends" ] || echo "Depends: $depends"
	[ -z "$recommends" ] || echo "Recommends: $recommends"
	echo "Section: $section"
	echo "Priority: optional"
	echo "Homepage: $homepage"
	echo "Description: $summary"
	echo "$long"
} >"$root/DEBIAN/control"
chmod 0644 "$root/DEBIAN/control"
touch -d "@$epoch" "$root/DEBIAN/control"

out="$outdir/${pkg}_${version}_${arch}.deb"
SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Z"${DEB_COMPRESS:-xz}" --build "$root" "$out" >/dev/null
echo "$out"
