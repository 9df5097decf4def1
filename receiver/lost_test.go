package receiver

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/datatest"
)

// TestAcknowledgedOnlyWhenKept breaks the journal, the database or both: a callback is answered done
// only when one of them took it, and the log says "lost" exactly for the callbacks neither took.
func TestAcknowledgedOnlyWhenKept(t *testing.T) {
	tests := []struct {
		name                      string
		journalDown, databaseDown bool
		wantDone                  bool
	}{
		{"both up", false, false, true},
		{"database down", false, true, true},
		{"journal down", true, false, true},
		{"both down", true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			store, err := data.Open(datatest.NewSQLite(t).DSN)
			if err != nil {
				t.Fatal(err)
			}
			logs := &syncBuffer{}
			r, err := New(Options{Store: store, DataDir: dir, Profiles: testProfiles,
				Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			if tt.journalDown {
				// No segment is open yet; the journal's folder becomes a file, so none can be created.
				jdir := filepath.Join(dir, JournalDir)
				if err := os.RemoveAll(jdir); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(jdir, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if tt.databaseDown {
				store.Close()
			}
			srv := httptest.NewServer(r.Handler())
			defer func() {
				srv.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				r.Close(ctx)
				store.Close()
			}()

			const posts = 3
			done := 0
			for i := range posts {
				resp, err := http.Post(srv.URL+"/callback?stgid="+mainSTGID, "application/json", strings.NewReader(string(punchAt(t, "1", i))))
				if err != nil {
					continue // aborted: no answer
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK && string(b) == `{"status":"done"}` {
					done++
				}
			}
			lost := strings.Count(logs.String(), "callback lost")
			if tt.wantDone && (done != posts || lost != 0) {
				t.Errorf("%d of %d answered done, %d logged lost; want all done, none lost\n%s", done, posts, lost, logs)
			}
			if !tt.wantDone && (done != 0 || lost != posts) {
				t.Errorf("%d of %d answered done, %d logged lost; want none done, all lost\n%s", done, posts, lost, logs)
			}
			if !tt.databaseDown {
				if n, err := store.CountPunches(context.Background(), data.PunchFilter{}); err != nil || n != posts {
					t.Errorf("%d punches stored, %v; want %d", n, err, posts)
				}
			}
		})
	}
}
