package device

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testToken  = "Tk9aB3cD5eF7gH1jK2mN4pQ6rS8tV0wX"
	testKey    = "Ky1bC2dE3fG4hJ5kL6mN7pQ8rS9tU0vW"
	testOldKey = "Od9zY8xW7vU6tS5rQ4pN3mL2kJ1hG0fE"
)

// testProfile points at url with a stgid of its own, so tests never share a device lock by accident.
func testProfile(t *testing.T, url string) Profile {
	return Profile{
		Name:      "Test gate",
		Endpoint:  url + "/external/api3.0/biometric?stgid=PASTED&mode=x",
		STGID:     "STG-" + strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()),
		AuthToken: testToken,
		TimeZone:  "+05:30",
	}
}

// testClient returns a client with fast retries, its exchanges and its log.
func testClient(t *testing.T, p Profile, opts ...Option) (*Client, *[]Exchange, *bytes.Buffer) {
	t.Helper()
	var mu sync.Mutex
	var exchanges []Exchange
	var logBuf bytes.Buffer
	all := append([]Option{
		WithBusyRetry(time.Millisecond, time.Millisecond, time.Millisecond),
		WithRecorder(func(e Exchange) { mu.Lock(); exchanges = append(exchanges, e); mu.Unlock() }),
		WithLogger(slog.New(slog.NewTextHandler(&lockedWriter{w: &logBuf}, nil))),
	}, opts...)
	c, err := NewClient(p, all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, &exchanges, &logBuf
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// answer serves fixed JSON.
func answer(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}
}

func callError(t *testing.T, err error, want Outcome) *CallError {
	t.Helper()
	var ce *CallError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *CallError", err, err)
	}
	if ce.Kind != want {
		t.Fatalf("outcome %s (%v), want %s", ce.Kind, err, want)
	}
	if strings.Contains(err.Error(), testToken) || strings.Contains(ce.Hint, testToken) {
		t.Fatalf("the token leaks into %q", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("error is not one line: %q", err)
	}
	return ce
}

func TestSendSuccess(t *testing.T) {
	var got *http.Request
	var body map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		json.NewDecoder(r.Body).Decode(&body)
		io.WriteString(w, `{"Status":"done","OperationID":"","StatusCode":0,"DeviceInformation":{"DeviceModel":"F34","RegisteredFingerprints":"12"}}`)
	}))
	defer srv.Close()
	c, exchanges, logBuf := testClient(t, testProfile(t, srv.URL))

	info, res, err := c.LoadDeviceInformation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.DeviceModel != "F34" || info.RegisteredFingerprints != "12" {
		t.Errorf("information %+v", info)
	}
	if got.Method != http.MethodPost || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s with %q", got.Method, got.Header.Get("Content-Type"))
	}
	if q := got.URL.Query(); q.Get("stgid") != c.Profile.STGID || q.Get("mode") != "x" || len(q["stgid"]) != 1 {
		t.Errorf("query %v", q)
	}
	if body["AuthToken"] != testToken || !regexp.MustCompile(`^[a-z0-9]{13}$`).MatchString(fmt.Sprint(body["OperationID"])) ||
		!regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT \+0530$`).MatchString(fmt.Sprint(body["Time"])) {
		t.Errorf("envelope %v", body)
	}
	if res.Outcome != OutcomeSuccess || res.Status.Code != 0 || res.HTTPStatus != 200 || res.Attempts != 1 || res.OperationID != body["OperationID"] {
		t.Errorf("result %+v", res)
	}
	if bytes.Contains(res.Request, []byte(testToken)) || !bytes.Contains(res.Request, []byte(Mask(testToken))) {
		t.Errorf("result request not masked: %s", res.Request)
	}
	if len(*exchanges) != 1 {
		t.Fatalf("%d exchanges", len(*exchanges))
	}
	ex := (*exchanges)[0]
	if ex.Outcome != OutcomeSuccess || ex.StatusCode != 0 || ex.DeviceSTGID != c.Profile.STGID || ex.Operation != "LoadDeviceInformation" ||
		ex.Err != nil || bytes.Contains(ex.Request, []byte(testToken)) || !bytes.Contains(ex.Response, []byte("F34")) {
		t.Errorf("exchange %+v", ex)
	}
	if strings.Contains(logBuf.String(), testToken) || !strings.Contains(logBuf.String(), "outcome=success") {
		t.Errorf("log %q", logBuf)
	}
}

func TestSendDeviceErrors(t *testing.T) {
	tests := []struct {
		code        int
		wantCause   string
		wantHint    string
		unsupported bool
	}{
		{1, "status 1: invalid request data", "malformed", false},
		{2, "status 2: invalid service tag id", "service tag", false},
		{3, "status 3: invalid request (API 2.0: origin IP not registered in API Monitor)", "public IP", false},
		{5, "status 5: device offline", "subscription", false},
		{7, "status 7: invalid auth token", "auth token", false},
		{8, "status 8: user already exists", "already", false},
		{9, "status 9: user not found", "No user", false},
		{15, "status 15: not supported for this device (feature not supported)", "cannot do", true},
		{19, "status 19: invalid raw data", "security key", false},
		{33, "status 33: operation not enabled", "extended settings", false},
		{35, "status 35: not supported for this device", "connection mode", true},
		{38, "status 38: not supported for this device", "Resend", true},
		{999, "status 999: unknown error", "operation ID", false},
		{4242, "status 4242", "does not know", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			srv := httptest.NewServer(answer(fmt.Sprintf(`{"Status":"error","OperationID":"x","StatusCode":%d}`, tt.code)))
			defer srv.Close()
			c, exchanges, _ := testClient(t, testProfile(t, srv.URL))
			res, err := c.Send(context.Background(), mustLookup(t, "EnableUser"), Params{"UserID": "1"})
			ce := callError(t, err, OutcomeDeviceError)
			if !strings.Contains(ce.Error(), "EnableUser: "+tt.wantCause) || !strings.Contains(ce.Hint, tt.wantHint) {
				t.Errorf("error %q hint %q", ce, ce.Hint)
			}
			if ce.Status == nil || ce.Status.Code != tt.code || ce.Status.Unsupported != tt.unsupported {
				t.Errorf("status %+v", ce.Status)
			}
			if res == nil || res.Response == nil || res.StatusCode() != tt.code || res.Outcome != OutcomeDeviceError || res.Attempts != 1 {
				t.Errorf("result %+v", res)
			}
			if len(*exchanges) != 1 || (*exchanges)[0].StatusCode != tt.code || (*exchanges)[0].Err == nil {
				t.Errorf("exchanges %+v", *exchanges)
			}
		})
	}
}

func TestSendGatewayMessage(t *testing.T) {
	srv := httptest.NewServer(answer(`{"Status":"API_RESPONSE_UNKNOWN_ERROR","StatusCode":"999","Message":"Service\ntemporarily down"}`))
	defer srv.Close()
	c, _, _ := testClient(t, testProfile(t, srv.URL))
	_, err := c.Send(context.Background(), mustLookup(t, "ResendAllUser"), nil)
	ce := callError(t, err, OutcomeDeviceError)
	if !strings.HasSuffix(ce.Cause, "gateway says Service temporarily down") {
		t.Errorf("cause %q", ce.Cause)
	}
}

// busyServer answers 37 for the first busy calls, then done.
func busyServer(busy int, calls *atomic.Int32) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if int(calls.Add(1)) <= busy {
			io.WriteString(w, `{"Status":"error","StatusCode":37}`)
			return
		}
		io.WriteString(w, `{"Status":"done","StatusCode":0}`)
	}))
}

func TestSendBusyRetry(t *testing.T) {
	tests := []struct {
		name      string
		op        string
		params    Params
		busy      int
		wantCalls int
		wantErr   bool
	}{
		{"retried then done", "ResendAllUser", nil, 2, 3, false},
		{"exhausted", "ResendAllUser", nil, 10, 4, true},
		{"add never retried", "AddUserWithoutTemplate", Params{"UserID": "1", "FirstName": "A"}, 1, 1, true},
		{"delete never retried", "DeleteLogAll", nil, 1, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := busyServer(tt.busy, &calls)
			defer srv.Close()
			c, exchanges, _ := testClient(t, testProfile(t, srv.URL))
			res, err := c.Send(context.Background(), mustLookup(t, tt.op), tt.params)
			if tt.wantErr {
				if ce := callError(t, err, OutcomeDeviceError); ce.Status.Code != StatusBusy {
					t.Errorf("status %d", ce.Status.Code)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if int(calls.Load()) != tt.wantCalls || res.Attempts != tt.wantCalls || len(*exchanges) != tt.wantCalls {
				t.Errorf("%d calls, %d attempts, %d exchanges; want %d", calls.Load(), res.Attempts, len(*exchanges), tt.wantCalls)
			}
			ids := map[string]bool{}
			for _, e := range *exchanges {
				ids[e.OperationID] = true
			}
			if len(ids) != tt.wantCalls {
				t.Errorf("tries reuse an OperationID: %v", ids)
			}
		})
	}
}

func TestSendBusyRetryCancelled(t *testing.T) {
	var calls atomic.Int32
	srv := busyServer(10, &calls)
	defer srv.Close()
	c, _, _ := testClient(t, testProfile(t, srv.URL), WithBusyRetry(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	res, err := c.Send(ctx, mustLookup(t, "ResendAllUser"), nil)
	callError(t, err, OutcomeCancelled)
	if calls.Load() != 1 || res == nil || res.StatusCode() != StatusBusy {
		t.Errorf("%d calls, result %+v", calls.Load(), res)
	}
}

func TestSendAnswerProblems(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		want      Outcome
		wantCause string
	}{
		{"HTTP 500", 500, `oops`, OutcomeHTTPError, "the gateway answered HTTP 500 Internal Server Error"},
		{"HTTP 502", 502, `<html>bad gateway</html>`, OutcomeHTTPError, "the gateway answered HTTP 502 Bad Gateway"},
		{"HTTP 404 with JSON", 404, `{"Status":"error","StatusCode":3}`, OutcomeHTTPError, "HTTP 404 Not Found"},
		{"HTML", 200, "<!DOCTYPE html>\n<html><head><title>Login</title></head><body>" + strings.Repeat("x", 200), OutcomeNotJSON,
			"the gateway's answer is not JSON: <!DOCTYPE html> <html><head><title>Login</title></head><body>xxxxxxxxxxxxxxxxxxx…"},
		{"empty", 200, ``, OutcomeNotJSON, "the gateway's answer is not JSON: (empty)"},
		{"broken JSON", 200, `{"Status":`, OutcomeNotJSON, `not JSON: {"Status":`},
		{"a list", 200, `[1,2]`, OutcomeBadAnswer, "not a Cams answer: the answer is not a JSON object"},
		{"wrong shape", 200, `{"Status":{"a":1}}`, OutcomeBadAnswer, "the gateway's answer is not a Cams answer"},
		{"encrypted without a key", 200, mustEncrypt(t, `{"Status":"done"}`, testKey), OutcomeNotJSON,
			"the gateway's answer is encrypted and the device has no security key"},
		{"token echoed", 200, "error for " + testToken, OutcomeNotJSON, "error for " + Mask(testToken)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c, exchanges, _ := testClient(t, testProfile(t, srv.URL))
			res, err := c.Send(context.Background(), mustLookup(t, "LoadDeviceInformation"), nil)
			ce := callError(t, err, tt.want)
			if !strings.Contains(ce.Cause, tt.wantCause) {
				t.Errorf("cause %q, want %q", ce.Cause, tt.wantCause)
			}
			if ce.Hint == "" || res == nil || res.HTTPStatus != tt.status || len(*exchanges) != 1 || (*exchanges)[0].Outcome != tt.want {
				t.Errorf("hint %q result %+v", ce.Hint, res)
			}
		})
	}
}

func TestSendKeepsOnlyTheStartOfAnErrorPage(t *testing.T) {
	srv := httptest.NewServer(answer("<html>" + strings.Repeat("x", 200<<10)))
	defer srv.Close()
	c, exchanges, _ := testClient(t, testProfile(t, srv.URL))
	res, err := c.Send(context.Background(), mustLookup(t, "LoadDeviceInformation"), nil)
	callError(t, err, OutcomeNotJSON)
	if len(res.RawResponse) != maxUnreadKept || len((*exchanges)[0].Response) != maxUnreadKept {
		t.Errorf("kept %d bytes of the answer", len(res.RawResponse))
	}
}

func mustEncrypt(t *testing.T, body, key string) string {
	t.Helper()
	s, err := Encrypt([]byte(body), key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSendEncrypted(t *testing.T) {
	tests := []struct {
		name           string
		key, oldKey    string
		gatewayKey     string // the key the gateway answers with
		want           Outcome
		wantPlainReply bool
	}{
		{"key", testKey, "", testKey, OutcomeSuccess, false},
		{"old key answers", testKey, testOldKey, testOldKey, OutcomeSuccess, false},
		{"plain error answer", testKey, "", "", OutcomeDeviceError, true},
		{"wrong key", testKey, "", testOldKey, OutcomeNotJSON, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sent []byte
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				raw, _ := io.ReadAll(r.Body)
				plain, err := Decrypt(raw, testKey)
				if err != nil {
					http.Error(w, "request not encrypted with the key", 400)
					return
				}
				sent = plain
				if tt.wantPlainReply {
					io.WriteString(w, `{"Status":"error","StatusCode":4}`)
					return
				}
				io.WriteString(w, mustEncrypt(t, `{"Status":"done","StatusCode":0,"DeviceInformation":{"DeviceModel":"Secret"}}`, tt.gatewayKey))
			}))
			defer srv.Close()
			p := testProfile(t, srv.URL)
			p.SecurityKey, p.OldSecurityKey = tt.key, tt.oldKey
			c, exchanges, _ := testClient(t, p)
			res, err := c.Send(context.Background(), mustLookup(t, "LoadDeviceInformation"), nil)
			if tt.want == OutcomeSuccess {
				if err != nil {
					t.Fatal(err)
				}
				if res.Response.DeviceInformation.DeviceModel != "Secret" || !bytes.HasPrefix(res.RawResponse, []byte("{")) {
					t.Errorf("answer %s", res.RawResponse)
				}
			} else {
				ce := callError(t, err, tt.want)
				if tt.want == OutcomeNotJSON && !strings.Contains(ce.Cause, "security key does not decrypt it") {
					t.Errorf("cause %q", ce.Cause)
				}
			}
			if !bytes.Contains(sent, []byte(`"Load":{"DeviceInformation":"All"}`)) || !bytes.Contains(sent, []byte(testToken)) {
				t.Errorf("gateway read %s", sent)
			}
			if ex := (*exchanges)[0]; !bytes.HasPrefix(ex.Request, []byte("{")) || bytes.Contains(ex.Request, []byte(testToken)) {
				t.Errorf("exchange request %s", ex.Request)
			}
		})
	}
}

func TestSendTransportFailures(t *testing.T) {
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr
	}
	plain := httptest.NewServer(answer(`{"Status":"done"}`))
	defer plain.Close()
	tlsSrv := httptest.NewUnstartedServer(answer(`{"Status":"done"}`))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	tests := []struct {
		name      string
		url       string
		want      Outcome
		wantCause string
		wantHint  string
	}{
		{"refused", closed(), OutcomeRefused, "refused the connection", "port"},
		{"dns", "http://cams-gateway.invalid", OutcomeDNS, `cannot find the gateway's host "cams-gateway.invalid"`, "endpoint URL"},
		{"untrusted certificate", tlsSrv.URL, OutcomeTLS, "not signed by a trusted authority", "date and time"},
		{"https to http", strings.Replace(plain.URL, "http://", "https://", 1), OutcomeTLS, "does not speak HTTPS", "scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, exchanges, _ := testClient(t, testProfile(t, tt.url))
			res, err := c.Send(context.Background(), mustLookup(t, "ResendAllUser"), nil)
			ce := callError(t, err, tt.want)
			if !strings.Contains(ce.Cause, tt.wantCause) || !strings.Contains(ce.Hint, tt.wantHint) {
				t.Errorf("cause %q hint %q", ce.Cause, ce.Hint)
			}
			if ce.Unwrap() == nil {
				t.Error("the Go error is not wrapped")
			}
			if res == nil || res.Response != nil || res.StatusCode() != -1 || len(*exchanges) != 1 || (*exchanges)[0].StatusCode != -1 {
				t.Errorf("result %+v", res)
			}
		})
	}
}

