package ui

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/xuri/excelize/v2"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/export"
)

var punchesSeed = []seedPunch{
	{"A", "1", "2025-04-01 09:00:00 GMT +0530", "CheckIn"},
	{"A", "1", "2025-04-01 17:00:00 GMT +0530", "CheckOut"},
	{"A", "2", "2025-04-02 09:30:00 GMT +0530", "CheckIn"},
	{"B", "1", "2025-04-03 08:00:00 GMT -0500", "CheckIn"},
}

// shownPunches is what the table holds, "local time/user/device", once every row is read.
func shownPunches(s *punchesScreen) ([]string, bool) {
	if s.pages.total < 0 {
		return nil, false
	}
	out := []string{}
	for i := range s.pages.length() {
		r, ok := s.pages.row(i)
		if !ok {
			return nil, false
		}
		out = append(out, r.Local+"/"+r.UserID+"/"+r.DeviceName)
	}
	return out, true
}

func waitPunches(t *testing.T, q *queueRunner, s *punchesScreen, want []string) {
	t.Helper()
	var got []string
	waitFor(t, q, fmt.Sprintf("rows %q", want), func() bool {
		var ok bool
		got, ok = shownPunches(s)
		return ok && reflect.DeepEqual(got, want)
	})
}

func TestPunchesFiltersChangeRows(t *testing.T) {
	svc, q := storeServices(t)
	ids := seedPunches(t, svc.Store, punchesSeed)
	seedUser(t, svc.Store, ids["A"], data.User{UserID: "1", FirstName: "Asha", LastName: "Rao"})
	s, _ := showScreen(t, func(w fyne.Window) *punchesScreen { return newPunchesScreen(svc, w) })
	all := []string{"2025-04-03 08:00:00/1/Gate B", "2025-04-02 09:30:00/2/Gate A", "2025-04-01 17:00:00/1/Gate A", "2025-04-01 09:00:00/1/Gate A"}
	waitPunches(t, q, s, all)
	waitFor(t, q, "the devices in the filter", func() bool { return len(s.deviceSel.Options) == 3 })
	if s.count.Text != "4 punches" {
		t.Errorf("count %q", s.count.Text)
	}
	if !objectShows(s.table, "2025-04-02 09:30:00", "Asha Rao", "Gate B") {
		t.Error("the table does not show the rows")
	}

	tests := []struct {
		name  string
		apply func()
		want  []string
		count string
	}{
		{"user", func() { test.Type(s.user, "2") }, []string{"2025-04-02 09:30:00/2/Gate A"}, "1 punch"},
		{"type", func() { s.typeSel.SetSelected("CheckOut") }, []string{"2025-04-01 17:00:00/1/Gate A"}, "1 punch"},
		{"device", func() { s.deviceSel.SetSelected("Gate B") }, []string{"2025-04-03 08:00:00/1/Gate B"}, "1 punch"},
		{"dates", func() { test.Type(s.from, "2025-04-01"); test.Type(s.to, "2025-04-02") }, all[1:], "3 punches"},
		{"text matches a name", func() { test.Type(s.text, "asha") }, all[2:], "2 punches"},
		{"nothing", func() { test.Type(s.user, "99") }, []string{}, "0 punches"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, e := range []interface{ SetText(string) }{s.user, s.from, s.to, s.text} {
				e.SetText("")
			}
			s.typeSel.SetSelected(allPunchTypes)
			s.deviceSel.SetSelected(allPunchDevs)
			waitPunches(t, q, s, all)
			tc.apply()
			waitPunches(t, q, s, tc.want)
			waitFor(t, q, "count "+tc.count, func() bool { return s.count.Text == tc.count })
		})
	}
}

