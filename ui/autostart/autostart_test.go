package autostart

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestQuoteExecArg(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/usr/bin/camsdesk", "/usr/bin/camsdesk"},
		{"--hidden", "--hidden"},
		{"/opt/Cams Desk/camsdesk", `"/opt/Cams Desk/camsdesk"`},
		{`/a"b`, `"/a\\"b"`},
		{`/a$b`, `"/a\\$b"`},
		{"/a`b", "\"/a\\\\`b\""},
		{`/a\b`, `"/a\\\\b"`},
		{"/100%", "/100%%"},
		{"", `""`},
	}
	for _, tt := range tests {
		if got := quoteExecArg(tt.in); got != tt.want {
			t.Errorf("quoteExecArg(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestDesktopFile(t *testing.T) {
	e := Entry{ID: "io.github.camsdesk", Name: "CamsDesk", Exec: []string{"/opt/Cams Desk/camsdesk", "--hidden"}}
	got := string(desktopFile(e))
	for _, line := range []string{
		"[Desktop Entry]", "Type=Application", "Name=CamsDesk",
		`Exec="/opt/Cams Desk/camsdesk" --hidden`, "X-GNOME-Autostart-enabled=true",
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("desktop file lacks %q:\n%s", line, got)
		}
	}
}

func TestLaunchAgentIsValidPlist(t *testing.T) {
	e := Entry{ID: "io.github.camsdesk", Name: "CamsDesk", Exec: []string{"/Applications/Cams & Co.app/camsdesk", "--hidden"}}
	var plist struct {
		Dict struct {
			Keys    []string `xml:"key"`
			Strings []string `xml:"string"`
			Array   struct {
				Strings []string `xml:"string"`
			} `xml:"array"`
		} `xml:"dict"`
	}
	if err := xml.Unmarshal(launchAgent(e), &plist); err != nil {
		t.Fatalf("launch agent is not XML: %v", err)
	}
	if got := plist.Dict.Array.Strings; len(got) != 2 || got[0] != e.Exec[0] || got[1] != "--hidden" {
		t.Errorf("ProgramArguments = %q, want %q", got, e.Exec)
	}
	if len(plist.Dict.Strings) == 0 || plist.Dict.Strings[0] != e.ID {
		t.Errorf("Label = %q, want %q", plist.Dict.Strings, e.ID)
	}
	if !strings.Contains(strings.Join(plist.Dict.Keys, ","), "RunAtLoad") {
		t.Errorf("keys %q lack RunAtLoad", plist.Dict.Keys)
	}
}

func TestEnableDisable(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		t.Skip("the XDG file is checked on Linux and the BSDs")
	}
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	e := Entry{ID: "io.github.camsdesk", Name: "CamsDesk", Exec: []string{"/usr/bin/camsdesk", "--hidden"}}
	path := filepath.Join(dir, "autostart", "io.github.camsdesk.desktop")

	steps := []struct {
		name string
		do   func(Entry) error
		want bool
	}{
		{"disable when absent", Disable, false},
		{"enable", Enable, true},
		{"enable again", Enable, true},
		{"disable", Disable, false},
	}
	for _, s := range steps {
		if err := s.do(e); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		on, err := Enabled(e)
		if err != nil || on != s.want {
			t.Fatalf("%s: Enabled = %v, %v; want %v", s.name, on, err, s.want)
		}
		_, statErr := os.Stat(path)
		if (statErr == nil) != s.want {
			t.Fatalf("%s: file %s present = %v, want %v", s.name, path, statErr == nil, s.want)
		}
	}
}

func TestBadEntry(t *testing.T) {
	for _, e := range []Entry{
		{ID: "", Exec: []string{"/bin/x"}},
		{ID: "a/b", Exec: []string{"/bin/x"}},
		{ID: "ok"},
	} {
		if err := Enable(e); err == nil {
			t.Errorf("Enable(%+v) succeeded, want an error", e)
		}
	}
}
