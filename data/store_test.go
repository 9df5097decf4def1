package data

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data/datatest"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// openTestStore opens a fresh SQLite store in t.TempDir().
func openTestStore(t testing.TB) *Store {
	t.Helper()
	return openDB(t, datatest.NewSQLite(t))
}

// openDB opens db and closes it when the test ends.
func openDB(t testing.TB, db datatest.DB) *Store {
	t.Helper()
	s, err := Open(db.DSN)
	if err != nil {
		t.Fatalf("Open %s: %v", db.Name, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// eachStore runs fn as one subtest per database (sqlite, and postgres when CAMS_TEST_POSTGRES is
// set), each on a fresh store.
func eachStore(t *testing.T, fn func(t *testing.T, s *Store)) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) { fn(t, openDB(t, db)) })
}

func mustDevice(t testing.TB, s *Store, stgid, name string) Device {
	t.Helper()
	d, err := s.EnsureDevice(context.Background(), stgid, name)
	if err != nil {
		t.Fatalf("EnsureDevice(%q): %v", stgid, err)
	}
	return d
}

func mustApply(t testing.TB, s *Store, changes ...Change) Summary {
	t.Helper()
	sum, err := s.Apply(context.Background(), changes...)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return sum
}

// punchAt builds a punch from a protocol time text "2006-01-02 15:04:05 GMT +0300".
func punchAt(t testing.TB, userID, logTime, typ string) Punch {
	t.Helper()
	wall, err := time.Parse(LocalLayout, logTime[:19])
	if err != nil {
		t.Fatalf("punchAt %q: %v", logTime, err)
	}
	off, err := time.Parse("-0700", strings.TrimPrefix(logTime[19:], " GMT "))
	if err != nil {
		t.Fatalf("punchAt %q: %v", logTime, err)
	}
	_, offset := off.Zone()
	return Punch{
		UserID: userID, UTC: wall.Add(-time.Duration(offset) * time.Second), Local: logTime[:19],
		LocalDate: logTime[:10], UTCOffset: offset, LogTime: logTime, Type: typ, InputType: "Fingerprint",
		Source: SourceCallback,
	}
}

func TestOpenTwiceRecordsVersionOnce(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		ctx := context.Background()
		sqlite := db.Name == datatest.SQLite
		dsn := db.DSN
		if sqlite { // missing parent directories are created, private
			dsn = filepath.Join(filepath.Dir(db.DSN), "nested", "dir", DBFileName)
		}
		for i := range 3 {
			s, err := Open(dsn)
			if err != nil {
				t.Fatalf("Open #%d: %v", i+1, err)
			}
			if i == 0 {
				d := mustDevice(t, s, "STG-1", "Gate")
				mustApply(t, s, Change{DeviceID: d.ID, Punches: []Punch{punchAt(t, "1", "2024-09-17 08:00:00 GMT +0300", "CheckIn")}})
				if mode := fileMode(t, dsn+"-wal"); sqlite && mode != 0o600 {
					t.Errorf("WAL file mode %o, want 600", mode)
				}
			}
			n, err := s.CountPunches(ctx, PunchFilter{})
			if err != nil || n != 1 {
				t.Fatalf("Open #%d: CountPunches = %d, %v; want 1", i+1, n, err)
			}
			var versions []schemaMigration
			if err := s.reader.Find(&versions).Error; err != nil {
				t.Fatal(err)
			}
			if len(versions) != len(migrations) || versions[len(versions)-1].Version != SchemaVersion() {
				t.Fatalf("Open #%d: schema_migrations = %+v, want one row per migration up to %d", i+1, versions, SchemaVersion())
			}
			if s.Path() != dsn {
				t.Errorf("Path() = %q, want %q", s.Path(), dsn)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close #%d: %v", i+1, err)
			}
		}
		if !sqlite {
			return
		}
		if mode := fileMode(t, filepath.Dir(dsn)); mode != 0o700 {
			t.Errorf("data dir mode %o, want 700", mode)
		}
		if mode := fileMode(t, dsn); mode != 0o600 {
			t.Errorf("database file mode %o, want 600", mode)
		}
	})
}

