//go:build linux || freebsd || openbsd || netbsd

package ui

import (
	"os"
	"time"

	"github.com/godbus/dbus/v5"
)

// busTimeout bounds the tray checks at start.
const busTimeout = 2 * time.Second

// DetectTray reports whether a D-Bus session bus answers (then the tray menu can be set: without one,
// Fyne 2.7.1 panics on quit once a tray menu is set, upstream #6403) and whether a tray host (a
// StatusNotifierWatcher) runs to show it.
func DetectTray() (bus, host bool) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return false, false
	}
	type answer struct{ bus, host bool }
	ch := make(chan answer, 1)
	go func() {
		conn, err := dbus.ConnectSessionBus()
		if err != nil {
			ch <- answer{}
			return
		}
		defer conn.Close()
		var has bool
		err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has)
		ch <- answer{bus: true, host: err == nil && has}
	}()
	select {
	case a := <-ch:
		return a.bus, a.host
	case <-time.After(busTimeout):
		return false, false
	}
}
