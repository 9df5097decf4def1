package data

import (
	"context"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/camsdesk/camsdesk/data/datatest"
)

// TestMigrateWriteIndexes opens a database with the indexes of schema version 2: version 3 leaves the
// punches and photos with the indexes the models name, and punches stay unique on (device, user, utc).
func TestMigrateWriteIndexes(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		s := openDB(t, db)
		s.Close()
		raw := datatest.Raw(t, db)
		for _, q := range []string{
			"DROP INDEX ux_punches_user_key",
			"CREATE UNIQUE INDEX ux_punches_key ON punches (device_id, user_id, utc)",
			"CREATE INDEX ix_punches_user_utc ON punches (user_id, utc)",
			"CREATE INDEX ix_punches_local_date ON punches (local_date)",
			"CREATE INDEX ix_photos_local_date ON photos (local_date)",
			"DELETE FROM schema_migrations WHERE version = 3",
		} {
			if err := raw.Exec(q).Error; err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		s = openDB(t, db)
		want := map[string][]string{
			"punches": {"ix_punches_device_utc", "ix_punches_utc", "ux_punches_user_key"},
			"photos":  {"ix_photos_device", "ix_photos_user", "ix_photos_utc", "ux_photos_path"},
		}
		for table, names := range want {
			if got := indexNames(t, raw, table); !slices.Equal(got, names) {
				t.Errorf("%s indexes %v, want %v", table, got, names)
			}
		}
		ctx := context.Background()
		d := mustDevice(t, s, "STG-1", "Gate")
		p := Punch{UserID: "7", UTC: time.Date(2024, 9, 17, 5, 0, 0, 0, time.UTC), Type: "CheckIn"}
		if sum := mustApply(t, s, Change{DeviceID: d.ID, Punches: []Punch{p, p}}); sum.NewPunches != 1 || sum.DuplicatePunches != 1 {
			t.Errorf("summary %+v, want 1 new and 1 duplicate", sum)
		}
		if rows, err := s.Punches(ctx, PunchFilter{UserID: "7"}); err != nil || len(rows) != 1 {
			t.Errorf("Punches of user 7 = %d rows, %v", len(rows), err)
		}
	})
}

// indexNames lists the named indexes of a table, sorted.
func indexNames(t *testing.T, raw *gorm.DB, table string) []string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL"
	if raw.Dialector.Name() == "postgres" {
		q = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ? AND indexname NOT LIKE '%_pkey'"
	}
	var names []string
	if err := raw.Raw(q, table).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}
