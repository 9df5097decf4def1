package datatest_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"testing"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/datatest"
)

// TestFreshAndDropped opens every kind twice: each database starts empty, holds only its own
// rows, and a PostgreSQL schema is gone once its test has ended.
func TestFreshAndDropped(t *testing.T) {
	ctx := context.Background()
	var schemas []string
	for round := range 2 {
		t.Run("round", func(t *testing.T) {
			for _, db := range datatest.DBs(t) {
				s, err := data.Open(db.DSN)
				if err != nil {
					t.Fatalf("%s: %v", db.Name, err)
				}
				ds, err := s.Devices(ctx)
				if err != nil || len(ds) != 0 {
					t.Errorf("%s round %d: %d devices, %v; want an empty database", db.Name, round, len(ds), err)
				}
				if _, err := s.EnsureDevice(ctx, "STG-1", "Gate"); err != nil {
					t.Error(err)
				}
				s.Close()
				if db.Name == datatest.Postgres {
					u, _ := url.Parse(db.DSN)
					schemas = append(schemas, u.Query().Get("search_path"))
				}
			}
		})
	}
	if !datatest.PostgresAvailable() {
		t.Logf("%s is not set: SQLite only", datatest.EnvPostgres)
		return
	}
	admin, err := sql.Open("pgx", os.Getenv(datatest.EnvPostgres))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if len(schemas) != 2 || schemas[0] == schemas[1] {
		t.Fatalf("schemas %q, want two different ones", schemas)
	}
	for _, name := range schemas {
		var n int
		if err := admin.QueryRowContext(ctx, "SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1", name).Scan(&n); err != nil || n != 0 {
			t.Errorf("schema %s: %d left, %v; want it dropped", name, n, err)
		}
	}
}

// TestRaw reaches the very database a store uses, on each kind.
func TestRaw(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		s, err := data.Open(db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.EnsureDevice(context.Background(), "STG-1", "Gate"); err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := datatest.Raw(t, db).Table("devices").Where("stgid = ?", "STG-1").Count(&n).Error; err != nil || n != 1 {
			t.Errorf("raw count = %d, %v; want the store's 1 device", n, err)
		}
	})
}