// stall holds requests until the client gives up or the test ends.
func stall(done <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}
}

func TestSendTimeoutAndCancel(t *testing.T) {
	done := make(chan struct{})
	srv := httptest.NewServer(stall(done))
	defer srv.Close()
	defer close(done)

	c, exchanges, _ := testClient(t, testProfile(t, srv.URL), WithTimeouts(Timeouts{Connect: time.Second, Total: 100 * time.Millisecond}))
	_, err := c.Send(context.Background(), mustLookup(t, "LoadDeviceInformation"), nil)
	if ce := callError(t, err, OutcomeTimeout); ce.Cause != "the gateway did not answer within 100ms" {
		t.Errorf("cause %q", ce.Cause)
	}

	c.Timeouts.Total = time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = c.Send(ctx, mustLookup(t, "LoadDeviceInformation"), nil)
	callError(t, err, OutcomeCancelled)

	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Send(ctx, mustLookup(t, "LoadDeviceInformation"), nil)
	if ce := callError(t, err, OutcomeTimeout); ce.Cause != "the call ran out of time" {
		t.Errorf("cause %q", ce.Cause)
	}
	if len(*exchanges) != 3 {
		t.Errorf("%d exchanges, want 3", len(*exchanges))
	}
}

func TestSendOneAtATimePerDevice(t *testing.T) {
	var inFlight, most atomic.Int32
	var twoDevices atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		if twoDevices.Load() {
			// Hold each call until the other device's call is in flight too (or give up after 2 s).
			for deadline := time.Now().Add(2 * time.Second); most.Load() < 2 && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
		} else {
			time.Sleep(30 * time.Millisecond)
		}
		io.WriteString(w, `{"Status":"done"}`)
	}))
	defer srv.Close()

	p := testProfile(t, srv.URL)
	a, _, _ := testClient(t, p)
	b, _, _ := testClient(t, p) // another client for the same device
	send := func(wg *sync.WaitGroup, c *Client) {
		defer wg.Done()
		if _, err := c.Send(context.Background(), mustLookup(t, "ResendAllUser"), nil); err != nil {
			t.Error(err)
		}
	}
	var wg sync.WaitGroup
	for _, c := range []*Client{a, b, a} {
		wg.Add(1)
		go send(&wg, c)
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d calls to one device overlapped", most.Load())
	}

	// Calls to two devices do overlap.
	most.Store(0)
	twoDevices.Store(true)
	other := p
	other.STGID += "-other"
	o, _, _ := testClient(t, other)
	wg.Add(2)
	go send(&wg, a)
	go send(&wg, o)
	wg.Wait()
	if most.Load() != 2 {
		t.Errorf("calls to two devices did not overlap (max in flight %d)", most.Load())
	}
}

