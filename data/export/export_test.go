package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/datatest"
	"github.com/camsdesk/camsdesk/data/timesheet"
	"github.com/camsdesk/camsdesk/device"
)

func openStore(t testing.TB, dsn string) *data.Store {
	t.Helper()
	s, err := data.Open(dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// eachStore runs fn on a fresh store of each kind of database: SQLite, and PostgreSQL when
// CAMS_TEST_POSTGRES is set.
func eachStore(t *testing.T, fn func(t *testing.T, s *data.Store)) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) { fn(t, openStore(t, db.DSN)) })
}

// seed stores two devices' punches and users; it returns the id of device "B".
func seed(t testing.TB, s *data.Store) uint {
	t.Helper()
	ctx := context.Background()
	temp := 36.6
	mask := true
	ids := map[string]uint{}
	for _, stgid := range []string{"A", "B"} {
		d, err := s.EnsureDevice(ctx, stgid, "Gate "+stgid)
		if err != nil {
			t.Fatal(err)
		}
		ids[stgid] = d.ID
		if _, err := s.Apply(ctx, data.Change{DeviceID: d.ID, User: &data.User{UserID: "1", FirstName: "=Asha", LastName: "Rao"}}); err != nil {
			t.Fatal(err)
		}
	}
	punches := []struct {
		stgid, user, at, typ string
	}{
		{"A", "1", "2024-09-17 09:00:00 GMT +0530", "CheckIn"},
		{"A", "1", "2024-09-17 17:00:00 GMT +0530", "CheckOut"},
		{"A", "2", "2024-09-17 09:30:00 GMT +0530", "CheckIn"},
		{"B", "1", "2024-09-18 08:00:00 GMT -0500", "CheckIn"},
	}
	for _, p := range punches {
		at, err := device.ParseTime(p.at, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Apply(ctx, data.Change{DeviceID: ids[p.stgid], Punches: []data.Punch{{
			UserID: p.user, UTC: at.UTC, Local: at.Local, LocalDate: at.LocalDate(), UTCOffset: at.Offset,
			LogTime: p.at, Type: p.typ, InputType: "Face", Temperature: &temp, FaceMask: &mask, Source: data.SourceCallback,
		}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids["B"]
}

// readBack parses an export into rows of text, whatever its format.
func readBack(t *testing.T, f Format, b []byte) [][]string {
	t.Helper()
	switch f {
	case CSV:
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatalf("read csv: %v", err)
		}
		return rows
	case XLSX:
		x, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("open xlsx: %v", err)
		}
		defer x.Close()
		rows, err := x.GetRows(x.GetSheetName(0))
		if err != nil {
			t.Fatalf("xlsx rows: %v", err)
		}
		return rows
	}
	t.Fatalf("format %q", f)
	return nil
}

func TestPunchesExportMatchesFilter(t *testing.T) {
	eachStore(t, func(t *testing.T, s *data.Store) {
		devB := seed(t, s)
		tests := []struct {
			name   string
			filter data.PunchFilter
			want   [][]string // Local time, User ID, Device, Type
		}{
			{"all, oldest first", data.PunchFilter{}, [][]string{
				{"2024-09-17 09:00:00", "1", "Gate A", "CheckIn"},
				{"2024-09-17 09:30:00", "2", "Gate A", "CheckIn"},
				{"2024-09-17 17:00:00", "1", "Gate A", "CheckOut"},
				{"2024-09-18 08:00:00", "1", "Gate B", "CheckIn"},
			}},
			{"user 2", data.PunchFilter{UserID: "2"}, [][]string{{"2024-09-17 09:30:00", "2", "Gate A", "CheckIn"}}},
			{"device B", data.PunchFilter{DeviceID: devB}, [][]string{{"2024-09-18 08:00:00", "1", "Gate B", "CheckIn"}}},
			{"type and date", data.PunchFilter{Type: "CheckIn", FromDate: "2024-09-17", ToDate: "2024-09-17"}, [][]string{
				{"2024-09-17 09:00:00", "1", "Gate A", "CheckIn"},
				{"2024-09-17 09:30:00", "2", "Gate A", "CheckIn"},
			}},
			{"text matches a name", data.PunchFilter{Text: "asha", ToDate: "2024-09-17"}, [][]string{
				{"2024-09-17 09:00:00", "1", "Gate A", "CheckIn"},
				{"2024-09-17 17:00:00", "1", "Gate A", "CheckOut"},
			}},
			{"nothing", data.PunchFilter{UserID: "99"}, nil},
		}
		for _, f := range Formats {
			for _, tc := range tests {
				t.Run(string(f)+"/"+tc.name, func(t *testing.T) {
					var buf bytes.Buffer
					w, err := New(&buf, f, "Punches", PunchColumns)
					if err != nil {
						t.Fatal(err)
					}
					var last int64
					n, err := Punches(context.Background(), s, tc.filter, w, func(done int64) { last = done })
					if err != nil {
						t.Fatal(err)
					}
					if err := w.Close(); err != nil {
						t.Fatal(err)
					}
					if n != int64(len(tc.want)) || last != n {
						t.Errorf("wrote %d rows, last progress %d, want %d", n, last, len(tc.want))
					}
					rows := readBack(t, f, buf.Bytes())
					if len(rows) != len(tc.want)+1 {
						t.Fatalf("got %d rows, want header + %d: %q", len(rows), len(tc.want), rows)
					}
					if rows[0][0] != "Local time" || rows[0][len(PunchColumns)-1] != "UTC" {
						t.Errorf("header %q", rows[0])
					}
					for i, w := range tc.want {
						r := rows[i+1]
						got := []string{r[0], r[2], r[8], r[4]}
						if !reflect.DeepEqual(got, w) {
							t.Errorf("row %d = %q, want %q", i, got, w)
						}
					}
				})
			}
		}
	})
}

func TestPunchCells(t *testing.T) {
	eachStore(t, func(t *testing.T, s *data.Store) {
		seed(t, s)
		var rows [][]string
		var buf bytes.Buffer
		w, err := New(&buf, CSV, "", PunchColumns)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Punches(context.Background(), s, data.PunchFilter{UserID: "1", ToDate: "2024-09-17"}, w, nil); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		rows = readBack(t, CSV, buf.Bytes())
		want := []string{"2024-09-17 09:00:00", "GMT +0530", "1", "'=Asha Rao", "CheckIn", "Face", "36.6", "yes",
			"Gate A", "callback", "", "2024-09-17T03:30:00Z"}
		if !reflect.DeepEqual(rows[1], want) {
			t.Errorf("row\n got %q\nwant %q", rows[1], want)
		}
	})
}

func TestCSVCells(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, ""},
		{"plain", "plain"},
		{"=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM", "'@SUM"},
		{7, "7"},
		{int64(-3), "-3"},
		{uint(5), "5"},
		{8.25, "8.25"},
		{true, "true"},
		{time.Date(2024, 9, 17, 3, 30, 0, 0, time.FixedZone("", 3600)), "2024-09-17T02:30:00Z"},
	}
	for _, tc := range tests {
		if got := csvCell(tc.in); got != tc.want {
			t.Errorf("csvCell(%#v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWritersQuoteAndType(t *testing.T) {
	cols := []Column{{"Text", 10}, {"Number", 0}, {"Empty", 0}}
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			w, err := New(&buf, f, "Data", cols)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Row("a, \"quoted\"\nline", 8.25, nil); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			rows := readBack(t, f, buf.Bytes())
			want := [][]string{{"Text", "Number", "Empty"}, {"a, \"quoted\"\nline", "8.25"}}
			if f == CSV {
				want[1] = append(want[1], "")
			}
			if !reflect.DeepEqual(rows, want) {
				t.Errorf("rows %q, want %q", rows, want)
			}
		})
	}
	t.Run("xlsx number cell is a number", func(t *testing.T) {
		var buf bytes.Buffer
		w, _ := New(&buf, XLSX, "Data", cols)
		w.Row("x", 8.25, nil)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		typ, err := x.GetCellType("Data", "B2")
		if err != nil {
			t.Fatal(err)
		}
		if typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("B2 type %v, want a number", typ)
		}
		if name := x.GetSheetName(0); name != "Data" {
			t.Errorf("sheet %q, want Data", name)
		}
	})
}

