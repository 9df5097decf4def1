package data

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func openTestStore(t testing.TB) *Store {
	t.Helper()
	s, err := OpenDir(t.TempDir())
	if err != nil {
		t.Fatalf("OpenDir: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
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
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nested", "dir", DBFileName)
	for i := range 3 {
		s, err := Open(path)
		if err != nil {
			t.Fatalf("Open #%d: %v", i+1, err)
		}
		if i == 0 {
			d := mustDevice(t, s, "STG-1", "Gate")
			mustApply(t, s, Change{DeviceID: d.ID, Punches: []Punch{punchAt(t, "1", "2024-09-17 08:00:00 GMT +0300", "CheckIn")}})
			if mode := fileMode(t, path+"-wal"); mode != 0o600 {
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
		if s.Path() != path {
			t.Errorf("Path() = %q, want %q", s.Path(), path)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	if mode := fileMode(t, filepath.Dir(path)); mode != 0o700 {
		t.Errorf("data dir mode %o, want 700", mode)
	}
	if mode := fileMode(t, path); mode != 0o600 {
		t.Errorf("database file mode %o, want 600", mode)
	}
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), DBFileName)
	s, err := Open(path)
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
	_, err = Open(path)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open on a newer schema: err = %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), "newer CamsDesk") {
		t.Errorf("error %q does not say what to do", err)
	}
}

func TestOpenRejects(t *testing.T) {
	tests := []struct {
		name, path, want string
	}{
		{"postgres not built in", "postgres://u@localhost/cams", "PostgreSQL"},
		{"query in file path", filepath.Join(t.TempDir(), "x.db?mode=ro"), "must not contain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.path)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded", tt.path)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "data: ") {
				t.Errorf("Open(%q) = %v, want a data: error mentioning %q", tt.path, err, tt.want)
			}
		})
	}
}

func TestReaderIsReadOnly(t *testing.T) {
	s := openTestStore(t)
	err := s.reader.Exec("INSERT INTO devices (stgid) VALUES ('X')").Error
	if err == nil {
		t.Fatal("insert through the reader pool succeeded")
	}
}

func TestStoreDevices(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
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
}