func TestSendWaitingForDeviceCancelled(t *testing.T) {
	done := make(chan struct{})
	srv := httptest.NewServer(stall(done))
	defer srv.Close()
	defer close(done)
	p := testProfile(t, srv.URL)
	first, _, _ := testClient(t, p)
	second, exchanges, _ := testClient(t, p)

	firstCtx, cancelFirst := context.WithCancel(context.Background())
	defer cancelFirst()
	started := make(chan struct{})
	go func() {
		close(started)
		first.Send(firstCtx, mustLookup(t, "ResendAllUser"), nil)
	}()
	<-started
	time.Sleep(30 * time.Millisecond) // let the first call take the device
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	res, err := second.Send(ctx, mustLookup(t, "ResendAllUser"), nil)
	ce := callError(t, err, OutcomeCancelled)
	if !strings.Contains(ce.Cause, "waiting for the previous call") || res != nil || len(*exchanges) != 0 {
		t.Errorf("cause %q, result %v, %d exchanges", ce.Cause, res, len(*exchanges))
	}
}

func TestSendRaw(t *testing.T) {
	var got []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		io.WriteString(w, `{"Status":"done"}`)
	}))
	defer srv.Close()
	c, exchanges, _ := testClient(t, testProfile(t, srv.URL))
	res, err := c.SendRaw(context.Background(), []byte(`{ "Load": { "DeviceInformation": "All" },
		"OperationID": "mine", "Extra": [1, 2], "AuthToken": "old", "OperationID": "again" }`))
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`^\{"Load":\{"DeviceInformation":"All"\},"OperationID":"[a-z0-9]{13}","Extra":\[1,2\],"AuthToken":"` +
		testToken + `","Time":"[0-9 :-]+ GMT \+0530"\}$`)
	if !want.Match(got) {
		t.Errorf("sent %s", got)
	}
	if res.Operation != "LoadDeviceInformation" || (*exchanges)[0].Operation != "LoadDeviceInformation" {
		t.Errorf("operation %q", res.Operation)
	}

	tests := []struct {
		body string
		want string
	}{
		{`{"Add":{"User":{"UserID":"1"},"Template":[{"Type":"Fingerprint"},{"Type":"Palm"}]}}`, "Add"},
		{`{"Delete":{"User":"All"}}`, "DeleteAllUser"},
		{`{"Hello":1}`, "Raw"},
		{`{"Load":"nonsense"}`, "Load"},
	}
	for _, tt := range tests {
		res, err := c.SendRaw(context.Background(), []byte(tt.body))
		if err != nil || res.Operation != tt.want {
			t.Errorf("%s: operation %q, %v; want %q", tt.body, res.Operation, err, tt.want)
		}
	}

	n := len(*exchanges)
	for _, bad := range []string{`[1]`, `{"a":1} {"b":2}`, `{"a":}`, ``, `"x"`} {
		res, err := c.SendRaw(context.Background(), []byte(bad))
		ce := callError(t, err, OutcomeInvalid)
		if res != nil || !strings.Contains(ce.Cause, "one JSON object") {
			t.Errorf("%q: %v", bad, ce)
		}
	}
	if len(*exchanges) != n {
		t.Error("an invalid body was sent")
	}
}

