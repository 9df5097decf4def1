package data

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestApplyBatchOfCallbacks applies groups of callbacks as the receiver does, larger than one INSERT
// takes, with seqs stored before, repeated and far apart: each seq is stored once, and only the rows
// of the changes applied now are written.
func TestApplyBatchOfCallbacks(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d := mustDevice(t, s, "STG-1", "Gate")
		base := time.Date(2024, 9, 17, 5, 0, 0, 0, time.UTC)
		change := func(seq uint64) Change {
			at := base.Add(time.Duration(seq) * time.Second)
			return Change{DeviceID: d.ID,
				Callback: &Callback{Seq: seq, ReceivedAt: at, Kinds: "PunchLog,Log", Result: ResultAccepted, Body: fmt.Sprint(seq)},
				Punches:  []Punch{{UserID: fmt.Sprint(seq % 7), UTC: at, Type: "CheckIn"}},
				Photos:   []Photo{{UserID: fmt.Sprint(seq % 7), Kind: PhotoAttendance, UTC: at, Path: fmt.Sprintf("photos/%d.jpg", seq)}},
			}
		}
		seqs := func(from, to uint64, extra ...uint64) []Change {
			var cs []Change
			for q := from; q <= to; q++ {
				cs = append(cs, change(q))
			}
			for _, q := range extra {
				cs = append(cs, change(q))
			}
			return cs
		}
		tests := []struct {
			name                string
			changes             []Change
			wantNew, wantReplay int
			wantStored          int64 // callbacks, punches and photos stored after the step
		}{
			{"more than one INSERT takes", seqs(1, 300), 300, 0, 300},
			{"all stored", seqs(1, 300), 0, 300, 300},
			{"some stored, some new, far apart", seqs(290, 310, 5000, 100000, 5000), 12, 11 + 1, 312},
			{"a seq twice in one group", []Change{change(400), change(400)}, 1, 1, 313},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				sum := mustApply(t, s, tt.changes...)
				if sum.NewPunches != tt.wantNew || sum.Replayed != tt.wantReplay || sum.DuplicatePunches != 0 {
					t.Errorf("summary %+v, want %d new punches and %d replayed", sum, tt.wantNew, tt.wantReplay)
				}
				cbs, err := s.Callbacks(ctx, CallbackFilter{Limit: MaxLimit})
				if err != nil {
					t.Fatal(err)
				}
				punches, err := s.CountPunches(ctx, PunchFilter{})
				if err != nil {
					t.Fatal(err)
				}
				photos, err := s.CountPhotos(ctx, PhotoFilter{})
				if err != nil {
					t.Fatal(err)
				}
				if int64(len(cbs)) != tt.wantStored || punches != tt.wantStored || photos != tt.wantStored {
					t.Errorf("%d callbacks, %d punches, %d photos; want %d of each", len(cbs), punches, photos, tt.wantStored)
				}
				for _, cb := range cbs {
					if cb.Body != fmt.Sprint(cb.Seq) || cb.DeviceID != d.ID || !cb.ReceivedAt.Equal(base.Add(time.Duration(cb.Seq)*time.Second)) {
						t.Fatalf("callback row %+v", cb)
					}
				}
			})
		}
		if seq, err := s.LastJournalSeq(ctx); err != nil || seq != 100000 {
			t.Errorf("LastJournalSeq = %d, %v; want 100000", seq, err)
		}
	})
}

// TestApplySeenOfSeveralDevices: each device takes the last time of the group and the last serial
// number and label given; a device no change saw keeps its own.
func TestApplySeenOfSeveralDevices(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, b, c := mustDevice(t, s, "STG-A", "A"), mustDevice(t, s, "STG-B", "B"), mustDevice(t, s, "STG-C", "C")
		at := time.Date(2024, 9, 17, 5, 0, 0, 0, time.UTC)
		mustApply(t, s, Change{DeviceID: c.ID, Seen: &DeviceSeen{SerialNumber: "SN-C", LabelName: "Yard", At: at}})
		tests := []struct {
			name    string
			changes []Change
			want    map[uint]DeviceSeen
		}{
			{
				name: "one device",
				changes: []Change{
					{DeviceID: a.ID, Seen: &DeviceSeen{SerialNumber: "SN-A", LabelName: "Gate", At: at.Add(time.Second)}},
				},
				want: map[uint]DeviceSeen{a.ID: {"SN-A", "Gate", at.Add(time.Second)}, c.ID: {"SN-C", "Yard", at}},
			},
			{
				name: "two devices, interleaved",
				changes: []Change{
					{DeviceID: b.ID, Seen: &DeviceSeen{SerialNumber: "SN-B1", At: at.Add(2 * time.Second)}},
					{DeviceID: a.ID, Seen: &DeviceSeen{LabelName: "Gate 2", At: at.Add(3 * time.Second)}},
					{DeviceID: b.ID, Seen: &DeviceSeen{LabelName: "Back", At: at.Add(4 * time.Second)}},
					{DeviceID: a.ID, Seen: &DeviceSeen{At: at.Add(5 * time.Second)}},
				},
				want: map[uint]DeviceSeen{a.ID: {"SN-A", "Gate 2", at.Add(5 * time.Second)},
					b.ID: {"SN-B1", "Back", at.Add(4 * time.Second)}, c.ID: {"SN-C", "Yard", at}},
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				mustApply(t, s, tt.changes...)
				for id, want := range tt.want {
					dev, err := s.DeviceByID(ctx, id)
					if err != nil {
						t.Fatal(err)
					}
					if dev.SerialNumber != want.SerialNumber || dev.LabelName != want.LabelName || dev.LastSeen == nil || !dev.LastSeen.Equal(want.At) {
						t.Errorf("device %s: serial %q label %q seen %v; want %+v", dev.STGID, dev.SerialNumber, dev.LabelName, dev.LastSeen, want)
					}
				}
			})
		}
		if _, err := s.Apply(ctx, Change{Seen: &DeviceSeen{At: at}}); err == nil {
			t.Error("Apply took a device seen without a device")
		}
	})
}
