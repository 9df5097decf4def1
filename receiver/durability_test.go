package receiver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/datatest"
)

// rawDB opens a second connection to the rig's database, to break and mend it under the receiver.
func rawDB(t *testing.T, db datatest.DB) *gorm.DB {
	t.Helper()
	return datatest.Raw(t, db)
}

// loseDB destroys every table of db (the SQLite file, or the PostgreSQL schema's tables), as a lost
// database would be.
func loseDB(t *testing.T, db datatest.DB) {
	t.Helper()
	if db.Name == datatest.SQLite {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(db.DSN + suffix)
		}
		return
	}
	raw := rawDB(t, db)
	var tables []string
	if err := raw.Raw("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	for _, name := range tables {
		exec(t, raw, `DROP TABLE "`+name+`" CASCADE`)
	}
}

func exec(t *testing.T, db *gorm.DB, sql string) {
	t.Helper()
	if err := db.Exec(sql).Error; err != nil {
		t.Fatal(err)
	}
}

func punchAt(t *testing.T, user string, sec int) []byte {
	t.Helper()
	b := string(fixture(t, "11_punch_log.json"))
	b = strings.Replace(b, `"UserId":"2"`, `"UserId":"`+user+`"`, 1)
	return []byte(strings.Replace(b, "07:48:22", fmt.Sprintf("07:%02d:%02d", sec/60%60, sec%60), 1))
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDatabaseOutage: while the database refuses writes, callbacks are still answered done once journaled;
// when it is back they are stored, in order, without a restart.
func TestDatabaseOutage(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g := newRig(t, db)
		raw := rawDB(t, db)
		g.post("", punchAt(t, "1", 0))
		exec(t, raw, "ALTER TABLE callbacks RENAME TO callbacks_away")
		for i := 1; i <= 5; i++ {
			g.post("", punchAt(t, "1", i))
		}
		if st := g.rcv.Stats(); !st.Pending || st.LastError == "" {
			t.Errorf("stats during the outage = %+v", st)
		}
		exec(t, raw, "ALTER TABLE callbacks_away RENAME TO callbacks")
		waitFor(t, "the journal to be applied", func() bool { return g.countPunches() == 6 })
		waitFor(t, "pending to clear", func() bool { return !g.rcv.Stats().Pending })
		g.post("", punchAt(t, "1", 10))
		if n := g.countPunches(); n != 7 {
			t.Errorf("%d punches, want 7", n)
		}
		if cbs := g.callbacks(); len(cbs) != 7 {
			t.Errorf("%d journal rows, want 7", len(cbs))
		}
		if st := g.rcv.Stats(); st.Replayed != 5 {
			t.Errorf("replayed %d, want 5", st.Replayed)
		}
	})
}

// TestOneBadCallbackDoesNotBlockOthers: a callback whose rows cannot be stored keeps its journal row (result
// error, with the reason); the others of its batch are stored.
func TestOneBadCallbackDoesNotBlockOthers(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g := newRig(t, db, func(o *Options) { o.MaxDelay = 50 * time.Millisecond })
		raw := rawDB(t, db)
		exec(t, raw, "ALTER TABLE punches RENAME TO punches_away")
		var wg sync.WaitGroup
		for _, f := range []string{"11_punch_log.json", "09_user_updated_without_template.json", "02_date_modified.json"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				g.post("", fixture(t, f))
			}()
		}
		wg.Wait()
		exec(t, raw, "ALTER TABLE punches_away RENAME TO punches")
		results := map[string]data.Callback{}
		for _, cb := range g.callbacks() {
			results[cb.Kinds] = cb
		}
		if cb := results["PunchLog"]; cb.Result != data.ResultError || !strings.Contains(cb.Reason, "not stored") {
			t.Errorf("punch row = %+v", cb)
		}
		if cb := results["UserUpdated"]; cb.Result != data.ResultAccepted {
			t.Errorf("user row = %+v", cb)
		}
		if _, err := g.store.User(context.Background(), g.deviceID(mainSTGID), "4"); err != nil {
			t.Errorf("user 4 not stored: %v", err)
		}
		if g.rcv.Stats().Pending {
			t.Error("a bad callback put the receiver in pending mode")
		}
	})
}

// TestJournalAppliedOnNextStart: callbacks journaled while the database was unavailable are stored by the
// next start, and starting again (camsd replay) changes nothing.
func TestJournalAppliedOnNextStart(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		dir := t.TempDir()
		g := openRig(t, db, dir)
		raw := rawDB(t, db)
		g.post("", punchAt(t, "7", 1))
		exec(t, raw, "ALTER TABLE callbacks RENAME TO callbacks_away")
		g.post("", punchAt(t, "7", 2))
		g.post("", fixture(t, "05_user_updated_fingerprint.json"))
		g.close()
		exec(t, raw, "ALTER TABLE callbacks_away RENAME TO callbacks")

		for round := 0; round < 2; round++ {
			g = openRig(t, db, dir)
			if n := g.countPunches(); n != 2 {
				t.Errorf("round %d: %d punches, want 2", round, n)
			}
			if n := len(g.callbacks()); n != 3 {
				t.Errorf("round %d: %d journal rows, want 3", round, n)
			}
			if ts := g.templates(g.deviceID(mainSTGID), "3"); len(ts) != 1 {
				t.Errorf("round %d: templates %+v", round, ts)
			}
			g.close()
		}
	})
}

