package receiver

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
)

// FuzzPrepare feeds arbitrary bodies to the callback decoder: it must never panic, never keep a token in the
// shortened body, and never name a file outside photos/. Seeded from every sample.
func FuzzPrepare(f *testing.F) {
	entries, err := os.ReadDir(fixturesPath)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(fixturesPath, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
		f.Add(b, mainSTGID)
	}
	f.Add([]byte(`{"RealTime":{"AuthToken":"`+testToken+`","Log":{"UserID":"../../x","LogPhoto":"/9j/","LogTime":"2020-01-01 00:00:00"}}}`), "")
	f.Add([]byte(`{"Load":{"UserInfo":{"UserID":1}},"AuthToken":1}`), sealedSTGID)
	dir := f.TempDir()
	conv := &converter{dataDir: dir, dir: newDirectory(testProfiles, nil), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f.Fuzz(func(t *testing.T, body []byte, stgid string) {
		o := conv.prepare(record{Seq: 1, Received: time.Unix(1700000000, 0), STGID: stgid, Body: body})
		switch o.result {
		case data.ResultAccepted, data.ResultRejected, data.ResultError:
		default:
			t.Fatalf("result %q", o.result)
		}
		if o.result == data.ResultAccepted && o.stgid == "" {
			t.Fatal("accepted without a device")
		}
		if strings.Contains(o.body, testToken) || strings.Contains(o.reason(), testToken) {
			t.Fatalf("token kept: body %q reason %q", o.body, o.reason())
		}
		var paths []string
		for _, p := range o.photos {
			paths = append(paths, p.Path)
		}
		for _, u := range o.users {
			for _, tp := range u.templates {
				if tp.Path != "" {
					paths = append(paths, tp.Path)
				}
			}
		}
		for _, p := range paths {
			if !filepath.IsLocal(filepath.FromSlash(p)) || !strings.HasPrefix(p, PhotosDir+"/") || strings.Contains(p, "..") {
				t.Fatalf("photo path %q", p)
			}
		}
		for _, ch := range o.changes(1, 1, o.seen) {
			if ch.Callback != nil && ch.Callback.Seq != 1 {
				t.Fatal("seq lost")
			}
		}
	})
}
