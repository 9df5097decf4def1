package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/export"
	"github.com/camsdesk/camsdesk/data/timesheet"
)

// newTimesheetCmd is "camsd timesheet": the desktop app's timesheet report, headless.
func newTimesheetCmd() *cobra.Command {
	var (
		opts                timesheet.Options
		format, out, device string
	)
	cmd := &cobra.Command{
		Use:   "timesheet --from DATE --to DATE [--format csv|xlsx] [--out FILE]",
		Short: "Write the timesheet (first in, last out, worked hours per user per day) as CSV or XLSX",
		Long: `timesheet writes one row per user per working day: first in and last out in the device's local
time, worked hours, punch count, late and early against the shift, and a mark on days with an odd number of
punches or a clock changed by hand on the device.

Dates are working days (YYYY-MM-DD). A punch before --day-start belongs to the previous working day, so a
night shift stays one day. The shift comes from the config's shift_start and shift_end unless given here.
CSV goes to standard output unless --out is given; XLSX needs --out. The format follows the --out file's
extension when --format is not given.`,
		Example: `  camsd timesheet --from 2025-04-01 --to 2025-04-30 > april.csv
  camsd timesheet --from 2025-04-01 --to 2025-04-30 --out april.xlsx
  camsd timesheet --from 2025-04-01 --to 2025-04-07 --device "Main Gate" --shift-start 08:30 --grace 5m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := timesheetFormat(cmd, format, out)
			if err != nil {
				return usageError(err)
			}
			cfg, err := loadSettings(cmd)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("shift-start") {
				opts.ShiftStart = cfg.ShiftStart
			}
			if !cmd.Flags().Changed("shift-end") {
				opts.ShiftEnd = cfg.ShiftEnd
			}
			if err := opts.Validate(); err != nil {
				return usageError(err)
			}
			return runTimesheet(cmd, cfg, opts, device, f, out)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.From, "from", "", "first working day, YYYY-MM-DD (required)")
	fl.StringVar(&opts.To, "to", "", "last working day, YYYY-MM-DD (required)")
	fl.StringVar(&format, "format", "", "csv or xlsx (default: from the --out extension, else csv)")
	fl.StringVarP(&out, "out", "o", "", "file to write (default: standard output, CSV only)")
	fl.StringVar(&device, "device", "", "only this device: its name in the config, or its stgid")
	fl.StringVar(&opts.UserID, "user", "", "only this device user id")
	fl.StringVar(&opts.ShiftStart, "shift-start", "", "shift start HH:MM for late marks (default: the config's shift_start)")
	fl.StringVar(&opts.ShiftEnd, "shift-end", "", "shift end HH:MM for early marks (default: the config's shift_end)")
	fl.DurationVar(&opts.Grace, "grace", 0, "how long after the shift start a first in is still on time, e.g. 5m")
	fl.StringVar(&opts.DayStart, "day-start", timesheet.DefaultDayStart, "time HH:MM before which a punch belongs to the previous working day")
	cmd.MarkFlagRequired("from")
	cmd.MarkFlagRequired("to")
	return cmd
}

// timesheetFormat is --format, else the --out extension, else CSV; XLSX needs a file.
func timesheetFormat(cmd *cobra.Command, format, out string) (export.Format, error) {
	var f export.Format
	switch {
	case cmd.Flags().Changed("format"):
		var err error
		if f, err = export.ParseFormat(format); err != nil {
			return "", fmt.Errorf("--format: %q is not a format; use csv or xlsx", format)
		}
	case strings.EqualFold(filepath.Ext(out), export.XLSX.Ext()):
		f = export.XLSX
	default:
		f = export.CSV
	}
	if f == export.XLSX && out == "" {
		return "", errors.New("--format xlsx writes a file: add --out FILE.xlsx")
	}
	return f, nil
}

func runTimesheet(cmd *cobra.Command, cfg *data.Config, opts timesheet.Options, device string, f export.Format, out string) error {
	store, err := openExistingStore(cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx := cmd.Context()
	if device != "" {
		if opts.DeviceID, err = timesheetDevice(cmd, cfg, store, device); err != nil {
			return err
		}
	}
	started := time.Now()
	rep, err := timesheet.Build(ctx, store, opts)
	if err != nil {
		return failure(err)
	}
	write := func(w io.Writer) error {
		ew, err := export.New(w, f, "Timesheet", export.TimesheetColumns)
		if err != nil {
			return err
		}
		if err := export.Timesheet(ctx, ew, rep.Days, nil); err != nil {
			ew.Close()
			return err
		}
		return ew.Close()
	}
	if out == "" {
		if err := write(cmd.OutOrStdout()); err != nil {
			return failure(err)
		}
		return nil
	}
	if err := export.WriteFile(out, write); err != nil {
		return failure(err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "wrote %d days (%d punches) to %s in %v\n",
		len(rep.Days), rep.Punches, out, time.Since(started).Round(time.Millisecond))
	return nil
}

// timesheetDevice finds --device among the configured names, else among the stored stgids.
func timesheetDevice(cmd *cobra.Command, cfg *data.Config, store *data.Store, name string) (uint, error) {
	stgid := strings.TrimSpace(name)
	if p, ok := cfg.Device(name); ok {
		stgid = p.STGID
	}
	d, err := store.DeviceBySTGID(cmd.Context(), stgid)
	if errors.Is(err, data.ErrNotFound) {
		var names []string
		for _, p := range cfg.Devices {
			names = append(names, fmt.Sprintf("%q", p.Name))
		}
		hint := "no devices are configured"
		if len(names) > 0 {
			hint = "the configured devices are " + strings.Join(names, ", ")
		}
		return 0, usageError(fmt.Errorf("--device %q: no such device in the store (%s)", name, hint))
	}
	if err != nil {
		return 0, failure(err)
	}
	return d.ID, nil
}
