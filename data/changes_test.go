package data

import (
	"context"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data/datatest"
)

// TestChangesSince: another program's reads follow the journal rows and punches one store writes.
func TestChangesSince(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		ctx := context.Background()
		writer, follower := openDB(t, db), openDB(t, db)
		d, err := writer.EnsureDevice(ctx, "STG-1", "Gate")
		if err != nil {
			t.Fatal(err)
		}
		start, err := follower.ChangesSince(ctx, 0, 0, 10)
		if err != nil || len(start.Callbacks) != 0 || start.LastSeq != 0 || start.LastPunch != 0 || start.NewPunches != 0 {
			t.Fatalf("empty store: %+v, %v", start, err)
		}
		at := time.Date(2030, 1, 2, 8, 0, 0, 0, time.UTC)
		var changes []Change
		for seq := uint64(1); seq <= 5; seq++ {
			c := Change{DeviceID: d.ID, Callback: &Callback{Seq: seq, Kinds: "PunchLog", UserID: "7", Result: ResultAccepted}}
			if seq != 3 { // seq 3 brings no punch
				c.Punches = []Punch{{UserID: "7", UTC: at.Add(time.Duration(seq) * time.Minute)}}
			}
			changes = append(changes, c)
		}
		if _, err := writer.Apply(ctx, changes[:2]...); err != nil {
			t.Fatal(err)
		}
		first, err := follower.ChangesSince(ctx, 0, 0, 10)
		if err != nil || len(first.Callbacks) != 2 || first.LastSeq != 2 || first.NewPunches != 2 || first.LastPunch == 0 {
			t.Fatalf("after 2 callbacks: %+v, %v", first, err)
		}
		if _, err := writer.Apply(ctx, changes[2:]...); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name       string
			limit      int
			wantSeqs   []uint64
			wantPunch  int64
			wantLastSq uint64
		}{
			{"all new", 10, []uint64{3, 4, 5}, 2, 5},
			{"a page", 2, []uint64{3, 4}, 2, 4},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := follower.ChangesSince(ctx, first.LastSeq, first.LastPunch, tt.limit)
				if err != nil {
					t.Fatal(err)
				}
				var seqs []uint64
				for _, cb := range got.Callbacks {
					seqs = append(seqs, cb.Seq)
				}
				if len(seqs) != len(tt.wantSeqs) || seqs[0] != tt.wantSeqs[0] || seqs[len(seqs)-1] != tt.wantSeqs[len(tt.wantSeqs)-1] {
					t.Errorf("seqs %v, want %v", seqs, tt.wantSeqs)
				}
				if got.LastSeq != tt.wantLastSq || got.NewPunches != tt.wantPunch || got.LastPunch <= first.LastPunch {
					t.Errorf("last seq %d, new punches %d, last punch %d (was %d); want %d, %d, higher",
						got.LastSeq, got.NewPunches, got.LastPunch, first.LastPunch, tt.wantLastSq, tt.wantPunch)
				}
			})
		}
		idle, err := follower.ChangesSince(ctx, 5, first.LastPunch+2, 10)
		if err != nil || len(idle.Callbacks) != 0 || idle.LastSeq != 5 || idle.NewPunches != 0 || idle.LastPunch != first.LastPunch+2 {
			t.Errorf("nothing new: %+v, %v", idle, err)
		}
	})
}
