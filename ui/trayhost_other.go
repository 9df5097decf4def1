//go:build !(linux || freebsd || openbsd || netbsd)

package ui

// DetectTray reports that Windows and macOS always have a tray (the notification area, the menu bar).
func DetectTray() (bus, host bool) { return true, true }
