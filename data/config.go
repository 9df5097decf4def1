package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/camsdesk/camsdesk/device"
)

// Names and defaults of the config file.
const (
	AppDirName        = "CamsDesk"    // folder under the OS config and data dirs
	ConfigFileName    = "config.json" // in DefaultConfigPath's folder
	DefaultPort       = 5000          // the seed's "port"
	DefaultListen     = ":5000"
	DefaultDeviceName = "default" // name of the device described by the seed's flat keys or CAMS_* variables
	DefaultShiftStart = "09:00"
	DefaultShiftEnd   = "17:00"
	shiftLayout       = "15:04"
	configFileMode    = 0o600
	configDirMode     = 0o700
	listenExample     = "\":5000\" (every interface) or \"127.0.0.1:5000\""
)

// Environment variables that override the config file for the default device (and the port).
const (
	EnvRestfulEndpoint   = "CAMS_RESTFUL_ENDPOINT"
	EnvSTGID             = "CAMS_STGID"
	EnvAuthToken         = "CAMS_AUTH_TOKEN"
	EnvCallbackAuthToken = "CAMS_CALLBACK_AUTH_TOKEN"
	EnvSecurityKey       = "CAMS_SECURITY_KEY"
	EnvPort              = "CAMS_PORT"
)

// EnvVars lists the variables ApplyEnv reads, in the order the help text shows them.
var EnvVars = []string{EnvRestfulEndpoint, EnvSTGID, EnvAuthToken, EnvCallbackAuthToken, EnvSecurityKey, EnvPort}

// Config is the settings file: the devices (as configured in API Monitor) and the app's own settings.
//
// The seed's CONFIG block maps one to one: "port" is Port, and the flat keys "restful_endpoint", "stgid",
// "auth_token" and "callback_auth_token" (plus the other device.Profile keys) describe the default device;
// LoadConfig folds them into Devices. Save writes the canonical form, with a "devices" list.
type Config struct {
	// Listen is the callback receiver's address, ":5000" by default.
	Listen string `json:"listen,omitempty"`
	// DataDir holds cams_data.db, photos/, cams-callbacks.log and journal/; DefaultDataDir by default.
	DataDir string `json:"data_dir,omitempty"`
	// DB is the database: empty for cams_data.db in DataDir, else a postgres:// URL (or a SQLite file) that
	// several programs may share. It may hold a password: Masked hides it.
	DB string `json:"db,omitempty"`
	// ReceiverOff keeps the desktop app from receiving callbacks: another PC or camsd serve receives for the
	// shared database.
	ReceiverOff bool `json:"receiver_off,omitempty"`
	// Devices are the configured devices; names and stgids are unique.
	Devices []device.Profile `json:"devices,omitempty"`
	// DefaultDevice names the device commands go to when none is named; empty means the first device.
	DefaultDevice string `json:"default_device,omitempty"`
	// StartHidden starts the desktop app in the tray; StartAtLogin starts it with the OS session.
	StartHidden  bool `json:"start_hidden,omitempty"`
	StartAtLogin bool `json:"start_at_login,omitempty"`
	// ShiftStart and ShiftEnd ("09:00", "17:00") mark late arrivals and early departures in the timesheet.
	ShiftStart string `json:"shift_start,omitempty"`
	ShiftEnd   string `json:"shift_end,omitempty"`
	// Port is the seed's key: when Listen is empty it becomes ":Port".
	Port int `json:"port,omitempty"`
}

// DefaultConfigPath is config.json in CamsDesk's folder of the OS user config dir
// (~/.config/CamsDesk on Linux, ~/Library/Application Support/CamsDesk on macOS, %AppData%\CamsDesk on Windows).
func DefaultConfigPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("config: no user config folder (%w); pass --config PATH", err)
	}
	return filepath.Join(dir, AppDirName, ConfigFileName), nil
}

