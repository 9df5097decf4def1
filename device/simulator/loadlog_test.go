package simulator_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/device/simulator"
)

type row struct{ user, at string }

// readAll pages through LoadLog as a client should, alternating OffSet as text and as a number.
func readAll(t *testing.T, s *sim, start, end string, pageSize int) []device.PunchLog {
	t.Helper()
	var all []device.PunchLog
	for page := 0; ; page++ {
		var off any = strconv.Itoa(len(all))
		if page%2 == 1 {
			off = len(all)
		}
		r := s.call(t, loadLog(start, end, off))
		if r.Code() != 0 || r.PunchLog == nil {
			t.Fatalf("page %d: status %d %s", page, r.Code(), r.Message)
		}
		p := r.PunchLog
		if p.ReturnRowCount.Int() != len(p.Log) || len(p.Log) > pageSize || p.OffSet.Int() != len(all) {
			t.Fatalf("page %d: ReturnRowCount %v, %d rows, OffSet %v", page, p.ReturnRowCount, len(p.Log), p.OffSet)
		}
		all = append(all, p.Log...)
		if len(p.Log) == 0 || len(all) >= p.ActualRowCount.Int() {
			if len(all) != p.ActualRowCount.Int() {
				t.Fatalf("read %d rows, ActualRowCount %v", len(all), p.ActualRowCount)
			}
			return all
		}
	}
}

func TestLoadLogPaging(t *testing.T) {
	for _, pageSize := range []int{0, 200} {
		t.Run("page size "+strconv.Itoa(pageSize), func(t *testing.T) {
			s := newSim(t, simulator.Config{PageSize: pageSize, ProcessingTime: -1, Seed: 7})
			want := pageSize
			if want == 0 {
				want = simulator.DefaultPageSize
			}
			from := time.Date(2024, 9, 1, 0, 0, 0, 0, ist)
			to := from.AddDate(0, 0, 20)
			if err := s.g.GeneratePunches(10000, from, to); err != nil {
				t.Fatal(err)
			}
			rows := readAll(t, s, "2024-09-01 00:00:00", "2024-09-21 00:00:00", want)
			if len(rows) != 10000 {
				t.Fatalf("read %d rows, want 10000", len(rows))
			}
			seen := map[row]bool{}
			var last time.Time
			for i, p := range rows {
				at, err := device.ParseTime(string(p.LogTime), nil)
				if err != nil || at.Offset != 5*3600+1800 {
					t.Fatalf("row %d LogTime %q: %v", i, p.LogTime, err)
				}
				if at.UTC.Before(last) || at.UTC.Before(from) || at.UTC.After(to) {
					t.Fatalf("row %d at %v is out of order or range", i, at.UTC)
				}
				last = at.UTC
				k := row{string(p.UserID), string(p.LogTime)}
				if seen[k] {
					t.Fatalf("row %d duplicates %v", i, k)
				}
				seen[k] = true
				if p.UserID == "" || p.Type == "" || p.InputType == "" {
					t.Fatalf("row %d incomplete: %+v", i, p)
				}
			}
		})
	}
}

func TestLoadLogRange(t *testing.T) {
	s := newSim(t, simulator.Config{PageSize: 1000, ProcessingTime: -1, Seed: 3})
	from := time.Date(2024, 9, 1, 0, 0, 0, 0, ist)
	if err := s.g.GeneratePunches(3000, from, from.AddDate(0, 0, 10)); err != nil {
		t.Fatal(err)
	}
	all := readAll(t, s, "2024-09-01 00:00:00", "2024-09-11 00:00:00", 1000)
	cases := []struct{ name, start, end string }{
		{"device-local wall clock", "2024-09-03 09:00:00", "2024-09-05 17:30:00"},
		{"explicit offset", "2024-09-03 03:30:00 GMT +0000", "2024-09-05 12:00:00 GMT +0000"},
		{"one second", "2024-09-04 12:00:00", "2024-09-04 12:00:00"},
		{"nothing there", "2024-08-01 00:00:00", "2024-08-02 00:00:00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lo, _ := device.ParseTime(tc.start, ist)
			hi, _ := device.ParseTime(tc.end, ist)
			want := 0
			for _, p := range all {
				at, _ := device.ParseTime(string(p.LogTime), nil)
				if !at.UTC.Before(lo.UTC) && !at.UTC.After(hi.UTC) {
					want++
				}
			}
			got := readAll(t, s, tc.start, tc.end, 1000)
			if len(got) != want {
				t.Fatalf("%d rows, want %d", len(got), want)
			}
		})
	}
	// An offset past the end answers an empty page with the total.
	r := s.call(t, loadLog("2024-09-01 00:00:00", "2024-09-11 00:00:00", 99999))
	if r.Code() != 0 || len(r.PunchLog.Log) != 0 || r.PunchLog.ActualRowCount.Int() != 3000 {
		t.Fatalf("past the end: %+v", r.PunchLog)
	}
}
