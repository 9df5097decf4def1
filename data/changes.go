package data

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"
)

// Changes is what the store gained after a point: for a program that shares the database with the receiver
// (another process, another PC) and follows what it stores.
type Changes struct {
	Callbacks  []Callback // journal rows with a seq above the one asked, oldest first, at most the limit
	LastSeq    uint64     // the highest seq of Callbacks, else the one asked
	LastPunch  uint       // the highest punch id, else the one asked
	NewPunches int64      // punches with an id above the one asked
}

// ChangesSince reads the journal rows after seq (at most limit, oldest first; call again while a full page
// comes back) and the punches after the punch id afterPunch, both as of one moment, so that a callback and
// its punches are seen together. Both reads are cheap on an index.
func (s *Store) ChangesSince(ctx context.Context, seq uint64, afterPunch uint, limit int) (Changes, error) {
	c := Changes{LastSeq: seq, LastPunch: afterPunch}
	if limit <= 0 || limit > MaxLimit {
		limit = MaxLimit
	}
	err := s.snapshot(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("seq > ?", seq).Order("seq").Limit(limit).Find(&c.Callbacks).Error; err != nil {
			return fmt.Errorf("callbacks: %w", err)
		}
		var p struct {
			Last  uint
			Count int64
		}
		err := tx.Model(&Punch{}).Select("COALESCE(MAX(id), 0) AS last, COUNT(*) AS count").Where("id > ?", afterPunch).Scan(&p).Error
		if err != nil {
			return fmt.Errorf("punches: %w", err)
		}
		if p.Count > 0 {
			c.LastPunch, c.NewPunches = p.Last, p.Count
		}
		return nil
	})
	if err != nil {
		return Changes{}, fmt.Errorf("data: changes: %w", err)
	}
	if n := len(c.Callbacks); n > 0 {
		c.LastSeq = c.Callbacks[n-1].Seq
	}
	return c, nil
}

// ChangesStart is where a follower that wants only what comes next starts ChangesSince: the last journal seq
// and the last punch id, as of one moment.
func (s *Store) ChangesStart(ctx context.Context) (seq uint64, punch uint, err error) {
	err = s.snapshot(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&Callback{}).Select("COALESCE(MAX(seq), 0)").Scan(&seq).Error; err != nil {
			return err
		}
		return tx.Model(&Punch{}).Select("COALESCE(MAX(id), 0)").Scan(&punch).Error
	})
	if err != nil {
		return 0, 0, fmt.Errorf("data: changes start: %w", err)
	}
	return seq, punch, nil
}

// snapshot runs fn's reads in one read-only transaction that sees the database as of one moment (SQLite's
// WAL readers do; PostgreSQL needs repeatable read).
func (s *Store) snapshot(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var opts *sql.TxOptions
	if s.pg {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return s.reader.WithContext(ctx).Transaction(fn, opts)
}
