package data

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ErrSchemaTooNew is wrapped when the database was migrated by a newer CamsDesk.
var ErrSchemaTooNew = errors.New("data: database schema is newer than this program")

// schemaMigration records one applied migration.
type schemaMigration struct {
	Version   int       `gorm:"primaryKey;autoIncrement:false"`
	AppliedAt time.Time `gorm:"not null"`
}

func (schemaMigration) TableName() string { return "schema_migrations" }

type migration struct {
	version int
	name    string
	up      func(tx *gorm.DB) error
}

// migrations run in order; append new ones, never edit an applied one.
var migrations = []migration{
	{version: 1, name: "initial schema", up: func(tx *gorm.DB) error {
		return tx.AutoMigrate(&Device{}, &User{}, &Template{}, &Punch{}, &Photo{}, &Event{}, &Callback{}, &Exchange{})
	}},
	{version: 2, name: "receivers lease", up: migrateReceivers},
	{version: 3, name: "fewer punch and photo indexes", up: migrateWriteIndexes},
}

// SchemaVersion is the schema version this program writes.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// migrateLock is the PostgreSQL advisory lock key ("CAMS") that lets one program migrate at a time.
const migrateLock = 0x43414d53

// migrate applies the pending migrations in one transaction. On PostgreSQL, where several
// programs may open the same database at once, they take turns.
func migrate(ctx context.Context, db *gorm.DB) error {
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if tx.Dialector.Name() == "postgres" {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", migrateLock).Error; err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		if err := tx.AutoMigrate(&schemaMigration{}); err != nil {
			return err
		}
		var current int
		if err := tx.Model(&schemaMigration{}).Select("COALESCE(MAX(version), 0)").Scan(&current).Error; err != nil {
			return err
		}
		if latest := SchemaVersion(); current > latest {
			return fmt.Errorf("%w: it is at version %d, this program knows up to %d; use a newer CamsDesk",
				ErrSchemaTooNew, current, latest)
		}
		for _, m := range migrations {
			if m.version <= current {
				continue
			}
			if err := m.up(tx); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
			if err := tx.Create(&schemaMigration{Version: m.version, AppliedAt: time.Now().UTC()}).Error; err != nil {
				return fmt.Errorf("migration %d (%s): record: %w", m.version, m.name, err)
			}
		}
		return nil
	})
	if errors.Is(err, ErrSchemaTooNew) {
		return err
	}
	if err != nil {
		return fmt.Errorf("data: migrate: %w", err)
	}
	return nil
}
