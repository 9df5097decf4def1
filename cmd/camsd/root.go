package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/internal/version"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed: a device, the network, the disk
	exitUsage   = 2 // bad arguments or flags, or an invalid config
)

// exitError ends camsd with code. A nil err means the command has already said what went wrong.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError ends camsd with exit code 2: the arguments, flags or config are wrong and the user must fix them.
func usageError(err error) error { return &exitError{exitUsage, err} }

// failure ends camsd with exit code 1: the command was right but could not be carried out. (An error that a
// command's RunE returns without either wrapper also gives 1.)
func failure(err error) error { return &exitError{exitFailure, err} }

// newRootCmd builds the whole command tree. To add a subcommand, write newXxxCmd() in its own file (xxx.go)
// and add it to the AddCommand list below. Use loadSettings(cmd) for the effective config, addListenFlag for a
// command that runs the callback receiver, and usageError/failure for errors.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "camsd",
		Short: "CamsDesk without a window: callback receiver service and command line",
		Long: `camsd is CamsDesk without a window: it runs the Cams Biometrics callback receiver as a service and
offers the same devices, store and settings as the desktop app on the command line.

The configuration is read from the config file (see --config), then from the environment
(` + strings.Join(data.EnvVars, ", ") + `
override the default device and the port), then from flags. Every command accepts --config,
--data-dir and --db, so a script can point any command at one data folder and database.

Exit codes: 0 ok, 1 the command failed, 2 wrong usage or invalid config.`,
		Version:       version.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetVersionTemplate(versionText())
	defaultConfig, err := data.DefaultConfigPath()
	if err != nil {
		defaultConfig = "none on this system: pass --config"
	}
	defaultData, err := data.DefaultDataDir()
	if err != nil {
		defaultData = "none on this system: pass --data-dir"
	}
	pf := root.PersistentFlags()
	pf.String(flagConfig, "", "config file (default "+defaultConfig+")")
	pf.String(flagDataDir, "", "folder for the database, photos, callback log and journal (default: the config's data_dir, else "+defaultData+")")
	pf.String(flagDB, "", "database: a postgres://user@host/db URL (password from PGPASSWORD or ~/.pgpass) that several "+
		"programs may share, or a SQLite file (default: the config's db, else cams_data.db in the data folder)")

	root.AddCommand(
		newServeCmd(),
		newOpsCmd(),
		newSendCmd(),
		newLoadLogCmd(),
		newPunchesCmd(),
		newUsersCmd(),
		newEventsCmd(),
		newTimesheetCmd(),
		newReplayCmd(),
		newServiceCmd(),
		newConfigCmd(),
		newVersionCmd(),
	)
	return root
}

type getenvKey struct{}

// getenvOf is how cmd reads the environment: os.Getenv, or the tests' stand-in.
func getenvOf(cmd *cobra.Command) func(string) string {
	if ctx := cmd.Context(); ctx != nil {
		if getenv, ok := ctx.Value(getenvKey{}).(func(string) string); ok {
			return getenv
		}
	}
	return os.Getenv
}

// execute runs camsd with args and returns the exit code. Tests call it in-process.
func execute(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	ran := false
	markRuns(root, &ran)
	if getenv == nil {
		getenv = os.Getenv
	}
	cmd, err := root.ExecuteContextC(context.WithValue(ctx, getenvKey{}, getenv))
	if err == nil {
		return exitOK
	}
	code := exitUsage // cobra's own errors: unknown command or flag, wrong number of arguments
	if ran {
		code = exitFailure
	}
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(stderr, "camsd: %s\n", msg)
	}
	if code == exitUsage && !ran {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return code
}

// markRuns sets *ran when a command's own Run starts, telling cobra's usage errors from the command's failures.
func markRuns(c *cobra.Command, ran *bool) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			*ran = true
			return run(cmd, args)
		}
	} else if run := c.Run; run != nil {
		c.Run = func(cmd *cobra.Command, args []string) {
			*ran = true
			run(cmd, args)
		}
	}
	for _, sub := range c.Commands() {
		markRuns(sub, ran)
	}
}

// groupRun is the Run of a command that only groups subcommands: help without arguments, an error with one.
func groupRun(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError(fmt.Errorf("unknown command %q for %q; the commands are listed by '%s --help'",
			args[0], cmd.CommandPath(), cmd.CommandPath()))
	}
	return cmd.Help()
}
