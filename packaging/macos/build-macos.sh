#!/usr/bin/env bash
# Builds CamsDesk.app and a .dmg on a Mac (Go and the Xcode command line tools: xcode-select --install).
#
#   packaging/macos/build-macos.sh
#
# Output in dist/: CamsDesk-VERSION-macos.dmg (the app and a link to /Applications) and the app zipped.
# ARCHS="arm64 amd64" (the default) builds both and joins them with lipo into one universal app; ARCHS=arm64
# builds one. SIGN_IDENTITY="Developer ID Application: ..." signs with that certificate (with the hardened
# runtime); without it the app is signed ad hoc, and people open it the first time with right-click > Open.
# VERSION, COMMIT, DIST and FYNE as for packaging/dist.sh.
set -euo pipefail
# shellcheck source=packaging/lib.sh
. "$(dirname "$0")/../lib.sh"

[ "$(uname -s)" = Darwin ] || die "this builds on macOS (hdiutil, lipo, codesign)"
for tool in lipo codesign hdiutil ditto; do has "$tool" || die "no $tool: install the Xcode command line tools"; done
DIST=${DIST:-$repo/dist}
ARCHS=${ARCHS:-arm64 amd64}
set_versions
ensure_fyne
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$DIST"
stage_src "$work/src"

app="$work/$APP_NAME.app"
bins=()
for arch in $ARCHS; do
	say "CamsDesk.app for $arch (fyne package; the first cgo build takes minutes)"
	mkdir -p "$work/$arch"
	(cd "$work/$arch" && GOARCH=$arch CGO_ENABLED=1 fyne_package darwin)
	[ -d "$app" ] || cp -R "$work/$arch/$APP_NAME.app" "$app"
	bins+=("$work/$arch/$APP_NAME.app/Contents/MacOS/camsdesk")
done
say "universal binary: ${ARCHS}"
lipo -create -output "$app/Contents/MacOS/camsdesk" "${bins[@]}"
lipo -info "$app/Contents/MacOS/camsdesk"

if [ -n "${SIGN_IDENTITY:-}" ]; then
	say "signing with $SIGN_IDENTITY"
	codesign --force --deep --options runtime --timestamp --sign "$SIGN_IDENTITY" "$app"
else
	say "signing ad hoc"
	codesign --force --deep --sign - "$app"
fi
codesign --verify --deep --strict "$app"

say "zip and dmg"
ditto -c -k --keepParent "$app" "$DIST/${APP_NAME}-${ver}-macos.zip"
dmgdir="$work/dmg"
mkdir -p "$dmgdir"
cp -R "$app" "$dmgdir/"
ln -s /Applications "$dmgdir/Applications"
hdiutil create -volname "$APP_NAME $ver" -srcfolder "$dmgdir" -fs HFS+ -format UDZO -ov \
	"$DIST/${APP_NAME}-${ver}-macos.dmg" >/dev/null
hdiutil verify "$DIST/${APP_NAME}-${ver}-macos.dmg" >/dev/null
ls -l "$DIST/${APP_NAME}-${ver}-macos.dmg" "$DIST/${APP_NAME}-${ver}-macos.zip"
