package ui

import (
	"fmt"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/ui/autostart"
	"github.com/camsdesk/camsdesk/ui/instance"
)

// Options configure the desktop app.
type Options struct {
	// Hidden starts in the tray; ignored where no tray host shows the tray.
	Hidden bool
	// TrayMenu sets the tray menu; set it only when a D-Bus session bus answers (see DetectTray).
	TrayMenu bool
	// TrayHost says that a tray shows the menu, so that closing the window can hide it.
	TrayHost bool
	// Autostart is the entry Settings installs for start at login.
	Autostart autostart.Entry
	// Instance, when set, brings the window forward when CamsDesk is launched again.
	Instance *instance.Instance
	// StartErr is a problem met while starting (the port in use), shown once the window is up.
	StartErr error
	// Started is when the process started, for the start-up time printed when CAMSDESK_TIMING is set.
	Started time.Time
}

// screen is one page of the navigation.
type screen interface{ content() fyne.CanvasObject }

// shower is a screen that refreshes when it is shown again.
type shower interface{ shown() }

// sender is a screen with a Send action for Ctrl+Enter.
type sender interface{ onSendKey() }

type navItem struct {
	title  string
	icon   fyne.Resource
	build  func() screen
	screen screen
	// view holds the screen in a scroller, so that a screen wider or taller than the window scrolls instead
	// of growing the window past the display.
	view fyne.CanvasObject
}

// App is the window with its left navigation, the status bar and the tray.
type App struct {
	fyne    fyne.App
	win     fyne.Window
	svc     *Services
	opt     Options
	items   []*navItem
	nav     *widget.List
	stack   *fyne.Container
	current int
	bar     *statusBar
	tray    *trayMenu
	status  *statusScreen
	hinted  bool
}

// Window size at first start.
var windowSize = fyne.NewSize(1180, 780)

// NewApp builds the window; Run shows it.
func NewApp(fa fyne.App, svc *Services, opt Options) *App {
	a := &App{fyne: fa, svc: svc, opt: opt, current: -1}
	a.win = fa.NewWindow("CamsDesk")
	a.win.SetMaster()
	a.bar = newStatusBar(svc, a.win)
	a.bar.onChange = a.receiverChanged
	a.items = a.navItems()
	a.stack = container.NewStack()
	a.nav = widget.NewList(
		func() int { return len(a.items) },
		func() fyne.CanvasObject {
			return container.NewHBox(widget.NewIcon(theme.HomeIcon()), widget.NewLabel("Callback log"))
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Icon).SetResource(a.items[id].icon)
			row.Objects[1].(*widget.Label).SetText(a.items[id].title)
		})
	a.nav.OnSelected = func(id widget.ListItemID) { a.showScreen(id) }
	split := container.NewHSplit(a.nav, a.stack)
	split.Offset = 0.15
	a.win.SetContent(container.NewBorder(nil, a.bar.box, nil, nil, split))
	a.win.Resize(windowSize)
	a.win.SetCloseIntercept(a.onClose)
	a.addShortcuts()
	if opt.TrayMenu {
		a.tray = newTrayMenu(a, fa)
	}
	svc.every(time.Second, a.tick)
	if opt.Instance != nil {
		opt.Instance.OnShow(func() { svc.onUI(a.show) })
	}
	a.nav.Select(0)
	return a
}

func (a *App) navItems() []*navItem {
	return []*navItem{
		{title: "Status", icon: theme.InfoIcon(), build: func() screen {
			a.status = newStatusScreen(a.svc, a.win, a.bar)
			return a.status
		}},
		{title: "Devices", icon: theme.ComputerIcon(), build: func() screen { return newDevicesScreen(a.svc, a.win) }},
		{title: "Operations", icon: theme.MailSendIcon(), build: func() screen { return newOperationsScreen(a.svc, a.win) }},
		{title: "Callback log", icon: theme.ListIcon(), build: func() screen { return newCallbackLogScreen(a.svc, a.win) }},
		{title: "Punches", icon: theme.HistoryIcon(), build: func() screen { return newPunchesScreen(a.svc, a.win) }},
		{title: "Users", icon: theme.AccountIcon(), build: func() screen { return newUsersScreen(a.svc, a.win) }},
		{title: "Gallery", icon: theme.MediaPhotoIcon(), build: func() screen { return newGalleryScreen(a.svc, a.win) }},
		{title: "Timesheet", icon: theme.GridIcon(), build: func() screen { return newTimesheetScreen(a.svc, a.win) }},
		{title: "Settings", icon: theme.SettingsIcon(), build: func() screen {
			s := newSettingsScreen(a.svc, a.win, a.opt.Autostart, a.opt.TrayHost)
			s.onListen = a.receiverChanged
			return s
		}},
	}
}

