package ui

import (
	"fmt"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	fynesettings "fyne.io/fyne/v2/cmd/fyne_settings/settings"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/ui/autostart"
)

// settingsScreen holds the app's own settings: data folder, listen address, start at login, start hidden, the
// database (settings_db.go), and Fyne's appearance settings.
type settingsScreen struct {
	svc     *Services
	win     fyne.Window
	entry   autostart.Entry
	dataDir *widget.Entry
	listen  *widget.Entry
	login   *widget.Check
	hidden  *widget.Check
	note    *widget.Label
	db      *dbSettings
	quiet   bool
	// onListen is called after the receiver moved, for the status bar and tray to follow.
	onListen func()
	box      fyne.CanvasObject
}

func newSettingsScreen(svc *Services, win fyne.Window, entry autostart.Entry, trayHost bool) *settingsScreen {
	s := &settingsScreen{svc: svc, win: win, entry: entry, note: widget.NewLabel("")}
	s.note.Wrapping = fyne.TextWrapWord

	s.dataDir = widget.NewEntry()
	s.dataDir.SetText(svc.Config.DataDir)
	browse := widget.NewButtonWithIcon("Choose…", theme.FolderOpenIcon(), s.onBrowse)
	saveDir := widget.NewButton("Use this folder", s.onSaveDataDir)

	s.listen = widget.NewEntry()
	s.listen.SetText(svc.Config.Listen)
	s.listen.Validator = func(v string) error {
		probe := *svc.Config
		probe.Listen = strings.TrimSpace(v)
		for _, fe := range data.FieldErrors(probe.Validate()) {
			if fe.Field == "listen" {
				return fmt.Errorf("%s", fe.Msg)
			}
		}
		return nil
	}
	applyListen := widget.NewButton("Listen here", s.onApplyListen)

	s.login = widget.NewCheck("Start CamsDesk when I log in (in the tray)", s.onStartAtLogin)
	s.hidden = widget.NewCheck("Start hidden in the tray", s.onStartHidden)
	s.quiet = true
	s.login.SetChecked(svc.Config.StartAtLogin)
	s.hidden.SetChecked(svc.Config.StartHidden)
	s.quiet = false
	if !trayHost {
		s.hidden.Disable()
		s.hidden.Text = "Start hidden in the tray (this desktop has no system tray)"
		s.hidden.Refresh()
	}

	general := widget.NewCard("CamsDesk", "", container.NewVBox(
		widget.NewForm(
			widget.NewFormItem("Data folder", container.NewBorder(nil, nil, nil, container.NewHBox(browse, saveDir), s.dataDir)),
			widget.NewFormItem("Listen address", container.NewBorder(nil, nil, nil, applyListen, s.listen)),
		),
		s.login, s.hidden, s.note,
	))
	s.db = newDBSettings(svc, win)
	appearance := fynesettings.NewSettings().LoadAppearanceScreen(win)
	s.box = container.NewVScroll(container.NewPadded(container.NewVBox(general, s.db.card, appearance, layout.NewSpacer())))
	return s
}

func (s *settingsScreen) content() fyne.CanvasObject { return s.box }

func (s *settingsScreen) shown() {
	s.listen.SetText(s.svc.Config.Listen)
	s.db.shown()
}

func (s *settingsScreen) onBrowse() {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil {
			dialog.ShowError(err, s.win)
			return
		}
		if u != nil {
			s.dataDir.SetText(u.Path())
		}
	}, s.win)
	d.Show()
}

// onSaveDataDir saves the data folder; the database moves only with a restart, so nothing is lost midway.
func (s *settingsScreen) onSaveDataDir() {
	dir := strings.TrimSpace(s.dataDir.Text)
	if dir == s.svc.Config.DataDir {
		s.note.SetText("CamsDesk already uses this folder.")
		return
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		dialog.ShowError(fmt.Errorf("the folder cannot be used: %w", err), s.win)
		return
	}
	if err := s.svc.UpdateConfig(func(c *data.Config) error { c.DataDir = dir; return nil }); err != nil {
		dialog.ShowError(fmt.Errorf("not saved: %s", problemList(err)), s.win)
		return
	}
	s.note.SetText("Saved. CamsDesk uses " + dir + " from its next start; the data so far stays in " + s.svc.DataDir + ".")
}

func (s *settingsScreen) onApplyListen() {
	if err := s.listen.Validate(); err != nil {
		return
	}
	if err := s.svc.Listen(s.listen.Text); err != nil {
		dialog.ShowError(err, s.win)
		return
	}
	s.note.SetText("The receiver now listens on " + s.svc.Config.Listen + ". Update the callback URL in API Monitor.")
	if s.onListen != nil {
		s.onListen()
	}
}

func (s *settingsScreen) onStartAtLogin(on bool) {
	if s.quiet {
		return
	}
	var err error
	if on {
		err = autostart.Enable(s.entry)
	} else {
		err = autostart.Disable(s.entry)
	}
	if err == nil {
		err = s.svc.UpdateConfig(func(c *data.Config) error { c.StartAtLogin = on; return nil })
	}
	if err != nil {
		dialog.ShowError(fmt.Errorf("start at login was not changed: %w", err), s.win)
		s.quiet = true
		s.login.SetChecked(!on)
		s.quiet = false
		return
	}
	if on {
		s.note.SetText("CamsDesk will start in the tray when you log in.")
	} else {
		s.note.SetText("CamsDesk will not start when you log in.")
	}
}

func (s *settingsScreen) onStartHidden(on bool) {
	if s.quiet {
		return
	}
	if err := s.svc.UpdateConfig(func(c *data.Config) error { c.StartHidden = on; return nil }); err != nil {
		dialog.ShowError(err, s.win)
		return
	}
	if on {
		s.note.SetText("CamsDesk will start in the tray; open it from the tray icon.")
	} else {
		s.note.SetText("CamsDesk will open its window when it starts.")
	}
}
