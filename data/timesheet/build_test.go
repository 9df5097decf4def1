package timesheet

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/datatest"
	"github.com/camsdesk/camsdesk/device"
)

// punchAt is a punch as a device writes it: "2024-09-17 08:00:00 GMT +0530".
type punchAt struct {
	device string // stgid
	user   string
	at     string
	typ    string
}

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

func ensureDevice(t testing.TB, s *data.Store, stgid string) uint {
	t.Helper()
	d, err := s.EnsureDevice(context.Background(), stgid, "Gate "+stgid)
	if err != nil {
		t.Fatalf("ensure device: %v", err)
	}
	return d.ID
}

func storePunches(t testing.TB, s *data.Store, punches []punchAt) {
	t.Helper()
	for _, p := range punches {
		id := ensureDevice(t, s, p.device)
		at, err := device.ParseTime(p.at, nil)
		if err != nil {
			t.Fatalf("punch time: %v", err)
		}
		_, err = s.Apply(context.Background(), data.Change{DeviceID: id, Punches: []data.Punch{{
			UserID: p.user, UTC: at.UTC, Local: at.Local, LocalDate: at.LocalDate(), UTCOffset: at.Offset,
			LogTime: p.at, Type: p.typ, Source: data.SourceCallback,
		}}})
		if err != nil {
			t.Fatalf("apply punch: %v", err)
		}
	}
}

// want is the part of a Day a case checks.
type want struct {
	device, user, date string
	firstIn, lastOut   string
	worked             time.Duration
	paired             bool
	punches            int
	odd, modified      bool
	late, early        time.Duration
}