// DefaultDataDir is where the database, photos, callback log and journal go when the config names no folder:
// $XDG_DATA_HOME/CamsDesk or ~/.local/share/CamsDesk on Linux, ~/Library/Application Support/CamsDesk on macOS,
// %LOCALAPPDATA%\CamsDesk on Windows.
func DefaultDataDir() (string, error) {
	return defaultDataDir(runtime.GOOS, os.Getenv, os.UserHomeDir)
}

func defaultDataDir(goos string, getenv func(string) string, home func() (string, error)) (string, error) {
	if goos == "windows" {
		if dir := getenv("LOCALAPPDATA"); dir != "" {
			return filepath.Join(dir, AppDirName), nil
		}
		return "", errors.New("data dir: %LOCALAPPDATA% is not set; pass --data-dir FOLDER")
	}
	if dir := getenv("XDG_DATA_HOME"); goos != "darwin" && goos != "ios" && filepath.IsAbs(dir) {
		return filepath.Join(dir, AppDirName), nil
	}
	h, err := home()
	if err != nil || h == "" {
		return "", fmt.Errorf("data dir: no home folder (%v); pass --data-dir FOLDER", err)
	}
	if goos == "darwin" || goos == "ios" {
		return filepath.Join(h, "Library", "Application Support", AppDirName), nil
	}
	return filepath.Join(h, ".local", "share", AppDirName), nil
}

// DefaultConfig is the configuration of a fresh install: no devices, listening on :5000, data in DefaultDataDir.
func DefaultConfig() *Config {
	c := &Config{}
	c.fillDefaults()
	return c
}

func (c *Config) fillDefaults() {
	if c.Listen == "" {
		if c.Port != 0 {
			c.Listen = ":" + strconv.Itoa(c.Port)
		} else {
			c.Listen = DefaultListen
		}
	}
	if c.DataDir == "" {
		c.DataDir, _ = DefaultDataDir() // if there is none, Validate says how to set one
	}
	if c.ShiftStart == "" {
		c.ShiftStart = DefaultShiftStart
	}
	if c.ShiftEnd == "" {
		c.ShiftEnd = DefaultShiftEnd
	}
}

// LoadConfig reads the config file at path. A missing file is not an error: it gives DefaultConfig.
// Empty settings are filled with their defaults. The result is not validated: call Validate.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultConfig(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// configFields has Config's fields without its methods, so it can be embedded beside device.Profile.
type configFields Config

// ParseConfig reads a config file's contents (JSON, the seed's flat keys allowed) and fills defaults.
// Unknown keys are an error, so a misspelt key is reported instead of silently ignored.
func ParseConfig(b []byte) (*Config, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // Notepad's byte order mark
	if len(bytes.TrimSpace(b)) == 0 {
		return DefaultConfig(), nil
	}
	var file struct {
		configFields
		device.Profile // the seed's flat keys
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, describeJSONError(b, err)
	}
	if off := dec.InputOffset(); len(bytes.TrimSpace(b[off:])) != 0 {
		line, col := position(b, int(off))
		return nil, fmt.Errorf("line %d, column %d: more text after the closing }; the file holds one JSON object", line, col)
	}
	c := Config(file.configFields)
	if flat := file.Profile; flat != (device.Profile{}) {
		c.mergeFlat(flat)
	}
	c.fillDefaults()
	return &c, nil
}

// mergeFlat folds the seed's flat device keys into the device they describe: the one they name, else the
// default device, else a new device named "default".
func (c *Config) mergeFlat(flat device.Profile) {
	name := strings.TrimSpace(flat.Name)
	if name == "" {
		name = c.DefaultDevice
	}
	if name == "" {
		name = DefaultDeviceName
	}
	flat.Name = name
	if c.DefaultDevice == "" {
		c.DefaultDevice = name
	}
	i := c.index(name)
	if i < 0 {
		c.Devices = append(c.Devices, flat)
		return
	}
	p := &c.Devices[i]
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&p.Endpoint, flat.Endpoint}, {&p.STGID, flat.STGID}, {&p.AuthToken, flat.AuthToken},
		{&p.CallbackAuthToken, flat.CallbackAuthToken}, {&p.SecurityKey, flat.SecurityKey},
		{&p.OldSecurityKey, flat.OldSecurityKey}, {&p.TimeZone, flat.TimeZone},
	} {
		if f.src != "" {
			*f.dst = f.src
		}
	}
	p.Simulated = p.Simulated || flat.Simulated
}

