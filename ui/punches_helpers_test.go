package ui

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/device/simulator"
)

// storeServices are Services over a real store in a temp folder, without a receiver, and the UI queue.
func storeServices(t testing.TB) (*Services, *queueRunner) {
	t.Helper()
	dir := t.TempDir()
	store, err := data.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	cfg := data.DefaultConfig()
	cfg.DataDir = dir
	cfg.Listen = "127.0.0.1:0"
	svc := NewServices(store, nil, cfg, filepath.Join(dir, "config.json"), nil)
	q := newQueueRunner()
	svc.ui = q
	return svc, q
}

// showScreen builds a screen with a window of a fresh test app, and shows it there.
func showScreen[S interface{ content() fyne.CanvasObject }](t *testing.T, build func(w fyne.Window) S) (S, fyne.Window) {
	t.Helper()
	w := testWindow(t, widget.NewLabel(""))
	s := build(w)
	w.SetContent(s.content())
	w.Resize(fyne.NewSize(1100, 760))
	return s, w
}

// objectShows reports whether the rendered object (a table, a grid) holds every text.
func objectShows(o fyne.CanvasObject, texts ...string) bool {
	m := test.RenderObjectToMarkup(o)
	for _, text := range texts {
		if !strings.Contains(m, text) {
			return false
		}
	}
	return true
}

// seedPunch is a punch as a device writes it.
type seedPunch struct {
	stgid, user, at, typ string
}

// seedPunches stores punches (devices named "Gate <stgid>") and returns the device ids by stgid.
func seedPunches(t testing.TB, s *data.Store, punches []seedPunch) map[string]uint {
	t.Helper()
	ctx := context.Background()
	ids := map[string]uint{}
	for _, p := range punches {
		id, ok := ids[p.stgid]
		if !ok {
			d, err := s.EnsureDevice(ctx, p.stgid, "Gate "+p.stgid)
			if err != nil {
				t.Fatal(err)
			}
			id, ids[p.stgid] = d.ID, d.ID
		}
		at, err := device.ParseTime(p.at, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Apply(ctx, data.Change{DeviceID: id, Punches: []data.Punch{{UserID: p.user, UTC: at.UTC, Local: at.Local,
			LocalDate: at.LocalDate(), UTCOffset: at.Offset, LogTime: p.at, Type: p.typ, InputType: "Face", Source: data.SourceCallback}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// seedUser stores a user of a device.
func seedUser(t testing.TB, s *data.Store, deviceID uint, u data.User, templates ...data.Template) {
	t.Helper()
	u.DeviceID = deviceID
	for i := range templates {
		templates[i].UserID = u.UserID
	}
	if _, err := s.Apply(context.Background(), data.Change{DeviceID: deviceID, User: &u, Templates: templates}); err != nil {
		t.Fatal(err)
	}
}

// simDevice is a simulated gateway on loopback and the profile that reaches it.
type simDevice struct {
	g       *simulator.Gateway
	profile device.Profile
}

// ist is the device zone of the UI tests.
var ist = time.FixedZone("GMT +0530", 5*3600+1800)

// newSimDevice starts a simulated gateway named name; its callbacks go to callbackURL when not empty.
func newSimDevice(t testing.TB, name, stgid, callbackURL string) simDevice {
	t.Helper()
	g := simulator.New(simulator.Config{STGID: stgid, Zone: ist, CallbackURL: callbackURL, ProcessingTime: -1, Seed: 7})
	srv := httptest.NewServer(g.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(g.Close)
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := g.Config()
	return simDevice{g: g, profile: device.Profile{Name: name, Endpoint: srv.URL + simulator.EndpointPath, STGID: c.STGID,
		AuthToken: c.AuthToken, CallbackAuthToken: c.CallbackToken, TimeZone: "+05:30"}}
}

// addProfiles configures the devices in svc.
func addProfiles(t testing.TB, svc *Services, ps ...device.Profile) {
	t.Helper()
	err := svc.UpdateConfig(func(c *data.Config) error {
		for _, p := range ps {
			c.Put(p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
