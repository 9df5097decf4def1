package data

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// seedPaging stores 2 devices, 4 users and 80 punches over a few days: groups of punches share
// an instant (ties broken by id), one user is unknown, and MealIn and Palm are rare.
func seedPaging(t *testing.T, s *Store) (Device, Device) {
	t.Helper()
	a := mustDevice(t, s, "STG-A", "Main Gate")
	b := mustDevice(t, s, "STG-B", "Warehouse")
	mustApply(t, s,
		Change{DeviceID: a.ID, User: &User{UserID: "1", FirstName: "Aisha", LastName: "Khan"}},
		Change{DeviceID: a.ID, User: &User{UserID: "2", FirstName: "Ben", LastName: "Okafor"}},
		Change{DeviceID: b.ID, User: &User{UserID: "1", FirstName: "Carlos", LastName: "Diaz"}},
		Change{DeviceID: b.ID, User: &User{UserID: "3", FirstName: "Dana", LastName: "Khanna"}},
	)
	types := []string{"CheckIn", "CheckOut", "BreakIn", "BreakOut"}
	users := []string{"1", "2", "77"}
	base := time.Date(2024, 9, 16, 5, 0, 0, 0, time.UTC)
	var onA, onB []Punch
	for i := range 80 {
		at := base.Add(time.Duration(i/3) * 47 * time.Minute) // three punches per instant
		p := Punch{UserID: users[i%3], UTC: at, UTCOffset: 3 * 3600, LogTime: "x", Type: types[i%4],
			InputType: "Fingerprint", Source: SourceCallback}
		if i == 10 || i == 61 {
			p.Type = "MealIn"
		}
		if i == 33 {
			p.InputType = "Palm"
		}
		if i%5 == 4 {
			p.UserID = []string{"1", "3"}[i%2]
			onB = append(onB, p)
			continue
		}
		onA = append(onA, p)
	}
	mustApply(t, s, Change{DeviceID: a.ID, Punches: onA}, Change{DeviceID: b.ID, Punches: onB})
	return a, b
}