// describeJSONError turns a decoding error into one that says where the problem is and how to fix it.
func describeJSONError(b []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(b, int(syn.Offset))
		return fmt.Errorf("line %d, column %d: %v; the file must be JSON: keys and text in double quotes, "+
			"commas between entries but none before a closing } or ], no comments", line, col, syn)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("the file ends too early (a } or ] or \" is missing): %v", err)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "config"
		}
		return &device.FieldError{Field: field, Msg: fmt.Sprintf("must be %s, not a JSON %s", kindWords(typ.Type), typ.Value)}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("unknown key %s: check its spelling; the keys are %s", name, strings.Join(knownKeys(), ", "))
	}
	return err
}

func kindWords(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "text in double quotes"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number without quotes"
	case reflect.Slice, reflect.Array:
		return "a list in [ ]"
	case reflect.Struct, reflect.Map:
		return "an object in { }"
	}
	return "a " + t.String()
}

// knownKeys are the JSON keys of Config and device.Profile.
func knownKeys() []string {
	var keys []string
	for _, t := range []reflect.Type{reflect.TypeFor[Config](), reflect.TypeFor[device.Profile]()} {
		for f := range t.Fields() {
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
				keys = append(keys, name)
			}
		}
	}
	return keys
}

func position(b []byte, off int) (line, col int) {
	off = min(max(off, 0), len(b))
	line = 1 + bytes.Count(b[:off], []byte("\n"))
	col = off - bytes.LastIndexByte(b[:off], '\n')
	return line, col
}

// ApplyEnv lets CAMS_* variables override the file: CAMS_RESTFUL_ENDPOINT, CAMS_STGID, CAMS_AUTH_TOKEN,
// CAMS_CALLBACK_AUTH_TOKEN and CAMS_SECURITY_KEY set the default device's fields (creating a device named
// "default" when there is none), and CAMS_PORT sets the port Listen uses. Empty variables are ignored.
// getenv is os.Getenv outside tests.
func (c *Config) ApplyEnv(getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	var errs []error
	if v := env(EnvPort); v != "" {
		port, err := strconv.Atoi(v)
		if err != nil || port < 1 || port > 65535 {
			errs = append(errs, &device.FieldError{Field: EnvPort,
				Msg: fmt.Sprintf("%q is not a port number; use a number from 1 to 65535, e.g. 5000", v)})
		} else {
			host := ""
			if h, _, err := net.SplitHostPort(c.Listen); err == nil {
				host = h
			}
			c.Port = port
			c.Listen = net.JoinHostPort(host, strconv.Itoa(port))
		}
	}
	sets := []struct {
		env string
		set func(p *device.Profile, v string)
	}{
		{EnvRestfulEndpoint, func(p *device.Profile, v string) { p.Endpoint = v }},
		{EnvSTGID, func(p *device.Profile, v string) { p.STGID = v }},
		{EnvAuthToken, func(p *device.Profile, v string) { p.AuthToken = v }},
		{EnvCallbackAuthToken, func(p *device.Profile, v string) { p.CallbackAuthToken = v }},
		{EnvSecurityKey, func(p *device.Profile, v string) { p.SecurityKey = v }},
	}
	for _, s := range sets {
		if v := env(s.env); v != "" {
			s.set(c.defaultProfile(), v)
		}
	}
	return errors.Join(errs...)
}

