package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

// Store is CamsDesk's database: the writer and a pool of read-only readers.
type Store struct {
	path   string // the SQLite file, or the DSN with its password masked
	writer *gorm.DB
	reader *gorm.DB
	pg     bool       // PostgreSQL, else SQLite
	stmts  *stmtCache // the SQLite writer's prepared statements
	ckpt   *checkpointer
}

// OpenDir opens or creates cams_data.db inside dataDir.
func OpenDir(dataDir string) (*Store, error) {
	return Open(filepath.Join(dataDir, DBFileName))
}

// Open opens the database at dsn and brings its schema up to date. A postgres:// or
// postgresql:// URL opens that PostgreSQL database (which must exist); anything else is a
// SQLite file, created when missing. Errors name the database, never its password.
func Open(dsn string) (*Store, error) {
	s := &Store{path: MaskDSN(dsn), pg: IsPostgresDSN(dsn), stmts: &stmtCache{}}
	var err error
	if s.pg {
		s.writer, s.reader, err = openPostgres(dsn)
	} else {
		s.writer, s.reader, err = openSQLite(dsn)
	}
	if err != nil {
		return nil, err
	}
	if !s.pg {
		if s.ckpt, err = startCheckpointer(dsn); err != nil {
			s.Close()
			return nil, err
		}
	}
	if err := migrate(context.Background(), s.writer); err != nil {
		s.Close()
		return nil, fmt.Errorf("%w (%s %s)", redact(err, dsnPassword(dsn)), s.Kind(), s.path)
	}
	return s, nil
}

// Path returns the SQLite path the store was opened with, or its DSN with the password masked.
func (s *Store) Path() string { return s.path }

// Kind names the database: "SQLite" or "PostgreSQL".
func (s *Store) Kind() string {
	if s.pg {
		return "PostgreSQL"
	}
	return "SQLite"
}

// write runs fn in a writer transaction. On PostgreSQL, where writers run concurrently, a
// transaction that lost a deadlock or a serialization conflict runs again (fn must allow it).
func (s *Store) write(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.retry(ctx, func() error { return s.transaction(ctx, fn) })
}

// retry runs one write transaction, attempt, and on PostgreSQL again while it fails retryably.
func (s *Store) retry(ctx context.Context, attempt func() error) error {
	const attempts = 5
	for i := 1; ; i++ {
		err := attempt()
		if err == nil && s.ckpt != nil {
			s.ckpt.wrote()
		}
		if err == nil || !s.pg || i == attempts || !retryable(err) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(i*i) * 10 * time.Millisecond):
		}
	}
}

// transaction runs fn in one writer transaction. On SQLite it runs on a connection of its own,
// which the context carries for its prepared statements (sqlite_rows.go).
func (s *Store) transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if s.pg {
		return s.writer.WithContext(ctx).Transaction(fn)
	}
	return s.writer.WithContext(ctx).Connection(func(c *gorm.DB) error {
		conn, ok := c.Statement.ConnPool.(*sql.Conn)
		if !ok {
			return fmt.Errorf("data: writer connection is a %T", c.Statement.ConnPool)
		}
		return c.WithContext(context.WithValue(ctx, writerConnKey{}, writerTx{conn, s.stmts})).Transaction(fn)
	})
}

// Close closes the reader pool and the writer.
func (s *Store) Close() error {
	if s.ckpt != nil {
		s.ckpt.close()
	}
	if !s.pg && s.writer != nil {
		s.finalizeStatements()
	}
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

// finalizeStatements lets go of the SQLite writer's prepared statements: a connection closes only
// once they are.
func (s *Store) finalizeStatements() {
	sqlDB, err := s.writer.DB()
	if err != nil {
		return
	}
	conn, err := sqlDB.Conn(context.Background())
	if err != nil {
		return
	}
	defer conn.Close()
	conn.Raw(func(driverConn any) error {
		if h, err := handleOf(driverConn); err == nil {
			s.stmts.close(h)
		}
		return nil
	})
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
