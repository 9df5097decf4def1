package ui

import (
	"fyne.io/fyne/v2"

	"github.com/camsdesk/camsdesk/assets"
)

// The app's identity, as in FyneApp.toml (a test keeps them equal).
const (
	AppID   = "com.camsdesk.app"
	AppName = "CamsDesk"
)

// Metadata is what FyneApp.toml says, for builds made with go build (fyne package stamps the same), with the
// build's version. Every update from a goroutine goes through fyne.Do: the fyneDo migration is on.
func Metadata(version string) fyne.AppMetadata {
	return fyne.AppMetadata{ID: AppID, Name: AppName, Version: version, Build: 1, Release: true,
		Icon: fyne.NewStaticResource("icon.png", assets.Icon), Migrations: map[string]bool{"fyneDo": true}}
}
