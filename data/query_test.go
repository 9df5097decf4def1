package data

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// seedQueries stores two devices, three users and eight punches.
func seedQueries(t *testing.T, s *Store) (Device, Device) {
	t.Helper()
	a := mustDevice(t, s, "STG-A", "Main Gate")
	b := mustDevice(t, s, "STG-B", "Warehouse")
	p := func(user, at, typ string) Punch { return punchAt(t, user, at, typ) }
	face := p("2", "2024-09-17 08:05:00 GMT +0300", "CheckIn")
	face.InputType = "Face"
	mustApply(t, s,
		Change{DeviceID: a.ID, User: &User{UserID: "1", FirstName: "Aisha", LastName: "Khan", UserType: "User"},
			Templates: []Template{{Type: "Fingerprint", Idx: "0"}, {Type: "Fingerprint", Idx: "1"}, {Type: "Card"}}},
		Change{DeviceID: a.ID, User: &User{UserID: "2", FirstName: "Ben", LastName: "Okafor", UserType: "Admin"}},
		Change{DeviceID: b.ID, User: &User{UserID: "1", FirstName: "Carlos", LastName: "Diaz", UserType: "User"},
			Templates: []Template{{Type: "Face", Idx: "0"}}},
		Change{DeviceID: a.ID, Punches: []Punch{
			p("1", "2024-09-16 08:00:00 GMT +0300", "CheckIn"),
			p("1", "2024-09-16 17:00:00 GMT +0300", "CheckOut"),
			p("1", "2024-09-17 00:30:00 GMT +0300", "CheckIn"), // 2024-09-16 21:30 UTC, local date the 17th
			face,
			p("2", "2024-09-17 17:10:00 GMT +0300", "CheckOut"),
			p("99", "2024-09-17 09:00:00 GMT +0300", "CheckIn"), // unknown on A
			p("99", "2024-09-18 09:00:00 GMT +0300", "MealIn"),
		}},
		Change{DeviceID: b.ID, Punches: []Punch{p("1", "2024-09-17 07:00:00 GMT -0500", "CheckIn")}}, // 12:00 UTC
	)
	return a, b
}

func TestPunchesFilters(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, b := seedQueries(t, s)
		tests := []struct {
			name string
			f    PunchFilter
			want []string // "user local" newest first
		}{
			{"all", PunchFilter{}, []string{
				"99 2024-09-18 09:00:00", "2 2024-09-17 17:10:00", "1 2024-09-17 07:00:00", "99 2024-09-17 09:00:00",
				"2 2024-09-17 08:05:00", "1 2024-09-17 00:30:00", "1 2024-09-16 17:00:00", "1 2024-09-16 08:00:00"}},
			{"device", PunchFilter{DeviceID: b.ID}, []string{"1 2024-09-17 07:00:00"}},
			{"user on device", PunchFilter{DeviceID: a.ID, UserID: "1"}, []string{
				"1 2024-09-17 00:30:00", "1 2024-09-16 17:00:00", "1 2024-09-16 08:00:00"}},
			{"local date, not utc date", PunchFilter{DeviceID: a.ID, FromDate: "2024-09-16", ToDate: "2024-09-16"}, []string{
				"1 2024-09-16 17:00:00", "1 2024-09-16 08:00:00"}},
			{"open from", PunchFilter{FromDate: "2024-09-18"}, []string{"99 2024-09-18 09:00:00"}},
			{"open to", PunchFilter{ToDate: "2024-09-16"}, []string{"1 2024-09-16 17:00:00", "1 2024-09-16 08:00:00"}},
			{"type", PunchFilter{Type: "CheckOut"}, []string{"2 2024-09-17 17:10:00", "1 2024-09-16 17:00:00"}},
			{"text first name any case", PunchFilter{Text: "okaf"}, []string{"2 2024-09-17 17:10:00", "2 2024-09-17 08:05:00"}},
			{"text input type", PunchFilter{Text: "FACE"}, []string{"2 2024-09-17 08:05:00"}},
			{"text user id", PunchFilter{Text: "99"}, []string{"99 2024-09-18 09:00:00", "99 2024-09-17 09:00:00"}},
			{"text wildcard is literal", PunchFilter{Text: "%"}, nil},
			{"page", PunchFilter{Limit: 2, Offset: 1}, []string{"2 2024-09-17 17:10:00", "1 2024-09-17 07:00:00"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rows, err := s.Punches(ctx, tt.f)
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
				n, err := s.CountPunches(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if tt.f.Limit == 0 && n != int64(len(tt.want)) {
					t.Errorf("CountPunches = %d, want %d", n, len(tt.want))
				}
			})
		}

		rows, _ := s.Punches(ctx, PunchFilter{UserID: "2"})
		if r := rows[0]; r.FirstName != "Ben" || r.LastName != "Okafor" || r.DeviceName != "Main Gate" {
			t.Errorf("joined names %+v", r)
		}
		if _, err := s.Punches(ctx, PunchFilter{FromDate: "17/09/2024"}); err == nil {
			t.Error("a bad date was accepted")
		}
	})
}

