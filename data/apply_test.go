package data

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/device"
)

// TestApplyTemplateMerge follows the spec's three callbacks: templates are upserted by type and
// index, never replaced as a set.
func TestApplyTemplateMerge(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d := mustDevice(t, s, "STG-1", "Gate")
		user := &User{UserID: "3", FirstName: "Ana", LastName: "Lee", UserType: "User"}

		steps := []struct {
			name      string
			templates []Template
			want      map[string]string // type/idx -> data
		}{
			{
				name:      "fingerprint index 0",
				templates: []Template{{Type: "Fingerprint", Idx: "0", Size: 1176, Data: "FP-A"}},
				want:      map[string]string{"Fingerprint/0": "FP-A"},
			},
			{
				name: "face index 0 and card keep the fingerprint",
				templates: []Template{
					{Type: "Face", Idx: "0", Size: 2048, Data: "/9j/FACE"},
					{Type: "card", Idx: "0", Data: "12345678"}, // Card has no index; casing varies
				},
				want: map[string]string{"Fingerprint/0": "FP-A", "Face/0": "/9j/FACE", "Card/": "12345678"},
			},
			{
				name:      "fingerprint index 0 updated replaces only it",
				templates: []Template{{Type: "FingerPrint", Idx: "0", Size: 1180, Data: "FP-B"}},
				want:      map[string]string{"Fingerprint/0": "FP-B", "Face/0": "/9j/FACE", "Card/": "12345678"},
			},
		}
		for _, step := range steps {
			sum := mustApply(t, s, Change{DeviceID: d.ID, User: user, Templates: step.templates})
			if sum.Templates != len(step.templates) || sum.Users != 1 {
				t.Errorf("%s: summary %+v", step.name, sum)
			}
			got, err := s.Templates(ctx, d.ID, "3")
			if err != nil {
				t.Fatal(err)
			}
			have := map[string]string{}
			for _, tp := range got {
				have[tp.Type+"/"+tp.Idx] = tp.Data
			}
			if len(have) != len(step.want) {
				t.Fatalf("%s: templates %v, want %v", step.name, have, step.want)
			}
			for k, v := range step.want {
				if have[k] != v {
					t.Errorf("%s: %s = %q, want %q", step.name, k, have[k], v)
				}
			}
		}
	})
}

// TestApplyPunchDedupeAcrossZones stores one instant sent with two offsets once, and lets a
// later duplicate fill in the photo path.
func TestApplyPunchDedupeAcrossZones(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d := mustDevice(t, s, "STG-1", "Gate")

		first := punchAt(t, "7", "2024-09-17 08:00:00 GMT +0300", "CheckIn")
		again := punchAt(t, "7", "2024-09-17 05:00:00 GMT +0000", "CheckIn")
		again.Source = SourceLoadLog
		if !first.UTC.Equal(again.UTC) {
			t.Fatalf("fixture: %v and %v differ", first.UTC, again.UTC)
		}
		first.UTC = first.UTC.In(time.FixedZone("+03", 3*3600)) // the same instant in another zone is still one key
		withPhoto := again
		withPhoto.PhotoPath = "photos/2024-09-17/7_050000.jpg"
		other := withPhoto
		other.PhotoPath = "photos/other.jpg"

		sum := mustApply(t, s, Change{DeviceID: d.ID, Punches: []Punch{first, again}})
		if sum.NewPunches != 1 || sum.DuplicatePunches != 1 {
			t.Errorf("summary %+v, want 1 new 1 duplicate", sum)
		}
		sum = mustApply(t, s, Change{DeviceID: d.ID, Punches: []Punch{withPhoto}}, Change{DeviceID: d.ID, Punches: []Punch{other}})
		if sum.NewPunches != 0 || sum.DuplicatePunches != 2 {
			t.Errorf("photo duplicates: summary %+v, want 0 new 2 duplicates", sum)
		}
		rows, err := s.Punches(ctx, PunchFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 {
			t.Fatalf("%d punches stored, want 1", len(rows))
		}
		p := rows[0]
		if p.PhotoPath != withPhoto.PhotoPath {
			t.Errorf("photo path %q, want the first one offered %q", p.PhotoPath, withPhoto.PhotoPath)
		}
		if p.UTC.Location() != time.UTC || !p.UTC.Equal(again.UTC) || p.Local != "2024-09-17 08:00:00" ||
			p.UTCOffset != 3*3600 || p.Source != SourceCallback || p.DeviceName != "Gate" {
			t.Errorf("stored punch %+v: want the first arrival in UTC", p)
		}
	})
}

