package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/device/simulator"
)

// syncBuffer is a buffer the serve goroutines write to while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServe(t *testing.T) {
	var mu sync.Mutex
	var punches int
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if c, err := device.DecodeCallback(body); err == nil && c.RealTime != nil && c.RealTime.PunchLog != nil &&
			r.URL.Query().Get("stgid") == "DEMO1" {
			mu.Lock()
			punches++
			mu.Unlock()
		}
		_, _ = w.Write([]byte(`{"status":"done"}`))
	}))
	defer receiver.Close()

	root := newServeCmd()
	out := &syncBuffer{}
	root.SetOut(out)
	root.SetArgs([]string{"--listen", "127.0.0.1:0", "--callback", receiver.URL + "/callback", "--stgid", "DEMO1",
		"--logs", "800", "--days", "7", "--rate", "50", "--delay", "0s", "--zone", "Asia/Kolkata", "--quiet"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	endpoint := regexp.MustCompile(`RESTful endpoint\s+(\S+)`)
	waitFor(t, "the endpoint in the output", func() bool { return endpoint.MatchString(out.String()) })
	text := out.String()
	for _, want := range []string{"stgid             DEMO1", simulator.DefaultAuthToken, simulator.DefaultCallbackToken,
		"simulator only", "Asia/Kolkata (GMT +0530)", "200 users, 800 punch logs", receiver.URL + "/callback?stgid=DEMO1"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	url := endpoint.FindStringSubmatch(text)[1] + "?stgid=DEMO1"
	body, _ := json.Marshal(map[string]any{
		"Load": map[string]any{"DeviceInformation": "All"}, "OperationID": "serve1",
		"AuthToken": simulator.DefaultAuthToken, "Time": device.FormatTime(time.Now(), nil),
	})
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var r device.Response
	err = json.NewDecoder(resp.Body).Decode(&r)
	resp.Body.Close()
	if err != nil || r.Code() != 0 || r.DeviceInformation == nil || r.DeviceInformation.RegisteredUsers != "200" {
		t.Fatalf("LoadDeviceInformation: %+v, %v", r, err)
	}
	waitFor(t, "live punches at the callback", func() bool { mu.Lock(); defer mu.Unlock(); return punches >= 3 })

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestServeRefusesBadFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown zone", []string{"--zone", "Mars/Base"}, "--zone"},
		{"short token", []string{"--token", "short"}, "auth token"},
		{"short key", []string{"--security-key", "s3cr3t"}, "security key"},
		{"callback not a URL", []string{"--callback", "localhost:5000"}, "callback URL"},
		{"too many logs", []string{"--logs", "500001"}, "--logs"},
		{"negative rate", []string{"--rate", "-1"}, "--rate"},
		{"negative processing time", []string{"--processing-time", "-5ms"}, "--processing-time"},
		{"bad listen address", []string{"--listen", "127.0.0.1:99999"}, "--listen"},
		{"argument", []string{"extra"}, "unknown command"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := newServeCmd()
			out := &bytes.Buffer{}
			cmd.SetOut(out)
			cmd.SetErr(out)
			cmd.SetArgs(append([]string{"--logs", "0", "--users", "0"}, tc.args...))
			err := cmd.ExecuteContext(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one about %q", err, tc.want)
			}
			if strings.Contains(err.Error()+out.String(), "s3cr3t") {
				t.Error("the output shows the key")
			}
		})
	}
}

func TestServeIsRegistered(t *testing.T) {
	cmd, _, err := rootCmd.Find([]string{"serve"})
	if err != nil || cmd.Name() != "serve" || cmd.Flags().Lookup("callback") == nil {
		t.Fatalf("serve not found on the root: %v", err)
	}
}

func TestEndpointURL(t *testing.T) {
	cases := []struct{ addr, want string }{
		{"127.0.0.1:8090", "http://127.0.0.1:8090" + simulator.EndpointPath},
		{"0.0.0.0:8090", "http://127.0.0.1:8090" + simulator.EndpointPath},
		{"[::]:8090", "http://127.0.0.1:8090" + simulator.EndpointPath},
		{"192.168.1.5:80", "http://192.168.1.5:80" + simulator.EndpointPath},
	}
	for _, tc := range cases {
		if got := endpointURL(fakeAddr(tc.addr)); got != tc.want {
			t.Errorf("endpointURL(%s) = %s, want %s", tc.addr, got, tc.want)
		}
	}
}

type fakeAddr string

func (a fakeAddr) Network() string { return "tcp" }
func (a fakeAddr) String() string  { return string(a) }