func TestEachPunchStreamsOldestFirst(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, _ := seedQueries(t, s)
		var got []time.Time
		err := s.EachPunch(ctx, PunchFilter{DeviceID: a.ID, Limit: 1}, func(r PunchRow) error {
			got = append(got, r.UTC)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 7 || !slices.IsSortedFunc(got, func(x, y time.Time) int { return x.Compare(y) }) {
			t.Errorf("EachPunch gave %v, want 7 instants ascending", got)
		}
		stop := errors.New("stop")
		calls := 0
		err = s.EachPunch(ctx, PunchFilter{}, func(PunchRow) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("EachPunch after fn error = %v after %d calls", err, calls)
		}
	})
}

func TestUsersAndUnknownUsers(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, b := seedQueries(t, s)
		tests := []struct {
			name string
			f    UserFilter
			want []string // "device user first counts"
		}{
			{"all", UserFilter{}, []string{"1 1 Aisha 1/2/0", "1 2 Ben 0/0/0", "2 1 Carlos 0/0/1"}},
			{"device", UserFilter{DeviceID: b.ID}, []string{"2 1 Carlos 0/0/1"}},
			{"text type", UserFilter{Text: "admin"}, []string{"1 2 Ben 0/0/0"}},
			{"page", UserFilter{Limit: 1, Offset: 1}, []string{"1 2 Ben 0/0/0"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rows, err := s.Users(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, r := range rows {
					c := r.TemplateCounts
					got = append(got, fmtUser(r.DeviceID, r.UserID, r.FirstName, c["Card"], c["Fingerprint"], c["Face"]))
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("Users = %q, want %q", got, tt.want)
				}
			})
		}

		unknown, err := s.UnknownUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		last := punchAt(t, "99", "2024-09-18 09:00:00 GMT +0300", "").UTC
		if len(unknown) != 1 || unknown[0].DeviceID != a.ID || unknown[0].UserID != "99" ||
			unknown[0].Punches != 2 || !unknown[0].LastPunch.Equal(last) || unknown[0].DeviceName != "Main Gate" {
			t.Errorf("UnknownUsers = %+v, want user 99 on %d with 2 punches, last %v", unknown, a.ID, last)
		}
	})
}

func fmtUser(device uint, user, first string, card, fp, face int) string {
	return fmt.Sprintf("%d %s %s %d/%d/%d", device, user, first, card, fp, face)
}

