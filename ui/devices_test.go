package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
)

const (
	goodToken = "0123456789abcdef0123456789ABCDEF"
	goodURL   = "https://gateway.example.com/external/api3.0/biometric"
)

func TestDeviceValidationAsYouType(t *testing.T) {
	svc, _ := testServices(t)
	w := testWindow(t, nil)
	s := newDevicesScreen(svc, w)
	w.SetContent(s.content())

	tests := []struct {
		name  string
		entry *widget.Entry
		text  string
		want  string // in the entry's validation error; "" for none
	}{
		{"name required", s.name, " ", "give the device a name"},
		{"endpoint without scheme", s.endpoint, "gateway.example.com/x", "must be a full URL"},
		{"endpoint of another scheme", s.endpoint, "ftp://gateway.example.com/x", "must be a full URL"},
		{"endpoint fine", s.endpoint, goodURL, ""},
		{"stgid with a space", s.stgid, "AB CD", "no spaces"},
		{"short auth token", s.authToken, "abc123", "must be 32 characters, got 6"},
		{"long callback token", s.callbackToken, goodToken + "x", "must be 32 characters, got 33"},
		{"token with spaces around", s.authToken, " " + goodToken[1:31] + " ", "spaces at the start or end"},
		{"security key fine", s.key, goodToken, ""},
		{"unknown zone", &s.zone.Entry, "Mars/Olympus", "unknown time zone"},
		{"offset zone", &s.zone.Entry, "+05:30", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.entry.SetText("")
			test.Type(tt.entry, tt.text)
			err := tt.entry.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("%q refused: %v", tt.text, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("%q: validation error %v, want one saying %q", tt.text, err, tt.want)
			}
			if tt.want != "" && !s.save.Disabled() {
				t.Fatal("Save is enabled with a problem in the form")
			}
		})
	}

	// Filled correctly, the form saves the device to the settings file.
	for e, v := range map[*widget.Entry]string{s.name: "Main Gate", s.endpoint: goodURL, s.stgid: "STG0001",
		s.authToken: goodToken, s.callbackToken: "", s.key: "", &s.zone.Entry: "Asia/Kolkata"} {
		e.SetText(v)
	}
	if s.save.Disabled() {
		t.Fatalf("Save disabled on a valid form: %s", s.formNote.Text)
	}
	test.Tap(s.save)
	saved, err := data.LoadConfig(svc.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := saved.Device("Main Gate")
	if !ok || p.STGID != "STG0001" || p.AuthToken != goodToken || p.TimeZone != "Asia/Kolkata" {
		t.Fatalf("saved profile = %+v, %v", p, ok)
	}

	// A second device may not take the same name or stgid.
	s.onNew()
	test.Type(s.name, "main gate")
	test.Type(s.stgid, "STG0001")
	if err := s.name.Validate(); err == nil || !strings.Contains(err.Error(), "already has this name") {
		t.Errorf("duplicate name: %v", err)
	}
	if err := s.stgid.Validate(); err == nil || !strings.Contains(err.Error(), "already has this service tag id") {
		t.Errorf("duplicate stgid: %v", err)
	}
	if !s.save.Disabled() {
		t.Error("Save is enabled for a duplicate device")
	}
}

func TestNewDeviceFormStartsWithoutErrors(t *testing.T) {
	svc, _ := testServices(t)
	w := testWindow(t, nil)
	s := newDevicesScreen(svc, w)
	w.SetContent(s.content())
	if !s.firstRun.card.Visible() {
		t.Error("with no device the first-run offer is hidden")
	}
	for _, msg := range []string{"must be", "give the device a name", "copy the"} {
		if shownText(w.Canvas(), msg) {
			t.Errorf("an empty form already shows an error saying %q", msg)
		}
	}
	if !s.save.Disabled() {
		t.Error("Save enabled on an empty form")
	}
}

func TestTestConnection(t *testing.T) {
	svc, q := liveServices(t)
	if err := svc.startSimulation(SimulatedDeviceName); err != nil {
		t.Fatal(err)
	}
	svc.Simulator.Gateway.StopPunches()
	w := testWindow(t, nil)
	s := newDevicesScreen(svc, w)
	w.SetContent(s.content())
	s.reload(SimulatedDeviceName)

	test.Tap(s.test)
	waitFor(t, q, "the test's answer", func() bool { return !s.testing })
	if !strings.HasPrefix(s.result.Text, "✓ Connected to") {
		t.Fatalf("test connection: %q", s.result.Text)
	}

	// A wrong token, not yet saved, is tested as typed and explained.
	s.authToken.SetText(strings.Repeat("x", 32))
	test.Tap(s.test)
	waitFor(t, q, "the test's answer", func() bool { return !s.testing })
	if !strings.Contains(s.result.Text, "status 7: invalid auth token") || !strings.Contains(s.result.Text, "API Monitor") {
		t.Fatalf("wrong token: %q", s.result.Text)
	}
}