func TestSendRawBusyRetryByVerb(t *testing.T) {
	var calls atomic.Int32
	srv := busyServer(1, &calls)
	defer srv.Close()
	c, _, _ := testClient(t, testProfile(t, srv.URL))
	if _, err := c.SendRaw(context.Background(), []byte(`{"Delete":{"Log":"All"}}`)); err == nil || calls.Load() != 1 {
		t.Errorf("raw delete: %v after %d calls", err, calls.Load())
	}
	calls.Store(0)
	if _, err := c.SendRaw(context.Background(), []byte(`{"Resend":{"User":"All"}}`)); err != nil || calls.Load() != 2 {
		t.Errorf("raw resend: %v after %d calls", err, calls.Load())
	}
}

func TestSendInvalidNothingSent(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	c, _, _ := testClient(t, testProfile(t, srv.URL))
	res, err := c.Send(context.Background(), mustLookup(t, "AddUserWithCard"), Params{"UserID": "1", "FirstName": "A", "Card": "x1"})
	ce := callError(t, err, OutcomeInvalid)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "Card" || res != nil {
		t.Errorf("error %v (field %v), result %v", ce, fe, res)
	}
	_, err = c.Send(context.Background(), Operation{Name: "Nope"}, nil)
	callError(t, err, OutcomeInvalid)

	broken := *c
	broken.Profile.Endpoint = "ftp://x"
	_, err = broken.Send(context.Background(), mustLookup(t, "ResendAllUser"), nil)
	if ce := callError(t, err, OutcomeInvalid); !strings.Contains(ce.Cause, "restful_endpoint") {
		t.Errorf("cause %q", ce.Cause)
	}
	if calls.Load() != 0 {
		t.Errorf("%d requests reached the gateway", calls.Load())
	}
}