// TestOpenConcurrently opens one new database from several goroutines at once, as camsd and the
// desktop app may: every Open succeeds and each migration is recorded once.
func TestOpenConcurrently(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		const n = 4
		stores := make([]*Store, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { stores[i], errs[i] = Open(db.DSN) })
		}
		wg.Wait()
		for i, s := range stores {
			if errs[i] != nil {
				t.Errorf("Open #%d: %v", i+1, errs[i])
				continue
			}
			defer s.Close()
		}
		if t.Failed() {
			return
		}
		var versions int64
		if err := stores[0].reader.Model(&schemaMigration{}).Count(&versions).Error; err != nil || versions != int64(len(migrations)) {
			t.Errorf("schema_migrations holds %d rows, %v; want %d", versions, err, len(migrations))
		}
	})
}

// fileMode returns the permission bits of path, 0 when it does not exist.
func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		s, err := Open(db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		future := schemaMigration{Version: SchemaVersion() + 1, AppliedAt: time.Now().UTC()}
		if err := s.writer.Create(&future).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		_, err = Open(db.DSN)
		if !errors.Is(err, ErrSchemaTooNew) {
			t.Fatalf("Open on a newer schema: err = %v, want ErrSchemaTooNew", err)
		}
		if !strings.Contains(err.Error(), "newer CamsDesk") || !strings.Contains(err.Error(), MaskDSN(db.DSN)) {
			t.Errorf("error %q does not say what to do and which database", err)
		}
	})
}

func TestOpenRejects(t *testing.T) {
	const secret = "s3cret-pw"
	tests := []struct {
		name, dsn, want string
	}{
		{"postgres refused", "postgres://cams:" + secret + "@127.0.0.1:1/cams?connect_timeout=5", "PostgreSQL postgres://cams:xxxxx@127.0.0.1:1/cams"},
		{"postgres bad setting", "postgresql://cams:" + secret + "@127.0.0.1:1/cams?sslmode=sometimes", "PostgreSQL postgresql://cams:xxxxx@"},
		{"postgres bad url", "postgres://cams:" + secret + "@127.0.0.1:port/cams", "PostgreSQL postgres://(unparsable DSN)"},
		{"query in file path", filepath.Join(t.TempDir(), "x.db?mode=ro"), "must not contain"},
		{"in memory", ":memory:", "want a file path"},
		{"empty", "", "want a file path"},
	}
	if datatest.PostgresAvailable() { // a real server that has no such database
		u, err := url.Parse(datatest.NewPostgres(t).DSN)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(u.User.Username(), secret)
		u.Path = "/no_such_database"
		tests = append(tests, struct{ name, dsn, want string }{"postgres no database", u.String(), "no_such_database"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.dsn)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded", tt.dsn)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "data: ") {
				t.Errorf("Open(%q) = %v, want a data: error mentioning %q", tt.dsn, err, tt.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("Open(%q) = %v: the error shows the password", tt.dsn, err)
			}
		})
	}
}

func TestMaskDSN(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"/var/lib/camsdesk/cams_data.db", "/var/lib/camsdesk/cams_data.db"},
		{"postgres://cams:pw@db.example.com:5432/cams?sslmode=require", "postgres://cams:xxxxx@db.example.com:5432/cams?sslmode=require"},
		{"postgresql://cams@db/cams", "postgresql://cams@db/cams"},
		{"postgres://db/cams?user=cams&password=pw", "postgres://db/cams?password=xxxxx&user=cams"},
		{"postgres://cams:p%20w@db/cams", "postgres://cams:xxxxx@db/cams"},
		{"postgres://cams:pw@db:port/cams", "postgres://(unparsable DSN)"},
	}
	for _, tt := range tests {
		if got := MaskDSN(tt.dsn); got != tt.want {
			t.Errorf("MaskDSN(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}

func TestReaderIsReadOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		err := s.reader.Exec("INSERT INTO devices (stgid) VALUES ('X')").Error
		if err == nil {
			t.Fatal("insert through the reader pool succeeded")
		}
	})
}

