package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/device"
)

const loadToken = "A1B2C3D4E5F6G7H8I9J0K1L2M3N4O5P6"

// receiverFor runs a real receiver for the Load Gate device and returns its callback URL.
func receiverFor(t *testing.T, dir string) string {
	t.Helper()
	profiles := []device.Profile{{Name: "Load Gate", STGID: "SIM-LOAD", AuthToken: loadToken, CallbackAuthToken: loadToken, TimeZone: "+05:30"}}
	return receiverWith(t, dir, profiles) + "/callback?stgid=SIM-LOAD"
}

// TestLoadCountsMatchStore: every kind of load is acknowledged in full and stored in full.
func TestLoadCountsMatchStore(t *testing.T) {
	for _, kind := range []string{loadPunch, loadPhoto, loadUser} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			url := receiverFor(t, dir)
			res, err := runLoad(context.Background(), loadConfig{URL: url, Token: loadToken, Kind: kind, Concurrency: 4,
				Duration: 300 * time.Millisecond, PhotoBytes: 20 << 10, DataDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if res.Done == 0 || res.NotDone != 0 || res.Errors != 0 || res.Stored != int64(res.Done) {
				t.Fatalf("result = %+v", res)
			}
			if res.P50 <= 0 || res.P99 < res.P50 || res.PerSecond <= 0 {
				t.Errorf("latencies = %+v", res)
			}
			var out strings.Builder
			printLoad(&out, res)
			if !strings.Contains(out.String(), "every acknowledged callback is stored") {
				t.Errorf("report: %s", out.String())
			}
		})
	}
}

// TestLoadWrongToken: a receiver that rejects the token still answers done, and nothing is stored.
func TestLoadWrongToken(t *testing.T) {
	dir := t.TempDir()
	url := receiverFor(t, dir)
	res, err := runLoad(context.Background(), loadConfig{URL: url, Token: strings.Repeat("x", 32), Kind: loadPunch,
		Concurrency: 2, Duration: 100 * time.Millisecond, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Done == 0 || res.Stored != 0 {
		t.Errorf("result = %+v", res)
	}
}

func TestLoadConfigCheck(t *testing.T) {
	good := loadConfig{URL: "http://127.0.0.1:5000/callback", Token: "t", Kind: loadPunch, Concurrency: 1, Duration: time.Second, PhotoBytes: 100 << 10}
	if err := good.check(); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*loadConfig){
		"remote host":   func(c *loadConfig) { c.URL = "http://192.0.2.1:5000/callback" },
		"not a URL":     func(c *loadConfig) { c.URL = "127.0.0.1:5000" },
		"no token":      func(c *loadConfig) { c.Token = "" },
		"kind":          func(c *loadConfig) { c.Kind = "fingerprint" },
		"concurrency":   func(c *loadConfig) { c.Concurrency = 0 },
		"duration":      func(c *loadConfig) { c.Duration = time.Hour },
		"photo too big": func(c *loadConfig) { c.Kind, c.PhotoBytes = loadPhoto, 64<<20 },
	} {
		c := good
		mutate(&c)
		if err := c.check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := (loadConfig{URL: "http://[::1]:5000/callback", Token: "t", Kind: loadUser, Concurrency: 1, Duration: time.Second}).check(); err != nil {
		t.Errorf("::1: %v", err)
	}
}

func TestNoiseJPEGSize(t *testing.T) {
	for _, size := range []int{10 << 10, 100 << 10} {
		b := noiseJPEG(size)
		if len(b) < size || len(b) > size*3/2 || b[0] != 0xFF || b[1] != 0xD8 {
			t.Errorf("noiseJPEG(%d) = %d bytes", size, len(b))
		}
	}
}