func TestNewClientChecksProfile(t *testing.T) {
	tests := []struct {
		change func(*Profile)
		want   string
	}{
		{func(p *Profile) { p.AuthToken = "" }, "auth_token"},
		{func(p *Profile) { p.AuthToken = testToken[:20] }, "auth_token: must be 32 characters, got 20"},
		{func(p *Profile) { p.STGID = " " }, "stgid"},
		{func(p *Profile) { p.Endpoint = "gateway.example.com" }, "restful_endpoint"},
		{func(p *Profile) { p.SecurityKey = "short" }, "security_key"},
		{func(p *Profile) { p.TimeZone = "Mars/Olympus" }, "time_zone"},
	}
	for _, tt := range tests {
		p := testProfile(t, "http://127.0.0.1:1")
		tt.change(&p)
		_, err := NewClient(p)
		var fe *FieldError
		if err == nil || !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v, want %q", err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), testToken[:20]) {
			t.Errorf("token in %q", err)
		}
	}
}

func TestRequestURL(t *testing.T) {
	tests := []struct {
		endpoint, want string
	}{
		{"https://gw.example.com/external/api3.0/biometric", "https://gw.example.com/external/api3.0/biometric?stgid=ABC"},
		{" https://gw.example.com/external/api3.0/biometric?stgid=OLD ", "https://gw.example.com/external/api3.0/biometric?stgid=ABC"},
		{"https://gw.example.com/api?STGID=OLD&lang=en#frag", "https://gw.example.com/api?lang=en&stgid=ABC"},
	}
	for _, tt := range tests {
		got, err := RequestURL(Profile{Endpoint: tt.endpoint, STGID: "ABC"})
		if err != nil || got != tt.want {
			t.Errorf("RequestURL(%q) = %q, %v; want %q", tt.endpoint, got, err, tt.want)
		}
	}
}

