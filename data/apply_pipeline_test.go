package data

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data/datatest"
)

func newPostgresStore(t *testing.T) (*Store, datatest.DB) {
	t.Helper()
	if !datatest.PostgresAvailable() {
		t.Skipf("PostgreSQL only: %s is not set", datatest.EnvPostgres)
	}
	db := datatest.NewPostgres(t)
	return openDB(t, db), db
}

func TestPipelined(t *testing.T) {
	cb := &Callback{Seq: 1}
	for _, tt := range []struct {
		name string
		c    Change
		want bool
	}{
		{"punches", Change{Callback: cb, Seen: &DeviceSeen{}, Punches: []Punch{{UserID: "1"}}}, true},
		{"no callback", Change{Punches: []Punch{{UserID: "1"}}}, true},
		{"punch with a photo", Change{Callback: cb, Punches: []Punch{{UserID: "1", PhotoPath: "p.jpg"}}}, false},
		{"user", Change{Callback: cb, User: &User{UserID: "1"}}, false},
		{"templates", Change{Callback: cb, Templates: []Template{{UserID: "1"}}}, false},
		{"deletion", Change{Callback: cb, Deletion: &UserDeletion{UserID: "1"}}, false},
		{"photo", Change{Callback: cb, Photos: []Photo{{Path: "p.jpg"}}}, false},
		{"event", Change{Callback: cb, Events: []Event{{}}}, false},
	} {
		if got := pipelined([]Change{{Callback: &Callback{Seq: 9}}, tt.c}); got != tt.want {
			t.Errorf("%s: pipelined = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestApplyPipelinedMatchesStatementByStatement: the same changes, applied in two round trips on one
// store and statement by statement on another, give the same summaries and the same rows.
func TestApplyPipelinedMatchesStatementByStatement(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 3, 30, 0, 0, time.UTC)
	punch := func(user string, minute int) Punch {
		return Punch{UserID: user, UTC: at.Add(time.Duration(minute) * time.Minute), UTCOffset: 19800, LogTime: "as sent",
			Type: "CheckIn", InputType: "Face", Source: SourceCallback}
	}
	seen := func(serial, label string, minute int) *DeviceSeen {
		return &DeviceSeen{SerialNumber: serial, LabelName: label, At: at.Add(time.Duration(minute) * time.Minute)}
	}
	calls := func(a, b uint) [][]Change {
		return [][]Change{
			{
				{DeviceID: a, Callback: &Callback{Seq: 1, Kinds: "PunchLog"}, Seen: seen("SN-A", "Gate", 0), Punches: []Punch{punch("1", 0)}},
				{DeviceID: b, Callback: &Callback{Seq: 2, Kinds: "PunchLog"}, Seen: seen("SN-B", "", 1), Punches: []Punch{punch("1", 0), punch("2", 1)}},
				{DeviceID: a, Callback: &Callback{Seq: 2, Kinds: "PunchLog"}, Punches: []Punch{punch("9", 9)}}, // seq repeated: skipped
				{DeviceID: a, Callback: &Callback{Seq: 3, Kinds: "PunchLog"}, Seen: seen("", "Back door", 2), Punches: []Punch{punch("1", 0), punch("3", 2)}},
				{DeviceID: b, Punches: []Punch{punch("4", 3), punch("4", 3)}},
			},
			{
				{DeviceID: a, Callback: &Callback{Seq: 1, Kinds: "PunchLog"}, Seen: seen("SN-OLD", "Old", -60), Punches: []Punch{punch("8", 8)}}, // replay
				{DeviceID: b, Callback: &Callback{Seq: 4, Kinds: "PunchLog"}, Seen: seen("", "", 5), Punches: []Punch{punch("2", 1), punch("5", 5)}},
			},
			{
				{DeviceID: a, Callback: &Callback{Seq: 5, Kinds: "PunchLog"}, Seen: seen("SN-A", "Gate", 6), Punches: []Punch{punch("6", 6)}},
			},
		}
	}
	type outcome struct {
		sums     []Summary
		punches  []string
		seqs     []string
		devices  []string
		pipeline bool
	}
	run := func(apply func(*Store) func(context.Context, []Change) (Summary, error)) outcome {
		s, _ := newPostgresStore(t)
		a, b := mustDevice(t, s, "STG-A", "A"), mustDevice(t, s, "STG-B", "B")
		var o outcome
		for i, changes := range calls(a.ID, b.ID) {
			sum, err := apply(s)(ctx, changes)
			if err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
			o.sums = append(o.sums, sum)
		}
		ps, err := s.Punches(ctx, PunchFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			o.punches = append(o.punches, fmt.Sprintf("%d %s %s %s %s %d %s", p.DeviceID, p.UserID, p.UTC.Format(time.RFC3339),
				p.Local, p.LocalDate, p.UTCOffset, p.Type))
		}
		cbs, err := s.Callbacks(ctx, CallbackFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cbs {
			o.seqs = append(o.seqs, fmt.Sprintf("%d@%d %s", c.Seq, c.DeviceID, c.Kinds))
		}
		for _, stgid := range []string{a.STGID, b.STGID} {
			d, err := s.DeviceBySTGID(ctx, stgid)
			if err != nil || d.LastSeen == nil {
				t.Fatalf("device %s: %+v, %v", stgid, d, err)
			}
			o.devices = append(o.devices, fmt.Sprintf("%s %q %q %s", d.STGID, d.SerialNumber, d.LabelName, d.LastSeen.UTC().Format(time.RFC3339)))
		}
		return o
	}
	piped := run(func(s *Store) func(context.Context, []Change) (Summary, error) { return s.applyPipelined })
	plain := run(func(s *Store) func(context.Context, []Change) (Summary, error) { return s.applyInTransaction })
	for _, cmp := range []struct {
		what      string
		got, want any
	}{
		{"summaries", piped.sums, plain.sums},
		{"punches", piped.punches, plain.punches},
		{"callbacks", piped.seqs, plain.seqs},
		{"devices", piped.devices, plain.devices},
	} {
		if g, w := fmt.Sprint(cmp.got), fmt.Sprint(cmp.want); g != w {
			t.Errorf("%s differ:\n pipelined  %s\n statements %s", cmp.what, g, w)
		}
	}
	if want := (Summary{NewPunches: 5, DuplicatePunches: 2, Replayed: 1}); piped.sums[0] != want {
		t.Errorf("first call: %+v, want %+v", piped.sums[0], want)
	}
	if want := (Summary{NewPunches: 1, DuplicatePunches: 1, Replayed: 1}); piped.sums[1] != want {
		t.Errorf("replaying call: %+v, want %+v", piped.sums[1], want)
	}
}

// TestApplyPipelinedRollsBack: when a statement of the second round trip fails, nothing of the call is
// stored, the error says what failed, and the store goes on working.
func TestApplyPipelinedRollsBack(t *testing.T) {
	ctx := context.Background()
	s, db := newPostgresStore(t)
	d := mustDevice(t, s, "STG-A", "A")
	raw := datatest.Raw(t, db)
	change := func(seq uint64) Change {
		return Change{DeviceID: d.ID, Callback: &Callback{Seq: seq, Kinds: "PunchLog"}, Seen: &DeviceSeen{At: time.Now()},
			Punches: []Punch{{UserID: "7", UTC: time.Date(2026, 1, 2, 3, 4, int(seq), 0, time.UTC)}}}
	}
	if err := raw.Exec("ALTER TABLE punches RENAME TO punches_away").Error; err != nil {
		t.Fatal(err)
	}
	_, err := s.Apply(ctx, change(1), change(2))
	if err == nil || !strings.Contains(err.Error(), "punches") {
		t.Fatalf("Apply with the punches table away: %v, want an error about punches", err)
	}
	if err := raw.Exec("ALTER TABLE punches_away RENAME TO punches").Error; err != nil {
		t.Fatal(err)
	}
	if last, err := s.LastJournalSeq(ctx); err != nil || last != 0 {
		t.Fatalf("after the failed call the last stored seq is %d (%v), want 0: its callbacks were rolled back", last, err)
	}
	for i := range 3 { // the writer pool's connections, rolled back, serve again
		sum, err := s.Apply(ctx, change(uint64(1+i)), change(uint64(10+i)))
		if err != nil || sum.NewPunches != 2 || sum.Replayed != 0 {
			t.Fatalf("Apply %d after the failure: %+v, %v", i, sum, err)
		}
	}
}