func TestBuild(t *testing.T) {
	day := func(dev, user, date string) want { return want{device: "Gate " + dev, user: user, date: date} }
	tests := []struct {
		name    string
		opts    Options
		punches []punchAt
		events  []data.Event // DeviceID is the index+1 of the stgid "A"
		want    []want
	}{
		{
			name: "in and out on time",
			opts: Options{From: "2024-09-17", To: "2024-09-17", ShiftStart: "09:00", ShiftEnd: "17:00"},
			punches: []punchAt{
				{"A", "1", "2024-09-17 08:55:00 GMT +0530", "CheckIn"},
				{"A", "1", "2024-09-17 17:10:00 GMT +0530", "CheckOut"},
			},
			want: []want{func() want {
				w := day("A", "1", "2024-09-17")
				w.firstIn, w.lastOut, w.worked, w.paired, w.punches = "2024-09-17 08:55:00", "2024-09-17 17:10:00", 8*time.Hour+15*time.Minute, true, 2
				return w
			}()},
		},
		{
			name: "late beyond grace and early",
			opts: Options{From: "2024-09-17", To: "2024-09-17", ShiftStart: "09:00", ShiftEnd: "17:00", Grace: 10 * time.Minute},
			punches: []punchAt{
				{"A", "1", "2024-09-17 09:20:00 GMT +0530", "CheckIn"},
				{"A", "1", "2024-09-17 16:30:00 GMT +0530", "CheckOut"},
			},
			want: []want{func() want {
				w := day("A", "1", "2024-09-17")
				w.firstIn, w.lastOut, w.worked, w.paired, w.punches = "2024-09-17 09:20:00", "2024-09-17 16:30:00", 7*time.Hour+10*time.Minute, true, 2
				w.late, w.early = 20*time.Minute, 30*time.Minute
				return w
			}()},
		},
		{
			name: "late within grace is on time",
			opts: Options{From: "2024-09-17", To: "2024-09-17", ShiftStart: "09:00", Grace: 10 * time.Minute},
			punches: []punchAt{
				{"A", "1", "2024-09-17 09:10:00 GMT +0530", "CheckIn"},
				{"A", "1", "2024-09-17 18:00:00 GMT +0530", "CheckOut"},
			},
			want: []want{func() want {
				w := day("A", "1", "2024-09-17")
				w.firstIn, w.lastOut, w.worked, w.paired, w.punches = "2024-09-17 09:10:00", "2024-09-17 18:00:00", 8*time.Hour+50*time.Minute, true, 2
				return w
			}()},
		},
		{
			name: "break pairs leave the break out",
			opts: Options{From: "2024-09-17", To: "2024-09-17"},
			punches: []punchAt{
				{"A", "1", "2024-09-17 09:00:00 GMT +0530", "CheckIn"},
				{"A", "1", "2024-09-17 12:00:00 GMT +0530", "BreakOut"},
				{"A", "1", "2024-09-17 12:30:00 GMT +0530", "BreakIn"},
				{"A", "1", "2024-09-17 17:00:00 GMT +0530", "CheckOut"},
			},
			want: []want{func() want {
				w := day("A", "1", "2024-09-17")
				w.firstIn, w.lastOut, w.worked, w.paired, w.punches = "2024-09-17 09:00:00", "2024-09-17 17:00:00", 7*time.Hour+30*time.Minute, true, 4
				return w
			}()},
		},
		{
			name: "only check-ins: last minus first, odd marked",
			opts: Options{From: "2024-09-17", To: "2024-09-17"},
			punches: []punchAt{
				{"A", "1", "2024-09-17 09:00:00 GMT +0530", "CheckIn"},
				{"A", "1", "2024-09-17 13:00:00 GMT +0530", "CheckIn"},
				{"A", "1", "2024-09-17 17:30:00 GMT +0530", "CheckIn"},
			},
			want: []want{func() want {
				w := day("A", "1", "2024-09-17")
				w.firstIn, w.lastOut, w.worked, w.punches, w.odd = "2024-09-17 09:00:00", "2024-09-17 17:30:00", 8*time.Hour+30*time.Minute, 3, true
				return w
			}()},
		},
		{
			name: "one punch: no last out, odd, never early",
			opts: Options{From: "2024-09-17", To: "2024-09-17", ShiftStart: "09:00", ShiftEnd: "17:00"},
			punches: []punchAt{
				{"A", "1", "2024-09-17 08:00:00 GMT +0530", "CheckIn"},
			},
			want: []want{func() want {
				w := day("A", "1", "2024-09-17")
				w.firstIn, w.punches, w.odd = "2024-09-17 08:00:00", 1, true
				return w
			}()},
		},
		{
			name: "night shift across midnight is one day with a noon day start",
			opts: Options{From: "2024-09-17", To: "2024-09-17", ShiftStart: "22:00", ShiftEnd: "06:00", DayStart: "12:00"},
			punches: []punchAt{
				{"A", "1", "2024-09-17 21:50:00 GMT +0530", "CheckIn"},
				{"A", "1", "2024-09-18 05:40:00 GMT +0530", "CheckOut"},
			},
			want: []want{func() want {
				w := day("A", "1", "2024-09-17")
				w.firstIn, w.lastOut, w.worked, w.paired, w.punches = "2024-09-17 21:50:00", "2024-09-18 05:40:00", 7*time.Hour+50*time.Minute, true, 2
				w.early = 20 * time.Minute
				return w
			}()},
		},
		{
			name: "early hours belong to the previous day with the default 04:00 day start",
			opts: Options{From: "2024-09-17", To: "2024-09-17"},
			punches: []punchAt{
				{"A", "1", "2024-09-17 03:30:00 GMT +0530", "CheckOut"}, // working day 16th: outside
				{"A", "1", "2024-09-17 18:00:00 GMT +0530", "CheckIn"},
				{"A", "1", "2024-09-18 01:30:00 GMT +0530", "CheckOut"}, // working day 17th
				{"A", "1", "2024-09-18 04:00:00 GMT +0530", "CheckIn"},  // working day 18th: outside
			},
			want: []want{func() want {
				w := day("A", "1", "2024-09-17")
				w.firstIn, w.lastOut, w.worked, w.paired, w.punches = "2024-09-17 18:00:00", "2024-09-18 01:30:00", 7*time.Hour+30*time.Minute, true, 2
				return w
			}()},
		},
		{
			name: "midnight day start splits a night shift in two",
			opts: Options{From: "2024-09-17", To: "2024-09-18", DayStart: "00:00"},
			punches: []punchAt{
				{"A", "1", "2024-09-17 22:00:00 GMT +0530", "CheckIn"},
				{"A", "1", "2024-09-18 06:00:00 GMT +0530", "CheckOut"},
			},
			want: []want{
				func() want {
					w := day("A", "1", "2024-09-17")
					w.firstIn, w.punches, w.odd = "2024-09-17 22:00:00", 1, true
					return w
				}(),
				func() want {
					w := day("A", "1", "2024-09-18")
					w.firstIn, w.punches, w.odd = "2024-09-18 06:00:00", 1, true
					return w
				}(),
			},
		},
		{
			name: "two time zones: each device's own local date",
			opts: Options{From: "2024-09-17", To: "2024-09-17", ShiftStart: "09:00", ShiftEnd: "17:00"},
			punches: []punchAt{
				// Device A at +05:30: 08:00 local on the 18th is still the 17th in UTC, and outside.
				{"A", "7", "2024-09-17 09:00:00 GMT +0530", "CheckIn"},
				{"A", "7", "2024-09-17 17:00:00 GMT +0530", "CheckOut"},
				{"A", "7", "2024-09-18 08:00:00 GMT +0530", "CheckIn"},
				// Device B at -05:00: its evening is the 18th in UTC, and inside.
				{"B", "7", "2024-09-17 10:00:00 GMT -0500", "CheckIn"},
				{"B", "7", "2024-09-17 21:00:00 GMT -0500", "CheckOut"},
			},
			want: []want{
				func() want {
					w := day("A", "7", "2024-09-17")
					w.firstIn, w.lastOut, w.worked, w.paired, w.punches = "2024-09-17 09:00:00", "2024-09-17 17:00:00", 8*time.Hour, true, 2
					return w
				}(),
				func() want {
					w := day("B", "7", "2024-09-17")
					w.firstIn, w.lastOut, w.worked, w.paired, w.punches = "2024-09-17 10:00:00", "2024-09-17 21:00:00", 11*time.Hour, true, 2
					w.late = time.Hour
					return w
				}(),
			},
		},
		{
			name: "offset change inside a day: worked time from instants",
			opts: Options{From: "2024-03-31", To: "2024-03-31"},
			punches: []punchAt{
				{"A", "1", "2024-03-31 01:30:00 GMT +0100", "CheckIn"}, // before the day start: the 30th
				{"A", "1", "2024-03-31 08:00:00 GMT +0200", "CheckIn"},
				{"A", "1", "2024-03-31 16:00:00 GMT +0200", "CheckOut"},
			},
			want: []want{func() want {
				w := day("A", "1", "2024-03-31")
				w.firstIn, w.lastOut, w.worked, w.paired, w.punches = "2024-03-31 08:00:00", "2024-03-31 16:00:00", 8*time.Hour, true, 2
				return w
			}()},
		},
		{
			name: "date modified event marks the device's day",
			opts: Options{From: "2024-09-17", To: "2024-09-18"},
			punches: []punchAt{
				{"A", "1", "2024-09-17 09:00:00 GMT +0530", "CheckIn"},
				{"A", "1", "2024-09-17 17:00:00 GMT +0530", "CheckOut"},
				{"A", "1", "2024-09-18 09:00:00 GMT +0530", "CheckIn"},
				{"A", "1", "2024-09-18 17:00:00 GMT +0530", "CheckOut"},
			},
			events: []data.Event{{Kind: data.EventDateModified, Detail: "2024-09-18 10:00:00",
				OperationTime: "2024-09-18 10:05:00 GMT +0530", UTC: time.Date(2024, 9, 18, 4, 35, 0, 0, time.UTC)}},
			want: []want{
				func() want {
					w := day("A", "1", "2024-09-17")
					w.firstIn, w.lastOut, w.worked, w.paired, w.punches = "2024-09-17 09:00:00", "2024-09-17 17:00:00", 8*time.Hour, true, 2
					return w
				}(),
				func() want {
					w := day("A", "1", "2024-09-18")
					w.firstIn, w.lastOut, w.worked, w.paired, w.punches, w.modified = "2024-09-18 09:00:00", "2024-09-18 17:00:00", 8*time.Hour, true, 2, true
					return w
				}(),
			},
		},
		{
			name: "numeric user ids in numeric order, filtered by user",
			opts: Options{From: "2024-09-17", To: "2024-09-17"},
			punches: []punchAt{
				{"A", "10", "2024-09-17 09:00:00 GMT +0530", "CheckIn"},
				{"A", "2", "2024-09-17 09:00:00 GMT +0530", "CheckIn"},
			},
			want: []want{
				func() want {
					w := day("A", "2", "2024-09-17")
					w.firstIn, w.punches, w.odd = "2024-09-17 09:00:00", 1, true
					return w
				}(),
				func() want {
					w := day("A", "10", "2024-09-17")
					w.firstIn, w.punches, w.odd = "2024-09-17 09:00:00", 1, true
					return w
				}(),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eachStore(t, func(t *testing.T, s *data.Store) {
				storePunches(t, s, tc.punches)
				if len(tc.events) > 0 {
					id := ensureDevice(t, s, "A")
					if _, err := s.Apply(context.Background(), data.Change{DeviceID: id, Events: tc.events}); err != nil {
						t.Fatalf("apply events: %v", err)
					}
				}
				rep, err := Build(context.Background(), s, tc.opts)
				if err != nil {
					t.Fatalf("Build: %v", err)
				}
				if len(rep.Days) != len(tc.want) {
					t.Fatalf("got %d days %+v, want %d", len(rep.Days), rep.Days, len(tc.want))
				}
				for i, w := range tc.want {
					d := rep.Days[i]
					got := want{device: d.DeviceName, user: d.UserID, date: d.Date, firstIn: d.FirstIn, lastOut: d.LastOut,
						worked: d.Worked, paired: d.Paired, punches: d.Punches, odd: d.Odd, modified: d.DateModified,
						late: d.Late, early: d.Early}
					if got != w {
						t.Errorf("day %d:\n got %+v\nwant %+v", i, got, w)
					}
					if d.Marked() != (w.odd || w.modified) {
						t.Errorf("day %d: Marked() = %v", i, d.Marked())
					}
				}
			})
		})
	}
}

