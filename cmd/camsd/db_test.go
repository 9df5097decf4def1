package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/datatest"
	"github.com/camsdesk/camsdesk/device/simulator"
)

// TestDBFlagEveryCommand: --db points every command that opens the store at one database, whatever the data
// folder: serve stores there, the listings, timesheet and replay read there, send records its exchange there.
func TestDBFlagEveryCommand(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		config, serveDir, otherDir := rcvConfig(t), t.TempDir(), t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		addr, codes, out := startServeWith(t, ctx, "--config", config, "--data-dir", serveDir, "--listen", "127.0.0.1:0", "--db", db.DSN)
		for _, f := range []string{"11_punch_log.json", "05_user_updated_fingerprint.json", "02_date_modified.json"} {
			postDone(t, "http://"+addr+"/callback?stgid="+rcvSTGID, rcvSample(t, f))
		}
		stopServe(t, cancel, codes, out)

		count := func(args ...string) int {
			t.Helper()
			r := run(t, nil, append(args, "--config", config, "--data-dir", otherDir, "--db", db.DSN)...)
			var rows []map[string]any
			if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &rows) != nil {
				t.Fatalf("%v: exit %d: %s %s", args, r.code, r.stdout, r.stderr)
			}
			return len(rows)
		}
		for _, tt := range []struct {
			cmd  string
			want int
		}{{"punches", 1}, {"users", 1}, {"events", 1}} {
			if n := count(tt.cmd); n != tt.want {
				t.Errorf("%s --db: %d rows, want %d", tt.cmd, n, tt.want)
			}
		}
		r := run(t, nil, "punches", "--config", config, "--data-dir", otherDir)
		if r.code != exitFailure || !strings.Contains(r.stderr, "no database at") {
			t.Errorf("punches without --db on an empty folder: exit %d %s", r.code, r.stderr)
		}
		r = run(t, nil, "timesheet", "--from", "2020-01-01", "--to", "2030-12-31", "--config", config, "--data-dir", otherDir, "--db", db.DSN)
		if r.code != exitOK || strings.Count(strings.TrimSpace(r.stdout), "\n") < 1 {
			t.Errorf("timesheet --db: exit %d: %s %s", r.code, r.stdout, r.stderr)
		}
		r = run(t, nil, "replay", "--config", config, "--data-dir", serveDir, "--db", db.DSN)
		if r.code != exitOK || !strings.Contains(r.stdout, "0 callbacks stored") || !strings.Contains(r.stdout, "up to callback 3") {
			t.Errorf("replay --db: exit %d: %s %s", r.code, r.stdout, r.stderr)
		}

		_, simConfig, simDir := simSetup(t, simulator.Config{ProcessingTime: -1})
		if _, errOut, code := cli(t, "", "send", "LoadDeviceInformation", "--config", simConfig, "--db", db.DSN); code != exitOK {
			t.Fatalf("send --db: exit %d: %s", code, errOut)
		}
		store, err := data.Open(db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		xs, err := store.Exchanges(context.Background(), data.ExchangeFilter{Limit: 10})
		if err != nil || len(xs) != 1 || xs[0].Operation != "LoadDeviceInformation" {
			t.Errorf("exchanges in --db: %+v, %v", xs, err)
		}
		if fileExists(filepath.Join(simDir, data.DBFileName)) {
			t.Error("send created a database in the data folder despite --db")
		}
	})
}

// TestServeTakesReceiverLease: serve receives even when a desktop app holds the database's receiver lease; the
// desktop learns it lost the lease before serve takes its first callback, and serve releases it on exit.
func TestServeTakesReceiverLease(t *testing.T) {
	db := datatest.NewSQLite(t)
	desk, err := data.Open(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer desk.Close()
	lease, other, err := desk.ClaimReceiver(context.Background(), data.ReceiverInfo{Kind: data.ReceiverDesktop, Host: "front-desk"}, data.ReceiverTTL)
	if err != nil || lease == nil || other != nil {
		t.Fatalf("desktop claim: %v %+v", err, other)
	}
	defer lease.Release(context.Background())

	ctx, cancel := context.WithCancel(context.Background())
	_, codes, out := startServeWith(t, ctx, "--config", rcvConfig(t), "--data-dir", t.TempDir(), "--listen", "127.0.0.1:0", "--db", db.DSN)
	select {
	case <-lease.Lost():
	default:
		t.Error("serve listens while the desktop still holds the lease")
	}
	if !strings.Contains(out.String(), "another program was receiving") || !strings.Contains(out.String(), "front-desk") {
		t.Errorf("no warning about the desktop:\n%s", out.String())
	}
	if h, err := desk.ActiveReceiver(context.Background(), data.ReceiverTTL); err != nil || h == nil || h.Kind != data.ReceiverServer {
		t.Errorf("active receiver = %+v, %v; want serve", h, err)
	}
	stopServe(t, cancel, codes, out)
	deadline := time.Now().Add(5 * time.Second)
	for {
		h, err := desk.ActiveReceiver(context.Background(), data.ReceiverTTL)
		if err == nil && h == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after serve stopped, active receiver = %+v, %v; want none", h, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReplayRefusesWhileAnotherReceives: replay numbers callbacks too, so it waits for its turn.
func TestReplayRefusesWhileAnotherReceives(t *testing.T) {
	db := datatest.NewSQLite(t)
	other, err := data.Open(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lease, _, err := other.ClaimReceiver(context.Background(), data.ReceiverInfo{Kind: data.ReceiverServer, Host: "server-2"}, data.ReceiverTTL)
	if err != nil || lease == nil {
		t.Fatal(err)
	}
	defer lease.Release(context.Background())
	r := run(t, nil, "replay", "--config", rcvConfig(t), "--data-dir", t.TempDir(), "--db", db.DSN)
	if r.code != exitFailure || !strings.Contains(r.stderr, "server-2") {
		t.Errorf("replay while server-2 receives: exit %d %s", r.code, r.stderr)
	}
}

// TestServiceInstallPassesServeFlags: install hands --db and the HTTPS and metrics flags on to serve (paths
// made absolute), and refuses a password on the command line.
func TestServiceInstallPassesServeFlags(t *testing.T) {
	cwd, _ := filepath.Abs(".")
	tests := []struct {
		name string
		args []string
		code int
		want []string
		not  []string
	}{
		{"db and https", []string{"--db", "postgres://cams@db.example.com/cams", "--tls-cert", "c.pem", "--tls-key", "/etc/k.pem", "--metrics=false"},
			exitOK, []string{"--db=postgres://cams@db.example.com/cams", "--tls-cert=" + filepath.Join(cwd, "c.pem"), "--tls-key=/etc/k.pem", "--metrics=false"}, nil},
		{"automatic certificates", []string{"--tls-domain", "cams.example.com", "--acme-email", "it@example.com"},
			exitOK, []string{"--tls-domain=cams.example.com", "--acme-email=it@example.com"}, []string{"--acme-http", "--db", "--metrics"}},
		{"password refused", []string{"--db", "postgres://cams:S3cret@db.example.com/cams"},
			exitUsage, []string{"leave the password out"}, []string{"S3cret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, nil, append([]string{"service", "install", "--dry-run", "--data-dir", t.TempDir()}, tt.args...)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d: %s %s", r.code, tt.code, r.stdout, r.stderr)
			}
			all := r.stdout + r.stderr
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("no %q in:\n%s", w, all)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(all, n) {
					t.Errorf("%q in:\n%s", n, all)
				}
			}
		})
	}
}
