package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/internal/version"
)

const (
	testToken    = "0123456789abcdef0123456789ABCDEF"
	testCallback = "ffffffffeeeeeeeeddddddddcccccccc"
	testEndpoint = "https://gateway.example.com/external/api3.0/biometric"
)

type result struct {
	code           int
	stdout, stderr string
}

// run executes camsd in-process with only the variables in env set.
func run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code := execute(context.Background(), args, strings.NewReader(""), &stdout, &stderr, getenv)
	return result{code, stdout.String(), stderr.String()}
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestHelpAndVersion(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{nil, []string{"camsd", "config", "version", "--config", "--data-dir", "Exit codes"}},
		{[]string{"--help"}, []string{"Available Commands", "CAMS_AUTH_TOKEN"}},
		{[]string{"config", "--help"}, []string{"show", "check", "set-device", "--config", "--data-dir"}},
		{[]string{"config"}, []string{"set-device"}},
		{[]string{"version"}, []string{"camsd " + version.Version, "commit: ", "go: " + runtime.Version()}},
		{[]string{"--version"}, []string{"camsd " + version.Version, "go: " + runtime.Version()}},
	}
	for _, tt := range tests {
		r := run(t, nil, tt.args...)
		if r.code != exitOK {
			t.Errorf("%v: exit %d, stderr %s", tt.args, r.code, r.stderr)
		}
		for _, w := range tt.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%v: output lacks %q:\n%s", tt.args, w, r.stdout)
			}
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	tests := [][]string{
		{"bogus"},
		{"--bogus"},
		{"version", "extra"},
		{"config", "bogus"},
		{"config", "show", "--nope"},
		{"config", "remove-device"},
	}
	for _, args := range tests {
		r := run(t, nil, args...)
		if r.code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, r.code)
		}
		if !strings.HasPrefix(r.stderr, "camsd: ") {
			t.Errorf("%v: stderr %q", args, r.stderr)
		}
	}
}