func TestCallbacksAndEventsFilters(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := mustDevice(t, s, "STG-A", "Main Gate")
		day := time.Date(2024, 9, 17, 0, 0, 0, 0, time.UTC)
		cb := func(seq uint64, device uint, kinds, result string, at time.Time) Change {
			return Change{Callback: &Callback{Seq: seq, DeviceID: device, Kinds: kinds, Result: result, ReceivedAt: at}}
		}
		mustApply(t, s,
			cb(1, a.ID, "PunchLog,Log", ResultAccepted, day.Add(-time.Hour)),
			cb(2, a.ID, "Log", ResultAccepted, day.Add(time.Hour)),
			cb(3, 0, "UserUpdated", ResultRejected, day.Add(2*time.Hour)),
			cb(4, a.ID, "PunchLogX", ResultError, day.Add(3*time.Hour)),
			Change{DeviceID: a.ID, Events: []Event{
				{Kind: EventDateModified, OperationTime: "2024-09-17 01:00:00 GMT +0300", UTC: day.Add(-2 * time.Hour)},
				{Kind: EventUserDeleted, UserID: "5", UTC: day.Add(30 * time.Hour)},
			}},
		)
		tests := []struct {
			name string
			f    CallbackFilter
			want []uint64
		}{
			{"all newest first", CallbackFilter{}, []uint64{4, 3, 2, 1}},
			{"kind is a whole list item", CallbackFilter{Kind: "PunchLog"}, []uint64{1}},
			{"kind in a list", CallbackFilter{Kind: "Log"}, []uint64{2, 1}},
			{"result", CallbackFilter{Result: ResultRejected}, []uint64{3}},
			{"device", CallbackFilter{DeviceID: a.ID, Limit: 2}, []uint64{4, 2}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				cbs, err := s.Callbacks(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []uint64
				for _, c := range cbs {
					got = append(got, c.Seq)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("Callbacks = %v, want %v", got, tt.want)
				}
			})
		}
		if n, err := s.CallbacksSince(ctx, day.In(time.FixedZone("+03", 3*3600))); err != nil || n != 3 {
			t.Errorf("CallbacksSince = %d, %v; want 3", n, err)
		}

		evTests := []struct {
			f    EventFilter
			want []string
		}{
			{EventFilter{}, []string{EventUserDeleted, EventDateModified}},
			{EventFilter{FromDate: "2024-09-17", ToDate: "2024-09-17"}, []string{EventDateModified}}, // device-local date
			{EventFilter{FromDate: "2024-09-18"}, []string{EventUserDeleted}},
			{EventFilter{Kind: EventUserDeleted, DeviceID: a.ID}, []string{EventUserDeleted}},
		}
		for _, tt := range evTests {
			evs, err := s.Events(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range evs {
				got = append(got, e.Kind)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Events(%+v) = %v, want %v", tt.f, got, tt.want)
			}
		}
	})
}

// TestTextSearchCase matches ASCII text in any case and other letters at least in their own case,
// on both databases.
func TestTextSearchCase(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d := mustDevice(t, s, "STG-1", "Gate")
		mustApply(t, s,
			Change{DeviceID: d.ID, User: &User{UserID: "1", FirstName: "Ömer", LastName: "Çelik"}},
			Change{DeviceID: d.ID, User: &User{UserID: "2", FirstName: "Grace", LastName: "O'Brien_Smith"}},
			Change{DeviceID: d.ID, Punches: []Punch{punchAt(t, "1", "2024-09-17 08:00:00 GMT +0300", "CheckIn")}},
		)
		tests := []struct {
			text string
			want []string
		}{
			{"Çelik", []string{"1"}},
			{"Ömer", []string{"1"}},
			{"mER", []string{"1"}},
			{"GRACE", []string{"2"}},
			{"o'brien_", []string{"2"}},
			{"n_s", []string{"2"}},
			{"n%s", nil},
		}
		for _, tt := range tests {
			rows, err := s.Users(ctx, UserFilter{Text: tt.text})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.UserID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Users(%q) = %q, want %q", tt.text, got, tt.want)
			}
		}
		if n, err := s.CountPunches(ctx, PunchFilter{Text: "Çelik"}); err != nil || n != 1 {
			t.Errorf("CountPunches(Çelik) = %d, %v; want 1", n, err)
		}
	})
}
