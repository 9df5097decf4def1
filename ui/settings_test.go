package ui

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/ui/autostart"
)

func TestSettingsStartAtLoginAndHidden(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		t.Skip("checks the XDG autostart file")
	}
	xdg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", xdg)
	svc, _ := testServices(t)
	w := testWindow(t, nil)
	entry := autostart.Entry{ID: AppID, Name: AppName, Exec: []string{"/opt/CamsDesk/camsdesk", "--hidden"}}
	s := newSettingsScreen(svc, w, entry, true)
	w.SetContent(s.content())
	file := filepath.Join(xdg, "autostart", AppID+".desktop")

	s.login.SetChecked(true)
	b, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(b), "Exec=/opt/CamsDesk/camsdesk --hidden") {
		t.Fatalf("autostart file: %q, %v", b, err)
	}
	s.hidden.SetChecked(true)
	saved, err := data.LoadConfig(svc.ConfigPath)
	if err != nil || !saved.StartAtLogin || !saved.StartHidden {
		t.Fatalf("saved settings: login %v hidden %v, %v", saved.StartAtLogin, saved.StartHidden, err)
	}

	s.login.SetChecked(false)
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("autostart file still there: %v", err)
	}
	if saved, _ := data.LoadConfig(svc.ConfigPath); saved.StartAtLogin {
		t.Error("start at login still saved")
	}
}

func TestSettingsWithoutTrayCannotStartHidden(t *testing.T) {
	svc, _ := testServices(t)
	w := testWindow(t, nil)
	s := newSettingsScreen(svc, w, autostart.Entry{ID: AppID, Exec: []string{"camsdesk"}}, false)
	w.SetContent(s.content())
	if !s.hidden.Disabled() || !strings.Contains(s.hidden.Text, "no system tray") {
		t.Fatalf("start hidden offered without a tray: %q disabled %v", s.hidden.Text, s.hidden.Disabled())
	}
}

func TestSettingsListenRefusesBadAddress(t *testing.T) {
	svc, _ := testServices(t)
	w := testWindow(t, nil)
	s := newSettingsScreen(svc, w, autostart.Entry{ID: AppID, Exec: []string{"camsdesk"}}, true)
	w.SetContent(s.content())
	for _, bad := range []string{"5000", "host:port", ":99999"} {
		s.listen.SetText(bad)
		if err := s.listen.Validate(); err == nil {
			t.Errorf("listen address %q accepted", bad)
		}
	}
	s.listen.SetText(":5001")
	if err := s.listen.Validate(); err != nil {
		t.Errorf(":5001 refused: %v", err)
	}
}
