// Package datatest gives tests a fresh, empty database of each kind the data package opens:
// always a SQLite file in t.TempDir(), and a PostgreSQL database when the environment variable
// CAMS_TEST_POSTGRES holds the DSN of a server the tests may create schemas on (see
// scripts/pgtest.sh). Every PostgreSQL database is a new schema, cams_test_<random>, that the
// DSN's search_path selects and that is dropped when the test ends, so tests stay independent
// and may run in parallel.
//
// It hands out DSNs for data.Open rather than stores, so that the data package's own tests can
// use it too (it does not import data).
package datatest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// EnvPostgres names the environment variable that holds the PostgreSQL server's admin DSN.
const EnvPostgres = "CAMS_TEST_POSTGRES"

// Kinds of DB.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is one fresh, empty database.
type DB struct {
	Name string // SQLite or Postgres: a good subtest name
	DSN  string // what data.Open takes: a SQLite file path, or a postgres:// URL
}

// DBs returns a fresh database of each kind available: SQLite, then PostgreSQL when
// CAMS_TEST_POSTGRES is set. A PostgreSQL server that is set but fails fails the test.
func DBs(t testing.TB) []DB {
	t.Helper()
	dbs := []DB{NewSQLite(t)}
	if PostgresAvailable() {
		dbs = append(dbs, NewPostgres(t))
	}
	return dbs
}

// Run runs fn as one subtest per kind of database ("sqlite", "postgres"), each with a fresh one.
func Run(t *testing.T, fn func(t *testing.T, db DB)) {
	t.Helper()
	kinds := []string{SQLite}
	if PostgresAvailable() {
		kinds = append(kinds, Postgres)
	}
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) { fn(t, New(t, kind)) })
	}
}

// New returns a fresh database of kind SQLite or Postgres; Postgres skips the test when
// CAMS_TEST_POSTGRES is not set.
func New(t testing.TB, kind string) DB {
	t.Helper()
	switch kind {
	case SQLite:
		return NewSQLite(t)
	case Postgres:
		if !PostgresAvailable() {
			t.Skipf("%s is not set: no PostgreSQL to test on", EnvPostgres)
		}
		return NewPostgres(t)
	}
	t.Fatalf("datatest: unknown kind %q", kind)
	return DB{}
}

// NewSQLite returns the path of a new SQLite file in t.TempDir() (cams_data.db, as data.OpenDir names it).
func NewSQLite(t testing.TB) DB {
	return DB{Name: SQLite, DSN: filepath.Join(t.TempDir(), "cams_data.db")}
}

// PostgresAvailable reports whether CAMS_TEST_POSTGRES is set.
func PostgresAvailable() bool { return os.Getenv(EnvPostgres) != "" }

// NewPostgres creates a new schema on the CAMS_TEST_POSTGRES server and returns that server's
// DSN with search_path set to it, so that everything the store creates lands there. The schema
// is dropped with all it holds when the test ends. It fails the test when the server cannot be
// used. (A schema takes a millisecond where CREATE DATABASE takes a few hundred.)
func NewPostgres(t testing.TB) DB {
	t.Helper()
	db, drop, err := PostgresSchema()
	if err != nil {
		t.Fatalf("datatest: %v", err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("datatest: %v", err)
		}
	})
	return db
}

// PostgresSchema is NewPostgres for what outlives one test (TestMain, a fixture that benchmarks
// share): the caller drops the schema with drop.
func PostgresSchema() (db DB, drop func() error, err error) {
	adminDSN := os.Getenv(EnvPostgres)
	if adminDSN == "" {
		return DB{}, nil, fmt.Errorf("%s is not set", EnvPostgres)
	}
	admin, err := adminDB(adminDSN)
	if err != nil {
		return DB{}, nil, err
	}
	var b [8]byte
	rand.Read(b[:])
	name := "cams_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		return DB{}, nil, fmt.Errorf("create PostgreSQL schema %s: %w", name, err)
	}
	drop = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE"); err != nil {
			return fmt.Errorf("drop PostgreSQL schema %s: %w", name, err)
		}
		return nil
	}
	u, _ := url.Parse(adminDSN) // adminDB parsed it
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return DB{Name: Postgres, DSN: u.String()}, drop, nil
}

// Raw opens a second, plain gorm handle on db (no Store, no migrations), to look at or break the
// database under a Store. It is closed when the test ends.
func Raw(t testing.TB, db DB) *gorm.DB {
	t.Helper()
	var dialector gorm.Dialector
	switch db.Name {
	case SQLite:
		dialector = sqlite.Open(db.DSN + "?_pragma=busy_timeout(10000)")
	case Postgres:
		dialector = postgres.Open(db.DSN)
	default:
		t.Fatalf("datatest: raw: unknown kind %q", db.Name)
	}
	g, err := gorm.Open(dialector, &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		t.Fatalf("datatest: raw %s: %v", db.Name, err)
	}
	t.Cleanup(func() {
		if s, err := g.DB(); err == nil {
			s.Close()
		}
	})
	return g
}

var admin struct {
	once sync.Once
	db   *sql.DB
	err  error
}

// adminDB returns the connection pool to the server's admin database, shared by the whole test
// binary (and closed with it).
func adminDB(dsn string) (*sql.DB, error) {
	admin.once.Do(func() {
		u, err := url.Parse(dsn)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			admin.err = fmt.Errorf("%s must be a postgres:// URL", EnvPostgres)
			return
		}
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			admin.err = fmt.Errorf("%s=%s: %w", EnvPostgres, u.Redacted(), err)
			return
		}
		db.SetMaxOpenConns(2)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			admin.err = fmt.Errorf("%s=%s: cannot reach the server: %w", EnvPostgres, u.Redacted(), err)
			return
		}
		admin.db = db
	})
	return admin.db, admin.err
}