// newestFirst is what EachPunch streams for f, reversed: the order every page must follow.
func newestFirst(t *testing.T, s *Store, f PunchFilter) []uint {
	t.Helper()
	var ids []uint
	if err := s.EachPunch(context.Background(), f, func(r PunchRow) error { ids = append(ids, r.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	slices.Reverse(ids)
	return ids
}

func rowIDs(rows []PunchRow) []uint {
	ids := make([]uint, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

// TestPunchesPaging reads every filter page by page in each way the screen does (by offset, from the
// page above, from the page below, from the oldest end), also with a tiny window, so that rare matches
// take the whole-range read; every way must give the stream's order.
func TestPunchesPaging(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, b := seedPaging(t, s)
		filters := []struct {
			name string
			f    PunchFilter
		}{
			{"all", PunchFilter{}},
			{"device", PunchFilter{DeviceID: b.ID}},
			{"user", PunchFilter{UserID: "1"}},
			{"dates", PunchFilter{FromDate: "2024-09-16", ToDate: "2024-09-17"}},
			{"type", PunchFilter{Type: "CheckOut"}},
			{"rare type", PunchFilter{Type: "MealIn"}},
			{"text name", PunchFilter{Text: "khan"}},
			{"text unknown user", PunchFilter{Text: "77"}},
			{"text rare input type", PunchFilter{Text: "PALM"}},
			{"text and device", PunchFilter{Text: "in", DeviceID: a.ID}},
		}
		for _, paging := range []struct{ window, size int }{{punchWindow, 7}, {1, 2}} {
			for _, tt := range filters {
				t.Run(fmt.Sprintf("%s window %d", tt.name, paging.window), func(t *testing.T) {
					defer func(w int) { punchWindow = w }(punchWindow)
					punchWindow = paging.window
					size := paging.size
					want := newestFirst(t, s, tt.f)
					if len(want) == 0 {
						t.Fatal("the filter selects nothing: the case tests nothing")
					}
					total, err := s.CountPunches(ctx, tt.f)
					if err != nil || total != int64(len(want)) {
						t.Fatalf("CountPunches = %d, %v; want %d", total, err, len(want))
					}
					reads := 0
					read := func(f PunchFilter) []uint {
						if reads++; reads > 4*(len(want)/size+2) {
							t.Fatal("paging does not end")
						}
						f.Limit = size
						rows, err := s.Punches(ctx, f)
						if err != nil {
							t.Fatal(err)
						}
						return rowIDs(rows)
					}
					var byOffset, byTotal, down, up []uint
					f := tt.f
					for off := 0; off < len(want); off += size {
						f.Offset, f.Total = off, 0
						byOffset = append(byOffset, read(f)...)
						f.Total = total
						byTotal = append(byTotal, read(f)...)
					}
					f = tt.f
					for page := read(f); len(page) > 0; page = read(f) {
						down = append(down, page...)
						f.After = PunchKey{ID: page[len(page)-1]}
						f.After.UTC = punchUTC(t, s, page[len(page)-1])
					}
					f = tt.f
					f.Offset, f.Total = (len(want)-1)/size*size, total
					for page := read(f); len(page) > 0; page = read(f) {
						up = append(page, up...)
						f = tt.f
						f.Before = PunchKey{ID: page[0], UTC: punchUTC(t, s, page[0])}
					}
					for name, got := range map[string][]uint{"by offset": byOffset, "from the oldest end": byTotal,
						"from the page above": down, "from the page below": up} {
						if !slices.Equal(got, want) {
							t.Errorf("%s: %v\nwant %v", name, got, want)
						}
					}
				})
			}
		}
	})
}

func punchUTC(t *testing.T, s *Store, id uint) time.Time {
	t.Helper()
	rows, err := s.punchRowsByID(context.Background(), []uint{id})
	if err != nil || len(rows) != 1 {
		t.Fatalf("punch %d: %v", id, err)
	}
	return rows[0].UTC
}

// TestPunchesText checks what a search text matches: names and enrolled user ids by part, an unknown
// user id whole, known types by part in any case; and that many matching users give the same rows.
func TestPunchesText(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, _ := seedQueries(t, s)
		tests := []struct {
			text string
			want []string // "user local" newest first
		}{
			{"kha", []string{"1 2024-09-17 00:30:00", "1 2024-09-16 17:00:00", "1 2024-09-16 08:00:00"}}, // Khan on A
			{" OKAFOR ", []string{"2 2024-09-17 17:10:00", "2 2024-09-17 08:05:00"}},
			{"mealin", []string{"99 2024-09-18 09:00:00"}},
			{"Meal", []string{"99 2024-09-18 09:00:00"}},
			{"checkout", []string{"2 2024-09-17 17:10:00", "1 2024-09-16 17:00:00"}},
			{"ace", []string{"2 2024-09-17 08:05:00"}}, // Face
			{"99", []string{"99 2024-09-18 09:00:00", "99 2024-09-17 09:00:00"}},
			{"9", nil}, // unknown users match by their whole id only
			{"no such name", nil},
		}
		for _, many := range []bool{false, true} {
			for _, tt := range tests {
				t.Run(fmt.Sprintf("%q many users %v", tt.text, many), func(t *testing.T) {
					if many {
						defer func(n int) { maxTextUsers = n }(maxTextUsers)
						maxTextUsers = 0
					}
					rows, err := s.Punches(ctx, PunchFilter{Text: tt.text})
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					for _, r := range rows {
						got = append(got, r.UserID+" "+r.Local)
					}
					if !slices.Equal(got, tt.want) {
						t.Errorf("Punches = %q\nwant %q", got, tt.want)
					}
					if n, err := s.CountPunches(ctx, PunchFilter{Text: tt.text}); err != nil || n != int64(len(tt.want)) {
						t.Errorf("CountPunches = %d, %v; want %d", n, err, len(tt.want))
					}
				})
			}
		}
		if n, err := s.CountPunches(ctx, PunchFilter{Text: "khan", DeviceID: a.ID + 1}); err != nil || n != 0 {
			t.Errorf("CountPunches(khan on the other device) = %d, %v; want 0", n, err)
		}
	})
}

// TestEachPunchTimeAndNames checks the lean stream against the full one, and the names read apart.
func TestEachPunchTimeAndNames(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, b := seedQueries(t, s)
		var full []PunchRow
		if err := s.EachPunch(ctx, PunchFilter{}, func(r PunchRow) error { full = append(full, r); return nil }); err != nil {
			t.Fatal(err)
		}
		var lean []PunchTime
		if err := s.EachPunchTime(ctx, PunchFilter{}, func(p PunchTime) error { lean = append(lean, p); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(full) != 8 || len(lean) != len(full) {
			t.Fatalf("EachPunch gave %d rows, EachPunchTime %d; want 8", len(full), len(lean))
		}
		for i, r := range full {
			want := PunchTime{DeviceID: r.DeviceID, UserID: r.UserID, UTC: r.UTC, Local: r.Local, UTCOffset: r.UTCOffset, Type: r.Type}
			if got := lean[i]; got != want || got.UTC.Location() != time.UTC {
				t.Errorf("row %d: %+v, want %+v", i, got, want)
			}
		}
		if r := full[0]; r.UserID != "1" || r.FirstName != "Aisha" || r.DeviceName != "Main Gate" || r.UTC.Location() != time.UTC {
			t.Errorf("first streamed row %+v: want Aisha's on Main Gate, in UTC", r)
		}

		tests := []struct {
			device uint
			user   string
			want   map[UserKey]PersonName
		}{
			{0, "", map[UserKey]PersonName{{a.ID, "1"}: {"Aisha", "Khan"}, {a.ID, "2"}: {"Ben", "Okafor"}, {b.ID, "1"}: {"Carlos", "Diaz"}}},
			{b.ID, "", map[UserKey]PersonName{{b.ID, "1"}: {"Carlos", "Diaz"}}},
			{0, "1", map[UserKey]PersonName{{a.ID, "1"}: {"Aisha", "Khan"}, {b.ID, "1"}: {"Carlos", "Diaz"}}},
			{a.ID, "99", map[UserKey]PersonName{}},
		}
		for _, tt := range tests {
			names, err := s.Names(ctx, tt.device, tt.user)
			if err != nil {
				t.Fatal(err)
			}
			if len(names.Users) != len(tt.want) {
				t.Errorf("Names(%d, %q) users = %v, want %v", tt.device, tt.user, names.Users, tt.want)
			}
			for k, v := range tt.want {
				if names.Users[k] != v {
					t.Errorf("Names(%d, %q) user %v = %v, want %v", tt.device, tt.user, k, names.Users[k], v)
				}
			}
			if names.Devices[a.ID] != "Main Gate" || names.Devices[b.ID] != "Warehouse" {
				t.Errorf("Names devices = %v", names.Devices)
			}
		}
	})
}

func TestDBTimeParse(t *testing.T) {
	want := time.Date(2024, 9, 17, 5, 30, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2024-09-17 05:30:00+00:00", want, true}, // the stored form, read directly
		{"2024-09-17 08:30:00+03:00", want, true},
		{"2024-09-17 05:30:00.5+00:00", want.Add(500 * time.Millisecond), true},
		{"2024-09-17T05:30:00Z", want, true},
		{"2024-09-17 05:30:00", want, true},
		{"2024-02-30 05:30:00+00:00", time.Time{}, false},
		{"2024-09-17 25:30:00+00:00", time.Time{}, false},
		{"yesterday", time.Time{}, false},
	}
	for _, tt := range tests {
		var got dbTime
		err := got.Scan(tt.in)
		if (err == nil) != tt.ok || !got.Time.Equal(tt.want) || (tt.ok && got.Location() != time.UTC) {
			t.Errorf("Scan(%q) = %v, %v; want %v", tt.in, got.Time, err, tt.want)
		}
	}
}
