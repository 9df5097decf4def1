package receiver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/device"
)

const apiTestToken = "Ap1Tk2Tk3Tk4Tk5Tk6Tk7Tk8Tk9Tk0Tk"

// apiGateway answers every command with the body answer returns and keeps what it was sent.
type apiGateway struct {
	mu     sync.Mutex
	bodies []map[string]any
	answer func(body map[string]any) string
}

func (g *apiGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	json.NewDecoder(r.Body).Decode(&body)
	g.mu.Lock()
	g.bodies = append(g.bodies, body)
	g.mu.Unlock()
	io.WriteString(w, g.answer(body))
}

func (g *apiGateway) last() map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.bodies) == 0 {
		return nil
	}
	return g.bodies[len(g.bodies)-1]
}

// apiRig serves APISend over loopback with one device, "Main Gate", whose gateway is gw.
func apiRig(t *testing.T, endpoint string) *httptest.Server {
	t.Helper()
	p := device.Profile{Name: "Main Gate", Endpoint: endpoint, STGID: "API-" + t.Name(), AuthToken: apiTestToken, TimeZone: "+05:30"}
	c, err := device.NewClient(p, device.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		device.WithTimeouts(device.Timeouts{Connect: time.Second, Total: 5 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(APISend(func(name string) (*device.Client, error) {
		if name == "" || strings.EqualFold(name, "Main Gate") {
			return c, nil
		}
		return nil, fmt.Errorf("no device named %q", name)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func postAPI(t *testing.T, srv *httptest.Server, body string, header map[string]string) (int, APISendAnswer, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/send", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	var a APISendAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("answer is not JSON: %s", raw)
	}
	if strings.Contains(string(raw), apiTestToken) {
		t.Errorf("the auth token leaks into %s", raw)
	}
	return resp.StatusCode, a, string(raw)
}

func TestAPISendSuccess(t *testing.T) {
	gw := &apiGateway{answer: func(map[string]any) string {
		return `{"Status":"done","OperationID":"","StatusCode":0,"DeviceInformation":{"DeviceModel":"F34"}}`
	}}
	gwSrv := httptest.NewServer(gw)
	defer gwSrv.Close()
	srv := apiRig(t, gwSrv.URL)

	code, a, raw := postAPI(t, srv, `{"operation":"loaddeviceinformation"}`, nil)
	if code != 200 || !a.OK || a.StatusCode == nil || *a.StatusCode != 0 || a.Meaning != "done" || a.Outcome != "success" ||
		len(a.OperationID) != 13 || a.Operation != "LoadDeviceInformation" {
		t.Fatalf("%d %s", code, raw)
	}
	var req map[string]any
	if json.Unmarshal(a.Request, &req) != nil || req["AuthToken"] != device.Mask(apiTestToken) || req["OperationID"] != a.OperationID {
		t.Errorf("request %s", a.Request)
	}
	if resp, ok := a.Response.(map[string]any); !ok || resp["DeviceInformation"].(map[string]any)["DeviceModel"] != "F34" {
		t.Errorf("response %v", a.Response)
	}
	if gw.last()["AuthToken"] != apiTestToken {
		t.Errorf("the gateway got %v", gw.last())
	}
}

func TestAPISendParams(t *testing.T) {
	gw := &apiGateway{answer: func(map[string]any) string { return `{"Status":"done","StatusCode":0}` }}
	gwSrv := httptest.NewServer(gw)
	defer gwSrv.Close()
	srv := apiRig(t, gwSrv.URL)
	tests := []struct {
		body     string
		wantUser string
	}{
		{`{"operation":29,"device":"main gate","params":{"UserID":42}}`, "42"},
		{`{"operation":"29","params":{"userid":"EMP-1"}}`, "EMP-1"},
		{`{"operation":"DeleteUser"}`, "100"}, // the samples
	}
	for _, tt := range tests {
		code, a, raw := postAPI(t, srv, tt.body, nil)
		if code != 200 || !a.OK {
			t.Errorf("%s: %d %s", tt.body, code, raw)
			continue
		}
		del, _ := gw.last()["Delete"].(map[string]any)
		user, _ := del["User"].(map[string]any)
		if user["UserID"] != tt.wantUser {
			t.Errorf("%s: gateway got %v", tt.body, gw.last())
		}
	}
}

func TestAPISendFailures(t *testing.T) {
	tests := []struct {
		name        string
		answer      string
		wantCode    *int
		wantOutcome string
		wantMeaning string
		wantHint    string
	}{
		{"status 3", `{"Status":"error","StatusCode":3}`, intp(3), "device_error", "invalid request", "public IP"},
		{"status 15", `{"Status":"error","StatusCode":15}`, intp(15), "device_error", "not supported for this device", "cannot do"},
		{"not JSON", `<html>login</html>`, nil, "not_json", "", "RESTful endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gwSrv := httptest.NewServer(&apiGateway{answer: func(map[string]any) string { return tt.answer }})
			defer gwSrv.Close()
			srv := apiRig(t, gwSrv.URL)
			code, a, raw := postAPI(t, srv, `{"operation":13}`, nil)
			if code != 200 || a.OK || a.Outcome != tt.wantOutcome || a.Meaning != tt.wantMeaning || !strings.Contains(a.Hint, tt.wantHint) ||
				a.Error == "" || (a.StatusCode == nil) != (tt.wantCode == nil) || (a.StatusCode != nil && *a.StatusCode != *tt.wantCode) {
				t.Errorf("%d %s", code, raw)
			}
		})
	}

	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + l.Addr().String()
	l.Close()
	srv := apiRig(t, closed)
	code, a, raw := postAPI(t, srv, `{"operation":13}`, nil)
	if code != 200 || a.OK || a.Outcome != "refused" || a.StatusCode != nil || !strings.Contains(a.Error, "refused the connection") ||
		len(a.Request) == 0 || strings.Contains(raw, `"status_code":0`) {
		t.Errorf("%d %s", code, raw)
	}
}

func intp(i int) *int { return &i }

func TestAPISendBadInput(t *testing.T) {
	var calls atomic.Int32
	gwSrv := httptest.NewServer(&apiGateway{answer: func(map[string]any) string { calls.Add(1); return `{"Status":"done"}` }})
	defer gwSrv.Close()
	srv := apiRig(t, gwSrv.URL)
	tests := []struct {
		body      string
		wantField string
		wantError string
	}{
		{`{"operation":`, "", "the body is not"},
		{`[1]`, "", "the body is not"},
		{`{"operation":13} {}`, "", "more than one JSON value"},
		{`{"operation":13,"extra":1}`, "", `unknown field "extra"`},
		{`{}`, "operation", "operation: required"},
		{`{"operation":null}`, "operation", "operation: required"},
		{`{"operation":99}`, "operation", `operation: no operation "99"`},
		{`{"operation":17.5}`, "operation", "a number (17) or a name"},
		{`{"operation":"AddUser"}`, "operation", `no operation "AddUser"`},
		{`{"operation":29,"params":{"UserID":{"a":1}}}`, "UserID", "UserID: give text or a number"},
		{`{"operation":29,"params":{"UserID":""}}`, "UserID", "UserID: required"},
		{`{"operation":"AddUserWithCard","params":{"UserID":"1","FirstName":"A","Card":"12x"}}`, "Card", "Card: digits only"},
		{`{"operation":30,"device":"Back Door"}`, "device", `device: no device named "Back Door"`},
	}
	for _, tt := range tests {
		code, a, raw := postAPI(t, srv, tt.body, nil)
		if code != 400 || a.OK || a.Field != tt.wantField || !strings.Contains(a.Error, tt.wantError) {
			t.Errorf("%s: %d %s; want field %q, error %q", tt.body, code, raw, tt.wantField, tt.wantError)
		}
	}
	if calls.Load() != 0 {
		t.Errorf("bad input reached the gateway %d times", calls.Load())
	}
}

func TestAPISendRefusesStrangers(t *testing.T) {
	gwSrv := httptest.NewServer(&apiGateway{answer: func(map[string]any) string { return `{"Status":"done"}` }})
	defer gwSrv.Close()
	srv := apiRig(t, gwSrv.URL)
	tests := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"web page elsewhere", map[string]string{"Origin": "https://evil.example"}, 403},
		{"through a proxy", map[string]string{"X-Forwarded-For": "203.0.113.9"}, 403},
		{"Forwarded", map[string]string{"Forwarded": "for=203.0.113.9"}, 403},
		{"not JSON", map[string]string{"Content-Type": "text/plain"}, 415},
		{"local page", map[string]string{"Origin": "http://localhost:5000"}, 200},
		{"loopback page", map[string]string{"Origin": "http://127.0.0.1:5000"}, 200},
	}
	for _, tt := range tests {
		code, a, raw := postAPI(t, srv, `{"operation":34}`, tt.header)
		if code != tt.want || (code != 200 && (a.OK || a.Error == "")) {
			t.Errorf("%s: %d %s, want %d", tt.name, code, raw, tt.want)
		}
	}

	h := APISend(func(string) (*device.Client, error) { return nil, errors.New("unused") })
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/send", strings.NewReader(`{"operation":34}`))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "192.0.2.7:5555"
	h.ServeHTTP(rec, req)
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "only programs on this computer") {
		t.Errorf("remote caller: %d %s", rec.Code, rec.Body)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/send", nil))
	if rec.Code != 405 || rec.Header().Get("Allow") != "POST" || !strings.Contains(rec.Body.String(), `"ok":false`) {
		t.Errorf("GET: %d %s", rec.Code, rec.Body)
	}
}