// TestApplyInOrder applies update, delete, update of one user in one call.
func TestApplyInOrder(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d := mustDevice(t, s, "STG-1", "Gate")
		at := time.Date(2024, 9, 17, 5, 0, 0, 0, time.UTC)

		tests := []struct {
			name        string
			changes     []Change
			wantDeleted bool
			wantFirst   string
		}{
			{
				name: "update delete update",
				changes: []Change{
					{DeviceID: d.ID, User: &User{UserID: "5", FirstName: "Old"}},
					{DeviceID: d.ID, Deletion: &UserDeletion{UserID: "5", At: at}},
					{DeviceID: d.ID, User: &User{UserID: "5", FirstName: "New", Access: AccessEnabled}},
				},
				wantFirst: "New",
			},
			{
				name: "update then delete",
				changes: []Change{
					{DeviceID: d.ID, User: &User{UserID: "5", FirstName: "Newer"}},
					{DeviceID: d.ID, Deletion: &UserDeletion{UserID: "5", At: at}},
				},
				wantDeleted: true,
				wantFirst:   "Newer",
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				sum := mustApply(t, s, tt.changes...)
				if sum.Users != len(tt.changes) {
					t.Errorf("Users = %d, want %d", sum.Users, len(tt.changes))
				}
				u, err := s.User(ctx, d.ID, "5")
				if err != nil {
					t.Fatal(err)
				}
				if (u.DeletedAt != nil) != tt.wantDeleted || u.FirstName != tt.wantFirst || u.Access != AccessEnabled {
					t.Errorf("user %+v: want deleted=%v first=%q access kept %q", u, tt.wantDeleted, tt.wantFirst, AccessEnabled)
				}
			})
		}
	})
}

func TestApplyDeletionOfUnknownUser(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d := mustDevice(t, s, "STG-1", "Gate")
		mustApply(t, s, Change{DeviceID: d.ID, Deletion: &UserDeletion{UserID: "42"}})
		u, err := s.User(ctx, d.ID, "42")
		if err != nil || u.DeletedAt == nil {
			t.Fatalf("User = %+v, %v; want a deleted row", u, err)
		}
		if _, err := s.User(ctx, d.ID, "43"); !errors.Is(err, ErrNotFound) {
			t.Errorf("User(43) = %v, want ErrNotFound", err)
		}
		visible, _ := s.Users(ctx, UserFilter{IncludeDeleted: true})
		hidden, _ := s.Users(ctx, UserFilter{})
		if len(visible) != 1 || len(hidden) != 0 {
			t.Errorf("Users with deleted %d, without %d; want 1, 0", len(visible), len(hidden))
		}
	})
}

// TestApplyCallbackSeqIdempotent replays journal entries: a stored seq skips its whole change.
func TestApplyCallbackSeqIdempotent(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d := mustDevice(t, s, "STG-1", "Gate")
		at := time.Date(2024, 9, 17, 5, 0, 0, 0, time.UTC)
		change := func(seq uint64, first string) Change {
			return Change{
				DeviceID: d.ID,
				Callback: &Callback{Seq: seq, ReceivedAt: at, Kinds: "UserUpdated", UserID: "5", Result: ResultAccepted},
				User:     &User{UserID: "5", FirstName: first},
				Events:   []Event{{Kind: EventDateModified, OperationTime: "2024-09-17 08:00:00 GMT +0300", UTC: at}},
			}
		}
		if seq, err := s.LastJournalSeq(ctx); err != nil || seq != 0 {
			t.Fatalf("LastJournalSeq on empty store = %d, %v", seq, err)
		}
		mustApply(t, s, change(1, "A"), change(2, "B"))
		sum := mustApply(t, s, change(1, "A"), change(2, "B"), change(3, "C")) // replay plus one new
		if sum.Replayed != 2 || sum.Users != 1 {
			t.Errorf("replay summary %+v, want 2 replayed 1 user", sum)
		}
		if seq, _ := s.LastJournalSeq(ctx); seq != 3 {
			t.Errorf("LastJournalSeq = %d, want 3", seq)
		}
		cbs, _ := s.Callbacks(ctx, CallbackFilter{})
		evs, _ := s.Events(ctx, EventFilter{})
		if len(cbs) != 3 || len(evs) != 3 {
			t.Errorf("%d callbacks %d events, want 3 and 3", len(cbs), len(evs))
		}
		if evs[0].LocalDate != "2024-09-17" {
			t.Errorf("event local date %q, want 2024-09-17 from OperationTime", evs[0].LocalDate)
		}
		if cb, err := s.CallbackBySeq(ctx, 2); err != nil || cb.DeviceID != d.ID || cb.Kinds != "UserUpdated" {
			t.Errorf("CallbackBySeq(2) = %+v, %v", cb, err)
		}
		if _, err := s.CallbackBySeq(ctx, 9); !errors.Is(err, ErrNotFound) {
			t.Errorf("CallbackBySeq(9) = %v, want ErrNotFound", err)
		}
		if _, err := s.Apply(ctx, Change{DeviceID: d.ID, Callback: &Callback{}}); err == nil {
			t.Error("Apply accepted a callback with seq 0")
		}
	})
}