// pagedGateway serves LoadLog from a fixed list of punches, OffSet paging as configured.
type pagedGateway struct {
	pageConfig
	punches []Time
	mu      sync.Mutex
	filters []Filter
}

type pageConfig struct {
	pageSize     int
	withTotal    bool // send ActualRowCount
	nextOffset   bool // send OffSet as the next offset
	ignoreOffset bool
	failOnCall   int // answer status 38 on this call (1-based)
}

func (g *pagedGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, err := DecodeRequest(mustRead(r.Body))
	if err != nil || req.Load == nil || req.Load.PunchLog == nil {
		http.Error(w, "not a LoadLog", 400)
		return
	}
	f := req.Load.PunchLog.Filter
	g.mu.Lock()
	g.filters = append(g.filters, f)
	call := len(g.filters)
	g.mu.Unlock()
	if call == g.failOnCall {
		io.WriteString(w, `{"Status":"error","StatusCode":38}`)
		return
	}
	start, errS := ParseTime(f.StartTime, nil)
	end, errE := ParseTime(f.EndTime, nil)
	if errS != nil || errE != nil || !start.Zoned || !end.Zoned {
		io.WriteString(w, `{"Status":"error","StatusCode":1}`)
		return
	}
	var sel []Time
	for _, p := range g.punches {
		if !p.UTC.Before(start.UTC) && !p.UTC.After(end.UTC) {
			sel = append(sel, p)
		}
	}
	off := 0
	if f.OffSet != "" && !g.ignoreOffset {
		fmt.Sscan(f.OffSet, &off)
	}
	page := sel[min(off, len(sel)):min(off+g.pageSize, len(sel))]
	batch := map[string]any{"ReturnRowCount": fmt.Sprint(len(page))}
	if g.withTotal {
		batch["ActualRowCount"] = fmt.Sprint(len(sel))
	}
	if g.nextOffset {
		batch["OffSet"] = fmt.Sprint(off + len(page))
	}
	logs := []map[string]any{}
	for i, p := range page {
		logs = append(logs, map[string]any{"Type": "CheckIn", "InputType": "Face", "UserID": fmt.Sprint(i % 7), "LogTime": p.String(), "Temperature": 36.6, "FaceMask": false})
	}
	batch["Log"] = logs
	json.NewEncoder(w).Encode(map[string]any{"Status": "done", "OperationID": "", "PunchLog": batch})
}

