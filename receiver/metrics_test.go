package receiver

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/datatest"
	"github.com/camsdesk/camsdesk/device"
)

// metricsRig is a rig whose server is instrumented and serves GET /metrics.
func metricsRig(t *testing.T, db datatest.DB) (*rig, *Metrics) {
	t.Helper()
	m := NewMetrics()
	g := newRig(t, db, func(o *Options) {
		o.Metrics = m
		o.Routes = map[string]http.Handler{"GET /metrics": m.Handler()}
	})
	g.srv.Close()
	g.srv = httptest.NewServer(m.Instrument(g.rcv.Handler()))
	return g, m
}

// scrape gets /metrics over HTTP and returns each sample by its name and labels as written.
func scrape(t *testing.T, base string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("/metrics: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// TestMetricsCount: after real callbacks and device exchanges, /metrics has the counts.
func TestMetricsCount(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g, m := metricsRig(t, db)
		punch := fixture(t, "11_punch_log.json")
		g.post("stgid="+mainSTGID, punch)
		g.post("stgid="+mainSTGID, punch) // the same punch again: stored once
		g.post("stgid="+mainSTGID, punchAt(t, "9", 5))
		g.post("stgid="+mainSTGID, fixture(t, "01_user_deleted.json"))
		g.post("stgid="+mainSTGID, fixture(t, "odd_several_subkeys.json"))
		g.post("", []byte("not a callback"))
		g.post("stgid=STG-NOBODY", fixture(t, "02_date_modified.json"))
		if resp, err := http.Get(g.srv.URL + "/callback"); err == nil { // a URL check, not a callback
			resp.Body.Close()
		}

		gw := httptest.NewServer(&apiGateway{answer: func(body map[string]any) string {
			if _, ok := body["Delete"]; ok {
				return `{"Status":"error","StatusCode":3}`
			}
			return `{"Status":"done","StatusCode":0}`
		}})
		defer gw.Close()
		c, err := device.NewClient(device.Profile{Name: "Main Gate", Endpoint: gw.URL, STGID: mainSTGID, AuthToken: apiTestToken, TimeZone: "+05:30"},
			device.WithRecorder(m.RecordExchange), device.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), device.WithBusyRetry())
		if err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{"LoadDeviceInformation", "LoadDeviceInformation", "DeleteUser"} {
			op, _ := device.Lookup(ref)
			c.Send(context.Background(), op, op.Samples())
		}
		c.SendRaw(context.Background(), []byte(`{"Whatever":{"X":1}}`))

		got := scrape(t, g.srv.URL)
		want := map[string]float64{
			`cams_callbacks_total{kind="PunchLog",result="accepted"}`:                   4, // with odd_several_subkeys
			`cams_callbacks_total{kind="UserDeleted",result="accepted"}`:                1,
			`cams_callbacks_total{kind="none",result="rejected"}`:                       2, // not a callback; an unknown device
			`cams_callbacks_total{kind="PunchLog",result="error"}`:                      0,
			`cams_punches_stored_total`:                                                 3,
			`cams_callback_duration_seconds_count`:                                      7,
			`cams_callback_duration_seconds_bucket{le="+Inf"}`:                          7,
			`cams_commit_callbacks_count`:                                               7, // one at a time: none waits for more
			`cams_commit_callbacks_sum`:                                                 7,
			`cams_journal_backlog`:                                                      0,
			`cams_callback_queue`:                                                       0,
			`cams_database_up`:                                                          1,
			`cams_rest_calls_total{operation="LoadDeviceInformation",status="success"}`: 2,
			`cams_rest_calls_total{operation="DeleteUser",status="device_error"}`:       1,
			`cams_rest_calls_total{operation="raw",status="success"}`:                   1,
		}
		for k, v := range want {
			if g, ok := got[k]; !ok || g != v {
				t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
			}
		}
		// odd_several_subkeys carries several kinds: each is counted.
		if several := got[`cams_callbacks_total{kind="Log",result="accepted"}`] + got[`cams_callbacks_total{kind="UserUpdated",result="accepted"}`]; several == 0 {
			t.Errorf("the kinds of a callback with several were not counted: %v", got)
		}
		for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
			if _, ok := got[name]; !ok {
				t.Errorf("%s missing", name)
			}
		}
		for k := range got {
			if strings.Contains(k, testToken) || strings.Contains(k, apiTestToken) {
				t.Errorf("a token in %s", k)
			}
		}
	})
}

