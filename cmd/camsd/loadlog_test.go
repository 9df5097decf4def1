package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/device/simulator"
)

func countStoredPunches(t *testing.T, dataDir string) int64 {
	t.Helper()
	s, err := data.OpenDir(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, err := s.CountPunches(context.Background(), data.PunchFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLoadLogCommand(t *testing.T) {
	g, config, dataDir := simSetup(t, simulator.Config{ProcessingTime: -1, Seed: 11})
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, simZone)
	if err := g.GeneratePunches(1200, from, time.Date(2025, 2, 9, 23, 59, 59, 0, simZone)); err != nil {
		t.Fatal(err)
	}
	// Outside the range asked for.
	if err := g.GeneratePunches(30, time.Date(2025, 2, 10, 0, 0, 0, 0, simZone), time.Date(2025, 2, 12, 0, 0, 0, 0, simZone)); err != nil {
		t.Fatal(err)
	}

	out, errOut, code := cli(t, "", "loadlog", "--from", "2025-01-01", "--to", "2025-02-09", "--config", config)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := regexp.MustCompile(`^loaded 1200 punches from "Main Gate", 2025-01-01 00:00:00 to 2025-02-09 23:59:59 \(2 windows, \d+ pages\): 1200 new, 0 already stored\n$`)
	if !want.MatchString(out) {
		t.Errorf("stdout %q", out)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "window 1/2, 2025-01-01 00:00:00 to 2025-01-30 23:59:59: ") ||
		!strings.HasSuffix(lines[1], "(1200 so far)") {
		t.Errorf("progress lines:\n%s", errOut)
	}
	if n := countStoredPunches(t, dataDir); n != 1200 {
		t.Errorf("%d punches stored", n)
	}
	xs := storedExchanges(t, dataDir)
	if len(xs) < 1200/simulator.DefaultPageSize {
		t.Errorf("%d exchanges for 1200 rows", len(xs))
	}
	for _, x := range xs {
		if x.Operation != "LoadLog" || len(x.Response) > loadLogAnswerLimit+100 {
			t.Errorf("exchange %s with %d bytes of answer", x.Operation, len(x.Response))
		}
	}

	out, _, code = cli(t, "", "loadlog", "--from", "2025-01-15 00:00:00", "--to", "2025-02-09", "--config", config)
	if code != exitOK || !strings.Contains(out, ": 0 new, ") {
		t.Errorf("second load: exit %d, %s", code, out)
	}
	if n := countStoredPunches(t, dataDir); n != 1200 {
		t.Errorf("%d punches stored after loading again", n)
	}
}

func TestLoadLogCommandFailures(t *testing.T) {
	g, config, _ := simSetup(t, simulator.Config{ProcessingTime: -1})
	tests := []struct {
		name     string
		args     []string
		offline  bool
		wantCode int
		want     string
	}{
		{"no from", []string{"loadlog"}, false, exitUsage, `"from" not set`},
		{"bad from", []string{"loadlog", "--from", "1/2/2025"}, false, exitUsage, `--from: "1/2/2025" is not a date`},
		{"bad to", []string{"loadlog", "--from", "2025-01-01", "--to", "tomorrow"}, false, exitUsage, "--to: "},
		{"reversed", []string{"loadlog", "--from", "2025-02-01", "--to", "2025-01-01"}, false, exitUsage, "--to 2025-01-01 23:59:59 is before --from 2025-02-01 00:00:00"},
		{"unknown device", []string{"loadlog", "--from", "2025-01-01", "--device", "x"}, false, exitUsage, `no device named "x"`},
		{"device offline", []string{"loadlog", "--from", "2025-01-01", "--to", "2025-01-02"}, true, exitFailure, "LoadLog: status 5: device offline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g.SetOffline(tt.offline)
			_, errOut, code := cli(t, "", append(tt.args, "--config", config)...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %s; want %d with %q", code, errOut, tt.wantCode, tt.want)
			}
		})
	}
}

// TestLoadLogCommandSkipsUnreadableRows: a punch without a user or with a broken time is reported, the rest
// stored.
func TestLoadLogCommandSkipsUnreadableRows(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, `{"Status":"done","StatusCode":0,"PunchLog":{"ActualRowCount":"3","ReturnRowCount":"3","Log":[
			{"Type":"CheckIn","UserID":"1","LogTime":"2025-01-02 09:00:00 GMT +0530"},
			{"Type":"CheckIn","UserID":"","LogTime":"2025-01-02 09:01:00 GMT +0530"},
			{"Type":"CheckOut","UserID":"2","LogTime":"yesterday"}]}}`)
	}))
	defer srv.Close()
	dataDir := t.TempDir()
	config := writeDeviceConfig(t, dataDir, device.Profile{Name: "Gate", Endpoint: srv.URL, STGID: "SKIP-1",
		AuthToken: strings.Repeat("a", 32), TimeZone: "+05:30"})
	out, errOut, code := cli(t, "", "loadlog", "--from", "2025-01-02", "--to", "2025-01-02", "--config", config)
	if code != exitOK || !strings.Contains(out, "loaded 3 punches") || !strings.Contains(out, ": 1 new, 0 already stored") ||
		!strings.Contains(errOut, "warning: 2 punches could not be read and were not stored; the first: punch has no UserID") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if n := countStoredPunches(t, dataDir); n != 1 {
		t.Errorf("%d punches stored", n)
	}
}

func TestParseDeviceTime(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		end  bool
		want string
	}{
		{"2025-03-09", false, "2025-03-09 00:00:00 -0500"},
		{"2025-03-09", true, "2025-03-09 23:59:59 -0400"}, // the day the clocks go forward
		{"2025-03-09 14:30", true, "2025-03-09 14:30:00 -0400"},
		{" 2025-03-09T14:30:05 ", false, "2025-03-09 14:30:05 -0400"},
	}
	for _, tt := range tests {
		got, err := parseDeviceTime(tt.in, ny, tt.end)
		if err != nil || got.Format("2006-01-02 15:04:05 -0700") != tt.want {
			t.Errorf("%q: %s, %v; want %s", tt.in, got.Format("2006-01-02 15:04:05 -0700"), err, tt.want)
		}
	}
	if _, err := parseDeviceTime("2025-13-01", ny, false); err == nil {
		t.Error("month 13 accepted")
	}
}
