package data

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/camsdesk/camsdesk/device"
)

const (
	cfgToken    = "0123456789abcdef0123456789ABCDEF" // 32 characters, like API Monitor's
	cfgCallback = "ffffffffeeeeeeeeddddddddcccccccc"
	cfgKey      = "KEYKEYKEYKEYKEYKEYKEYKEYKEYKEY01"
)

func cfgProfile(name, stgid string) device.Profile {
	return device.Profile{
		Name:              name,
		Endpoint:          "https://gateway.example.com/external/api3.0/biometric",
		STGID:             stgid,
		AuthToken:         cfgToken,
		CallbackAuthToken: cfgCallback,
		TimeZone:          "Asia/Kolkata",
	}
}

func cfgEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseConfigSeedKeys(t *testing.T) {
	tests := []struct {
		name        string
		json        string
		wantListen  string
		wantDefault string
		wantDevices []device.Profile
	}{
		{
			name: "seed CONFIG block",
			json: `{"restful_endpoint": "https://gw.example.com/external/api3.0/biometric", "stgid": "STG1",
				"auth_token": "` + cfgToken + `", "callback_auth_token": "` + cfgCallback + `", "port": 5000}`,
			wantListen:  ":5000",
			wantDefault: "default",
			wantDevices: []device.Profile{{Name: "default", Endpoint: "https://gw.example.com/external/api3.0/biometric",
				STGID: "STG1", AuthToken: cfgToken, CallbackAuthToken: cfgCallback}},
		},
		{
			name:        "seed port maps to listen",
			json:        `{"stgid": "STG1", "port": 8080}`,
			wantListen:  ":8080",
			wantDefault: "default",
			wantDevices: []device.Profile{{Name: "default", STGID: "STG1"}},
		},
		{
			name:        "listen wins over port",
			json:        `{"listen": "127.0.0.1:7000", "port": 8080}`,
			wantListen:  "127.0.0.1:7000",
			wantDefault: "",
		},
		{
			name:        "flat keys with a name",
			json:        `{"name": "Main Gate", "stgid": "STG9", "time_zone": "+05:30"}`,
			wantListen:  ":5000",
			wantDefault: "Main Gate",
			wantDevices: []device.Profile{{Name: "Main Gate", STGID: "STG9", TimeZone: "+05:30"}},
		},
		{
			name: "flat keys update the default device in the list",
			json: `{"default_device": "Gate", "auth_token": "` + cfgToken + `",
				"devices": [{"name": "Office", "stgid": "S1"}, {"name": "Gate", "stgid": "S2", "auth_token": "old"}]}`,
			wantListen:  ":5000",
			wantDefault: "Gate",
			wantDevices: []device.Profile{{Name: "Office", STGID: "S1"}, {Name: "Gate", STGID: "S2", AuthToken: cfgToken}},
		},
		{
			name:        "empty file is the defaults",
			json:        "  \n",
			wantListen:  ":5000",
			wantDefault: "",
		},
		{
			name:        "byte order mark is skipped",
			json:        "\xef\xbb\xbf{\"listen\": \":6000\"}",
			wantListen:  ":6000",
			wantDefault: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig([]byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			if c.Listen != tt.wantListen {
				t.Errorf("Listen = %q, want %q", c.Listen, tt.wantListen)
			}
			if c.DefaultDevice != tt.wantDefault {
				t.Errorf("DefaultDevice = %q, want %q", c.DefaultDevice, tt.wantDefault)
			}
			if !reflect.DeepEqual(c.Devices, tt.wantDevices) {
				t.Errorf("Devices = %+v\nwant %+v", c.Devices, tt.wantDevices)
			}
			if c.ShiftStart != DefaultShiftStart || c.ShiftEnd != DefaultShiftEnd {
				t.Errorf("shift = %s-%s, want defaults", c.ShiftStart, c.ShiftEnd)
			}
		})
	}
}

