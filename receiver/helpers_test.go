package receiver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/datatest"
	"github.com/camsdesk/camsdesk/device"
)

const (
	testToken    = "A1B2C3D4E5F6G7H8I9J0K1L2M3N4O5P6" // the token of every fixture
	testKey      = "K3yK3yK3yK3yK3yK3yK3yK3yK3yK3y12" // the key of the encrypted fixtures
	testOldKey   = "0ldK3y0ldK3y0ldK3y0ldK3y0ldK3y99"
	mainSTGID    = "STG-MAIN"
	sealedSTGID  = "STG-SEALED"
	otherToken   = "Z9Y8X7W6V5U4T3S2R1Q0P9O8N7M6L5K4"
	fixturesPath = "../device/testdata/callbacks"
)

func testProfiles() []device.Profile {
	return []device.Profile{
		{Name: "Main Gate", Endpoint: "https://gw.example.com/external/api3.0/biometric", STGID: mainSTGID,
			AuthToken: testToken, CallbackAuthToken: testToken, TimeZone: "+05:30"},
		{Name: "Sealed Door", Endpoint: "https://gw.example.com/external/api3.0/biometric", STGID: sealedSTGID,
			AuthToken: otherToken, CallbackAuthToken: testToken, SecurityKey: testKey, OldSecurityKey: testOldKey, TimeZone: "+03:00"},
	}
}

// rig is a receiver on a real database (a SQLite file, or a PostgreSQL schema when CAMS_TEST_POSTGRES is
// set) behind a real HTTP server.
type rig struct {
	t        testing.TB
	db       datatest.DB
	dir      string
	store    *data.Store
	rcv      *Receiver
	srv      *httptest.Server
	logs     *syncBuffer
	profiles []device.Profile
	mu       sync.Mutex
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newRig is a receiver on db with a fresh data folder. Tests run once per kind of database with
// datatest.Run; a subtest that needs a fresh database of its own takes datatest.New(t, db.Name).
func newRig(t *testing.T, db datatest.DB, opts ...func(*Options)) *rig {
	t.Helper()
	return openRig(t, db, t.TempDir(), opts...)
}

// openRig is a receiver on db with its journal and files in dir; opening the same db and dir again is a
// restart.
func openRig(t testing.TB, db datatest.DB, dir string, opts ...func(*Options)) *rig {
	t.Helper()
	store, err := data.Open(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	g := &rig{t: t, db: db, dir: dir, store: store, logs: &syncBuffer{}, profiles: testProfiles()}
	o := Options{
		Store:    store,
		DataDir:  dir,
		Profiles: g.getProfiles,
		Logger:   slog.New(slog.NewTextHandler(g.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, f := range opts {
		f(&o)
	}
	g.rcv, err = New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.rcv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	g.srv = httptest.NewServer(g.rcv.Handler())
	t.Cleanup(g.close)
	return g
}

func (g *rig) getProfiles() []device.Profile {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]device.Profile(nil), g.profiles...)
}

func (g *rig) close() {
	if g.srv == nil {
		return
	}
	g.srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.rcv.Close(ctx); err != nil {
		g.t.Error(err)
	}
	g.store.Close()
	g.srv = nil
}

// post sends a callback and checks the reply is exactly HTTP 200 {"status":"done"}.
func (g *rig) post(query string, body []byte) {
	g.t.Helper()
	g.postAs("application/json", query, body)
}

func (g *rig) postAs(contentType, query string, body []byte) {
	g.t.Helper()
	url := g.srv.URL + "/callback"
	if query != "" {
		url += "?" + query
	}
	resp, err := http.Post(url, contentType, bytes.NewReader(body))
	if err != nil {
		g.t.Fatal(err)
	}
	checkDone(g.t, resp)
}

func checkDone(t testing.TB, resp *http.Response) {
	t.Helper()
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(got) != `{"status":"done"}` {
		t.Fatalf("reply = %d %q, want 200 {\"status\":\"done\"}", resp.StatusCode, got)
	}
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixturesPath, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (g *rig) deviceID(stgid string) uint {
	g.t.Helper()
	d, err := g.store.DeviceBySTGID(context.Background(), stgid)
	if err != nil {
		g.t.Fatal(err)
	}
	return d.ID
}

func (g *rig) punches(f data.PunchFilter) []data.PunchRow {
	g.t.Helper()
	f.Limit = data.MaxLimit
	rows, err := g.store.Punches(context.Background(), f)
	if err != nil {
		g.t.Fatal(err)
	}
	return rows
}

func (g *rig) countPunches() int64 {
	g.t.Helper()
	n, err := g.store.CountPunches(context.Background(), data.PunchFilter{})
	if err != nil {
		g.t.Fatal(err)
	}
	return n
}

func (g *rig) callbacks() []data.Callback {
	g.t.Helper()
	cbs, err := g.store.Callbacks(context.Background(), data.CallbackFilter{Limit: data.MaxLimit})
	if err != nil {
		g.t.Fatal(err)
	}
	return cbs
}

// lastCallback is the newest journal row.
func (g *rig) lastCallback() data.Callback {
	g.t.Helper()
	cbs := g.callbacks()
	if len(cbs) == 0 {
		g.t.Fatal("no callback row stored")
	}
	best := cbs[0]
	for _, c := range cbs {
		if c.Seq > best.Seq {
			best = c
		}
	}
	return best
}

func (g *rig) templates(deviceID uint, user string) []data.Template {
	g.t.Helper()
	ts, err := g.store.Templates(context.Background(), deviceID, user)
	if err != nil {
		g.t.Fatal(err)
	}
	return ts
}

func (g *rig) callbackLog() string {
	g.t.Helper()
	g.rcv.mu.RLock()
	defer g.rcv.mu.RUnlock()
	b, err := os.ReadFile(filepath.Join(g.dir, LogFileName))
	if err != nil {
		g.t.Fatal(err)
	}
	return string(b)
}

// photoFiles lists the JPEG files under photos/, slash-separated and relative to the data dir.
func photoFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	root := filepath.Join(dir, PhotosDir)
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

// walkAll lists every file under dir.
func walkAll(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func jsonString(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

func replaceAll(b []byte, old, new string) []byte {
	return []byte(strings.ReplaceAll(string(b), old, new))
}