func TestBuildFilters(t *testing.T) {
	eachStore(t, func(t *testing.T, s *data.Store) {
		storePunches(t, s, []punchAt{
			{"A", "1", "2024-09-17 09:00:00 GMT +0530", "CheckIn"},
			{"A", "2", "2024-09-17 09:00:00 GMT +0530", "CheckIn"},
			{"B", "1", "2024-09-17 09:00:00 GMT +0530", "CheckIn"},
		})
		devB, err := s.DeviceBySTGID(context.Background(), "B")
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			opts Options
			want []string // device/user
		}{
			{"all", Options{}, []string{"Gate A/1", "Gate A/2", "Gate B/1"}},
			{"user", Options{UserID: "1"}, []string{"Gate A/1", "Gate B/1"}},
			{"device", Options{DeviceID: devB.ID}, []string{"Gate B/1"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				tc.opts.From, tc.opts.To = "2024-09-17", "2024-09-17"
				rep, err := Build(context.Background(), s, tc.opts)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, d := range rep.Days {
					got = append(got, d.DeviceName+"/"+d.UserID)
				}
				if strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			})
		}
	})
}

func TestBuildRejectsBadOptions(t *testing.T) {
	eachStore(t, func(t *testing.T, s *data.Store) {
		tests := []struct {
			name string
			opts Options
			want string
		}{
			{"no dates", Options{}, "give a from date"},
			{"bad date", Options{From: "17/09/2024", To: "2024-09-17"}, `from date "17/09/2024" is not YYYY-MM-DD`},
			{"reversed", Options{From: "2024-09-18", To: "2024-09-17"}, "is before from date"},
			{"bad shift", Options{From: "2024-09-17", To: "2024-09-17", ShiftStart: "9am"}, `shift start: "9am" is not a time of day`},
			{"bad day start", Options{From: "2024-09-17", To: "2024-09-17", DayStart: "25:00"}, "day start"},
			{"negative grace", Options{From: "2024-09-17", To: "2024-09-17", Grace: -time.Minute}, "negative"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := Build(context.Background(), s, tc.opts)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.want)
				}
			})
		}
	})
}

func TestBuildCancelled(t *testing.T) {
	eachStore(t, func(t *testing.T, s *data.Store) {
		storePunches(t, s, []punchAt{{"A", "1", "2024-09-17 09:00:00 GMT +0530", "CheckIn"}})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Build(ctx, s, Options{From: "2024-09-17", To: "2024-09-17"}); err == nil {
			t.Fatal("Build on a cancelled context succeeded")
		}
	})
}

func TestParseLocal(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" when not read
	}{
		{"2024-09-17 09:05:07", "2024-09-17 09:05:07"},
		{"2024-02-29 23:59:59", "2024-02-29 23:59:59"},
		{"2023-02-29 10:00:00", ""}, // no such day
		{"2024-04-31 10:00:00", ""},
		{"2024-09-17T09:05:07", ""},
		{"2024-09-17 24:00:00", ""},
		{"2024-13-01 10:00:00", ""},
		{"2024-09-17 9:05:07", ""},
		{"2024-09-1x 09:05:07", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := data.ParseLocal(tt.in)
		if ok != (tt.want != "") || (ok && got.Format(data.LocalLayout) != tt.want) || (ok && got.Location() != time.UTC) {
			t.Errorf("ParseLocal(%q) = %v, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}
