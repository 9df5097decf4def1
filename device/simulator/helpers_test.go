package simulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/device/simulator"
)

// ist is the device zone the tests use, the one in the spec's samples.
var ist = time.FixedZone("GMT +0530", 5*3600+1800)

const testKey = "0123456789abcdef0123456789ABCDEF"

// sim is a started gateway behind a loopback server.
type sim struct {
	g        *simulator.Gateway
	cfg      simulator.Config
	base     string // server URL + EndpointPath, without stgid
	endpoint string // with ?stgid=
}

var opSeq atomic.Int64

func newSim(t testing.TB, cfg simulator.Config) *sim {
	t.Helper()
	if cfg.Zone == nil {
		cfg.Zone = ist
	}
	g := simulator.New(cfg)
	srv := httptest.NewServer(g.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(g.Close)
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := g.Config()
	base := srv.URL + simulator.EndpointPath
	return &sim{g: g, cfg: c, base: base, endpoint: base + "?stgid=" + url.QueryEscape(c.STGID)}
}

// auth returns the authentication fields of a fresh request.
func (s *sim) auth() map[string]any {
	return map[string]any{
		"OperationID": fmt.Sprintf("op%d", opSeq.Add(1)),
		"AuthToken":   s.cfg.AuthToken,
		"Time":        device.FormatTime(time.Now(), ist),
	}
}

// body makes a request body: the authentication fields plus fields, encrypted when the device has a key.
func (s *sim) body(t testing.TB, fields map[string]any) []byte {
	t.Helper()
	m := s.auth()
	for k, v := range fields {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.SecurityKey != "" {
		text, err := device.Encrypt(b, s.cfg.SecurityKey)
		if err != nil {
			t.Fatal(err)
		}
		return []byte(text)
	}
	return b
}

// post sends a body and returns the decoded answer and the raw one.
func (s *sim) post(t testing.TB, endpoint string, body []byte) (*device.Response, []byte) {
	t.Helper()
	resp, err := http.Post(endpoint, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d: %s", resp.StatusCode, raw)
	}
	plain, err := device.Open(raw, s.cfg.SecurityKey)
	if err != nil {
		t.Fatalf("open answer %q: %v", raw, err)
	}
	var r device.Response
	if err := json.Unmarshal(plain, &r); err != nil {
		t.Fatalf("decode answer %s: %v", plain, err)
	}
	return &r, raw
}

// call sends fields as a request to the endpoint.
func (s *sim) call(t testing.TB, fields map[string]any) *device.Response {
	t.Helper()
	r, _ := s.post(t, s.endpoint, s.body(t, fields))
	return r
}

// receiver is a callback receiver that records every body and answers {"status":"done"}, or HTTP 500 for the
// first failures bodies.
type receiver struct {
	key      string
	mu       sync.Mutex
	failures int
	raw      [][]byte
	queries  []url.Values
	calls    []*device.Callback
	srv      *httptest.Server
}

func newReceiver(t testing.TB, key string) *receiver {
	r := &receiver{key: key}
	r.srv = httptest.NewServer(r)
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) URL() string { return r.srv.URL + "/callback" }

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	raw, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failures > 0 {
		r.failures--
		http.Error(w, "try later", http.StatusInternalServerError)
		return
	}
	r.raw = append(r.raw, raw)
	r.queries = append(r.queries, req.URL.Query())
	if plain, err := device.Open(raw, r.key); err == nil {
		if c, err := device.DecodeCallback(plain); err == nil {
			r.calls = append(r.calls, c)
		}
	}
	_, _ = w.Write([]byte(`{"status":"done"}`))
}

// wait polls until cond holds for the callbacks received so far, and returns them.
func (r *receiver) wait(t testing.TB, what string, cond func([]*device.Callback) bool) []*device.Callback {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.mu.Lock()
		calls := append([]*device.Callback(nil), r.calls...)
		r.mu.Unlock()
		if cond(calls) {
			return calls
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; got %d callbacks", what, len(calls))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// ofKind keeps the callbacks that carry kind.
func ofKind(calls []*device.Callback, kind string) []*device.Callback {
	var out []*device.Callback
	for _, c := range calls {
		for _, k := range c.Kinds() {
			if k == kind {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

func atLeast(kind string, n int) func([]*device.Callback) bool {
	return func(c []*device.Callback) bool { return len(ofKind(c, kind)) >= n }
}
