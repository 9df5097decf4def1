package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// trayMenu is the system tray menu: Show CamsDesk, the receiver's state with Pause/Resume, Quit.
type trayMenu struct {
	app    *App
	desk   desktop.App
	menu   *fyne.Menu
	state  *fyne.MenuItem
	toggle *fyne.MenuItem
}

// newTrayMenu sets the tray menu; nil when the app has no tray.
func newTrayMenu(a *App, fa fyne.App) *trayMenu {
	desk, ok := fa.(desktop.App)
	if !ok {
		return nil
	}
	t := &trayMenu{app: a, desk: desk}
	show := fyne.NewMenuItem("Show CamsDesk", a.show)
	t.state = fyne.NewMenuItem("", nil)
	t.state.Disabled = true
	t.toggle = fyne.NewMenuItem("", t.onToggle)
	quit := fyne.NewMenuItem("Quit", a.quit)
	quit.IsQuit = true
	t.menu = fyne.NewMenu("CamsDesk", show, fyne.NewMenuItemSeparator(), t.state, t.toggle, fyne.NewMenuItemSeparator(), quit)
	t.update()
	desk.SetSystemTrayMenu(t.menu)
	if icon := fa.Icon(); icon != nil {
		desk.SetSystemTrayIcon(icon)
	}
	return t
}

// update shows the receiver's state; the menu is refreshed only when a label changed.
func (t *trayMenu) update() {
	svc := t.app.svc
	v := describeReceiver(svc.serverState(), svc.receiverStats(), time.Now())
	state := v.state + " · " + v.today
	toggle := "Pause receiver"
	if !v.running {
		toggle = "Resume receiver"
	}
	if v.remote {
		toggle = "Receive on this PC"
	}
	if state == t.state.Label && toggle == t.toggle.Label {
		return
	}
	t.state.Label, t.toggle.Label = state, toggle
	t.menu.Refresh()
}

func (t *trayMenu) onToggle() {
	svc := t.app.svc
	if err := svc.ToggleReceiver(); err != nil {
		t.app.show()
		t.app.showError(err)
	}
	t.app.receiverChanged()
}
