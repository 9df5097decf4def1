package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/data"
)

// Output formats of the listing commands.
const (
	formatJSON = "json"
	formatCSV  = "csv"
)

// punchJSON is one punch as "camsd punches" prints it.
type punchJSON struct {
	Device      string   `json:"device"`
	UserID      string   `json:"user_id"`
	FirstName   string   `json:"first_name"`
	LastName    string   `json:"last_name"`
	Type        string   `json:"type"`
	InputType   string   `json:"input_type"`
	Temperature *float64 `json:"temperature"`
	FaceMask    *bool    `json:"face_mask"`
	LogTime     string   `json:"log_time"`
	UTC         string   `json:"utc"`
	Local       string   `json:"local"`
	Source      string   `json:"source"`
	Photo       string   `json:"photo"`
}

var punchColumns = []string{"device", "user_id", "first_name", "last_name", "type", "input_type", "temperature",
	"face_mask", "log_time", "utc", "local", "source", "photo"}

func newPunchesCmd() *cobra.Command {
	var format, user, from, to, deviceName string
	cmd := &cobra.Command{
		Use:   "punches [--format json|csv] [--user ID] [--from DATE] [--to DATE] [--device NAME]",
		Short: "Print the stored punches, oldest first, as JSON or CSV",
		Long: `punches prints the stored punches, oldest first. DATE is a device-local day, 2006-01-02; --from and --to
are inclusive. log_time is the time as the device sent it, utc the instant (RFC 3339), local the device's
wall clock; photo is the attendance photo's path in the data folder, or empty.`,
		Example: `  camsd punches --format csv --from 2025-04-01 --to 2025-04-30 > april.csv
  camsd punches --user 2 --from 2025-04-16`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, formatJSON, formatCSV); err != nil {
				return err
			}
			for _, d := range []struct{ flag, value string }{{"--from", from}, {"--to", to}} {
				if d.value != "" {
					if _, err := time.Parse(data.DateLayout, d.value); err != nil {
						return usageError(fmt.Errorf("%s %q: write the day as 2006-01-02", d.flag, d.value))
					}
				}
			}
			store, cfg, err := openListStore(cmd)
			if err != nil {
				return err
			}
			defer store.Close()
			f := data.PunchFilter{UserID: strings.TrimSpace(user), FromDate: from, ToDate: to}
			if deviceName != "" {
				if f.DeviceID, err = deviceIDByName(cmd, store, cfg, deviceName); err != nil {
					return err
				}
			}
			return writePunches(cmd, store, f, format)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&format, "format", formatJSON, "json (an array of objects) or csv (with a header)")
	fl.StringVar(&user, "user", "", "only this device user id")
	fl.StringVar(&from, "from", "", "first device-local day, 2006-01-02")
	fl.StringVar(&to, "to", "", "last device-local day, 2006-01-02")
	fl.StringVar(&deviceName, "device", "", "only this device (name in the config, or stgid)")
	return cmd
}

func writePunches(cmd *cobra.Command, store *data.Store, f data.PunchFilter, format string) error {
	out := bufio.NewWriterSize(cmd.OutOrStdout(), 64<<10)
	var (
		each  func(data.PunchRow) error
		close func() error
	)
	if format == formatCSV {
		w := csv.NewWriter(out)
		w.Write(punchColumns)
		each = func(p data.PunchRow) error { return w.Write(punchRecord(p)) }
		close = func() error { w.Flush(); return w.Error() }
	} else {
		enc := newJSONArray(out)
		each = func(p data.PunchRow) error { return enc.add(punchOf(p)) }
		close = enc.close
	}
	if err := store.EachPunch(cmd.Context(), f, each); err != nil {
		return failure(err)
	}
	if err := close(); err != nil {
		return failure(err)
	}
	if err := out.Flush(); err != nil {
		return failure(err)
	}
	return nil
}

func punchOf(p data.PunchRow) punchJSON {
	return punchJSON{Device: p.DeviceName, UserID: p.UserID, FirstName: p.FirstName, LastName: p.LastName, Type: p.Type,
		InputType: p.InputType, Temperature: p.Temperature, FaceMask: p.FaceMask, LogTime: p.LogTime,
		UTC: p.UTC.UTC().Format(time.RFC3339), Local: p.Local, Source: p.Source, Photo: p.PhotoPath}
}

func punchRecord(p data.PunchRow) []string {
	j := punchOf(p)
	temp, mask := "", ""
	if j.Temperature != nil {
		temp = strconv.FormatFloat(*j.Temperature, 'f', -1, 64)
	}
	if j.FaceMask != nil {
		mask = strconv.FormatBool(*j.FaceMask)
	}
	return []string{j.Device, j.UserID, j.FirstName, j.LastName, j.Type, j.InputType, temp, mask, j.LogTime, j.UTC,
		j.Local, j.Source, j.Photo}
}

// jsonArray streams a JSON array one element a line, so that a long listing needs no memory.
type jsonArray struct {
	w     io.Writer
	count int
}

func newJSONArray(w io.Writer) *jsonArray { return &jsonArray{w: w} }

func (a *jsonArray) add(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sep := ",\n  "
	if a.count == 0 {
		sep = "[\n  "
	}
	a.count++
	if _, err := io.WriteString(a.w, sep); err != nil {
		return err
	}
	_, err = a.w.Write(b)
	return err
}

func (a *jsonArray) close() error {
	end := "\n]\n"
	if a.count == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(a.w, end)
	return err
}

func checkFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return usageError(fmt.Errorf("--format %q: use %s", format, strings.Join(allowed, " or ")))
}

// openListStore opens the store of the effective config for reading.
func openListStore(cmd *cobra.Command) (*data.Store, *data.Config, error) {
	cfg, err := loadSettings(cmd)
	if err != nil {
		return nil, nil, err
	}
	store, err := openExistingStore(cfg)
	if err != nil {
		return nil, nil, err
	}
	return store, cfg, nil
}

// deviceIDByName finds a device's store id by its config name or stgid.
func deviceIDByName(cmd *cobra.Command, store *data.Store, cfg *data.Config, name string) (uint, error) {
	stgid := name
	if p, ok := cfg.Device(name); ok {
		stgid = p.STGID
	} else if p, ok := cfg.DeviceBySTGID(name); ok {
		stgid = p.STGID
	}
	d, err := store.DeviceBySTGID(cmd.Context(), stgid)
	if err != nil {
		return 0, usageError(fmt.Errorf("--device: no device %q has stored anything ('camsd config show' lists the devices)", name))
	}
	return d.ID, nil
}
