package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/kardianos/service"
	"github.com/spf13/cobra"
)

const flagDryRun = "dry-run"

func newServiceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "service",
		Short: "Install, remove, start, stop or check camsd as a system service",
		Long: `Install camsd's callback receiver ("camsd serve") as a system service that starts at boot and restarts
on failure: a systemd unit on Linux (user camsdesk, data in /var/lib/camsdesk), a Windows service (data in
%ProgramData%\CamsDesk) or a launchd daemon on macOS (data in /Library/Application Support/CamsDesk).
--config, --data-dir, --listen, --db and serve's HTTPS and metrics flags given to "install" are passed on
to the service. Needs root or an
elevated (administrator) prompt. The Linux packages install the unit already: use systemctl there.`,
		RunE: groupRun,
	}
	install := &cobra.Command{
		Use:   "install",
		Short: "Install and enable the service (it starts at boot; 'camsd service start' starts it now)",
		Args:  cobra.NoArgs,
		RunE:  runServiceInstall,
	}
	addListenFlag(install)
	addPassedServeFlags(install)
	install.Flags().Bool(flagDryRun, false, "print what would be installed and change nothing")
	run := &cobra.Command{
		Use:    "run",
		Short:  "Run serve under the service manager (what the installed Windows service starts)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE:   runServiceRun,
	}
	addListenFlag(run)
	addPassedServeFlags(run)
	cmd.AddCommand(install, run,
		serviceActionCmd("uninstall", "Stop and remove the service (the data folder stays)", uninstallService),
		serviceActionCmd("start", "Start the installed service", service.Service.Start),
		serviceActionCmd("stop", "Stop the service", service.Service.Stop),
		&cobra.Command{
			Use:   "status",
			Short: "Print whether the service is running; exit 1 when it is not",
			Args:  cobra.NoArgs,
			RunE:  runServiceStatus,
		})
	return cmd
}

// serviceSpecOf is the spec for this system from cmd's --config, --data-dir and --listen flags.
func serviceSpecOf(cmd *cobra.Command) (serviceSpec, error) {
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		return serviceSpec{}, failure(fmt.Errorf("service: cannot find camsd's own path: %w", err))
	}
	var paths [2]string
	for i, name := range []string{flagConfig, flagDataDir} {
		f := cmd.Flags().Lookup(name)
		if f == nil || !f.Changed {
			continue
		}
		v := strings.TrimSpace(f.Value.String())
		if v == "" {
			return serviceSpec{}, usageError(fmt.Errorf("--%s: name a path", name))
		}
		if paths[i], err = filepath.Abs(v); err != nil {
			return serviceSpec{}, usageError(fmt.Errorf("--%s: %w", name, err))
		}
	}
	var listen string
	if f := cmd.Flags().Lookup(flagListen); f != nil {
		listen = strings.TrimSpace(f.Value.String())
	}
	spec, err := newServiceSpec(runtime.GOOS, exe, getenvOf(cmd), paths[0], paths[1], listen)
	if err != nil {
		return spec, usageError(err)
	}
	if spec.Serve, err = passedServeArgs(cmd, spec.Config); err != nil {
		return spec, usageError(err)
	}
	return spec, nil
}

// systemService is camsd's entry in the service manager; program is nil except for "service run". On Linux
// only systemd is managed, since that is where install puts the service.
func systemService(spec serviceSpec, program service.Interface) (service.Service, error) {
	if program == nil {
		if _, err := os.Stat("/run/systemd/system"); spec.GOOS == "linux" && err != nil {
			return nil, failure(errors.New("this system does not run systemd, which camsd service manages on Linux; " +
				"run 'camsd serve' from the system's own service manager instead"))
		}
		program = &serveProgram{}
	}
	s, err := service.New(program, spec.kardianosConfig())
	if err != nil {
		return nil, failure(fmt.Errorf("service: %w", err))
	}
	return s, nil
}

