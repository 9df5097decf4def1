package ui

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/export"
	"github.com/camsdesk/camsdesk/data/timesheet"
)

// timesheetFixture: an evening shift across midnight on device A (+05:30) that ends before the 04:00 day
// start, a day on device B (-05:00) whose evening is the next day in UTC, and an odd day.
var timesheetFixture = []seedPunch{
	{"A", "1", "2025-04-01 19:55:00 GMT +0530", "CheckIn"},
	{"A", "1", "2025-04-02 03:05:00 GMT +0530", "CheckOut"},
	{"A", "2", "2025-04-01 09:20:00 GMT +0530", "CheckIn"},
	{"B", "1", "2025-04-01 09:00:00 GMT -0500", "CheckIn"},
	{"B", "1", "2025-04-01 21:00:00 GMT -0500", "CheckOut"},
}

// shownDays is the timesheet table as "device/user/date/first in/last out/worked/marks".
func shownDays(s *timesheetScreen) []string {
	out := []string{}
	for _, i := range s.visible {
		d := s.report.Days[i]
		out = append(out, strings.Join([]string{d.DeviceName, d.UserID, d.Date, d.FirstIn, d.LastOut,
			timesheet.HoursMinutes(d.Worked), export.Marks(d)}, "/"))
	}
	return out
}

func TestTimesheetScreenNightShiftAndTwoZones(t *testing.T) {
	svc, q := storeServices(t)
	seedPunches(t, svc.Store, timesheetFixture)
	s, _ := showScreen(t, func(w fyne.Window) *timesheetScreen { return newTimesheetScreen(svc, w) })
	waitFor(t, q, "the first report", func() bool { return !s.job.running && s.report != nil })
	for e, v := range map[interface{ SetText(string) }]string{s.from: "2025-04-01", s.to: "2025-04-01", s.dayStart: "04:00",
		s.shiftStart: "09:00", s.shiftEnd: "17:00", s.grace: "10"} {
		e.SetText(v)
	}
	test.Tap(s.buildBtn)
	waitFor(t, q, "the report", func() bool { return !s.job.running && s.report != nil && s.report.Options.From == "2025-04-01" })
	want := []string{
		"Gate A/1/2025-04-01/2025-04-01 19:55:00/2025-04-02 03:05:00/7:10/",
		"Gate A/2/2025-04-01/2025-04-01 09:20:00//0:00/odd punches",
		"Gate B/1/2025-04-01/2025-04-01 09:00:00/2025-04-01 21:00:00/12:00/",
	}
	if got := shownDays(s); !reflect.DeepEqual(got, want) {
		t.Errorf("days\n got %q\nwant %q", got, want)
	}
	if !objectShows(s.table, "2025-04-02 03:05:00", "odd punches", "12:00") {
		t.Error("the table does not show the days")
	}
	if s.summary.Text != "2025-04-01 to 2025-04-01: 3 days · 1 marked · 2 late · 0 early · 5 punches" {
		t.Errorf("summary %q", s.summary.Text)
	}

	test.Tap(s.onlyMarked)
	if got := shownDays(s); len(got) != 2 || got[0] != want[0] || got[1] != want[1] { // late, and odd and late
		t.Errorf("days needing a look %q", got)
	}

	path := filepath.Join(t.TempDir(), "timesheet.xlsx")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	runExport(svc, s.job, s.exportPlan(), export.XLSX, path, nil)
	waitFor(t, q, "the export", func() bool { return !s.job.running })
	rows := readExport(t, export.XLSX, path)
	if len(rows) != 3 || rows[0][0] != "Date" || rows[1][4] != "2025-04-01 19:55:00" || rows[2][2] != "2" || rows[2][11] != "odd punches" {
		t.Errorf("exported %q", rows)
	}
}

func TestTimesheetScreenRejectsBadOptionsAndSavesShift(t *testing.T) {
	svc, q := storeServices(t)
	seedPunches(t, svc.Store, timesheetFixture)
	s, _ := showScreen(t, func(w fyne.Window) *timesheetScreen { return newTimesheetScreen(svc, w) })
	waitFor(t, q, "the first report", func() bool { return !s.job.running && s.report != nil })
	first := s.report
	tests := []struct{ field, value, want string }{
		{"from", "1 April", "from date"},
		{"grace", "ten", "grace: write whole minutes"},
		{"shift", "9am", "shift start"},
	}
	for _, tc := range tests {
		s.from.SetText("2025-04-01")
		s.grace.SetText("0")
		s.shiftStart.SetText("09:00")
		switch tc.field {
		case "from":
			s.from.SetText(tc.value)
		case "grace":
			s.grace.SetText(tc.value)
		case "shift":
			s.shiftStart.SetText(tc.value)
		}
		test.Tap(s.buildBtn)
		q.drain()
		if !s.problem.Visible() || !strings.Contains(s.problem.Text, tc.want) || s.report != first || s.job.running {
			t.Errorf("%s %q: problem %q (shown %v)", tc.field, tc.value, s.problem.Text, s.problem.Visible())
		}
	}
	s.shiftStart.SetText("08:30")
	s.shiftEnd.SetText("16:30")
	test.Tap(s.saveShift)
	if svc.Config.ShiftStart != "08:30" || svc.Config.ShiftEnd != "16:30" {
		t.Errorf("config shift %s–%s", svc.Config.ShiftStart, svc.Config.ShiftEnd)
	}
	saved, err := data.LoadConfig(svc.ConfigPath)
	if err != nil || saved.ShiftStart != "08:30" {
		t.Errorf("saved config: %v %+v", err, saved)
	}
	s.shiftStart.SetText("8.30")
	test.Tap(s.saveShift)
	if !s.problem.Visible() || svc.Config.ShiftStart != "08:30" {
		t.Errorf("a bad shift was saved: %q", svc.Config.ShiftStart)
	}
}