func TestParseConfigErrorsSayWhereAndHow(t *testing.T) {
	tests := []struct {
		name string
		json string
		want []string
	}{
		{"trailing comma as in the Python seed", "{\n  \"stgid\": \"S\",\n  \"port\": 5000,\n}", []string{"line 4", "no comments", "commas"}},
		{"misspelt key", `{"auth_tokn": "x"}`, []string{`unknown key "auth_tokn"`, "spelling", "auth_token"}},
		{"misspelt device key", `{"devices": [{"name": "a", "stgidd": "x"}]}`, []string{`unknown key "stgidd"`}},
		{"port as text", `{"port": "5000"}`, []string{"port: must be a whole number", "not a JSON string"}},
		{"devices not a list", `{"devices": {"name": "a"}}`, []string{"devices: must be a list"}},
		{"truncated", `{"listen": ":5000"`, []string{"ends too early"}},
		{"two objects", `{} {}`, []string{"more text after the closing }"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.json))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadConfigMissingFileIsDefaults(t *testing.T) {
	c, err := LoadConfig(filepath.Join(t.TempDir(), "nope", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != DefaultListen || len(c.Devices) != 0 || c.ShiftStart != "09:00" || c.ShiftEnd != "17:00" {
		t.Errorf("got %+v", c)
	}
	if want, _ := DefaultDataDir(); c.DataDir != want {
		t.Errorf("DataDir = %q, want %q", c.DataDir, want)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

func TestLoadConfigNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(`{"port": true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "port") {
		t.Errorf("error = %v, want the path and the field", err)
	}
}

func TestApplyEnv(t *testing.T) {
	tests := []struct {
		name        string
		start       Config
		env         map[string]string
		wantErr     string
		wantListen  string
		wantDefault string
		wantDevices []device.Profile
	}{
		{
			name:        "no variables change nothing",
			start:       Config{Listen: ":5000"},
			wantListen:  ":5000",
			wantDevices: nil,
		},
		{
			name:  "variables create the default device",
			start: Config{Listen: ":5000"},
			env: map[string]string{EnvRestfulEndpoint: "https://gw.example.com/x", EnvSTGID: "STG1",
				EnvAuthToken: cfgToken, EnvCallbackAuthToken: cfgCallback, EnvSecurityKey: cfgKey, EnvPort: "8081"},
			wantListen:  ":8081",
			wantDefault: "default",
			wantDevices: []device.Profile{{Name: "default", Endpoint: "https://gw.example.com/x", STGID: "STG1",
				AuthToken: cfgToken, CallbackAuthToken: cfgCallback, SecurityKey: cfgKey}},
		},
		{
			name: "variables override the named default device only",
			start: Config{Listen: "127.0.0.1:5000", DefaultDevice: "Gate",
				Devices: []device.Profile{{Name: "Office", STGID: "S1"}, {Name: "Gate", STGID: "S2", AuthToken: "old"}}},
			env:         map[string]string{EnvAuthToken: " " + cfgToken + "\n", EnvPort: "9000"},
			wantListen:  "127.0.0.1:9000",
			wantDefault: "Gate",
			wantDevices: []device.Profile{{Name: "Office", STGID: "S1"}, {Name: "Gate", STGID: "S2", AuthToken: cfgToken}},
		},
		{
			name:        "without default_device the first device is the default",
			start:       Config{Listen: ":5000", Devices: []device.Profile{{Name: "Office"}, {Name: "Gate"}}},
			env:         map[string]string{EnvSTGID: "NEW"},
			wantListen:  ":5000",
			wantDevices: []device.Profile{{Name: "Office", STGID: "NEW"}, {Name: "Gate"}},
		},
		{
			name:        "bad port is named",
			start:       Config{Listen: ":5000"},
			env:         map[string]string{EnvPort: "50o0"},
			wantErr:     "CAMS_PORT: \"50o0\" is not a port number",
			wantListen:  ":5000",
			wantDevices: nil,
		},
		{
			name:        "port out of range",
			start:       Config{Listen: ":5000"},
			env:         map[string]string{EnvPort: "70000"},
			wantErr:     "CAMS_PORT",
			wantListen:  ":5000",
			wantDevices: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.start
			err := c.ApplyEnv(cfgEnv(tt.env))
			if tt.wantErr == "" && err != nil {
				t.Fatalf("error %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
			if c.Listen != tt.wantListen {
				t.Errorf("Listen = %q, want %q", c.Listen, tt.wantListen)
			}
			if c.DefaultDevice != tt.wantDefault {
				t.Errorf("DefaultDevice = %q, want %q", c.DefaultDevice, tt.wantDefault)
			}
			if !reflect.DeepEqual(c.Devices, tt.wantDevices) {
				t.Errorf("Devices = %+v\nwant %+v", c.Devices, tt.wantDevices)
			}
		})
	}
}

func TestValidateNamesFields(t *testing.T) {
	valid := func() Config {
		return Config{Listen: ":5000", DataDir: "/var/lib/camsdesk", ShiftStart: "09:00", ShiftEnd: "17:00",
			Devices: []device.Profile{cfgProfile("Office", "S1"), cfgProfile("Gate", "S2")}, DefaultDevice: "Gate"}
	}
	tests := []struct {
		name   string
		change func(c *Config)
		want   []string // "field: message fragment"
	}{
		{"valid", func(c *Config) {}, nil},
		{"short auth token", func(c *Config) { c.Devices[1].AuthToken = "abc" },
			[]string{"devices[1].auth_token: must be 32 characters, got 3"}},
		{"missing endpoint and stgid", func(c *Config) { c.Devices[0].Endpoint = ""; c.Devices[0].STGID = "" },
			[]string{"devices[0].restful_endpoint: paste the RESTful endpoint", "devices[0].stgid: copy the service tag id"}},
		{"bad time zone", func(c *Config) { c.Devices[0].TimeZone = "Mars/Olympus" }, []string{"devices[0].time_zone:"}},
		{"listen without port", func(c *Config) { c.Listen = "5000" }, []string{`listen: "5000" is not host:port`}},
		{"listen port out of range", func(c *Config) { c.Listen = ":99999" }, []string{"listen: \":99999\" has no valid port"}},
		{"seed port out of range", func(c *Config) { c.Port = 70000; c.Listen = ":70000" },
			[]string{"port: 70000 is not a port"}},
		{"empty data dir", func(c *Config) { c.DataDir = " " }, []string{"data_dir: name the folder"}},
		{"bad shift", func(c *Config) { c.ShiftStart = "9am"; c.ShiftEnd = "25:00" },
			[]string{`shift_start: "9am" is not a time of day`, `shift_end: "25:00" is not a time of day`}},
		{"duplicate name", func(c *Config) { c.Devices[1].Name = "office" },
			[]string{`devices[1].name: "office" is already the name of devices[0]`, "default_device: no device named \"Gate\""}},
		{"duplicate stgid", func(c *Config) { c.Devices[1].STGID = "S1" },
			[]string{`devices[1].stgid: "S1" is already the stgid of devices[0] ("Office")`}},
		{"unknown default device", func(c *Config) { c.DefaultDevice = "Back Door" },
			[]string{`default_device: no device named "Back Door"; use one of "Office", "Gate"`}},
		{"default device without devices", func(c *Config) { c.Devices = nil },
			[]string{`default_device: no device named "Gate": add it`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(&c)
			err := c.Validate()
			got := FieldErrors(err)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(got), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i].Error(), w) {
					t.Errorf("problem %d = %q, want it to start %q", i, got[i], w)
				}
				var fe *device.FieldError
				if !errors.As(got[i], &fe) || fe.Msg == "" {
					t.Errorf("problem %d is not a FieldError with a message", i)
				}
			}
		})
	}
}

func TestSaveIsPrivateAndRoundTrips(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "CamsDesk")
	path := filepath.Join(dir, "config.json")
	c := Config{Listen: "127.0.0.1:5001", DataDir: "/srv/camsdesk", DefaultDevice: "Gate", StartHidden: true,
		StartAtLogin: true, ShiftStart: "08:30", ShiftEnd: "16:45", Port: 5001,
		Devices: []device.Profile{cfgProfile("Office", "S1"), cfgProfile("Gate", "S2")}}
	c.Devices[1].SecurityKey = cfgKey
	c.Devices[1].OldSecurityKey = cfgToken
	c.Devices[1].Simulated = true
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, c) {
		t.Errorf("round trip:\n got %#v\nwant %#v", got.Devices, c.Devices)
	}

	// Saving again replaces the file and leaves no temporary files behind.
	got.Remove("Office")
	if err := got.Save(path); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "config.json" {
		t.Errorf("folder holds %v, want only config.json", entries)
	}
	again, err := LoadConfig(path)
	if err != nil || len(again.Devices) != 1 || again.Devices[0].Name != "Gate" {
		t.Errorf("after second save: %v %+v", err, again)
	}

	if runtime.GOOS == "windows" {
		return
	}
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode = %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
}

func TestSaveKeepsPermissionsTightOverLooseFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := DefaultConfig().Save(path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
}

func TestPrintingMasksTokens(t *testing.T) {
	c := Config{Listen: ":5000", Devices: []device.Profile{cfgProfile("Gate", "S2")}}
	c.Devices[0].SecurityKey = cfgKey
	c.Devices[0].OldSecurityKey = "short"
	forms := map[string]string{
		"String": c.String(),
		"%v":     fmt.Sprintf("%v", c),
		"%+v":    fmt.Sprintf("%+v", &c),
		"%#v":    fmt.Sprintf("%#v", c),
		"%s":     fmt.Sprintf("%s", &c),
	}
	for form, out := range forms {
		for _, secret := range []string{cfgToken, cfgCallback, cfgKey, "short"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s shows secret %q:\n%s", form, secret, out)
			}
		}
		for _, masked := range []string{device.Mask(cfgToken), device.Mask(cfgCallback), device.Mask(cfgKey), "****"} {
			if !strings.Contains(out, masked) {
				t.Errorf("%s lacks masked %q:\n%s", form, masked, out)
			}
		}
		if !strings.Contains(out, "S2") || !strings.Contains(out, "gateway.example.com") {
			t.Errorf("%s hides what is not secret:\n%s", form, out)
		}
	}
	if c.Devices[0].AuthToken != cfgToken {
		t.Error("masking changed the config itself")
	}
}

func TestConfigDevices(t *testing.T) {
	var c Config
	c.Put(cfgProfile("Office", "S1"))
	c.Put(cfgProfile("Gate", "S2"))
	if c.DefaultDevice != "Office" {
		t.Errorf("first device is not the default: %q", c.DefaultDevice)
	}
	updated := cfgProfile("gate", "S3")
	c.Put(updated)
	if len(c.Devices) != 2 {
		t.Fatalf("Put with the same name (other case) added a device: %+v", c.Devices)
	}
	if p, ok := c.Device("GATE "); !ok || p.STGID != "S3" {
		t.Errorf("Device(GATE) = %+v, %v", p, ok)
	}
	if p, ok := c.DeviceBySTGID("S1"); !ok || p.Name != "Office" {
		t.Errorf("DeviceBySTGID(S1) = %+v, %v", p, ok)
	}
	if _, ok := c.DeviceBySTGID(""); ok {
		t.Error("empty stgid found a device")
	}
	if _, ok := c.Device("Back Door"); ok {
		t.Error("found a device that is not there")
	}
	if !c.Remove("office") || c.Remove("office") {
		t.Error("Remove should succeed once")
	}
	if c.DefaultDevice != "" {
		t.Errorf("removed default still named: %q", c.DefaultDevice)
	}
	if p, ok := c.Default(); !ok || p.Name != "gate" {
		t.Errorf("Default() = %+v, %v; want the first remaining device", p, ok)
	}
}

func TestDefaultDataDir(t *testing.T) {
	home := func() (string, error) { return "/home/ana", nil }
	noHome := func() (string, error) { return "", errors.New("$HOME is not defined") }
	tests := []struct {
		goos string
		env  map[string]string
		home func() (string, error)
		want string
		err  string
	}{
		{"linux", nil, home, filepath.Join("/home/ana", ".local", "share", "CamsDesk"), ""},
		{"linux", map[string]string{"XDG_DATA_HOME": "/data/xdg"}, home, filepath.Join("/data/xdg", "CamsDesk"), ""},
		{"linux", map[string]string{"XDG_DATA_HOME": "relative"}, home, filepath.Join("/home/ana", ".local", "share", "CamsDesk"), ""},
		{"freebsd", nil, home, filepath.Join("/home/ana", ".local", "share", "CamsDesk"), ""},
		{"darwin", map[string]string{"XDG_DATA_HOME": "/data/xdg"}, home,
			filepath.Join("/home/ana", "Library", "Application Support", "CamsDesk"), ""},
		{"windows", map[string]string{"LOCALAPPDATA": `C:\Users\ana\AppData\Local`}, noHome,
			filepath.Join(`C:\Users\ana\AppData\Local`, "CamsDesk"), ""},
		{"windows", nil, home, "", "LOCALAPPDATA"},
		{"linux", nil, noHome, "", "--data-dir"},
	}
	for _, tt := range tests {
		got, err := defaultDataDir(tt.goos, cfgEnv(tt.env), tt.home)
		if got != tt.want || (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s %v: got %q, %v; want %q, %q", tt.goos, tt.env, got, err, tt.want, tt.err)
		}
	}
}

func TestDefaultConfigPath(t *testing.T) {
	p, err := DefaultConfigPath()
	if err != nil {
		t.Skip("no user config dir here:", err)
	}
	if filepath.Base(p) != "config.json" || filepath.Base(filepath.Dir(p)) != "CamsDesk" {
		t.Errorf("DefaultConfigPath() = %q", p)
	}
}