func runServiceInstall(cmd *cobra.Command, _ []string) error {
	spec, err := serviceSpecOf(cmd)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if dry, _ := cmd.Flags().GetBool(flagDryRun); dry {
		return describeService(out, spec)
	}
	s, err := systemService(spec, nil)
	if err != nil {
		return err
	}
	if err := prepareService(spec); err != nil {
		return err
	}
	if err := s.Install(); err != nil {
		return failure(fmt.Errorf("service install: %w%s", err, elevationHint()))
	}
	_, err = fmt.Fprintf(out, "installed service %s (config %s, data %s)\nstart it now with: camsd service start\n",
		serviceName, spec.Config, spec.DataDir)
	return err
}

// describeService prints what install would do.
func describeService(w io.Writer, spec serviceSpec) error {
	var b strings.Builder
	fmt.Fprintf(&b, "service %s on %s\n  runs:   %s %s\n  config: %s\n  data:   %s\n", serviceName, spec.GOOS,
		spec.Exe, strings.Join(spec.serviceArgs(), " "), spec.Config, spec.DataDir)
	switch spec.GOOS {
	case "linux":
		fmt.Fprintf(&b, "  user:   %s (created with systemd-sysusers when missing)\n  unit:   /etc/systemd/system/%s.service\n\n%s",
			serviceUser, serviceName, spec.systemdUnit())
	case "windows":
		fmt.Fprintf(&b, "  runs as LocalSystem, starts automatically (delayed), restarts after 5 s on failure\n"+
			"  firewall: inbound TCP allowed for %s (rule %q)\n", spec.Exe, firewallRule)
	case "darwin":
		fmt.Fprintf(&b, "  launchd daemon /Library/LaunchDaemons/%s.plist, runs as root, kept alive\n", serviceName)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func serviceActionCmd(use, short string, action func(service.Service) error) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			spec, err := serviceSpecOf(cmd)
			if err != nil {
				return err
			}
			s, err := systemService(spec, nil)
			if err != nil {
				return err
			}
			if err := action(s); err != nil {
				return failure(fmt.Errorf("service %s: %w%s", use, err, elevationHint()))
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "service %s: %s done\n", serviceName, use)
			return err
		},
	}
}

func uninstallService(s service.Service) error {
	_ = s.Stop() // it may not be running
	if err := s.Uninstall(); err != nil {
		return err
	}
	if runtime.GOOS == "windows" {
		_ = exec.Command("netsh", "advfirewall", "firewall", "delete", "rule", "name="+firewallRule).Run()
	}
	return nil
}

func runServiceStatus(cmd *cobra.Command, _ []string) error {
	spec, err := serviceSpecOf(cmd)
	if err != nil {
		return err
	}
	s, err := systemService(spec, nil)
	if err != nil {
		return err
	}
	st, err := s.Status()
	var state string
	switch {
	case errors.Is(err, service.ErrNotInstalled):
		state = "not installed"
	case err != nil:
		return failure(fmt.Errorf("service status: %w", err))
	case st == service.StatusRunning:
		state = "running"
	case st == service.StatusStopped:
		state = "stopped"
	default:
		state = "unknown"
	}
	if _, err := fmt.Fprintf(cmd.OutOrStdout(), "service %s: %s\n", serviceName, state); err != nil {
		return err
	}
	if state != "running" {
		return failure(nil)
	}
	return nil
}

func elevationHint() string {
	switch {
	case runtime.GOOS == "windows":
		return " (run it from an elevated prompt: Run as administrator)"
	case os.Geteuid() != 0:
		return " (run it as root: sudo camsd service ...)"
	}
	return ""
}

// firewallRule names the Windows Firewall rule install adds for camsd.exe.
const firewallRule = "CamsDesk service (camsd)"