// defaultProfile is the default device, created (named DefaultDevice, else "default") when there is none.
func (c *Config) defaultProfile() *device.Profile {
	if i := c.defaultIndex(); i >= 0 {
		return &c.Devices[i]
	}
	name := c.DefaultDevice
	if name == "" {
		name = DefaultDeviceName
		c.DefaultDevice = name
	}
	c.Devices = append(c.Devices, device.Profile{Name: name})
	return &c.Devices[len(c.Devices)-1]
}

func (c *Config) defaultIndex() int {
	if c.DefaultDevice != "" {
		return c.index(c.DefaultDevice)
	}
	if len(c.Devices) > 0 {
		return 0
	}
	return -1
}

// index finds a device by name, ignoring case and surrounding spaces.
func (c *Config) index(name string) int {
	name = strings.TrimSpace(name)
	return slices.IndexFunc(c.Devices, func(p device.Profile) bool {
		return strings.EqualFold(strings.TrimSpace(p.Name), name)
	})
}

// Device finds a device by name (case does not matter).
func (c *Config) Device(name string) (device.Profile, bool) {
	if i := c.index(name); i >= 0 {
		return c.Devices[i], true
	}
	return device.Profile{}, false
}

// DeviceBySTGID finds the device with this service tag id.
func (c *Config) DeviceBySTGID(stgid string) (device.Profile, bool) {
	stgid = strings.TrimSpace(stgid)
	if stgid == "" {
		return device.Profile{}, false
	}
	for _, p := range c.Devices {
		if strings.TrimSpace(p.STGID) == stgid {
			return p, true
		}
	}
	return device.Profile{}, false
}

// Default is the device named by DefaultDevice, else the first device; false when there is none.
func (c *Config) Default() (device.Profile, bool) {
	if i := c.defaultIndex(); i >= 0 {
		return c.Devices[i], true
	}
	return device.Profile{}, false
}

// Put adds p, or replaces the device with the same name. The first device added becomes the default.
func (c *Config) Put(p device.Profile) {
	if i := c.index(p.Name); i >= 0 {
		c.Devices[i] = p
	} else {
		c.Devices = append(c.Devices, p)
	}
	if c.DefaultDevice == "" && len(c.Devices) == 1 {
		c.DefaultDevice = p.Name
	}
}

// Remove deletes the named device and reports whether it was there. Removing the default device makes the
// first remaining device the default.
func (c *Config) Remove(name string) bool {
	i := c.index(name)
	if i < 0 {
		return false
	}
	if strings.EqualFold(strings.TrimSpace(c.DefaultDevice), strings.TrimSpace(c.Devices[i].Name)) {
		c.DefaultDevice = ""
	}
	c.Devices = slices.Delete(c.Devices, i, i+1)
	return true
}

