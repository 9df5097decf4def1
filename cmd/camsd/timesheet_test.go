package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
)

// runTimesheetCmd runs camsd in-process with no CAMS_* variables, adding the timesheet command when the root
// does not list it, and returns the exit code execute would give.
func runTimesheetCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	root := newRootCmd()
	if c, _, err := root.Find([]string{"timesheet"}); err != nil || c == root {
		root.AddCommand(newTimesheetCmd())
	}
	var out, errOut bytes.Buffer
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(""))
	ctx := context.WithValue(context.Background(), getenvKey{}, func(string) string { return "" })
	_, err := root.ExecuteContextC(ctx)
	if err == nil {
		return out.String(), errOut.String(), exitOK
	}
	errOut.WriteString(err.Error())
	var ee *exitError
	if errors.As(err, &ee) {
		return out.String(), errOut.String(), ee.code
	}
	return out.String(), errOut.String(), exitUsage // cobra's own: a missing required flag
}

// timesheetData makes a data folder whose store holds two users' punches on device "Main Gate" (stgid MG-1).
func timesheetData(t *testing.T) (dataDir, config string) {
	t.Helper()
	dataDir = t.TempDir()
	s, err := data.OpenDir(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	d, err := s.EnsureDevice(ctx, "MG-1", "Main Gate")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx, data.Change{DeviceID: d.ID, User: &data.User{UserID: "1", FirstName: "Asha", LastName: "Rao"}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ user, at, typ string }{
		{"1", "2025-04-01 09:05:00 GMT +0530", "CheckIn"},
		{"1", "2025-04-01 17:30:00 GMT +0530", "CheckOut"},
		{"2", "2025-04-01 22:00:00 GMT +0530", "CheckIn"},
		{"2", "2025-04-02 02:00:00 GMT +0530", "CheckOut"}, // before 04:00: still April 1st
		{"1", "2025-04-03 09:00:00 GMT +0530", "CheckIn"},
	} {
		at, err := device.ParseTime(p.at, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Apply(ctx, data.Change{DeviceID: d.ID, Punches: []data.Punch{{UserID: p.user, UTC: at.UTC,
			Local: at.Local, LocalDate: at.LocalDate(), UTCOffset: at.Offset, Type: p.typ, Source: data.SourceCallback}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	config = filepath.Join(dataDir, "config.json")
	cfg := `{"shift_start": "09:00", "shift_end": "17:00", "devices": [{"name": "Main Gate", "stgid": "MG-1"}]}`
	if err := os.WriteFile(config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return dataDir, config
}

var timesheetHeader = []string{"Date", "Device", "User ID", "Name", "First in", "Last out", "Worked hours", "Worked",
	"Punches", "Late minutes", "Early minutes", "Marks", "Rule"}

func TestTimesheetCommand(t *testing.T) {
	dir, config := timesheetData(t)
	base := []string{"timesheet", "--config", config, "--data-dir", dir}
	april1 := []string{"2025-04-01", "Main Gate", "1", "Asha Rao", "2025-04-01 09:05:00", "2025-04-01 17:30:00", "8.42", "8:25", "2", "5", "", "", "pairs"}
	night := []string{"2025-04-01", "Main Gate", "2", "", "2025-04-01 22:00:00", "2025-04-02 02:00:00", "4", "4:00", "2", "780", "", "", "pairs"}
	tests := []struct {
		name string
		args []string
		want [][]string
	}{
		{"one day, csv to stdout", []string{"--from", "2025-04-01", "--to", "2025-04-01"}, [][]string{timesheetHeader, april1, night}},
		{"user filter and config shift", []string{"--from", "2025-04-01", "--to", "2025-04-03", "--user", "1"}, [][]string{
			timesheetHeader, april1,
			{"2025-04-03", "Main Gate", "1", "Asha Rao", "2025-04-03 09:00:00", "", "0", "0:00", "1", "", "", "odd punches", "span"},
		}},
		{"shift and grace flags", []string{"--from", "2025-04-01", "--to", "2025-04-01", "--user", "1", "--shift-start", "08:00", "--grace", "30m"}, [][]string{
			timesheetHeader,
			{"2025-04-01", "Main Gate", "1", "Asha Rao", "2025-04-01 09:05:00", "2025-04-01 17:30:00", "8.42", "8:25", "2", "65", "", "", "pairs"},
		}},
		{"device by name", []string{"--from", "2025-04-01", "--to", "2025-04-01", "--device", "main gate", "--user", "2"}, [][]string{timesheetHeader, night}},
		{"device by stgid", []string{"--from", "2025-04-01", "--to", "2025-04-01", "--device", "MG-1", "--user", "2"}, [][]string{timesheetHeader, night}},
		{"midnight day start splits the night", []string{"--from", "2025-04-02", "--to", "2025-04-02", "--user", "2", "--day-start", "00:00"}, [][]string{
			timesheetHeader,
			{"2025-04-02", "Main Gate", "2", "", "2025-04-02 02:00:00", "", "0", "0:00", "1", "", "", "odd punches", "span"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runTimesheetCmd(t, append(base, tc.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rows, tc.want) {
				t.Errorf("rows\n got %q\nwant %q", rows, tc.want)
			}
		})
	}
}

func TestTimesheetCommandXLSXFile(t *testing.T) {
	dir, config := timesheetData(t)
	out := filepath.Join(t.TempDir(), "april.xlsx")
	stdout, stderr, code := runTimesheetCmd(t, "timesheet", "--config", config, "--data-dir", dir,
		"--from", "2025-04-01", "--to", "2025-04-30", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stdout != "" || !strings.Contains(stderr, "wrote 3 days (5 punches) to "+out) {
		t.Errorf("stdout %q, stderr %q", stdout, stderr)
	}
	x, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows("Timesheet")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || !reflect.DeepEqual(rows[0], timesheetHeader) || rows[1][2] != "1" || rows[2][0] != "2025-04-03" || rows[3][2] != "2" {
		t.Errorf("rows %q", rows)
	}
}

func TestTimesheetCommandErrors(t *testing.T) {
	dir, config := timesheetData(t)
	base := []string{"timesheet", "--config", config, "--data-dir", dir}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing dates", base, exitUsage, `required flag(s) "from", "to" not set`},
		{"bad date", append(base, "--from", "1/4/2025", "--to", "2025-04-30"), exitUsage, `from date "1/4/2025" is not YYYY-MM-DD`},
		{"reversed dates", append(base, "--from", "2025-04-30", "--to", "2025-04-01"), exitUsage, "before from date"},
		{"bad format", append(base, "--from", "2025-04-01", "--to", "2025-04-30", "--format", "pdf"), exitUsage, "use csv or xlsx"},
		{"xlsx to stdout", append(base, "--from", "2025-04-01", "--to", "2025-04-30", "--format", "xlsx"), exitUsage, "add --out FILE.xlsx"},
		{"bad shift", append(base, "--from", "2025-04-01", "--to", "2025-04-30", "--shift-end", "5pm"), exitUsage, `"5pm" is not a time of day`},
		{"unknown device", append(base, "--from", "2025-04-01", "--to", "2025-04-30", "--device", "Back Door"), exitUsage, `the configured devices are "Main Gate"`},
		{"no database", []string{"timesheet", "--config", config, "--data-dir", t.TempDir(), "--from", "2025-04-01", "--to", "2025-04-30"}, exitFailure, "no database at"},
		{"unwritable out", append(base, "--from", "2025-04-01", "--to", "2025-04-30", "--out", filepath.Join(dir, "missing", "x.csv")), exitFailure, "export:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runTimesheetCmd(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.want)
			}
		})
	}
}