// prepareService makes what the service needs before it is registered: on Linux the user and its
// folders, on Windows the data folder (readable by administrators and the service only) and the
// firewall rule, on macOS the data folder.
func prepareService(spec serviceSpec) error {
	switch spec.GOOS {
	case "linux":
		if os.Geteuid() != 0 {
			return usageError(errors.New("service install: run it as root: sudo camsd service install"))
		}
		for _, dir := range []string{"/usr/lib/systemd/system", "/lib/systemd/system"} {
			if fileExists(filepath.Join(dir, serviceName+".service")) {
				return usageError(fmt.Errorf("service install: the camsd package installed %s already; "+
					"enable it with: sudo systemctl enable --now camsd", filepath.Join(dir, serviceName+".service")))
			}
		}
		return prepareLinux(spec)
	case "windows":
		created, err := makeDirs(0o700, spec.DataDir, parentDir(spec.Config))
		if err != nil {
			return err
		}
		for _, dir := range created {
			// Only SYSTEM and Administrators may read the tokens in the config.
			if out, err := exec.Command("icacls", dir, "/inheritance:r", "/grant:r",
				"*S-1-5-18:(OI)(CI)F", "*S-1-5-32-544:(OI)(CI)F").CombinedOutput(); err != nil {
				return failure(fmt.Errorf("service install: icacls %s: %w: %s", dir, err, strings.TrimSpace(string(out))))
			}
		}
		_ = exec.Command("netsh", "advfirewall", "firewall", "delete", "rule", "name="+firewallRule).Run()
		if out, err := exec.Command("netsh", "advfirewall", "firewall", "add", "rule", "name="+firewallRule,
			"dir=in", "action=allow", "protocol=TCP", "program="+spec.Exe, "profile=any", "enable=yes").CombinedOutput(); err != nil {
			return failure(fmt.Errorf("service install: firewall rule: %w: %s%s", err, strings.TrimSpace(string(out)), elevationHint()))
		}
	case "darwin":
		if os.Geteuid() != 0 {
			return usageError(errors.New("service install: run it as root: sudo camsd service install"))
		}
		if _, err := makeDirs(0o700, spec.DataDir, parentDir(spec.Config)); err != nil {
			return err
		}
	}
	return nil
}

// makeDirs creates the folders in dirs that do not exist yet (with their parents) and returns them. Folders
// that exist are left as they are: install never changes the owner or access of a folder it did not make.
func makeDirs(perm os.FileMode, dirs ...string) ([]string, error) {
	var created []string
	for _, dir := range dirs {
		if _, err := os.Stat(dir); err == nil || slices.Contains(created, dir) {
			continue
		}
		if err := os.MkdirAll(dir, perm); err != nil {
			return created, failure(fmt.Errorf("service install: %w", err))
		}
		created = append(created, dir)
	}
	return created, nil
}

// prepareLinux creates the camsdesk user when missing and gives it the data and config folders it creates,
// so the config can be written (sudo -u camsdesk camsd config ...) before the first start.
func prepareLinux(spec serviceSpec) error {
	u, err := user.Lookup(serviceUser)
	if err != nil {
		var unknown user.UnknownUserError
		if !errors.As(err, &unknown) {
			return failure(fmt.Errorf("service install: user %s: %w", serviceUser, err))
		}
		if out, err := exec.Command("systemd-sysusers", "--inline", sysusersLine).CombinedOutput(); err != nil {
			return failure(fmt.Errorf("service install: creating user %s: %w: %s", serviceUser, err, strings.TrimSpace(string(out))))
		}
		if u, err = user.Lookup(serviceUser); err != nil {
			return failure(fmt.Errorf("service install: user %s: %w", serviceUser, err))
		}
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err := errors.Join(err1, err2); err != nil {
		return failure(fmt.Errorf("service install: user %s: %w", serviceUser, err))
	}
	created, err := makeDirs(0o750, spec.DataDir, parentDir(spec.Config))
	if err != nil {
		return err
	}
	for _, dir := range created {
		if err := os.Chown(dir, uid, gid); err != nil {
			return failure(fmt.Errorf("service install: %w", err))
		}
	}
	return nil
}
