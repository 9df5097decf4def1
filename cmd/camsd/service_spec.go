package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kardianos/service"
	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/data"
)

// The system service's names and, on Linux, its dedicated user.
const (
	serviceName        = "camsd"
	serviceDisplayName = "CamsDesk service"
	serviceDescription = "CamsDesk callback receiver for Cams Biometrics attendance devices"
	serviceUser        = "camsdesk"
	linuxStateDir      = "/var/lib/camsdesk"
	// sysusersLine creates serviceUser (systemd-sysusers); packaging/linux/camsd.sysusers holds the same line.
	sysusersLine = `u camsdesk - "CamsDesk service" /var/lib/camsdesk /usr/sbin/nologin`
)

// serviceSpec is what "camsd service install" sets up: which binary runs "serve", with which files.
type serviceSpec struct {
	GOOS    string   // target system: linux (systemd), windows or darwin (launchd)
	Exe     string   // absolute path of camsd
	Config  string   // serve's --config
	DataDir string   // serve's --data-dir
	Listen  string   // serve's --listen; empty means the config's
	Serve   []string // more of serve's flags (passedServeFlags), as --name=value
}

// newServiceSpec fills the system-wide defaults of goos: /var/lib/camsdesk on Linux,
// %ProgramData%\CamsDesk on Windows, /Library/Application Support/CamsDesk on macOS. The config file is
// config.json in the data folder unless config is given. Paths given must be absolute.
func newServiceSpec(goos, exe string, getenv func(string) string, config, dataDir, listen string) (serviceSpec, error) {
	s := serviceSpec{GOOS: goos, Exe: exe, Config: config, DataDir: dataDir, Listen: listen}
	sep := "/"
	if s.DataDir == "" {
		switch goos {
		case "linux":
			s.DataDir = linuxStateDir
		case "windows":
			pd := getenv("ProgramData")
			if pd == "" {
				return s, errors.New("%ProgramData% is not set: pass --data-dir FOLDER")
			}
			s.DataDir = strings.TrimRight(pd, `\`) + `\CamsDesk`
		case "darwin":
			s.DataDir = "/Library/Application Support/CamsDesk"
		}
	}
	switch goos {
	case "linux", "darwin":
	case "windows":
		sep = `\`
	default:
		return s, fmt.Errorf("camsd service installs on linux (systemd), windows and darwin, not %s: "+
			"run 'camsd serve' from your system's own service manager", goos)
	}
	if s.Config == "" {
		s.Config = strings.TrimRight(s.DataDir, sep) + sep + "config.json"
	}
	return s, nil
}

// serveArgs are the arguments of the serve command the service runs.
func (s serviceSpec) serveArgs() []string {
	args := []string{"serve", "--" + flagConfig, s.Config, "--" + flagDataDir, s.DataDir}
	if s.Listen != "" {
		args = append(args, "--"+flagListen, s.Listen)
	}
	return append(args, s.Serve...)
}

// passedServeFlags are serve's flags that "service install" passes on to the service (--db is on the root).
var passedServeFlags = []string{flagDB, flagTLSCert, flagTLSKey, flagTLSDomain, flagACMEHTTP, flagACMEEmail, flagACMEDirURL, flagMetrics}

// pathFlags name files: the service runs in another folder, so they are passed on as absolute paths.
var pathFlags = map[string]bool{flagTLSCert: true, flagTLSKey: true}

// addPassedServeFlags gives cmd serve's own flags of passedServeFlags, with serve's defaults and help.
func addPassedServeFlags(cmd *cobra.Command) {
	serve := newServeCmd().Flags()
	for _, name := range passedServeFlags {
		if f := serve.Lookup(name); f != nil {
			cmd.Flags().AddFlag(f)
		}
	}
}

// passedServeArgs are the passedServeFlags set on cmd's command line, as --name=value. A password in --db is
// refused: the service's command line can be read by every user of the machine.
func passedServeArgs(cmd *cobra.Command, configPath string) ([]string, error) {
	var args []string
	for _, name := range passedServeFlags {
		f := cmd.Flags().Lookup(name)
		if f == nil || !f.Changed {
			continue
		}
		v := strings.TrimSpace(f.Value.String())
		switch {
		case name == flagDB && data.MaskDSN(v) != v:
			return nil, fmt.Errorf("--db: leave the password out of the URL, since every user of this machine can read a "+
				"service's command line; put \"db\" with the password in the service's config file %s, or the password "+
				"in the service user's .pgpass file", configPath)
		case pathFlags[name] && v != "":
			abs, err := filepath.Abs(v)
			if err != nil {
				return nil, fmt.Errorf("--%s: %w", name, err)
			}
			v = abs
		}
		args = append(args, "--"+name+"="+v)
	}
	return args, nil
}

// serviceArgs are the arguments the service manager starts camsd with: serve itself under systemd and
// launchd, which stop it with SIGTERM; "service run" on Windows, which speaks to the service control manager.
func (s serviceSpec) serviceArgs() []string {
	if s.GOOS == "windows" {
		return append([]string{"service", "run"}, s.serveArgs()[1:]...)
	}
	return s.serveArgs()
}

// kardianosConfig is the service description handed to the service manager.
func (s serviceSpec) kardianosConfig() *service.Config {
	c := &service.Config{
		Name:        serviceName,
		DisplayName: serviceDisplayName,
		Description: serviceDescription,
		Executable:  s.Exe,
		Arguments:   s.serviceArgs(),
	}
	switch s.GOOS {
	case "linux":
		c.UserName = serviceUser
		c.Option = service.KeyValue{"SystemdScript": s.systemdUnit(), "Restart": "on-failure"}
	case "windows":
		c.Option = service.KeyValue{
			"StartType":              "automatic",
			"DelayedAutoStart":       true,
			"OnFailure":              "restart",
			"OnFailureDelayDuration": "5s",
			"OnFailureResetPeriod":   86400,
		}
	case "darwin":
		c.Option = service.KeyValue{"KeepAlive": true, "RunAtLoad": true}
	}
	return c
}

// systemdUnit is the unit file: a dedicated user, the state in /var/lib/camsdesk, restart on failure and a
// read-only view of the rest of the system. packaging/linux/camsd.service is this unit for /usr/bin/camsd.
func (s serviceSpec) systemdUnit() string {
	exec := make([]string, 0, 8)
	exec = append(exec, systemdQuote(s.Exe))
	for _, a := range s.serveArgs() {
		exec = append(exec, systemdQuote(a))
	}
	var b strings.Builder
	b.WriteString(`# camsd: the CamsDesk callback receiver as a system service.
# Installed by the camsd package or written by 'camsd service install'.
[Unit]
Description=` + serviceDisplayName + `: callback receiver for Cams attendance devices
Documentation=https://github.com/camsdesk/camsdesk/blob/main/docs/install.md
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=` + serviceUser + `
Group=` + serviceUser + `
ExecStart=` + strings.Join(exec, " ") + `
Restart=on-failure
RestartSec=5s
StateDirectory=camsdesk
StateDirectoryMode=0750
`)
	if s.DataDir != linuxStateDir && !strings.HasPrefix(s.DataDir, linuxStateDir+"/") {
		b.WriteString("ReadWritePaths=" + systemdQuote(s.DataDir) + "\n") // ProtectSystem=strict: only this is writable
	}
	b.WriteString(`UMask=0027
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
CapabilityBoundingSet=

[Install]
WantedBy=multi-user.target
`)
	return b.String()
}

// systemdQuote writes one ExecStart argument: % and $ doubled, and double quotes around one with spaces,
// quotes or backslashes (which are escaped).
func systemdQuote(arg string) string {
	arg = strings.NewReplacer("%", "%%", "$", "$$").Replace(arg)
	if arg != "" && !strings.ContainsAny(arg, " \t\"'\\;") {
		return arg
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(arg) + `"`
}

func parentDir(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i > 0 {
		return path[:i]
	}
	return path
}