// TestMetricsBacklog: while the database is away the backlog counts the journaled callbacks, and it drains
// when the database is back.
func TestMetricsBacklog(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g, _ := metricsRig(t, db)
		raw := rawDB(t, db)
		g.post("", punchAt(t, "1", 0))
		if got := scrape(t, g.srv.URL); got["cams_journal_backlog"] != 0 || got["cams_database_up"] != 1 {
			t.Errorf("before the outage: backlog %v, up %v", got["cams_journal_backlog"], got["cams_database_up"])
		}
		exec(t, raw, "ALTER TABLE callbacks RENAME TO callbacks_away")
		for i := 1; i <= 3; i++ {
			g.post("", punchAt(t, "1", i))
		}
		if got := scrape(t, g.srv.URL); got["cams_journal_backlog"] != 3 || got["cams_database_up"] != 0 {
			t.Errorf("during the outage: backlog %v, up %v", got["cams_journal_backlog"], got["cams_database_up"])
		}
		exec(t, raw, "ALTER TABLE callbacks_away RENAME TO callbacks")
		waitFor(t, "the backlog to drain", func() bool {
			got := scrape(t, g.srv.URL)
			return got["cams_journal_backlog"] == 0 && got["cams_database_up"] == 1
		})
	})
}

// TestMetricsBacklogAtStart: a journal left unapplied by the last run is counted before the first commit,
// from the store's own last seq.
func TestMetricsBacklogAtStart(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		m := NewMetrics()
		dir := t.TempDir()
		g := openRig(t, db, dir)
		for i := 0; i < 4; i++ {
			g.post("", punchAt(t, "1", i))
		}
		g.close()
		store, err := data.Open(db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		raw := rawDB(t, db)
		exec(t, raw, "DELETE FROM callbacks WHERE seq > 1")
		exec(t, raw, "ALTER TABLE callbacks RENAME TO callbacks_away")

		r, err := New(Options{Store: store, DataDir: dir, Profiles: testProfiles, Metrics: m,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err == nil {
			defer r.Close(context.Background())
		} else {
			t.Fatal(err)
		}
		if v := m.backlog(); !math.IsNaN(v) {
			t.Errorf("backlog with no database yet = %v, want NaN", v)
		}
		exec(t, raw, "ALTER TABLE callbacks_away RENAME TO callbacks")
		if v := m.backlog(); v != 3 {
			t.Errorf("backlog before start = %v, want 3", v)
		}
		if err := r.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for m.backlog() != 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if v := m.backlog(); v != 0 {
			t.Errorf("backlog after the journal was applied = %v", v)
		}
	})
}

// TestNilMetrics: the methods of a nil *Metrics (a receiver without metrics) do nothing.
func TestNilMetrics(t *testing.T) {
	var m *Metrics
	h := http.NotFoundHandler()
	if got := m.Instrument(h); got == nil {
		t.Error("Instrument on nil returned nil")
	}
	m.RecordExchange(device.Exchange{Operation: "LoadLog", Outcome: device.OutcomeSuccess})
	m.stored(1, []string{device.KindPunchLog}, "accepted", 1)
	m.attach(nil)
}

// BenchmarkMetricsStored is the writer's cost per stored callback.
func BenchmarkMetricsStored(b *testing.B) {
	m := NewMetrics()
	kinds := []string{device.KindPunchLog, device.KindPhoto}
	var seq uint64
	for b.Loop() {
		seq++
		m.stored(seq, kinds, data.ResultAccepted, 1)
	}
}

// BenchmarkMetricsInstrument is the handler wrapper's cost per callback.
func BenchmarkMetricsInstrument(b *testing.B) {
	m := NewMetrics()
	h := m.Instrument(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest(http.MethodPost, "/callback?stgid=X", nil)
	w := httptest.NewRecorder()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}