func TestEveryCommandAcceptsConfigAndDataDir(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, name := range []string{flagConfig, flagDataDir} {
			if c.PersistentFlags().Lookup(name) == nil && c.InheritedFlags().Lookup(name) == nil {
				t.Errorf("%s has no --%s", c.CommandPath(), name)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd())
}

func TestConfigShowAppliesEnvAndFlagsAndMasks(t *testing.T) {
	path := writeConfig(t, `{"restful_endpoint": "`+testEndpoint+`", "stgid": "STG1",
		"auth_token": "`+testToken+`", "callback_auth_token": "`+testCallback+`", "port": 5000}`)
	dataDir := t.TempDir()
	r := run(t, map[string]string{data.EnvPort: "6001", data.EnvSTGID: "STG2"},
		"config", "show", "--config", path, "--data-dir", dataDir)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, secret := range []string{testToken, testCallback} {
		if strings.Contains(r.stdout, secret) {
			t.Errorf("show prints a secret:\n%s", r.stdout)
		}
	}
	var cfg data.Config
	if err := json.Unmarshal([]byte(r.stdout), &cfg); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if cfg.Listen != ":6001" || cfg.DataDir != dataDir || len(cfg.Devices) != 1 || cfg.Devices[0].STGID != "STG2" ||
		cfg.Devices[0].AuthToken != device.Mask(testToken) {
		t.Errorf("effective config wrong: %+v", cfg)
	}
	if b, _ := os.ReadFile(path); strings.Contains(string(b), "STG2") {
		t.Error("show wrote the environment into the file")
	}
}

func TestConfigCheck(t *testing.T) {
	valid := `{"devices": [{"name": "Gate", "restful_endpoint": "` + testEndpoint + `", "stgid": "S1",
		"auth_token": "` + testToken + `"}], "data_dir": "/tmp/camsdesk-test"}`
	tests := []struct {
		name     string
		file     string
		env      map[string]string
		args     []string
		code     int
		stdout   []string
		stderr   []string
		noSecret bool
	}{
		{name: "valid", file: valid, code: exitOK, stdout: []string{"config OK", `default "Gate"`}},
		{name: "no file is the defaults", code: exitOK, stdout: []string{"not there yet", "no devices yet"}},
		{name: "short token named", file: strings.Replace(valid, testToken, "abc", 1), code: exitUsage,
			stderr: []string{"1 problem", "devices[0].auth_token: must be 32 characters, got 3"}},
		{name: "env override named", file: valid, env: map[string]string{data.EnvAuthToken: "short"}, code: exitUsage,
			stderr: []string{"devices[0].auth_token", "overridden by CAMS_AUTH_TOKEN"}},
		{name: "bad listen flag value from env", file: valid, env: map[string]string{data.EnvPort: "x"}, code: exitUsage,
			stderr: []string{"CAMS_PORT"}},
		{name: "malformed file", file: `{"port": 5000,}`, code: exitUsage, stderr: []string{"line 1", "no comments"}},
		{name: "unknown key", file: `{"auth_tokn": "x"}`, code: exitUsage, stderr: []string{`unknown key "auth_tokn"`}},
		{name: "two problems", file: `{"listen": "nope", "shift_start": "9"}`, code: exitUsage,
			stderr: []string{"2 problems", "listen:", "shift_start:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.json")
			if tt.file != "" {
				path = writeConfig(t, tt.file)
			}
			r := run(t, tt.env, append([]string{"config", "check", "--config", path}, tt.args...)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout %s\nstderr %s", r.code, tt.code, r.stdout, r.stderr)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
		})
	}
}

func TestConfigSetDevice(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg")
	path := filepath.Join(dir, "config.json")

	r := run(t, nil, "config", "set-device", "--config", path, "--name", "Main Gate", "--endpoint", testEndpoint,
		"--stgid", "STG1", "--auth-token", testToken, "--time-zone", "Asia/Kolkata")
	if r.code != exitOK || !strings.Contains(r.stdout, `added device "Main Gate"`) {
		t.Fatalf("add: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("config file mode: %v %v", fi.Mode(), err)
		}
	}

	// Only the flags given change the device.
	r = run(t, nil, "config", "set-device", "--config", path, "--name", "main gate", "--callback-auth-token", testCallback)
	if r.code != exitOK || !strings.Contains(r.stdout, "updated") {
		t.Fatalf("update: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	cfg, err := data.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	want := device.Profile{Name: "Main Gate", Endpoint: testEndpoint, STGID: "STG1", AuthToken: testToken,
		CallbackAuthToken: testCallback, TimeZone: "Asia/Kolkata"}
	if len(cfg.Devices) != 1 || cfg.Devices[0] != want || cfg.DefaultDevice != "Main Gate" {
		t.Fatalf("saved %+v", cfg)
	}

	// An invalid device is refused, naming the flag, and nothing is saved.
	before, _ := os.ReadFile(path)
	r = run(t, nil, "config", "set-device", "--config", path, "--name", "Back Door", "--endpoint", "gateway",
		"--stgid", "STG1", "--auth-token", "short")
	if r.code != exitUsage {
		t.Fatalf("invalid: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, w := range []string{`device "Back Door" not saved`, "--endpoint: must be a full URL", "--auth-token: must be 32",
		`--stgid: "STG1" is already the stgid of devices[0]`} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("an invalid device changed the file")
	}
	if r = run(t, nil, "config", "set-device", "--config", path); r.code != exitUsage || !strings.Contains(r.stderr, "--name") {
		t.Errorf("missing --name: exit %d %s", r.code, r.stderr)
	}

	// A second device, made the default, then removed.
	r = run(t, nil, "config", "set-device", "--config", path, "--name", "Back Door", "--endpoint", testEndpoint,
		"--stgid", "STG2", "--auth-token", testToken, "--default")
	if r.code != exitOK {
		t.Fatalf("second: exit %d %s", r.code, r.stderr)
	}
	if cfg, _ = data.LoadConfig(path); cfg.DefaultDevice != "Back Door" || len(cfg.Devices) != 2 {
		t.Errorf("second device: %+v", cfg)
	}
	if r = run(t, nil, "config", "remove-device", "--config", path, "back door"); r.code != exitOK {
		t.Errorf("remove: exit %d %s", r.code, r.stderr)
	}
	if r = run(t, nil, "config", "remove-device", "--config", path, "back door"); r.code != exitUsage {
		t.Errorf("remove again: exit %d", r.code)
	}
	if r = run(t, nil, "config", "check", "--config", path); r.code != exitOK {
		t.Errorf("check after edits: exit %d %s", r.code, r.stderr)
	}
}

func TestRuntimeFailureExit1(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// The config's folder cannot be made: a file stands where it should be.
	r := run(t, nil, "config", "set-device", "--config", filepath.Join(blocker, "config.json"), "--name", "Gate",
		"--endpoint", testEndpoint, "--stgid", "S", "--auth-token", testToken)
	if r.code != exitFailure {
		t.Errorf("exit %d, want 1: %s", r.code, r.stderr)
	}
}

// TestLoadSettingsOrder checks the helper that serve and the other commands use: file, then env, then flags.
func TestLoadSettingsOrder(t *testing.T) {
	path := writeConfig(t, `{"listen": "127.0.0.1:5000", "data_dir": "/from/file", "stgid": "FILE"}`)
	var got *data.Config
	exec := func(env map[string]string, args ...string) {
		t.Helper()
		probe := &cobra.Command{
			Use: "probe",
			RunE: func(cmd *cobra.Command, _ []string) error {
				var err error
				got, err = loadSettings(cmd)
				return err
			},
		}
		addListenFlag(probe)
		root := newRootCmd()
		root.AddCommand(probe)
		root.SetArgs(append([]string{"probe", "--config", path}, args...))
		root.SetOut(new(bytes.Buffer))
		ctx := context.WithValue(context.Background(), getenvKey{}, func(k string) string { return env[k] })
		if err := root.ExecuteContext(ctx); err != nil {
			t.Fatal(err)
		}
	}

	exec(nil)
	if got.Listen != "127.0.0.1:5000" || got.DataDir != "/from/file" || got.Devices[0].STGID != "FILE" {
		t.Errorf("file: %+v", got)
	}
	exec(map[string]string{data.EnvPort: "6000", data.EnvSTGID: "ENV"})
	if got.Listen != "127.0.0.1:6000" || got.Devices[0].STGID != "ENV" {
		t.Errorf("env: %+v", got)
	}
	exec(map[string]string{data.EnvPort: "6000"}, "--listen", ":7000", "--data-dir", "rel")
	wantDir, _ := filepath.Abs("rel")
	if got.Listen != ":7000" || got.DataDir != wantDir {
		t.Errorf("flags: listen %q data dir %q, want :7000 %q", got.Listen, got.DataDir, wantDir)
	}
}