func mustRead(r io.Reader) []byte {
	b, _ := io.ReadAll(r)
	return b
}

// testPunches are three punches a day for 75 days from 2025-01-01 in +05:30, plus one on each side of the
// first window boundary.
func testPunches(t *testing.T) ([]Time, time.Time, time.Time) {
	zone := time.FixedZone("", 5*3600+1800)
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, zone)
	to := time.Date(2025, 3, 16, 23, 59, 59, 0, zone)
	var out []Time
	add := func(at time.Time) {
		tm, err := ParseTime(FormatTime(at, zone), nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tm)
	}
	for d := 0; d < 75; d++ {
		for _, h := range []int{9, 13, 18} {
			add(from.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour))
		}
		if d == 29 {
			add(from.Add(LoadLogWindow - time.Second))
			add(from.Add(LoadLogWindow))
		}
	}
	return out, from, to
}

func TestLoadLogPaging(t *testing.T) {
	tests := []struct {
		name    string
		gateway pageConfig
	}{
		{"total known", pageConfig{pageSize: 50, withTotal: true}},
		{"total unknown", pageConfig{pageSize: 50}},
		{"next offset given", pageConfig{pageSize: 50, nextOffset: true}},
		{"small pages", pageConfig{pageSize: 7}},
		{"pages divide the window", pageConfig{pageSize: 46}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			punches, from, to := testPunches(t)
			g := &pagedGateway{pageConfig: tt.gateway, punches: punches}
			srv := httptest.NewServer(g)
			defer srv.Close()
			c, _, _ := testClient(t, testProfile(t, srv.URL))

			seen := map[string]bool{}
			var reports []LoadProgress
			sum, err := c.LoadLog(context.Background(), from, to, func(p LoadProgress) { reports = append(reports, p) },
				func(rows []PunchLog) error {
					for _, r := range rows {
						if seen[string(r.LogTime)] {
							return fmt.Errorf("punch %s twice", r.LogTime)
						}
						seen[string(r.LogTime)] = true
					}
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			if len(seen) != len(punches) || sum.Rows != len(punches) || sum.Windows != 3 || sum.OffsetIgnored {
				t.Errorf("read %d of %d punches, summary %+v", len(seen), len(punches), sum)
			}
			done := 0
			for _, r := range reports {
				if r.Done {
					done++
				}
			}
			last := reports[len(reports)-1]
			if len(reports) != sum.Pages+3 || done != 3 || !last.Done || last.Rows != len(punches) || last.Window != 3 || last.WindowRows != 45 {
				t.Errorf("%d reports (%d window ends) for %d pages, last %+v", len(reports), done, sum.Pages, last)
			}
			if g.withTotal && reports[0].WindowTotal != 91 {
				t.Errorf("first window total %d", reports[0].WindowTotal)
			}
			var windowStart string
			for i, f := range g.filters {
				s, _ := ParseTime(f.StartTime, nil)
				e, _ := ParseTime(f.EndTime, nil)
				if e.UTC.Sub(s.UTC) >= LoadLogWindow {
					t.Errorf("request %d spans %s", i, e.UTC.Sub(s.UTC))
				}
				if first := f.StartTime != windowStart; first != (f.OffSet == "") {
					t.Errorf("request %d: OffSet %q on a %s page", i, f.OffSet, map[bool]string{true: "first", false: "later"}[first])
				}
				windowStart = f.StartTime
			}
		})
	}
}

func TestLoadLogGatewayIgnoresOffset(t *testing.T) {
	punches, from, to := testPunches(t)
	g := &pagedGateway{pageConfig: pageConfig{pageSize: 50, ignoreOffset: true}, punches: punches}
	srv := httptest.NewServer(g)
	defer srv.Close()
	c, _, _ := testClient(t, testProfile(t, srv.URL))
	rows := 0
	sum, err := c.LoadLog(context.Background(), from, to, nil, func(r []PunchLog) error { rows += len(r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if !sum.OffsetIgnored || sum.Pages != 3 || rows != 50+50+45 || len(g.filters) != 6 || sum.Duration <= 0 {
		t.Errorf("summary %+v, %d rows in %d requests", sum, rows, len(g.filters))
	}
}

func TestLoadLogStops(t *testing.T) {
	punches, from, to := testPunches(t)
	storeFull := errors.New("disk full")
	tests := []struct {
		name     string
		failOn   int
		sink     func(ctx context.CancelFunc) func([]PunchLog) error
		want     Outcome
		wantErr  error
		wantRows int
	}{
		{"device error", 2, nil, OutcomeDeviceError, nil, 50},
		{"sink error", 0, func(context.CancelFunc) func([]PunchLog) error {
			return func([]PunchLog) error { return storeFull }
		}, "", storeFull, 50},
		{"cancelled", 0, func(cancel context.CancelFunc) func([]PunchLog) error {
			return func([]PunchLog) error { cancel(); return nil }
		}, OutcomeCancelled, nil, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &pagedGateway{pageConfig: pageConfig{pageSize: 50, failOnCall: tt.failOn}, punches: punches}
			srv := httptest.NewServer(g)
			defer srv.Close()
			c, _, _ := testClient(t, testProfile(t, srv.URL))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sink := func([]PunchLog) error { return nil }
			if tt.sink != nil {
				sink = tt.sink(cancel)
			}
			sum, err := c.LoadLog(ctx, from, to, nil, sink)
			if tt.want != "" {
				callError(t, err, tt.want)
			} else if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), "storing page 1 of window 1") {
				t.Errorf("error %v", err)
			}
			if sum.Rows != tt.wantRows && !(tt.name == "sink error" && sum.Rows == 0) {
				t.Errorf("summary %+v", sum)
			}
		})
	}

	c, _, _ := testClient(t, testProfile(t, "http://127.0.0.1:1"))
	_, err := c.LoadLog(context.Background(), to, from, nil, func([]PunchLog) error { return nil })
	callError(t, err, OutcomeInvalid)
}

func TestSplitWindows(t *testing.T) {
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		to   time.Time
		want int
	}{
		{at, 1},
		{at.Add(LoadLogWindow - time.Second), 1},
		{at.Add(LoadLogWindow), 2},
		{at.AddDate(1, 0, 0), 13},
	}
	for _, tt := range tests {
		w := splitWindows(at, tt.to)
		if len(w) != tt.want || !w[0][0].Equal(at) || !w[len(w)-1][1].Equal(tt.to) {
			t.Errorf("to %s: %d windows %v", tt.to, len(w), w)
		}
		for i := 1; i < len(w); i++ {
			if !w[i][0].Equal(w[i-1][1].Add(time.Second)) {
				t.Errorf("gap or overlap between windows %d and %d", i-1, i)
			}
		}
	}
}

func TestLoadDeviceInformationMissing(t *testing.T) {
	srv := httptest.NewServer(answer(`{"Status":"done","StatusCode":0}`))
	defer srv.Close()
	c, _, _ := testClient(t, testProfile(t, srv.URL))
	info, res, err := c.LoadDeviceInformation(context.Background())
	callError(t, err, OutcomeBadAnswer)
	if info != nil || res == nil {
		t.Errorf("info %v result %v", info, res)
	}
}
