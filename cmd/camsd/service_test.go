package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var updateUnit = flag.Bool("update-unit", false, "rewrite packaging/linux/camsd.service from the code")

const packagedUnit = "../../packaging/linux/camsd.service"

func envOf(kv ...string) func(string) string {
	return func(k string) string {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == k {
				return kv[i+1]
			}
		}
		return ""
	}
}

func TestNewServiceSpec(t *testing.T) {
	tests := []struct {
		name                       string
		goos, config, data, listen string
		getenv                     func(string) string
		wantConfig, wantData       string
		wantArgs                   []string
		wantErr                    string
	}{
		{name: "linux defaults", goos: "linux",
			wantConfig: "/var/lib/camsdesk/config.json", wantData: "/var/lib/camsdesk",
			wantArgs: []string{"serve", "--config", "/var/lib/camsdesk/config.json", "--data-dir", "/var/lib/camsdesk"}},
		{name: "linux data dir carries the config", goos: "linux", data: "/srv/cams/",
			wantConfig: "/srv/cams/config.json", wantData: "/srv/cams/",
			wantArgs: []string{"serve", "--config", "/srv/cams/config.json", "--data-dir", "/srv/cams/"}},
		{name: "linux config and listen", goos: "linux", config: "/etc/camsdesk/config.json", listen: "127.0.0.1:5055",
			wantConfig: "/etc/camsdesk/config.json", wantData: "/var/lib/camsdesk",
			wantArgs: []string{"serve", "--config", "/etc/camsdesk/config.json", "--data-dir", "/var/lib/camsdesk", "--listen", "127.0.0.1:5055"}},
		{name: "windows runs service run", goos: "windows", getenv: envOf("ProgramData", `C:\ProgramData\`),
			wantConfig: `C:\ProgramData\CamsDesk\config.json`, wantData: `C:\ProgramData\CamsDesk`,
			wantArgs: []string{"service", "run", "--config", `C:\ProgramData\CamsDesk\config.json`, "--data-dir", `C:\ProgramData\CamsDesk`}},
		{name: "windows without ProgramData", goos: "windows", wantErr: "%ProgramData% is not set"},
		{name: "windows with --data-dir", goos: "windows", data: `D:\Cams`,
			wantConfig: `D:\Cams\config.json`, wantData: `D:\Cams`,
			wantArgs: []string{"service", "run", "--config", `D:\Cams\config.json`, "--data-dir", `D:\Cams`}},
		{name: "darwin defaults", goos: "darwin",
			wantConfig: "/Library/Application Support/CamsDesk/config.json", wantData: "/Library/Application Support/CamsDesk",
			wantArgs: []string{"serve", "--config", "/Library/Application Support/CamsDesk/config.json", "--data-dir", "/Library/Application Support/CamsDesk"}},
		{name: "other systems", goos: "freebsd", wantErr: "not freebsd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := tt.getenv
			if getenv == nil {
				getenv = envOf()
			}
			s, err := newServiceSpec(tt.goos, "/opt/camsd", getenv, tt.config, tt.data, tt.listen)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Config != tt.wantConfig || s.DataDir != tt.wantData {
				t.Errorf("config %q data %q, want %q %q", s.Config, s.DataDir, tt.wantConfig, tt.wantData)
			}
			if got := s.serviceArgs(); !slices.Equal(got, tt.wantArgs) {
				t.Errorf("service args %q, want %q", got, tt.wantArgs)
			}
		})
	}
}

func TestKardianosConfig(t *testing.T) {
	tests := []struct {
		goos, user string
		options    map[string]any
	}{
		{"linux", "camsdesk", map[string]any{"Restart": "on-failure"}},
		{"windows", "", map[string]any{"StartType": "automatic", "OnFailure": "restart", "OnFailureDelayDuration": "5s"}},
		{"darwin", "", map[string]any{"KeepAlive": true, "RunAtLoad": true}},
	}
	for _, tt := range tests {
		t.Run(tt.goos, func(t *testing.T) {
			s, err := newServiceSpec(tt.goos, "/opt/camsd", envOf("ProgramData", `C:\ProgramData`), "", "", "")
			if err != nil {
				t.Fatal(err)
			}
			c := s.kardianosConfig()
			if c.Name != "camsd" || c.Executable != "/opt/camsd" || c.UserName != tt.user || c.DisplayName == "" || c.Description == "" {
				t.Errorf("config %+v: want name camsd, executable /opt/camsd, user %q and a display name and description", c, tt.user)
			}
			if !slices.Equal(c.Arguments, s.serviceArgs()) {
				t.Errorf("arguments %q, want %q", c.Arguments, s.serviceArgs())
			}
			for k, want := range tt.options {
				if got := c.Option[k]; got != want {
					t.Errorf("option %s = %v, want %v", k, got, want)
				}
			}
			if script, _ := c.Option["SystemdScript"].(string); (tt.goos == "linux") != (script == s.systemdUnit()) {
				t.Errorf("SystemdScript set %v, want only on linux and equal to the unit", script != "")
			}
		})
	}
}

// The unit the camsd package ships is the one "camsd service install" writes for /usr/bin/camsd.
func TestSystemdUnitMatchesPackage(t *testing.T) {
	s, err := newServiceSpec("linux", "/usr/bin/camsd", envOf(), "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	unit := s.systemdUnit()
	if *updateUnit {
		if err := os.WriteFile(packagedUnit, []byte(unit), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	packaged, err := os.ReadFile(packagedUnit)
	if err != nil {
		t.Fatal(err)
	}
	if string(packaged) != unit {
		t.Fatalf("%s differs from the code's unit; run go test ./cmd/camsd -run TestSystemdUnitMatchesPackage -update-unit\n%s",
			packagedUnit, unit)
	}
	for _, want := range []string{
		"\nUser=camsdesk\n", "\nStateDirectory=camsdesk\n", "\nRestart=on-failure\n",
		"\nExecStart=/usr/bin/camsd serve --config /var/lib/camsdesk/config.json --data-dir /var/lib/camsdesk\n",
		"\nNoNewPrivileges=yes\n", "\nProtectSystem=strict\n", "\nProtectHome=yes\n", "\nPrivateTmp=yes\n",
		"\nWantedBy=multi-user.target\n",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("unit lacks %q", strings.TrimSpace(want))
		}
	}
	if strings.Contains(unit, "{{") || strings.Contains(unit, "ReadWritePaths") {
		t.Error("the default unit must hold no template action and no extra writable path")
	}
}

func TestSystemdUnitCustomDataDir(t *testing.T) {
	s, err := newServiceSpec("linux", "/opt/cams tools/camsd", envOf(), "", "/srv/cams data", "")
	if err != nil {
		t.Fatal(err)
	}
	unit := s.systemdUnit()
	for _, want := range []string{
		`ExecStart="/opt/cams tools/camsd" serve --config "/srv/cams data/config.json" --data-dir "/srv/cams data"`,
		`ReadWritePaths="/srv/cams data"`,
	} {
		if !strings.Contains(unit, want+"\n") {
			t.Errorf("unit lacks %s:\n%s", want, unit)
		}
	}
}

func TestSystemdQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/usr/bin/camsd", "/usr/bin/camsd"},
		{"--listen", "--listen"},
		{"a b", `"a b"`},
		{`say "hi"`, `"say \"hi\""`},
		{`C:\x`, `"C:\\x"`},
		{"100%", "100%%"},
		{"$HOME", "$$HOME"},
		{"", `""`},
	}
	for _, tt := range tests {
		if got := systemdQuote(tt.in); got != tt.want {
			t.Errorf("systemdQuote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestServiceCommandArgs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cams data")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // in stdout, or in stderr when wantCode is not 0
	}{
		{name: "group shows help", args: []string{"service"}, want: []string{"install", "uninstall", "start", "stop", "status"}},
		{name: "unknown action", args: []string{"service", "reboot"}, wantCode: exitUsage, want: []string{`unknown command "reboot"`}},
		{name: "install takes no arguments", args: []string{"service", "install", "now"}, wantCode: exitUsage, want: []string{`unknown command "now"`}},
		{name: "status takes no arguments", args: []string{"service", "status", "x"}, wantCode: exitUsage, want: []string{`unknown command "x"`}},
		{name: "empty data dir", args: []string{"service", "install", "--dry-run", "--data-dir", " "}, wantCode: exitUsage, want: []string{"--data-dir: name a path"}},
		{name: "dry run", args: []string{"service", "install", "--dry-run", "--data-dir", dir, "--listen", "127.0.0.1:5055"},
			want: []string{
				"config: " + dir + "/config.json",
				`serve --config "` + dir + `/config.json" --data-dir "` + dir + `" --listen 127.0.0.1:5055` + "\n",
				"User=camsdesk\n", `ReadWritePaths="` + dir + `"`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, nil, tt.args...)
			if r.code != tt.wantCode {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.wantCode, r.stdout, r.stderr)
			}
			out := r.stdout
			if tt.wantCode != 0 {
				out = r.stderr
			}
			for _, want := range tt.want {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dry run touched %s: %v", dir, err)
	}
}

// programLog collects what serveProgram logs and whether it exits.
type programLog struct {
	mu    sync.Mutex
	lines []string
	exits chan int
	line  chan string
}

func newProgramLog() *programLog {
	return &programLog{exits: make(chan int, 1), line: make(chan string, 16)}
}

func (r *programLog) log(isErr bool, line string) {
	if isErr {
		line = "ERROR " + line
	}
	r.mu.Lock()
	r.lines = append(r.lines, line)
	r.mu.Unlock()
	r.line <- line
}

func (r *programLog) waitLine(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l := <-r.line:
			if strings.Contains(l, want) {
				return
			}
		case <-timeout:
			t.Fatalf("no log line with %q", want)
		}
	}
}

func TestServeProgram(t *testing.T) {
	t.Run("stop ends serve", func(t *testing.T) {
		rec := newProgramLog()
		var gotArgs []string
		p := &serveProgram{
			args: []string{"serve", "--data-dir", "/x"},
			serve: func(ctx context.Context, args []string, out *lineWriter) int {
				gotArgs = args
				out.Write([]byte("receiver listening on :5000\n"))
				<-ctx.Done()
				out.Write([]byte("stopped"))
				return exitOK
			},
			log: rec.log, exit: func(code int) { rec.exits <- code },
		}
		if err := p.Start(nil); err != nil {
			t.Fatal(err)
		}
		rec.waitLine(t, "listening on :5000")
		if err := p.Stop(nil); err != nil {
			t.Fatalf("stop: %v", err)
		}
		rec.waitLine(t, "stopped")
		select {
		case code := <-rec.exits:
			t.Fatalf("exit(%d) called after a requested stop", code)
		default:
		}
		if !slices.Equal(gotArgs, []string{"serve", "--data-dir", "/x"}) {
			t.Errorf("serve got %q", gotArgs)
		}
	})

	t.Run("stop reports a failed shutdown", func(t *testing.T) {
		rec := newProgramLog()
		p := &serveProgram{
			serve: func(ctx context.Context, _ []string, _ *lineWriter) int { <-ctx.Done(); return exitFailure },
			log:   rec.log, exit: func(code int) { rec.exits <- code },
		}
		if err := p.Start(nil); err != nil {
			t.Fatal(err)
		}
		if err := p.Stop(nil); err == nil || !strings.Contains(err.Error(), "exit code 1") {
			t.Fatalf("stop: %v, want exit code 1", err)
		}
	})

	for _, tt := range []struct {
		name       string
		code, exit int
	}{
		{"serve failing exits with its code", exitUsage, exitUsage},
		{"serve ending unasked is a failure", exitOK, exitFailure},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := newProgramLog()
			p := &serveProgram{
				serve: func(context.Context, []string, *lineWriter) int { return tt.code },
				log:   rec.log, exit: func(code int) { rec.exits <- code },
			}
			if err := p.Start(nil); err != nil {
				t.Fatal(err)
			}
			select {
			case code := <-rec.exits:
				if code != tt.exit {
					t.Errorf("exit(%d), want %d", code, tt.exit)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("serve ended but the program did not exit")
			}
			rec.waitLine(t, "ERROR camsd serve ended by itself")
		})
	}
}

func TestLineWriter(t *testing.T) {
	long := strings.Repeat("x", maxLogLine+10)
	tests := []struct {
		name   string
		writes []string
		want   []string
	}{
		{"whole lines", []string{"a\nb\n"}, []string{"a", "b"}},
		{"split across writes", []string{"he", "llo\r\nwor", "ld"}, []string{"hello", "world"}},
		{"blank lines dropped", []string{"\n\na\n"}, []string{"a"}},
		{"long line split", []string{long, "\n"}, []string{long[:maxLogLine], strings.Repeat("x", 10)}},
		{"long line cut", []string{long + "\n"}, []string{long[:maxLogLine]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			w := &lineWriter{emit: func(l string) { got = append(got, l) }}
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("write %d, %v", n, err)
				}
			}
			w.Flush()
			if !slices.Equal(got, tt.want) {
				t.Errorf("lines %q, want %q", got, tt.want)
			}
		})
	}
}
