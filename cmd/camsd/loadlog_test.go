package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
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

// loadLogFixture is a simulated gateway on loopback holding rows punches from 2025-01-01 over 60 days (two
// LoadLog windows), with no processing hold, and a config whose default device is it.
type loadLogFixture struct {
	g        *simulator.Gateway
	config   string
	dataDir  string
	from, to string
}

func newLoadLogFixture(tb testing.TB, rows, pageSize int, onRequest func(simulator.Exchange)) loadLogFixture {
	tb.Helper()
	g := simulator.New(simulator.Config{Zone: simZone, ProcessingTime: -1, PageSize: pageSize, Seed: 5, OnRequest: onRequest})
	srv := httptest.NewServer(g.Handler())
	tb.Cleanup(srv.Close)
	tb.Cleanup(g.Close)
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, simZone)
	if err := g.GeneratePunches(rows, from, from.AddDate(0, 0, 60).Add(-time.Second)); err != nil {
		tb.Fatal(err)
	}
	f := loadLogFixture{g: g, dataDir: tb.TempDir(), from: "2025-01-01", to: "2025-03-01"}
	c := g.Config()
	b, err := json.Marshal(data.Config{DataDir: f.dataDir, Devices: []device.Profile{{Name: "Main Gate",
		Endpoint: srv.URL + simulator.EndpointPath, STGID: c.STGID, AuthToken: c.AuthToken, TimeZone: "+05:30"}}})
	if err != nil {
		tb.Fatal(err)
	}
	f.config = filepath.Join(tb.TempDir(), "config.json")
	if err := os.WriteFile(f.config, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	return f
}

// run runs "camsd loadlog" over the fixture's range until it ends or ctx does.
func (f loadLogFixture) run(ctx context.Context) (stdout, stderr string, code int) {
	root := newRootCmd()
	if c, _, err := root.Find([]string{"loadlog"}); err != nil || c == root {
		root.AddCommand(newLoadLogCmd())
	}
	var out, errOut bytes.Buffer
	root.SetArgs([]string{"loadlog", "--from", f.from, "--to", f.to, "--config", f.config})
	root.SetOut(&out)
	root.SetErr(&errOut)
	ctx = context.WithValue(ctx, getenvKey{}, func(string) string { return "" })
	if _, err := root.ExecuteContextC(ctx); err != nil {
		errOut.WriteString("camsd: " + err.Error() + "\n")
		var ee *exitError
		if errors.As(err, &ee) {
			return out.String(), errOut.String(), ee.code
		}
		return out.String(), errOut.String(), exitUsage
	}
	return out.String(), errOut.String(), exitOK
}

// loadedLine reads the summary line: rows read, new and already stored.
var loadedLine = regexp.MustCompile(`^loaded (\d+) punches from "Main Gate", .* \(2 windows, (\d+) pages\): (\d+) new, (\d+) already stored\n$`)

func loadedCounts(t *testing.T, stdout string) (read, pages, fresh, dup int) {
	t.Helper()
	m := loadedLine.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("stdout %q", stdout)
	}
	n := make([]int, 4)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	return n[0], n[1], n[2], n[3]
}

// TestLoadLogImportsEveryPunchOnce: 20,000 punches in 50-row pages over real loopback HTTP into a SQLite file
// arrive each once (read once, stored once), every exchange is recorded, and a second load stores nothing new.
func TestLoadLogImportsEveryPunchOnce(t *testing.T) {
	const rows = 20000
	defer func(n int) { loadLogBatch = n }(loadLogBatch)
	loadLogBatch = 3000 // six whole batches and a short one
	f := newLoadLogFixture(t, rows, 50, nil)
	out, errOut, code := f.run(context.Background())
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	read, pages, fresh, dup := loadedCounts(t, out)
	if read != rows || pages != rows/50 || fresh != rows || dup != 0 {
		t.Errorf("read %d in %d pages, %d new, %d already stored; want %d in %d, all new", read, pages, fresh, dup, rows, rows/50)
	}
	if n := countStoredPunches(t, f.dataDir); n != rows {
		t.Errorf("%d punches stored, want %d", n, rows)
	}
	if calls, xs := f.g.Stats().Calls, storedExchanges(t, f.dataDir); len(xs) != int(calls) || len(xs) < pages {
		t.Errorf("%d exchanges recorded for %d calls, %d pages", len(xs), calls, pages)
	}

	out, errOut, code = f.run(context.Background())
	if code != exitOK {
		t.Fatalf("second load: exit %d: %s", code, errOut)
	}
	if read, _, fresh, dup := loadedCounts(t, out); read != rows || fresh != 0 || dup != rows {
		t.Errorf("second load: read %d, %d new, %d already stored", read, fresh, dup)
	}
	if n := countStoredPunches(t, f.dataDir); n != rows {
		t.Errorf("%d punches stored after loading again", n)
	}
}

// TestLoadLogCancelled: a load cancelled half-way stores whole batches only, says how many, and loading again
// stores the rest.
func TestLoadLogCancelled(t *testing.T) {
	const rows = 10000
	defer func(n int) { loadLogBatch = n }(loadLogBatch)
	loadLogBatch = 500
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int32
	f := newLoadLogFixture(t, rows, 50, func(simulator.Exchange) {
		if calls.Add(1) == 100 { // half-way through the 200 pages
			cancel()
		}
	})
	out, errOut, code := f.run(ctx)
	if code != exitFailure || !strings.Contains(errOut, "cancelled") {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	read, _, fresh, dup := loadedCounts(t, out)
	stored := countStoredPunches(t, f.dataDir)
	if int64(fresh) != stored || dup != 0 || stored%int64(loadLogBatch) != 0 || stored >= rows || read >= rows {
		t.Errorf("cancelled: read %d, reported %d new and %d already stored, %d in the store (batches of %d)",
			read, fresh, dup, stored, loadLogBatch)
	}

	out, errOut, code = f.run(context.Background())
	if code != exitOK {
		t.Fatalf("second load: exit %d: %s", code, errOut)
	}
	if read, _, fresh, dup := loadedCounts(t, out); read != rows || int64(fresh) != rows-stored || int64(dup) != stored {
		t.Errorf("second load: read %d, %d new, %d already stored; %d were stored before", read, fresh, dup, stored)
	}
	if n := countStoredPunches(t, f.dataDir); n != rows {
		t.Errorf("%d punches stored, want %d", n, rows)
	}
}
