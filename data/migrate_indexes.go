package data

import (
	"fmt"

	"gorm.io/gorm"
)

// migrateWriteIndexes (schema version 3) drops the indexes no read needs, so that each stored punch
// writes fewer pages: the punches key becomes (user, device, utc), which also serves a user's
// punches, in place of (device, user, utc) plus (user, utc); local_date filters of punches and photos
// always come with a utc bound, which the utc index serves. A new database already has the
// models' indexes; the statements then change nothing.
func migrateWriteIndexes(tx *gorm.DB) error {
	steps := []string{
		"CREATE UNIQUE INDEX IF NOT EXISTS ux_punches_user_key ON punches (user_id, device_id, utc)",
		"DROP INDEX IF EXISTS ux_punches_key",
		"DROP INDEX IF EXISTS ix_punches_user_utc",
		"DROP INDEX IF EXISTS ix_punches_local_date",
		"DROP INDEX IF EXISTS ix_photos_local_date",
	}
	for _, q := range steps {
		if err := tx.Exec(q).Error; err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}