func TestPunchesInvalidDateQueriesNothing(t *testing.T) {
	svc, q := storeServices(t)
	seedPunches(t, svc.Store, punchesSeed)
	s, _ := showScreen(t, func(w fyne.Window) *punchesScreen { return newPunchesScreen(svc, w) })
	waitFor(t, q, "first page", func() bool { return s.pages.total == 4 })
	gen := s.pages.gen
	test.Type(s.from, "2025-13-01")
	waitFor(t, q, "the date problem", func() bool { return s.problem.Visible() && strings.Contains(s.problem.Text, "From date") })
	if s.pages.gen != gen || s.pages.total != 4 {
		t.Errorf("an invalid date reloaded the rows: gen %d→%d, total %d", gen, s.pages.gen, s.pages.total)
	}
	s.from.SetText("")
	waitFor(t, q, "the problem to clear", func() bool { return !s.problem.Visible() })
}

func TestPunchesExportWritesFilteredRows(t *testing.T) {
	svc, q := storeServices(t)
	seedPunches(t, svc.Store, punchesSeed)
	s, _ := showScreen(t, func(w fyne.Window) *punchesScreen { return newPunchesScreen(svc, w) })
	test.Type(s.user, "1")
	waitFor(t, q, "user 1's punches", func() bool { return s.pages.total == 3 })
	want := [][]string{ // oldest first: Local time, User ID, Device
		{"2025-04-01 09:00:00", "1", "Gate A"},
		{"2025-04-01 17:00:00", "1", "Gate A"},
		{"2025-04-03 08:00:00", "1", "Gate B"},
	}
	for _, f := range export.Formats {
		t.Run(string(f), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "punches"+f.Ext())
			if err := os.WriteFile(path, nil, 0o600); err != nil { // as the save dialog leaves it
				t.Fatal(err)
			}
			runExport(svc, s.job, s.exportPlan(), f, path, nil)
			waitFor(t, q, "the export", func() bool { return !s.job.running })
			if !strings.Contains(s.job.text.Text, "Exported 3 punches") {
				t.Fatalf("job says %q", s.job.text.Text)
			}
			rows := readExport(t, f, path)
			if len(rows) != len(want)+1 || rows[0][0] != "Local time" {
				t.Fatalf("rows %q", rows)
			}
			for i, w := range want {
				if got := []string{rows[i+1][0], rows[i+1][2], rows[i+1][8]}; !reflect.DeepEqual(got, w) {
					t.Errorf("row %d = %q, want %q", i, got, w)
				}
			}
		})
	}
}

