package data

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data/datatest"
)

// BenchmarkApplyCallbacks applies what the receiver commits for a group of live PunchLog
// callbacks: one callback row each, their punches in the first change, the device seen once.
func BenchmarkApplyCallbacks(b *testing.B) {
	for _, kind := range []string{datatest.SQLite, datatest.Postgres} {
		b.Run(kind, func(b *testing.B) {
			ctx := context.Background()
			s := openDB(b, datatest.New(b, kind))
			d := mustDevice(b, s, "STG-1", "Gate")
			base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			const group = 16
			seq := uint64(0)
			for b.Loop() {
				changes := make([]Change, group)
				punches := make([]Punch, group)
				for i := range changes {
					seq++
					at := base.Add(time.Duration(seq/32) * time.Second)
					punches[i] = Punch{DeviceID: d.ID, UserID: fmt.Sprintf("u%d", seq%32), UTC: at, UTCOffset: 19800,
						LogTime: "x", Type: "CheckIn", InputType: "Face", Source: SourceCallback}
					changes[i] = Change{DeviceID: d.ID, Callback: &Callback{Seq: seq, ReceivedAt: at, Kinds: "PunchLog",
						UserID: punches[i].UserID, OperationID: "op", Result: ResultAccepted,
						Body: `{"RealTime":{"PunchLog":{"Type":"CheckIn","UserId":"1","LogTime":"2024-01-01 05:30:00 GMT +0530"},"AuthToken":"<removed>"}}`}}
				}
				changes[0].Punches = punches
				changes[group-1].Seen = &DeviceSeen{SerialNumber: "SN-1", At: base}
				sum, err := s.Apply(ctx, changes...)
				if err != nil || sum.NewPunches != group {
					b.Fatalf("Apply = %+v, %v", sum, err)
				}
			}
			b.ReportMetric(float64(seq)/b.Elapsed().Seconds(), "callbacks/s")
		})
	}
}