// TestApplyAllOrNothing rolls back every change when one fails.
func TestApplyAllOrNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d := mustDevice(t, s, "STG-1", "Gate")
		good := Change{DeviceID: d.ID, Punches: []Punch{punchAt(t, "1", "2024-09-17 08:00:00 GMT +0300", "CheckIn")}}
		bad := Change{Punches: []Punch{punchAt(t, "2", "2024-09-17 08:00:00 GMT +0300", "CheckIn")}} // no device
		sum, err := s.Apply(ctx, good, bad)
		if err == nil || !errors.Is(err, errNoDevice) {
			t.Fatalf("Apply = %+v, %v; want a no device error", sum, err)
		}
		if n, _ := s.CountPunches(ctx, PunchFilter{}); n != 0 {
			t.Errorf("%d punches after a failed Apply, want 0", n)
		}
	})
}

func TestApplyPhotosAndExchanges(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d := mustDevice(t, s, "STG-1", "Gate")
		at := time.Date(2024, 9, 17, 5, 0, 0, 0, time.UTC)
		photo := Photo{UserID: "7", Kind: PhotoAttendance, UTC: at, Local: "2024-09-17 08:00:00", Path: "photos/a.jpg", Bytes: 10}
		face := Photo{UserID: "7", Kind: PhotoFace, UTC: at.AddDate(0, 0, 1), Path: "photos/b.jpg"}
		mustApply(t, s, Change{DeviceID: d.ID, User: &User{UserID: "7", FirstName: "Ana"}, Photos: []Photo{photo, face}},
			Change{DeviceID: d.ID, Photos: []Photo{photo}})

		tests := []struct {
			name string
			f    PhotoFilter
			want []string
		}{
			{"all newest first", PhotoFilter{}, []string{"photos/b.jpg", "photos/a.jpg"}},
			{"kind", PhotoFilter{Kind: PhotoAttendance}, []string{"photos/a.jpg"}},
			{"local date", PhotoFilter{FromDate: "2024-09-17", ToDate: "2024-09-17"}, []string{"photos/a.jpg"}},
			{"other user", PhotoFilter{UserID: "8"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rows, err := s.Photos(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, r := range rows {
					got = append(got, r.Path)
					if r.FirstName != "Ana" || r.DeviceName != "Gate" {
						t.Errorf("row %+v lacks names", r)
					}
				}
				if n, _ := s.CountPhotos(ctx, tt.f); int(n) != len(tt.want) || !slices.Equal(got, tt.want) {
					t.Errorf("Photos = %v (count %d), want %v", got, n, tt.want)
				}
			})
		}

		for i := range 3 {
			x := Exchange{DeviceID: d.ID, Operation: "LoadDeviceInformation", StartedAt: at.Add(time.Duration(i) * time.Second), StatusCode: i}
			if err := s.AddExchange(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		xs, err := s.Exchanges(ctx, ExchangeFilter{DeviceID: d.ID, Limit: 2})
		if err != nil || len(xs) != 2 || xs[0].StatusCode != 2 {
			t.Errorf("Exchanges = %+v, %v; want the newest 2", xs, err)
		}
	})
}

// TestApplyCountsExact mixes stored punches, new ones and repeats within one change, over more
// rows than one INSERT holds on either database: the summary counts each row once.
func TestApplyCountsExact(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d := mustDevice(t, s, "STG-1", "Gate")
		base := time.Date(2024, 9, 17, 5, 0, 0, 0, time.UTC)
		punches := func(from, to int) []Punch {
			var ps []Punch
			for i := from; i < to; i++ {
				ps = append(ps, Punch{UserID: fmt.Sprint(i % 9), UTC: base.Add(time.Duration(i) * time.Minute), Type: "CheckIn"})
			}
			return ps
		}
		tests := []struct {
			name           string
			punches        []Punch
			wantNew, wantD int
		}{
			{"first", punches(0, 500), 500, 0},
			{"overlap and repeats", append(punches(250, 1750), punches(1000, 1100)...), 1250, 350},
			{"all stored", punches(0, 1750), 0, 1750},
		}
		for _, tt := range tests {
			sum := mustApply(t, s, Change{DeviceID: d.ID, Punches: tt.punches})
			if sum.NewPunches != tt.wantNew || sum.DuplicatePunches != tt.wantD {
				t.Errorf("%s: %d new %d duplicates, want %d and %d", tt.name, sum.NewPunches, sum.DuplicatePunches, tt.wantNew, tt.wantD)
			}
		}
		if n, err := s.CountPunches(ctx, PunchFilter{}); err != nil || n != 1750 {
			t.Errorf("CountPunches = %d, %v; want 1750", n, err)
		}
	})
}

