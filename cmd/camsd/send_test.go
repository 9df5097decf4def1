package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/device/simulator"
)

var simZone = time.FixedZone("GMT +0530", 5*3600+1800)

// cli runs camsd in-process with no CAMS_* variables, adding ops, send and loadlog when the root does not list
// them yet, and returns the exit code execute would give.
func cli(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	root := newRootCmd()
	for name, mk := range map[string]func() *cobra.Command{"ops": newOpsCmd, "send": newSendCmd, "loadlog": newLoadLogCmd} {
		if c, _, err := root.Find([]string{name}); err != nil || c == root {
			root.AddCommand(mk())
		}
	}
	var out, errOut bytes.Buffer
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	ctx := context.WithValue(context.Background(), getenvKey{}, func(string) string { return "" })
	_, err := root.ExecuteContextC(ctx)
	if err == nil {
		return out.String(), errOut.String(), exitOK
	}
	errOut.WriteString("camsd: " + err.Error() + "\n")
	var ee *exitError
	if errors.As(err, &ee) {
		return out.String(), errOut.String(), ee.code
	}
	return out.String(), errOut.String(), exitUsage // cobra's own: unknown flag, missing required flag
}

// simSetup starts a simulated gateway and writes a config whose default device, "Main Gate", is it.
func simSetup(t *testing.T, cfg simulator.Config) (g *simulator.Gateway, configPath, dataDir string) {
	t.Helper()
	cfg.Zone = simZone
	g = simulator.New(cfg)
	srv := httptest.NewServer(g.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(g.Close)
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := g.Config()
	dataDir = t.TempDir()
	return g, writeDeviceConfig(t, dataDir, device.Profile{Name: "Main Gate", Endpoint: srv.URL + simulator.EndpointPath,
		STGID: c.STGID, AuthToken: c.AuthToken, SecurityKey: c.SecurityKey, TimeZone: "+05:30"}), dataDir
}

func writeDeviceConfig(t *testing.T, dataDir string, p device.Profile) string {
	t.Helper()
	b, err := json.Marshal(data.Config{DataDir: dataDir, Devices: []device.Profile{p}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func storedExchanges(t *testing.T, dataDir string) []data.Exchange {
	t.Helper()
	s, err := data.OpenDir(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	xs, err := s.Exchanges(context.Background(), data.ExchangeFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return xs
}

func TestOpsCommand(t *testing.T) {
	out, errOut, code := cli(t, "", "ops")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 28 || strings.Fields(lines[0])[0] != "NO" {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	if f := strings.Fields(lines[1+29-12]); strings.Join(f, " ") != "29 DeleteUser Delete yes" {
		t.Errorf("line for 29: %q", lines[1+29-12])
	}
	if f := strings.Fields(lines[1]); strings.Join(f, " ") != "12 LoadLog Load" {
		t.Errorf("line for 12: %q", lines[1])
	}

	out, _, code = cli(t, "", "ops", "--format", "JSON")
	var ops []opJSON
	if code != exitOK || json.Unmarshal([]byte(out), &ops) != nil || len(ops) != 27 {
		t.Fatalf("exit %d, %d operations", code, len(ops))
	}
	if o := ops[5]; o.Number != 17 || o.Name != "AddUserWithFingerprint" || !o.Queued || len(o.Params) != 6 || o.Params[4].Name != "Fingerprint" {
		t.Errorf("17: %+v", o)
	}

	if _, errOut, code = cli(t, "", "ops", "--format", "xml"); code != exitUsage || !strings.Contains(errOut, "--format: use table or json") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

func TestSendCommand(t *testing.T) {
	g, config, dataDir := simSetup(t, simulator.Config{ProcessingTime: -1})
	paramsFile := filepath.Join(t.TempDir(), "asha.json")
	os.WriteFile(paramsFile, []byte(`{"UserID": 7, "FirstName": "Asha", "Card": "0042"}`), 0o600)

	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string // in stdout
	}{
		{"samples", "", []string{"send", "LoadDeviceInformation"}, `"DeviceInformation": {`},
		{"number and params file", "", []string{"send", "14", "--params", "@" + paramsFile}, `"Status": "done"`},
		{"name in any case, device by name", "", []string{"send", "enableuser", "--device", "main gate", "--params", `{"UserID":"7"}`}, `"StatusCode": 0`},
		{"params on stdin", `{"UserID":"7","Start":"2025-01-01 00:00:00","End":"2025-06-30 23:59:59"}`,
			[]string{"send", "UpdateAccessTime", "--params", "@-"}, `"Status": "done"`},
		{"raw body", "", []string{"send", "--json", `{"Resend":{"User":"All"},"OperationID":"mine"}`}, `"Status": "done"`},
		{"raw body with its operation", "", []string{"send", "ResendAllUser", "--json", `{"Resend":{"User":"All"}}`}, `"Status": "done"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := cli(t, tt.stdin, append(tt.args, "--config", config)...)
			if code != exitOK || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, stdout %s, stderr %s", code, out, errOut)
			}
		})
	}
	if s := g.Stats(); s.Users != 1 {
		t.Errorf("the device holds %d users, want the one added", s.Users)
	}

	xs := storedExchanges(t, dataDir)
	if len(xs) != len(tests) {
		t.Fatalf("%d exchanges stored, want %d", len(xs), len(tests))
	}
	ops := map[string]bool{}
	for _, x := range xs {
		ops[x.Operation] = true
		if x.Outcome != "success" || x.StatusCode != 0 || x.DeviceID == 0 || len(x.OperationID) != 13 || x.StartedAt.IsZero() ||
			strings.Contains(x.Request, g.Config().AuthToken) || !strings.Contains(x.Request, device.Mask(g.Config().AuthToken)) {
			t.Errorf("exchange %+v", x)
		}
	}
	for _, want := range []string{"LoadDeviceInformation", "AddUserWithCard", "EnableUser", "UpdateAccessTime", "ResendAllUser"} {
		if !ops[want] {
			t.Errorf("no exchange for %s in %v", want, ops)
		}
	}
}

func TestSendCommandFailures(t *testing.T) {
	g, config, dataDir := simSetup(t, simulator.Config{ProcessingTime: -1})
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + l.Addr().String()
	l.Close()
	unreachable := writeDeviceConfig(t, dataDir, device.Profile{Name: "Far", Endpoint: closed, STGID: "FAR-1",
		AuthToken: g.Config().AuthToken, TimeZone: "+05:30"})
	badToken := writeDeviceConfig(t, dataDir, device.Profile{Name: "Bad", Endpoint: closed, STGID: "BAD-1",
		AuthToken: "short", TimeZone: "+05:30"})
	empty := writeConfigFile(t, `{}`)

	tests := []struct {
		name       string
		config     string
		args       []string
		wantCode   int
		wantStderr []string
		wantStdout string
	}{
		{"device error", config, []string{"send", "DeleteUser", "--params", `{"UserID":"404"}`, "--yes"}, exitFailure,
			[]string{"DeleteUser: status 9: user not found", "No user with this ID"}, `"StatusCode": 9`},
		{"network error", unreachable, []string{"send", "13"}, exitFailure,
			[]string{"LoadDeviceInformation: the gateway's host " + strings.TrimPrefix(closed, "http://") + " refused the connection", "port"}, ""},
		{"unknown operation", config, []string{"send", "99"}, exitUsage, []string{`unknown operation "99"`, "camsd ops"}, ""},
		{"no operation", config, []string{"send"}, exitUsage, []string{"name the operation"}, ""},
		{"invalid params", config, []string{"send", "AddUserWithCard", "--params", `{"UserID":"1","FirstName":"A","Card":"12x"}`}, exitUsage,
			[]string{"invalid parameters for AddUserWithCard", "Card: digits only"}, ""},
		{"unknown param", config, []string{"send", "DeleteUser", "--params", `{"UserId":"1","Card":"5"}`}, exitUsage,
			[]string{"Card: unknown parameter"}, ""},
		{"params not JSON", config, []string{"send", "DeleteUser", "--params", `UserID=1`}, exitUsage, []string{"--params: give a JSON object"}, ""},
		{"params nested", config, []string{"send", "DeleteUser", "--params", `{"UserID":[1]}`}, exitUsage, []string{"--params: UserID: give text"}, ""},
		{"params file missing", config, []string{"send", "DeleteUser", "--params", "@/no/such/file.json"}, exitUsage, []string{"--params: cannot read @/no/such/file.json"}, ""},
		{"both params and json", config, []string{"send", "13", "--params", "{}", "--json", "{}"}, exitUsage, []string{"give one or the other"}, ""},
		{"raw body not an object", config, []string{"send", "--json", `[1]`}, exitUsage, []string{"one JSON object"}, ""},
		{"raw body of another operation", config, []string{"send", "DeleteUser", "--json", `{"Delete":{"User":"All"}}`}, exitUsage,
			[]string{"the body has the shape of DeleteAllUser (30), not DeleteUser (29)"}, ""},
		{"deleting without --yes", config, []string{"send", "DeleteAllUser"}, exitUsage,
			[]string{`DeleteAllUser deletes data on "Main Gate" (stgid ` + g.Config().STGID + `)`, "add --yes"}, ""},
		{"a raw body that deletes, without --yes", config, []string{"send", "--json", `{"Delete":{"User":"All"}}`}, exitUsage,
			[]string{"DeleteAllUser deletes data", "add --yes"}, ""},
		{"unknown device", config, []string{"send", "13", "--device", "Back Door"}, exitUsage, []string{`no device named "Back Door"`}, ""},
		{"bad device settings", badToken, []string{"send", "13"}, exitUsage, []string{"auth_token: must be 32 characters"}, ""},
		{"no device", empty, []string{"send", "13"}, exitUsage, []string{"no device configured"}, ""},
	}
	before := len(storedExchanges(t, dataDir))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := cli(t, "", append(tt.args, "--config", tt.config)...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr %s", code, tt.wantCode, errOut)
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if !strings.Contains(out, tt.wantStdout) || (tt.wantStdout == "" && out != "") {
				t.Errorf("stdout %q, want %q", out, tt.wantStdout)
			}
			if strings.Contains(errOut+out, g.Config().AuthToken) {
				t.Error("the auth token is printed")
			}
		})
	}
	if got := len(storedExchanges(t, dataDir)) - before; got != 2 {
		t.Errorf("%d exchanges stored, want 2 (the device error and the network error)", got)
	}
}

func writeConfigFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParseParams(t *testing.T) {
	p, err := parseParams([]byte(`{"UserID": 12345678901234567890, "FaceMask": true, "LastName": null, "FirstName": "Ā"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := device.Params{"UserID": "12345678901234567890", "FaceMask": "true", "LastName": "", "FirstName": "Ā"}
	if fmt.Sprint(p) != fmt.Sprint(want) {
		t.Errorf("got %v", p)
	}
}
