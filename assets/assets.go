// Package assets holds files built into the binaries: the app icon.
package assets

import _ "embed"

//go:generate sh icon.sh

// Icon is the 512x512 app icon (PNG): a blue rounded square with a white fingerprint. The ui package turns it
// into a fyne resource; FyneApp.toml points the packager at the same file.
//
//go:embed icon.png
var Icon []byte
