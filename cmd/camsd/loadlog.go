package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/receiver"
)

// loadLogAnswerLimit: LoadLog pages are kept in the exchanges log only up to this size (the punches themselves
// are stored as punches).
const loadLogAnswerLimit = 4096

// loadLogBatch is the punches per Store.Apply, one transaction each; a variable for the tests.
var loadLogBatch = device.DefaultLoadBatch

// newLoadLogCmd is "camsd loadlog": back-fill punches from a device over any range.
func newLoadLogCmd() *cobra.Command {
	var from, to, deviceName string
	cmd := &cobra.Command{
		Use:   "loadlog --from DATE [--to DATE] [--device NAME]",
		Short: "Read a device's punches over a date range and store them (duplicates are skipped)",
		Long: `loadlog reads the punches a device recorded between two times and stores them, skipping those already
stored (by callback or an earlier load). Long ranges are read in windows of 30 days, each page by page.

DATE is the device's local time: 2006-01-02 (the whole day) or 2006-01-02 15:04:05. --to defaults to now.
Pages are stored while the next ones are read, 10,000 punches a transaction. A progress bar shows on a
terminal; otherwise one line per window. Ctrl-C stops the load: what was stored stays stored (whole
transactions), and loading the range again adds the rest.`,
		Example: `  camsd loadlog --from 2025-04-01 --to 2025-04-30
  camsd loadlog --from "2025-01-01 06:00:00" --device "Main Gate"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLoadLog(cmd, from, to, deviceName)
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "first day or time, device-local: 2006-01-02 or 2006-01-02 15:04:05 (required)")
	f.StringVar(&to, "to", "", "last day or time, device-local (default: now)")
	f.StringVar(&deviceName, "device", "", "device name in the config, or its stgid (default: the default device)")
	cmd.MarkFlagRequired("from")
	return cmd
}

func runLoadLog(cmd *cobra.Command, fromArg, toArg, deviceName string) error {
	_, p, err := pickDevice(cmd, deviceName)
	if err != nil {
		return err
	}
	zone, err := p.Location()
	if err != nil {
		return usageError(fmt.Errorf("device %q: time_zone: %w", p.Name, err))
	}
	from, err := parseDeviceTime(fromArg, zone, false)
	if err != nil {
		return usageError(fmt.Errorf("--from: %w", err))
	}
	to := time.Now().In(zone)
	if strings.TrimSpace(toArg) != "" {
		if to, err = parseDeviceTime(toArg, zone, true); err != nil {
			return usageError(fmt.Errorf("--to: %w", err))
		}
	}
	if to.Before(from) {
		return usageError(fmt.Errorf("--to %s is before --from %s", to.Format(device.WallLayout), from.Format(device.WallLayout)))
	}

	s, err := openSession(cmd, deviceName, loadLogAnswerLimit)
	if err != nil {
		return err
	}
	defer s.close()
	imp := receiver.LoadLogImport{Store: s.store, DeviceID: s.row.ID, Zone: zone, Batch: loadLogBatch}
	progress := newLoadProgress(cmd.ErrOrStderr(), zone)
	res, err := imp.Run(cmd.Context(), s.client, from, to, progress.report)
	progress.finish()
	fmt.Fprintf(cmd.OutOrStdout(), "loaded %d punches from %q, %s to %s (%d windows, %d pages): %d new, %d already stored\n",
		res.Rows, p.Name, from.Format(device.WallLayout), to.Format(device.WallLayout), res.Windows, res.Pages,
		res.New, res.Duplicate)
	stderr := cmd.ErrOrStderr()
	if res.Skipped > 0 {
		fmt.Fprintf(stderr, "camsd: warning: %d punches could not be read and were not stored; the first: %v\n", res.Skipped, res.FirstSkip)
	}
	if res.OffsetIgnored {
		fmt.Fprintln(stderr, "camsd: warning: the gateway ignored OffSet (a page came back twice), so some punches may be missing; load shorter ranges")
	}
	if err != nil {
		var ce *device.CallError
		if !errors.As(err, &ce) {
			return failure(fmt.Errorf("stopped, %d punches stored so far: %w", res.New, err))
		}
		return callFailure(err)
	}
	return nil
}

// parseDeviceTime reads a device-local date (the start, or with end the last second, of that day) or time.
func parseDeviceTime(s string, zone *time.Location, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{device.WallLayout, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		t, err := time.ParseInLocation(layout, s, zone)
		if err != nil {
			continue
		}
		if layout == "2006-01-02" && end {
			t = t.AddDate(0, 0, 1).Add(-time.Second)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date: use 2006-01-02 or 2006-01-02 15:04:05, in the device's local time", s)
}

// loadProgress draws a bar on a terminal (redrawn at most every barEvery, and at each window's end) and prints
// one line per window elsewhere.
type loadProgress struct {
	w    io.Writer
	tty  bool
	zone *time.Location
	drew time.Time // when the bar was last drawn; zero before
}

const barEvery = 100 * time.Millisecond

func newLoadProgress(w io.Writer, zone *time.Location) *loadProgress {
	return &loadProgress{w: w, tty: isTerminal(w), zone: zone}
}

func (l *loadProgress) report(p device.LoadProgress) {
	if !l.tty {
		if p.Done {
			fmt.Fprintf(l.w, "window %d/%d, %s to %s: %d punches (%d so far)\n", p.Window, p.Windows,
				p.WindowStart.In(l.zone).Format(device.WallLayout), p.WindowEnd.In(l.zone).Format(device.WallLayout), p.WindowRows, p.Rows)
		}
		return
	}
	if !p.Done && time.Since(l.drew) < barEvery {
		return
	}
	done := float64(p.Window - 1)
	switch {
	case p.Done:
		done++
	case p.WindowTotal > 0:
		done += float64(p.WindowRows) / float64(p.WindowTotal)
	}
	const width = 30
	n := min(width, int(done/float64(p.Windows)*width))
	fmt.Fprintf(l.w, "\r[%s%s] window %d/%d  %d punches ", strings.Repeat("#", n), strings.Repeat("-", width-n), p.Window, p.Windows, p.Rows)
	l.drew = time.Now()
}

func (l *loadProgress) finish() {
	if !l.drew.IsZero() {
		fmt.Fprintln(l.w)
	}
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
