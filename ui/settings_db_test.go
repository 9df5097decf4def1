package ui

import (
	"strings"
	"testing"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/datatest"
)

func dbSettingsScreen(t *testing.T, db string) (*dbSettings, *Services, *queueRunner) {
	t.Helper()
	svc, q := testServices(t)
	svc.Config.DB = db
	w := testWindow(t, nil)
	d := newDBSettings(svc, w)
	w.SetContent(d.card)
	return d, svc, q
}

// TestDBSettingsMasksPassword: the password sits in a masked field of its own, never in the URL field or a
// message, and is saved with the URL.
func TestDBSettingsMasksPassword(t *testing.T) {
	d, svc, _ := dbSettingsScreen(t, "postgres://cams:S3cret@db.example.com:5432/camsdesk?sslmode=disable")
	if d.kind.Selected != dbChoicePostgres || d.url.Text != "postgres://cams@db.example.com:5432/camsdesk?sslmode=disable" {
		t.Errorf("kind %q, url %q", d.kind.Selected, d.url.Text)
	}
	if !d.password.Password || d.password.Text != "S3cret" {
		t.Errorf("password field: masked %v, %q", d.password.Password, d.password.Text)
	}
	if strings.Contains(d.inUse.Text, "S3cret") {
		t.Errorf("in use: %q", d.inUse.Text)
	}

	d.url.SetText("postgres://cams@db2.example.com/camsdesk")
	d.password.SetText("n3w pass")
	d.onUse()
	saved, err := data.LoadConfig(svc.ConfigPath)
	if err != nil || saved.DB != "postgres://cams:n3w%20pass@db2.example.com/camsdesk" {
		t.Fatalf("saved db %q, %v", data.MaskDSN(saved.DB), err)
	}
	if strings.Contains(d.note.Text, "n3w") || !strings.Contains(d.note.Text, "db2.example.com") {
		t.Errorf("note %q", d.note.Text)
	}

	d.kind.SetSelected(dbChoiceSQLite)
	if !d.url.Disabled() || !d.test.Disabled() {
		t.Error("URL and Test stay enabled for SQLite")
	}
	d.onUse()
	if saved, _ := data.LoadConfig(svc.ConfigPath); saved.DB != "" {
		t.Errorf("saved db %q, want SQLite in the data folder", data.MaskDSN(saved.DB))
	}
}

func TestDBSettingsRefusesBadURL(t *testing.T) {
	tests := []struct {
		name, url, password, want string
	}{
		{"another scheme", "mysql://cams@db/cams", "", "starts with postgres://"},
		{"no host", "postgres://", "", "not a URL"},
		{"password in the URL", "postgres://cams:pw@db/cams", "", "Password field"},
		{"password parameter", "postgres://cams@db/cams?password=pw", "", "Password field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, svc, _ := dbSettingsScreen(t, "")
			d.kind.SetSelected(dbChoicePostgres)
			d.url.SetText(tt.url)
			d.password.SetText(tt.password)
			d.onUse()
			if !strings.Contains(d.note.Text, tt.want) || svc.Config.DB != "" {
				t.Errorf("note %q, db %q", d.note.Text, svc.Config.DB)
			}
		})
	}
}

// TestDBSettingsTest: Test connects in the background and says what it found, or why it cannot, without the
// password.
func TestDBSettingsTest(t *testing.T) {
	d, _, q := dbSettingsScreen(t, "")
	d.kind.SetSelected(dbChoicePostgres)
	d.url.SetText("postgres://cams@127.0.0.1:1/camsdesk?connect_timeout=5")
	d.password.SetText("S3cret")
	d.onTest()
	waitFor(t, q, "the test's answer", func() bool { return strings.Contains(d.note.Text, "cannot use") })
	if strings.Contains(d.note.Text, "S3cret") || d.test.Disabled() {
		t.Errorf("note %q, test disabled %v", d.note.Text, d.test.Disabled())
	}
	if !datatest.PostgresAvailable() {
		return
	}
	db := datatest.NewPostgres(t)
	base, password := splitDSN(db.DSN)
	d.url.SetText(base)
	d.password.SetText(password)
	d.onTest()
	waitFor(t, q, "the test's answer", func() bool { return strings.Contains(d.note.Text, "Connected to PostgreSQL") })
	if !strings.Contains(d.note.Text, "0 devices") || !strings.Contains(d.note.Text, "No PC receives") {
		t.Errorf("note %q", d.note.Text)
	}
}

// TestDBSettingsReceiveSwitch: the switch turns receiving on this PC off and on, and is saved.
func TestDBSettingsReceiveSwitch(t *testing.T) {
	a, _ := sharedDesktop(t, datatest.NewSQLite(t), "pc-a")
	w := testWindow(t, nil)
	d := newDBSettings(a, w)
	w.SetContent(d.card)
	if !d.receive.Checked {
		t.Fatal("the switch is off while this PC receives")
	}
	d.receive.SetChecked(false)
	if a.Server.State().Running || !a.Config.ReceiverOff || !strings.Contains(d.note.Text, "no longer receives") {
		t.Errorf("off: running %v, saved off %v, note %q", a.Server.State().Running, a.Config.ReceiverOff, d.note.Text)
	}
	d.receive.SetChecked(true)
	if !a.Server.State().Running || a.Config.ReceiverOff || !strings.Contains(d.note.Text, "receives callbacks again") {
		t.Errorf("on: running %v, saved off %v, note %q", a.Server.State().Running, a.Config.ReceiverOff, d.note.Text)
	}
}

func TestSplitJoinDSN(t *testing.T) {
	tests := []struct {
		dsn, base, password string
	}{
		{"postgres://cams:pw@db:5432/cams?sslmode=disable", "postgres://cams@db:5432/cams?sslmode=disable", "pw"},
		{"postgresql://cams@db/cams", "postgresql://cams@db/cams", ""},
		{"postgres://db/cams?password=p%26w&sslmode=require", "postgres://db/cams?sslmode=require", "p&w"},
		{"", "", ""},
	}
	for _, tt := range tests {
		base, password := splitDSN(tt.dsn)
		if base != tt.base || password != tt.password {
			t.Errorf("split %q = %q, %q; want %q, %q", data.MaskDSN(tt.dsn), base, password, tt.base, tt.password)
		}
		if tt.dsn == "" {
			continue
		}
		joined, err := joinDSN(base, password)
		if err != nil {
			t.Errorf("join %q: %v", base, err)
			continue
		}
		if b, p := splitDSN(joined); b != base || p != password {
			t.Errorf("join then split %q = %q, %q", base, b, p)
		}
	}
}