// TestRebuildFromJournal: with the database lost, the journal alone rebuilds every row.
func TestRebuildFromJournal(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		dir := t.TempDir()
		g := openRig(t, db, dir)
		for i := 0; i < 20; i++ {
			g.post("", punchAt(t, fmt.Sprint(i%4), i))
		}
		g.post("", fixture(t, "06_user_updated_face.json"))
		g.close()
		loseDB(t, db)
		g = openRig(t, db, dir)
		if n := g.countPunches(); n != 20 {
			t.Errorf("%d punches after rebuild, want 20", n)
		}
		if ts := g.templates(g.deviceID(mainSTGID), "3"); len(ts) != 1 || ts[0].Path == "" {
			t.Errorf("templates after rebuild: %+v", ts)
		}
		// New callbacks continue the numbering.
		g.post("", punchAt(t, "9", 59))
		if cb := g.lastCallback(); cb.Seq != 22 {
			t.Errorf("next seq = %d, want 22", cb.Seq)
		}
	})
}

// TestConcurrentCallbacks: every acknowledged callback is stored, with many connections at once.
func TestConcurrentCallbacks(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g := newRig(t, db)
		const workers, each = 16, 25
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					g.post("stgid="+mainSTGID, punchAt(t, fmt.Sprint("w", w), i))
				}
			}()
		}
		wg.Wait()
		if n := g.countPunches(); n != workers*each {
			t.Errorf("%d punches, want %d", n, workers*each)
		}
		if n := len(g.callbacks()); n != workers*each {
			t.Errorf("%d journal rows, want %d", n, workers*each)
		}
	})
}

// TestEvents: subscribers get one event per stored callback; a slow one misses events and blocks nothing.
func TestEvents(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g := newRig(t, db)
		events, cancel := g.rcv.Subscribe(10)
		defer cancel()
		slow, cancelSlow := g.rcv.Subscribe(1)
		defer cancelSlow()
		g.post("", fixture(t, "odd_several_subkeys.json"))
		g.post("stgid="+mainSTGID, []byte("{broken"))
		for i := 0; i < 5; i++ {
			g.post("", punchAt(t, "5", i))
		}
		want := []struct {
			kinds  string
			result string
			newP   int
		}{{"PunchLog,Log", data.ResultAccepted, 1}, {"", data.ResultRejected, 0}}
		for i, w := range want {
			select {
			case e := <-events:
				if strings.Join(e.Kinds, ",") != w.kinds || e.Result != w.result || e.NewPunches != w.newP || e.Seq != uint64(i+1) {
					t.Errorf("event %d = %+v", i, e)
				}
				if i == 0 && (e.DeviceName != "Main Gate" || e.UserID != "3") {
					t.Errorf("event %d = %+v", i, e)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no event")
			}
		}
		if n := len(slow); n != 1 {
			t.Errorf("slow subscriber holds %d events, want 1", n)
		}
		cancel()
		if _, open := <-events; open {
			// Drain what was buffered before cancel.
			for range events {
			}
		}
		if st := g.rcv.Stats(); st.Today != 7 || st.RejectedToday != 1 || st.LastDevice != "Main Gate" {
			t.Errorf("stats = %+v", st)
		}
	})
}

func TestCallbackLogRotates(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g := newRig(t, db, func(o *Options) { o.LogMaxSize = 400; o.LogKeep = 2 })
		for i := 0; i < 12; i++ {
			g.post("", punchAt(t, "8", i))
		}
		for _, name := range []string{LogFileName, LogFileName + ".1", LogFileName + ".2"} {
			if _, err := os.Stat(filepath.Join(g.dir, name)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		if _, err := os.Stat(filepath.Join(g.dir, LogFileName+".3")); err == nil {
			t.Error("more files kept than LogKeep")
		}
		line := strings.SplitN(g.callbackLog(), "\n", 2)[0]
		for _, part := range []string{"device=\"Main Gate\"", "kind=PunchLog", "user=8", "result=accepted"} {
			if !strings.Contains(line, part) {
				t.Errorf("line %q lacks %s", line, part)
			}
		}
	})
}

func TestLogLineQuotes(t *testing.T) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	got := logLine(at, "Main Gate", "PunchLog", "x\nresult=accepted", "rejected", "")
	if strings.Count(got, "\n") != 1 || !strings.Contains(got, `user="x\nresult=accepted"`) {
		t.Errorf("line = %q", got)
	}
}

func TestDataDirLocked(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g := newRig(t, db)
		_, err := New(Options{Store: g.store, DataDir: g.dir, Profiles: testProfiles})
		if !errors.Is(err, ErrDataDirInUse) {
			t.Fatalf("second receiver on the same data dir: %v", err)
		}
	})
}