// showScreen shows the screen at index i, building it on first use.
func (a *App) showScreen(i int) {
	if i < 0 || i >= len(a.items) {
		return
	}
	it := a.items[i]
	first := it.screen == nil
	if first {
		it.screen = it.build()
		it.view = container.NewScroll(it.screen.content())
	}
	a.current = i
	a.stack.Objects = []fyne.CanvasObject{it.view}
	a.stack.Refresh()
	if sh, ok := it.screen.(shower); ok && !first {
		sh.shown()
	}
}

// selectTitle shows the screen with this title, as choosing it in the navigation does.
func (a *App) selectTitle(title string) bool {
	for i, it := range a.items {
		if it.title == title {
			a.nav.Select(i)
			return true
		}
	}
	return false
}

// addShortcuts maps Ctrl+1 … Ctrl+9 (Cmd on macOS) to the screens in navigation order, and Ctrl+Enter to Send.
func (a *App) addShortcuts() {
	keys := []fyne.KeyName{fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5, fyne.Key6, fyne.Key7, fyne.Key8, fyne.Key9}
	for i, k := range keys {
		idx := i
		a.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault},
			func(fyne.Shortcut) { a.nav.Select(idx) })
	}
	a.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault},
		func(fyne.Shortcut) {
			if a.current >= 0 {
				if s, ok := a.items[a.current].screen.(sender); ok {
					s.onSendKey()
				}
			}
		})
}

// tick refreshes what shows the receiver's counters once a second.
func (a *App) tick() {
	a.bar.refresh()
	if a.tray != nil {
		a.tray.update()
	}
}

// receiverChanged follows a pause, resume or move of the receiver everywhere it shows.
func (a *App) receiverChanged() {
	a.bar.refresh()
	if a.tray != nil {
		a.tray.update()
	}
	if a.status != nil {
		a.status.refresh()
	}
}

// Run shows the window (unless starting hidden in a tray) and runs until Quit.
func (a *App) Run() {
	a.fyne.Lifecycle().SetOnStarted(func() {
		if os.Getenv("CAMSDESK_TIMING") != "" && !a.opt.Started.IsZero() {
			fmt.Fprintf(os.Stderr, "camsdesk: started in %d ms\n", time.Since(a.opt.Started).Milliseconds())
		}
		if a.opt.StartErr != nil {
			dialog.ShowInformation("CamsDesk started with a problem", sentence(a.opt.StartErr.Error()), a.win)
		}
	})
	if a.opt.Hidden && a.tray != nil && a.opt.TrayHost {
		a.fyne.Run()
		return
	}
	a.win.ShowAndRun()
}

func (a *App) show() {
	a.win.Show()
	a.win.RequestFocus()
}

func (a *App) quit() { a.fyne.Quit() }

func (a *App) showError(err error) { dialog.ShowError(err, a.win) }

// onClose hides the window to the tray; without a tray host it says that closing quits and asks.
func (a *App) onClose() {
	if a.tray != nil && a.opt.TrayHost {
		a.win.Hide()
		if !a.hinted {
			a.hinted = true
			a.fyne.SendNotification(fyne.NewNotification("CamsDesk keeps running",
				"The receiver keeps taking callbacks. Open CamsDesk or quit it from the tray icon."))
		}
		return
	}
	d := dialog.NewConfirm("Quit CamsDesk?",
		"This desktop has no system tray, so CamsDesk cannot keep running in the background.\n"+
			"Closing the window quits it, and callbacks are no longer received until it starts again.",
		func(yes bool) {
			if yes {
				a.quit()
			}
		}, a.win)
	d.SetConfirmText("Quit")
	d.SetDismissText("Keep open")
	d.Show()
}

// sentence starts s with a capital and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