// TestApplyRepeatsWithinChange sends one template, punch and photo key twice in one change: the
// last template wins (as a later callback would), the first punch and photo stay.
func TestApplyRepeatsWithinChange(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d := mustDevice(t, s, "STG-1", "Gate")
		p := punchAt(t, "7", "2024-09-17 08:00:00 GMT +0300", "CheckIn")
		again := p
		again.Type, again.PhotoPath = "CheckOut", "photos/7.jpg"
		sum := mustApply(t, s, Change{
			DeviceID: d.ID,
			User:     &User{UserID: "7"},
			Templates: []Template{
				{Type: "Fingerprint", Idx: "0", Data: "FP-A"},
				{Type: "fingerprint", Idx: "0", Data: "FP-B"},
				{Type: "Card", Idx: "3", Data: "111"},
				{Type: "CARD", Data: "222"},
			},
			Punches: []Punch{p, again},
			Photos: []Photo{
				{UserID: "7", Kind: PhotoAttendance, UTC: p.UTC, Path: "photos/7.jpg", Bytes: 1},
				{UserID: "7", Kind: PhotoFace, UTC: p.UTC, Path: "photos/7.jpg", Bytes: 2},
			},
		})
		if sum.Templates != 2 || sum.NewPunches != 1 || sum.DuplicatePunches != 1 {
			t.Errorf("summary %+v, want 2 templates, 1 new and 1 duplicate punch", sum)
		}
		ts, err := s.Templates(ctx, d.ID, "7")
		if err != nil || len(ts) != 2 || ts[0].Data != "222" || ts[1].Data != "FP-B" {
			t.Errorf("Templates = %+v, %v; want Card 222 and Fingerprint FP-B", ts, err)
		}
		rows, err := s.Punches(ctx, PunchFilter{})
		if err != nil || len(rows) != 1 || rows[0].Type != "CheckIn" || rows[0].PhotoPath != "photos/7.jpg" {
			t.Errorf("Punches = %+v, %v; want the first, with the photo of the repeat", rows, err)
		}
		photos, err := s.Photos(ctx, PhotoFilter{})
		if err != nil || len(photos) != 1 || photos[0].Kind != PhotoAttendance {
			t.Errorf("Photos = %+v, %v; want the first", photos, err)
		}
	})
}

