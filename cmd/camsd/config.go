package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
)

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show, check and edit the configuration",
		Long: `Show, check and edit the configuration: the devices as configured in API Monitor (name, RESTful
endpoint, stgid, auth token, callback auth token, security key, time zone) and the app's settings (listen
address, data folder). Tokens and keys are always printed masked.`,
		RunE: groupRun,
	}
	cmd.AddCommand(newConfigShowCmd(), newConfigCheckCmd(), newConfigPathCmd(), newConfigSetDeviceCmd(),
		newConfigRemoveDeviceCmd())
	return cmd
}

func newConfigShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "Print the effective configuration as JSON, tokens masked",
		Long: `Print the effective configuration as JSON: the config file, with the CAMS_* environment variables
and the --data-dir flag applied. Tokens and keys are masked.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadSettings(cmd)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), cfg.String())
			return err
		},
	}
}

func newConfigCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Validate the effective configuration; exit 2 listing each problem",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadValidSettings(cmd)
			if err != nil {
				return err
			}
			path, _ := configPath(cmd)
			source := path
			if !fileExists(path) {
				source = path + " (not there yet: defaults)"
			}
			devices := "no devices yet: add one with 'camsd config set-device'"
			if p, ok := cfg.Default(); ok {
				devices = fmt.Sprintf("%d device(s), default %q", len(cfg.Devices), p.Name)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "config OK: %s\n  %s\n  listen %s, data dir %s\n",
				source, devices, cfg.Listen, cfg.DataDir)
			return err
		},
	}
}

func newConfigPathCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "path",
		Short: "Print the config file's path",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := configPath(cmd)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), path)
			return err
		},
	}
}

// deviceFlags maps set-device's flags to the profile's fields.
var deviceFlags = []struct {
	name, usage string
	field       func(p *device.Profile) *string
}{
	{"endpoint", "RESTful endpoint URL from API Monitor (https://...)", func(p *device.Profile) *string { return &p.Endpoint }},
	{"stgid", "service tag id of the device from API Monitor", func(p *device.Profile) *string { return &p.STGID }},
	{"auth-token", "32-character auth token from API Monitor", func(p *device.Profile) *string { return &p.AuthToken }},
	{"callback-auth-token", "32-character auth token the device's callbacks carry", func(p *device.Profile) *string { return &p.CallbackAuthToken }},
	{"security-key", "32-character security key, when the device encrypts (empty string to remove)", func(p *device.Profile) *string { return &p.SecurityKey }},
	{"old-security-key", "previous security key, accepted while a new key is rolled out", func(p *device.Profile) *string { return &p.OldSecurityKey }},
	{"time-zone", `device's time zone: IANA name ("Asia/Kolkata") or offset ("+05:30"); empty means this PC's zone`, func(p *device.Profile) *string { return &p.TimeZone }},
}

func newConfigSetDeviceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "set-device --name NAME [--endpoint URL] [--stgid ID] [--auth-token TOKEN] [flags]",
		Short: "Add a device to the config file, or change the named one",
		Long: `Add a device to the config file, or change the one with this name: only the flags given change it.
The device is validated before anything is saved. The environment variables are not written to the file.

Tokens given as flags can end up in the shell's history; the CAMS_* environment variables are an alternative
for the default device.`,
		Example: `  camsd config set-device --name "Main Gate" --endpoint https://gateway.example.com/external/api3.0/biometric \
    --stgid ABC123 --auth-token 0123456789abcdef0123456789abcdef --time-zone Asia/Kolkata --default`,
		Args: cobra.NoArgs,
		RunE: runSetDevice,
	}
	f := cmd.Flags()
	f.String("name", "", "device name, e.g. \"Main Gate\" (required)")
	for _, d := range deviceFlags {
		f.String(d.name, "", d.usage)
	}
	f.Bool("simulated", false, "the device is CamsDesk's simulator, not a real one")
	f.Bool("default", false, "make this the default device")
	return cmd
}

func runSetDevice(cmd *cobra.Command, _ []string) error {
	name, _ := cmd.Flags().GetString("name")
	name = strings.TrimSpace(name)
	if name == "" {
		return usageError(errors.New(`--name: give the device a name, e.g. --name "Main Gate"`))
	}
	path, err := configPath(cmd)
	if err != nil {
		return err
	}
	cfg, err := loadFile(path)
	if err != nil {
		return err
	}
	p, exists := cfg.Device(name)
	if !exists {
		p = device.Profile{Name: name}
	}
	for _, d := range deviceFlags {
		if f := cmd.Flags().Lookup(d.name); f.Changed {
			*d.field(&p) = strings.TrimSpace(f.Value.String())
		}
	}
	if cmd.Flags().Changed("simulated") {
		p.Simulated, _ = cmd.Flags().GetBool("simulated")
	}
	cfg.Put(p)
	if def, _ := cmd.Flags().GetBool("default"); def {
		cfg.DefaultDevice = p.Name
	}

	// Only this device's problems stop the save, so each device of a broken file can be fixed in turn.
	idx := 0
	for i := range cfg.Devices {
		if strings.EqualFold(strings.TrimSpace(cfg.Devices[i].Name), strings.TrimSpace(p.Name)) {
			idx = i
		}
	}
	prefix := fmt.Sprintf("devices[%d].", idx)
	var mine []string
	others := 0
	for _, fe := range data.FieldErrors(cfg.Validate()) {
		if field, ok := strings.CutPrefix(fe.Field, prefix); ok {
			mine = append(mine, "--"+strings.ReplaceAll(flagOf(field), "_", "-")+": "+fe.Msg)
		} else {
			others++
		}
	}
	if len(mine) > 0 {
		return usageError(fmt.Errorf("device %q not saved:\n  %s", p.Name, strings.Join(mine, "\n  ")))
	}
	if err := cfg.Save(path); err != nil {
		return failure(err)
	}
	verb := "added"
	if exists {
		verb = "updated"
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "%s device %q in %s\n", verb, p.Name, path)
	if others > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "note: the config has %d other problem(s); see 'camsd config check'\n", others)
	}
	return nil
}

// flagOf is the set-device flag for a profile's JSON field.
func flagOf(field string) string {
	if field == "restful_endpoint" {
		return "endpoint"
	}
	return field
}

func newConfigRemoveDeviceCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "remove-device NAME",
		Short: "Remove a device from the config file (its stored punches stay in the database)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := configPath(cmd)
			if err != nil {
				return err
			}
			cfg, err := loadFile(path)
			if err != nil {
				return err
			}
			if !cfg.Remove(args[0]) {
				return usageError(fmt.Errorf("no device named %q in %s", args[0], path))
			}
			if err := cfg.Save(path); err != nil {
				return failure(err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "removed device %q from %s\n", args[0], path)
			return err
		},
	}
}