func TestTimesheetExport(t *testing.T) {
	eachStore(t, func(t *testing.T, s *data.Store) {
		seed(t, s)
		rep, err := timesheet.Build(context.Background(), s, timesheet.Options{From: "2024-09-17", To: "2024-09-18",
			ShiftStart: "09:00", ShiftEnd: "17:00"})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range Formats {
			t.Run(string(f), func(t *testing.T) {
				var buf bytes.Buffer
				w, err := New(&buf, f, "Timesheet", TimesheetColumns)
				if err != nil {
					t.Fatal(err)
				}
				if err := Timesheet(context.Background(), w, rep.Days, nil); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				rows := readBack(t, f, buf.Bytes())
				pad := func(r []string) []string { // XLSX drops trailing empty cells
					for len(r) < len(TimesheetColumns) {
						r = append(r, "")
					}
					return r
				}
				want := [][]string{
					{"Date", "Device", "User ID", "Name", "First in", "Last out", "Worked hours", "Worked", "Punches",
						"Late minutes", "Early minutes", "Marks", "Rule"},
					{"2024-09-17", "Gate A", "1", "=Asha Rao", "2024-09-17 09:00:00", "2024-09-17 17:00:00", "8", "8:00", "2", "", "", "", "pairs"},
					{"2024-09-17", "Gate A", "2", "", "2024-09-17 09:30:00", "", "0", "0:00", "1", "30", "", "odd punches", "span"},
					{"2024-09-18", "Gate B", "1", "=Asha Rao", "2024-09-18 08:00:00", "", "0", "0:00", "1", "", "", "odd punches", "span"},
				}
				if f == CSV {
					want[1][3], want[3][3] = "'=Asha Rao", "'=Asha Rao"
				}
				if len(rows) != len(want) {
					t.Fatalf("rows %q", rows)
				}
				for i := range want {
					if got := pad(rows[i]); !reflect.DeepEqual(got, want[i]) {
						t.Errorf("row %d\n got %q\nwant %q", i, got, want[i])
					}
				}
			})
		}
	})
}

func TestPunchesExportCancelled(t *testing.T) {
	eachStore(t, func(t *testing.T, s *data.Store) {
		seed(t, s)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		w, err := New(io.Discard, CSV, "", PunchColumns)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Punches(ctx, s, data.PunchFilter{}, w, nil); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := WriteFile(path, func(w io.Writer) error {
		fmt.Fprint(w, "half")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("failed write changed the file to %q", b)
	}
	if err := WriteFile(path, func(w io.Writer) error { _, err := fmt.Fprint(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("file = %q, want new", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left %d files, want 1", len(entries))
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    Format
		wantErr bool
	}{
		{"csv", CSV, false}, {" XLSX ", XLSX, false}, {"xls", "", true}, {"", "", true},
	}
	for _, tc := range tests {
		got, err := ParseFormat(tc.in)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("ParseFormat(%q) = %q, %v", tc.in, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "csv or xlsx") {
			t.Errorf("error %q does not say what to use", err)
		}
	}
}