// TestTimesReadBackInUTC reads every kind of time column back while the local zone is not UTC.
func TestTimesReadBackInUTC(t *testing.T) {
	saved := time.Local
	time.Local = time.FixedZone("test", 5*3600+1800)
	t.Cleanup(func() { time.Local = saved })
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d := mustDevice(t, s, "STG-1", "Gate")
		at := time.Date(2024, 9, 17, 5, 0, 0, 0, time.Local)
		p := punchAt(t, "9", "2024-09-17 08:00:00 GMT +0300", "CheckIn")
		mustApply(t, s, Change{
			DeviceID: d.ID,
			Callback: &Callback{Seq: 1, ReceivedAt: at},
			Seen:     &DeviceSeen{At: at},
			User:     &User{UserID: "7"},
			Punches:  []Punch{p},
			Photos:   []Photo{{UserID: "7", Kind: PhotoFace, UTC: at, Path: "photos/a.jpg"}},
			Events:   []Event{{Kind: EventDateModified, UTC: at}},
		})
		var times []time.Time
		add := func(ts ...time.Time) { times = append(times, ts...) }
		dev, err := s.DeviceByID(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		add(*dev.LastSeen, dev.CreatedAt)
		u, err := s.User(ctx, d.ID, "7")
		if err != nil {
			t.Fatal(err)
		}
		add(u.CreatedAt, u.UpdatedAt)
		cb, err := s.CallbackBySeq(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		add(cb.ReceivedAt)
		rows, err := s.Punches(ctx, PunchFilter{})
		if err != nil || len(rows) != 1 {
			t.Fatalf("Punches = %d rows, %v", len(rows), err)
		}
		add(rows[0].UTC, rows[0].CreatedAt)
		photos, err := s.Photos(ctx, PhotoFilter{})
		if err != nil || len(photos) != 1 {
			t.Fatalf("Photos = %d rows, %v", len(photos), err)
		}
		add(photos[0].UTC)
		evs, err := s.Events(ctx, EventFilter{})
		if err != nil || len(evs) != 1 {
			t.Fatalf("Events = %d rows, %v", len(evs), err)
		}
		add(evs[0].UTC)
		unknown, err := s.UnknownUsers(ctx)
		if err != nil || len(unknown) != 1 {
			t.Fatalf("UnknownUsers = %+v, %v", unknown, err)
		}
		add(unknown[0].LastPunch)
		for i, tm := range times {
			if tm.Location() != time.UTC || tm.IsZero() {
				t.Errorf("time #%d = %v in %v, want a UTC time", i, tm, tm.Location())
			}
		}
		if !dev.LastSeen.Equal(at) || !rows[0].UTC.Equal(p.UTC) || !unknown[0].LastPunch.Equal(p.UTC) {
			t.Errorf("instants changed: seen %v want %v, punch %v want %v", dev.LastSeen, at, rows[0].UTC, p.UTC)
		}
	})
}

// TestExchangeOf: a REST call recorded through ExchangeOf reads back as it happened, its error in words.
func TestExchangeOf(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d := mustDevice(t, s, "STG-1", "Gate")
		at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.FixedZone("IST", 5*3600+1800))
		for _, tt := range []struct {
			name string
			ex   device.Exchange
		}{
			{"answered", device.Exchange{Operation: "LoadLog", OperationID: "op-1", Request: []byte(`{"a":1}`),
				Response: []byte(`{"Status":"done"}`), StatusCode: 0, Outcome: device.OutcomeSuccess, Started: at, Duration: 1500 * time.Millisecond}},
			{"failed", device.Exchange{Operation: "AddUser", OperationID: "op-2", StatusCode: -1, Outcome: device.OutcomeTimeout,
				Err: errors.New("the gateway did not answer in 30s"), Started: at.Add(time.Second), Duration: 30 * time.Second}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if err := s.AddExchange(ctx, ExchangeOf(d.ID, tt.ex)); err != nil {
					t.Fatal(err)
				}
				xs, err := s.Exchanges(ctx, ExchangeFilter{DeviceID: d.ID, Limit: 1})
				if err != nil || len(xs) != 1 {
					t.Fatalf("Exchanges = %v, %v", xs, err)
				}
				x, ex := xs[0], tt.ex
				wantErr := ""
				if ex.Err != nil {
					wantErr = ex.Err.Error()
				}
				if x.Operation != ex.Operation || x.OperationID != ex.OperationID || x.Request != string(ex.Request) ||
					x.Response != string(ex.Response) || x.StatusCode != ex.StatusCode || x.Outcome != string(ex.Outcome) ||
					x.Error != wantErr || !x.StartedAt.Equal(ex.Started) || x.DurationMS != ex.Duration.Milliseconds() {
					t.Errorf("stored %+v\nfor %+v", x, ex)
				}
			})
		}
	})
}
