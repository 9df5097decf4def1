package data

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// DBFileName is the SQLite file OpenDir opens inside the data dir.
const DBFileName = "cams_data.db"

// ErrNotFound is wrapped by reads that find no row.
var ErrNotFound = errors.New("data: not found")

// readerConns is the size of the read-only pool.
const readerConns = 4

// Store is CamsDesk's database: one writer, a pool of readers.
type Store struct {
	path   string
	writer *gorm.DB
	reader *gorm.DB
}

// OpenDir opens or creates cams_data.db inside dataDir.
func OpenDir(dataDir string) (*Store, error) {
	return Open(filepath.Join(dataDir, DBFileName))
}

// Open opens or creates the database at path and brings its schema up to date.
// path is a SQLite file; a postgres:// DSN is recognised but not built in yet.
func Open(path string) (*Store, error) {
	var (
		writer, reader *gorm.DB
		err            error
	)
	switch {
	case isPostgresDSN(path):
		return nil, fmt.Errorf("data: PostgreSQL is not supported by this build")
	default:
		writer, reader, err = openSQLite(path)
	}
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, writer: writer, reader: reader}
	if err := migrate(context.Background(), s.writer); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Path returns the path (or DSN) the store was opened with.
func (s *Store) Path() string { return s.path }

// Close closes the reader pool and the writer.
func (s *Store) Close() error {
	var errs []error
	for _, db := range []*gorm.DB{s.reader, s.writer} {
		if db == nil {
			continue
		}
		sqlDB, err := db.DB()
		if err == nil {
			err = sqlDB.Close()
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("data: close: %w", err)
	}
	return nil
}

func isPostgresDSN(path string) bool {
	return strings.HasPrefix(path, "postgres://") || strings.HasPrefix(path, "postgresql://")
}

// gormConfig is shared by every handle: silent logger (no SQL with personal data in logs),
// UTC timestamps, and no implicit transactions (the Store opens its own).
func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                 logger.Default.LogMode(logger.Silent),
		NowFunc:                func() time.Time { return time.Now().UTC() },
		SkipDefaultTransaction: true,
	}
}

// ensureParent creates the directory holding path with mode 0700.
func ensureParent(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data: create %s: %w", dir, err)
	}
	return nil
}