func TestStoreDevices(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := mustDevice(t, s, "STG-A", "Gate A")
		if again := mustDevice(t, s, "STG-A", ""); again.ID != a.ID || again.Name != "Gate A" {
			t.Errorf("EnsureDevice with empty name = %+v, want id %d named Gate A", again, a.ID)
		}
		if renamed := mustDevice(t, s, "STG-A", "Front"); renamed.ID != a.ID || renamed.Name != "Front" {
			t.Errorf("EnsureDevice rename = %+v, want id %d named Front", renamed, a.ID)
		}
		b := mustDevice(t, s, "STG-B", "Back")

		at := time.Date(2024, 9, 17, 5, 0, 0, 0, time.UTC)
		mustApply(t, s, Change{DeviceID: b.ID, Seen: &DeviceSeen{SerialNumber: "SN-9", LabelName: "Back Door", At: at}})
		got, err := s.DeviceBySerial(ctx, "SN-9")
		if err != nil || got.ID != b.ID || got.LabelName != "Back Door" || got.LastSeen == nil || !got.LastSeen.Equal(at) {
			t.Errorf("DeviceBySerial = %+v, %v; want device %d seen at %v", got, err, b.ID, at)
		}
		if err := s.SetDeviceInfo(ctx, b.ID, `{"DeviceModel":"X1"}`, at); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.DeviceByID(ctx, b.ID); got.Info != `{"DeviceModel":"X1"}` || got.InfoAt == nil {
			t.Errorf("after SetDeviceInfo: %+v", got)
		}
		if err := s.SetDeviceInfo(ctx, 999, "{}", at); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetDeviceInfo(unknown) = %v, want ErrNotFound", err)
		}
		ds, err := s.Devices(ctx)
		if err != nil || len(ds) != 2 || ds[0].Name != "Back" || ds[1].Name != "Front" {
			t.Fatalf("Devices = %+v, %v; want Back, Front", ds, err)
		}

		mustApply(t, s, Change{DeviceID: b.ID, Punches: []Punch{punchAt(t, "1", "2024-09-17 08:00:00 GMT +0300", "CheckIn")}})
		if err := s.RemoveDevice(ctx, "STG-B"); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveDevice(ctx, "STG-B"); !errors.Is(err, ErrNotFound) {
			t.Errorf("RemoveDevice twice = %v, want ErrNotFound", err)
		}
		if _, err := s.DeviceByID(ctx, b.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("DeviceByID(removed) = %v, want ErrNotFound", err)
		}
		if n, _ := s.CountPunches(ctx, PunchFilter{DeviceID: b.ID}); n != 1 {
			t.Errorf("punches of the removed device = %d, want 1 (history kept)", n)
		}
	})
}

// TestWriteRetriesConflicts runs a writer transaction that loses a deadlock once: PostgreSQL
// runs it again, SQLite (whose writers never deadlock) returns the error.
func TestWriteRetriesConflicts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		for _, code := range []string{"40P01", "40001", "23505"} {
			calls := 0
			err := s.write(context.Background(), func(tx *gorm.DB) error {
				calls++
				if calls == 1 {
					return fmt.Errorf("step: %w", &pgconn.PgError{Code: code})
				}
				return tx.Create(&Exchange{Operation: "retried"}).Error
			})
			wantCalls := 1
			if s.pg && code != "23505" { // a unique violation is not a conflict of timing
				wantCalls = 2
			}
			if calls != wantCalls || (err == nil) != (wantCalls == 2) {
				t.Errorf("%s: %d calls, err %v; want %d calls", code, calls, err, wantCalls)
			}
		}
	})
}
