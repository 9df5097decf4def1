package data

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
)

// openSQLite opens the writer (one connection, immediate transactions) and the read-only pool.
func openSQLite(path string) (writer, reader *gorm.DB, err error) {
	switch {
	case path == "" || path == ":memory:" || strings.HasPrefix(path, "file:"):
		// The writer and the readers must open the same file.
		return nil, nil, fmt.Errorf("data: database path %q: want a file path", path)
	case strings.ContainsRune(path, '?'):
		return nil, nil, fmt.Errorf("data: database path %q must not contain '?'", path)
	}
	if err := ensureParent(path); err != nil {
		return nil, nil, err
	}
	// A new database is private: SQLite gives its -wal and -shm files the same mode.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, nil, fmt.Errorf("data: create %s: %w", path, err)
	}
	writer, err = openSQLiteHandle(path, 1, "_pragma="+url.QueryEscape("journal_mode(WAL)"), "_txlock=immediate",
		"_pragma="+url.QueryEscape("wal_autocheckpoint(0)")) // checkpoint.go
	if err != nil {
		return nil, nil, err
	}
	// The writer has created the file and switched it to WAL before any reader opens it.
	reader, err = openSQLiteHandle(path, readerConns, "_pragma="+url.QueryEscape("query_only(1)"))
	if err != nil {
		closeGorm(writer)
		return nil, nil, err
	}
	return writer, reader, nil
}

func openSQLiteHandle(path string, conns int, extra ...string) (*gorm.DB, error) {
	q := append([]string{
		"_pragma=" + url.QueryEscape("busy_timeout(10000)"),
		"_pragma=" + url.QueryEscape("synchronous(NORMAL)"),
		"_pragma=" + url.QueryEscape("foreign_keys(1)"),
	}, extra...)
	db, err := gorm.Open(sqlite.Open(path+"?"+strings.Join(q, "&")), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("data: open %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("data: open %s: %w", path, err)
	}
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	sqlDB.SetConnMaxLifetime(0)
	sqlDB.SetConnMaxIdleTime(0)
	if err := sqlDB.Ping(); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("data: open %s: %w", path, err)
	}
	return db, nil
}

func closeGorm(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		sqlDB.Close()
	}
}