func readExport(t *testing.T, f export.Format, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if f == export.CSV {
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestPunchesExportCancelLeavesNoFile(t *testing.T) {
	svc, q := storeServices(t)
	seedPunches(t, svc.Store, punchesSeed)
	s, _ := showScreen(t, func(w fyne.Window) *punchesScreen { return newPunchesScreen(svc, w) })
	waitFor(t, q, "first page", func() bool { return s.pages.total == 4 })
	path := filepath.Join(t.TempDir(), "punches.csv")
	plan := s.exportPlan()
	write := plan.write
	plan.write = func(ctx context.Context, w export.Writer, progress func(int64)) (int64, error) {
		<-ctx.Done() // hold the export until Cancel
		return write(ctx, w, progress)
	}
	runExport(svc, s.job, plan, export.CSV, path, nil)
	if !s.job.running || !s.csvBtn.Disabled() {
		t.Fatal("the export did not start or left its buttons enabled")
	}
	test.Tap(s.job.cancelBtn)
	waitFor(t, q, "the cancelled export", func() bool { return !s.job.running })
	if !strings.HasPrefix(s.job.text.Text, "Cancelled") || s.csvBtn.Disabled() {
		t.Errorf("job says %q; buttons disabled %v", s.job.text.Text, s.csvBtn.Disabled())
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 0 {
		t.Errorf("files left: %v", entries)
	}
}

func TestPunchesScrollingLoadsFewPages(t *testing.T) {
	svc, q := storeServices(t)
	if err := data.GenerateDemo(context.Background(), svc.Store, 2, 100, 3000, 1); err != nil {
		t.Fatal(err)
	}
	s, _ := showScreen(t, func(w fyne.Window) *punchesScreen { return newPunchesScreen(svc, w) })
	waitFor(t, q, "first page and count", func() bool { return s.pages.total == 3000 && s.pages.ready })
	if s.pages.fetched > 2 {
		t.Errorf("opening read %d pages", s.pages.fetched)
	}
	before := s.pages.fetched
	s.table.ScrollToBottom()
	waitFor(t, q, "the last page", func() bool { _, ok := s.pages.row(2999); return ok })
	if n := s.pages.fetched - before; n > 3 {
		t.Errorf("scrolling to the bottom read %d pages", n)
	}
	if len(s.pages.pages) > punchPagesKept {
		t.Errorf("%d pages held, at most %d", len(s.pages.pages), punchPagesKept)
	}
	last, _ := s.pages.row(2999)
	var oldest data.PunchRow
	svc.Store.EachPunch(context.Background(), data.PunchFilter{}, func(r data.PunchRow) error {
		if oldest.ID == 0 {
			oldest = r
		}
		return nil
	})
	if last.ID != oldest.ID {
		t.Errorf("the last row is punch %d, want the oldest %d", last.ID, oldest.ID)
	}
}

func TestPunchesFetchFromDeviceAndLiveRows(t *testing.T) {
	svc, q := liveServices(t)
	rcv := httptest.NewServer(svc.Receiver.Handler())
	t.Cleanup(rcv.Close)
	sim := newSimDevice(t, "Sim Gate", "SIM-FETCH-1", rcv.URL+"/callback")
	addProfiles(t, svc, sim.profile)
	to := time.Now().In(ist)
	from := to.AddDate(0, 0, -20)
	if err := sim.g.GeneratePunches(400, from, to); err != nil {
		t.Fatal(err)
	}
	s, _ := showScreen(t, func(w fyne.Window) *punchesScreen { return newPunchesScreen(svc, w) })
	waitFor(t, q, "an empty table", func() bool { return s.pages.total == 0 })

	if err := s.startFetch(sim.profile, from.Format(data.DateLayout), to.Format(data.DateLayout)); err != nil {
		t.Fatal(err)
	}
	if !s.fetchBtn.Disabled() {
		t.Error("Fetch stays enabled while fetching")
	}
	waitFor(t, q, "the fetch", func() bool { return !s.job.running })
	if !strings.Contains(s.job.text.Text, "400 punches read, 400 new") {
		t.Fatalf("job says %q", s.job.text.Text)
	}
	waitFor(t, q, "400 rows", func() bool { return s.pages.total == 400 })

	// Fetching again stores nothing twice.
	if err := s.startFetch(sim.profile, from.Format(data.DateLayout), to.Format(data.DateLayout)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, q, "the second fetch", func() bool { return !s.job.running })
	if !strings.Contains(s.job.text.Text, "0 new, 400 already stored") {
		t.Errorf("job says %q", s.job.text.Text)
	}

	// A punch by callback shows without a reload.
	users := sim.g.Users()
	if err := sim.g.SendPunch(context.Background(), users[0].UserID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, q, "the live punch", func() bool { return s.pages.total == 401 })
	waitFor(t, q, "the live row on top", func() bool {
		r, ok := s.pages.row(0)
		return ok && r.UserID == users[0].UserID && r.Source == data.SourceCallback
	})
}

func TestPunchesFetchRejectsBadRange(t *testing.T) {
	svc, _ := storeServices(t)
	sim := newSimDevice(t, "Sim Gate", "SIM-FETCH-2", "")
	s := newPunchesScreen(svc, nil)
	tests := []struct{ from, to, want string }{
		{"2025-04-10", "2025-04-01", "before the From date"},
		{"10/04/2025", "2025-04-10", "From date"},
		{"2025-04-01", "", "To date"},
	}
	for _, tc := range tests {
		if err := s.startFetch(sim.profile, tc.from, tc.to); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("startFetch(%q, %q) = %v, want %q", tc.from, tc.to, err, tc.want)
		}
	}
	if s.job.running {
		t.Error("a rejected fetch started")
	}
}
