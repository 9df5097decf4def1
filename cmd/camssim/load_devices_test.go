package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/receiver"
)

// TestLoadBodies: every kind of body is a callback of that kind, for the given user, device and time.
func TestLoadBodies(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		kind, want string
	}{
		{loadPunch, device.KindPunchLog},
		{loadPhoto, device.KindPhoto},
		{loadUser, device.KindUserUpdated},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			m := newBodyMaker(loadConfig{Kind: tt.kind, Token: `to"ken`}, "/9j/AAAA")
			for i := range 3 {
				body := m.append(nil, "L1-7", "SIM-LOAD-0042", at.Add(time.Duration(i)*time.Second), i)
				cb, err := device.DecodeCallback(body)
				if err != nil {
					t.Fatalf("callback %d: %v\n%s", i, err, body)
				}
				if k := cb.Kinds(); !slices.Equal(k, []string{tt.want}) {
					t.Errorf("callback %d kinds %v, want %s", i, k, tt.want)
				}
				if cb.Token() != `to"ken` {
					t.Errorf("token %q", cb.Token())
				}
				if _, serial, _ := cb.Envelope(); serial != "SIM-LOAD-0042" {
					t.Errorf("serial %q", serial)
				}
				rt := cb.RealTime
				var user, when string
				switch tt.kind {
				case loadPunch:
					user, when = string(rt.PunchLog.UserID), string(rt.PunchLog.LogTime)
				case loadPhoto:
					user, when = string(rt.Log.UserID), string(rt.Log.LogTime)
				case loadUser:
					user, when = string(rt.UserUpdated.UserID), string(rt.UserUpdated.OperationTime)
				}
				wantWhen := at.Add(time.Duration(i)*time.Second+5*time.Hour+30*time.Minute).Format("2006-01-02 15:04:05") + " GMT +0530"
				if (user != "L1-7" && tt.kind != loadUser) || when != wantWhen {
					t.Errorf("callback %d: user %q at %q, want L1-7 at %q", i, user, when, wantWhen)
				}
			}
		})
	}
}

// TestLoadDevices: with --devices the load goes round the devices of the config it writes, and every
// acknowledged callback is stored under its own device.
func TestLoadDevices(t *testing.T) {
	dir := t.TempDir()
	cfg := loadConfig{URL: "http://127.0.0.1:5000/callback", Token: loadToken, Kind: loadPunch, Concurrency: 3, Duration: 300 * time.Millisecond,
		DataDir: dir, Devices: 4, STGIDPrefix: "LOAD"}
	path := filepath.Join(t.TempDir(), "config.json")
	if err := writeLoadConfig(path, cfg); err != nil {
		t.Fatal(err)
	}
	written, err := data.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := written.Validate(); err != nil {
		t.Fatalf("written config: %v", err)
	}
	cfg.URL = "http://127.0.0.1:5000/callback?stgid=OTHER&x=1"
	devs := cfg.devices()
	if len(written.Devices) != 4 || len(devs) != 4 {
		t.Fatalf("%d devices written, %d posted to; want 4", len(written.Devices), len(devs))
	}
	for k, d := range devs {
		u, err := url.Parse(d.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := u.Query().Get("stgid"); got != written.Devices[k].STGID || written.Devices[k].CallbackAuthToken != loadToken {
			t.Errorf("device %d: posts to stgid %q, config has %+v", k, got, written.Devices[k])
		}
	}
	cfg.URL = receiverWith(t, dir, written.Devices) + "/callback"
	res, err := runLoad(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Done == 0 || res.NotDone != 0 || res.Errors != 0 || res.Stored != int64(res.Done) {
		t.Fatalf("result = %+v", res)
	}
	store, err := data.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, p := range written.Devices {
		d, err := store.DeviceBySTGID(context.Background(), p.STGID)
		if err != nil {
			t.Fatalf("device %s not stored: %v", p.STGID, err)
		}
		if n, err := store.CountPunches(context.Background(), data.PunchFilter{DeviceID: d.ID}); err != nil || n == 0 {
			t.Errorf("device %s: %d punches, %v", p.STGID, n, err)
		}
	}
}

// TestLoadCommandConnectionPerDevice: `load --devices N` sends over one connection per device unless
// --concurrency is given.
func TestLoadCommandConnectionPerDevice(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	if err := writeLoadConfig(path, loadConfig{URL: "http://127.0.0.1:5000/callback", Token: loadToken, Devices: 5, STGIDPrefix: "LOAD"}); err != nil {
		t.Fatal(err)
	}
	written, err := data.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	base := receiverWith(t, dir, written.Devices)
	for _, tc := range []struct {
		flags []string
		want  int
	}{
		{nil, 5},
		{[]string{"--concurrency", "2"}, 2},
	} {
		cmd := newLoadCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetArgs(append([]string{"--url", base + "/callback", "--token", loadToken, "--devices", "5",
			"--duration", "200ms", "--data-dir", dir, "--json"}, tc.flags...))
		if err := cmd.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("%v: %v", tc.flags, err)
		}
		var res loadResult
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%v: %v in %s", tc.flags, err, out.Bytes())
		}
		if res.Concurrency != tc.want || res.Done == 0 || res.Stored != int64(res.Done) {
			t.Errorf("%v: %d connections, %d done, %d stored; want %d connections, all stored",
				tc.flags, res.Concurrency, res.Done, res.Stored, tc.want)
		}
	}
}

func TestLoadConfigCheckDevices(t *testing.T) {
	good := loadConfig{URL: "http://127.0.0.1:5000/callback", Token: "t", Kind: loadPunch, Concurrency: 1, Duration: time.Second,
		Devices: 100, STGIDPrefix: "LOAD"}
	if err := good.check(); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*loadConfig){
		"too many devices": func(c *loadConfig) { c.Devices = 20000 },
		"prefix":           func(c *loadConfig) { c.STGIDPrefix = "a/b" },
		"db not postgres":  func(c *loadConfig) { c.DB = "/tmp/x.db" },
		"db and data dir":  func(c *loadConfig) { c.DB, c.DataDir = "postgres://localhost/x", "/tmp" },
	} {
		c := good
		mutate(&c)
		if err := c.check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// receiverWith runs a real receiver for profiles on a SQLite file in dir and returns its base URL.
func receiverWith(t *testing.T, dir string, profiles []device.Profile) string {
	t.Helper()
	store, err := data.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	rcv, err := receiver.New(receiver.Options{Store: store, DataDir: dir, Profiles: func() []device.Profile { return profiles },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := rcv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rcv.Handler())
	t.Cleanup(func() {
		srv.Close()
		rcv.Close(context.Background())
		store.Close()
	})
	return srv.URL
}
