package data

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data/datatest"
)

// The writer does not checkpoint (its automatic checkpoints are off); the checkpointer must, soon
// after the writes, so that the WAL does not grow without end.
func TestCheckpointerCopiesTheWAL(t *testing.T) {
	db := datatest.NewSQLite(t)
	s := openDB(t, db)
	d := mustDevice(t, s, "STG-1", "Gate")
	size := func(name string) int64 {
		info, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		return info.Size()
	}
	time.Sleep(2 * checkpointEvery) // the migrations' pages, checkpointed after mustDevice's write
	before := size(db.DSN)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for batch := range 5 {
		ps := make([]Punch, 400)
		for i := range ps {
			ps[i] = Punch{UserID: fmt.Sprint(i), UTC: base.Add(time.Duration(batch*400+i) * time.Minute),
				UTCOffset: 19800, LogTime: "x", Type: "CheckIn", InputType: "Card", Source: SourceCallback}
		}
		mustApply(t, s, Change{DeviceID: d.ID, Punches: ps})
	}
	deadline := time.Now().Add(10 * time.Second)
	for size(db.DSN) < before+64<<10 {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes 10 s after 2,000 punches (%d before), WAL %d bytes: no checkpoint",
				size(db.DSN), before, size(db.DSN+"-wal"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