// Validate checks every setting and device and returns all problems joined, each a *device.FieldError whose
// Field is a path into the file such as "listen" or "devices[1].auth_token". FieldErrors lists them.
func (c *Config) Validate() error {
	var errs []error
	add := func(field, format string, a ...any) {
		errs = append(errs, &device.FieldError{Field: field, Msg: fmt.Sprintf(format, a...)})
	}
	portBad := c.Port < 0 || c.Port > 65535
	if portBad {
		add("port", "%d is not a port; use a number from 1 to 65535 (the seed's default is %d)", c.Port, DefaultPort)
	}
	if !(portBad && c.Listen == ":"+strconv.Itoa(c.Port)) {
		if msg := listenProblem(c.Listen); msg != "" {
			add("listen", "%s", msg)
		}
	}
	if strings.TrimSpace(c.DataDir) == "" {
		add("data_dir", "name the folder for the database and photos, e.g. \"data_dir\": \"/home/me/CamsDesk\" or --data-dir FOLDER")
	}
	for _, s := range []struct{ field, value, example string }{
		{"shift_start", c.ShiftStart, DefaultShiftStart}, {"shift_end", c.ShiftEnd, DefaultShiftEnd},
	} {
		if s.value == "" {
			continue
		}
		if _, err := time.Parse(shiftLayout, s.value); err != nil {
			add(s.field, "%q is not a time of day; write it as HH:MM on a 24-hour clock, e.g. %q", s.value, s.example)
		}
	}
	names := map[string]int{}
	stgids := map[string]int{}
	for i, p := range c.Devices {
		prefix := fmt.Sprintf("devices[%d].", i)
		for _, fe := range FieldErrors(p.Validate()) {
			errs = append(errs, &device.FieldError{Field: prefix + fe.Field, Msg: fe.Msg})
		}
		if key := strings.ToLower(strings.TrimSpace(p.Name)); key != "" {
			if j, dup := names[key]; dup {
				add(prefix+"name", "%q is already the name of devices[%d]; give each device its own name", p.Name, j)
			} else {
				names[key] = i
			}
		}
		if key := strings.TrimSpace(p.STGID); key != "" {
			if j, dup := stgids[key]; dup {
				add(prefix+"stgid", "%q is already the stgid of devices[%d] (%q); each device has its own service tag id in API Monitor",
					p.STGID, j, c.Devices[j].Name)
			} else {
				stgids[key] = i
			}
		}
	}
	if c.DefaultDevice != "" && c.index(c.DefaultDevice) < 0 {
		if len(c.Devices) == 0 {
			add("default_device", "no device named %q: add it (camsd config set-device --name %q ...) or leave default_device empty",
				c.DefaultDevice, c.DefaultDevice)
		} else {
			var have []string
			for _, p := range c.Devices {
				have = append(have, strconv.Quote(p.Name))
			}
			add("default_device", "no device named %q; use one of %s", c.DefaultDevice, strings.Join(have, ", "))
		}
	}
	return errors.Join(errs...)
}

func listenProblem(s string) string {
	if strings.TrimSpace(s) == "" {
		return "give the address the callback receiver listens on, e.g. " + listenExample
	}
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Sprintf("%q is not host:port; use %s", s, listenExample)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("%q has no valid port; use a number from 1 to 65535, e.g. %s", s, listenExample)
	}
	return ""
}

// FieldErrors lists the *device.FieldError values inside err, unwrapping errors.Join; nil for nil.
func FieldErrors(err error) []*device.FieldError {
	if err == nil {
		return nil
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*device.FieldError
		for _, e := range joined.Unwrap() {
			out = append(out, FieldErrors(e)...)
		}
		return out
	}
	var fe *device.FieldError
	if errors.As(err, &fe) {
		return []*device.FieldError{fe}
	}
	return []*device.FieldError{{Field: "config", Msg: err.Error()}}
}

// Save writes the config to path atomically (a temporary file in the same folder, then a rename), readable
// by the user only (0600); a missing folder is created 0700.
func (c *Config) Save(path string) (err error) {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	b = append(b, '\n')
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, configDirMode); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(configFileMode); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("config: %w", err)
	}
	if _, err = tmp.Write(b); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil { // make the rename durable where the OS allows it
		d.Sync()
		d.Close()
	}
	return nil
}

// Masked is a copy of c whose tokens and keys are masked with device.Mask, safe to print or log.
func (c Config) Masked() Config {
	c.DB = MaskDSN(c.DB)
	c.Devices = slices.Clone(c.Devices)
	for i := range c.Devices {
		p := &c.Devices[i]
		p.AuthToken = device.Mask(p.AuthToken)
		p.CallbackAuthToken = device.Mask(p.CallbackAuthToken)
		p.SecurityKey = device.Mask(p.SecurityKey)
		p.OldSecurityKey = device.Mask(p.OldSecurityKey)
	}
	return c
}

// String is the config as indented JSON with tokens masked, so printing or logging a Config never shows a secret.
func (c Config) String() string {
	b, err := json.MarshalIndent(c.Masked(), "", "  ")
	if err != nil {
		return "config: " + err.Error()
	}
	return string(b)
}

// GoString masks tokens for %#v too.
func (c Config) GoString() string { return "data.Config" + c.String() }
