package data

import (
	"context"
	"database/sql/driver"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// On PostgreSQL, Apply of changes that hold only callbacks, devices seen and punches (the callback
// receiver's usual load) takes two round trips to the server instead of six: one pgx batch sends
// BEGIN, the device locks and the callback rows; once the returned seqs say which callbacks are new,
// another sends the devices seen, their punches and COMMIT. The statements and their outcome are
// those of the general path.

// pipelined reports whether Apply can take changes in two round trips.
func pipelined(changes []Change) bool {
	for _, c := range changes {
		if c.User != nil || len(c.Templates) > 0 || c.Deletion != nil || len(c.Photos) > 0 || len(c.Events) > 0 {
			return false
		}
		for _, p := range c.Punches {
			if p.PhotoPath != "" { // may fill a stored punch's path: the general path does that
				return false
			}
		}
	}
	return true
}

// applyPipelined is Apply for changes that pipelined accepts, on PostgreSQL.
func (s *Store) applyPipelined(ctx context.Context, changes []Change) (Summary, error) {
	var sum Summary
	err := s.retry(ctx, func() error {
		var err error
		sum, err = s.applyPipelinedOnce(ctx, changes)
		return err
	})
	return sum, err
}

func (s *Store) applyPipelinedOnce(ctx context.Context, changes []Change) (Summary, error) {
	var sum Summary
	cbs, at, fresh, err := callbackRows(changes)
	if err != nil {
		return sum, err
	}
	sqlDB, err := s.writer.DB()
	if err != nil {
		return sum, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return sum, err
	}
	defer conn.Close()
	var txErr error
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("writer connection is a %T", dc)
		}
		pc := sc.Conn()
		if txErr = s.pipelinedTx(ctx, pc, changes, cbs, at, fresh, &sum); txErr == nil {
			return nil
		}
		// Leave the connection idle, or have database/sql discard it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := pc.Exec(rctx, "ROLLBACK"); err != nil || pc.PgConn().TxStatus() != 'I' {
			return driver.ErrBadConn
		}
		return txErr
	})
	if txErr != nil {
		return Summary{}, txErr
	}
	return sum, err
}

// pipelinedTx runs the transaction on pc; on an error the caller rolls back.
func (s *Store) pipelinedTx(ctx context.Context, pc *pgx.Conn, changes []Change, cbs []Callback, at map[uint64]int,
	fresh []bool, sum *Summary) error {
	var first pgx.Batch
	first.Queue("BEGIN")
	keys := lockKeys(changes)
	if len(keys) > 0 {
		first.Queue(dollarPlaceholders(lockDevicesSQL), applyLock, keys)
	}
	cbInsert := newRowInsert(s.writer, "callbacks", callbackColumns, "seq", "seq")
	inserts, err := queueRows(&first, cbInsert, len(cbs), func(i int, args []any) []any { return callbackValues(args, &cbs[i]) })
	if err != nil {
		return fmt.Errorf("callbacks: %w", err)
	}
	err = sendBatch(ctx, pc, &first, func(br pgx.BatchResults) error {
		if _, err := br.Exec(); err != nil {
			return err
		}
		if len(keys) > 0 {
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("lock devices %v: %w", keys, err)
			}
		}
		for range inserts {
			rows, err := br.Query()
			if err != nil {
				return fmt.Errorf("callbacks: %w", err)
			}
			for rows.Next() {
				if err := markFresh(rows, at, fresh); err != nil {
					rows.Close()
					return fmt.Errorf("callbacks: %w", err)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("callbacks: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	var rows rowsOf
	for i, c := range changes {
		if !fresh[i] {
			sum.Replayed++
			continue
		}
		if err := rows.add(c); err != nil {
			return fmt.Errorf("change %d: %w", i, err)
		}
	}
	var second pgx.Batch
	if len(rows.seen) > 0 {
		text, args := seenSQL(rows.seen, true)
		second.Queue(dollarPlaceholders(text), args...)
	}
	all, punches := punchRows(rows.punches)
	now := time.Now().UTC()
	punchInserts, err := queueRows(&second, newPunchInsert(s.writer), len(punches),
		func(i int, args []any) []any { return punchValues(args, &punches[i], now) })
	if err != nil {
		return fmt.Errorf("punches: %w", err)
	}
	second.Queue("COMMIT")
	return sendBatch(ctx, pc, &second, func(br pgx.BatchResults) error {
		if len(rows.seen) > 0 {
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("seen: %w", err)
			}
		}
		added := 0
		for range punchInserts {
			tag, err := br.Exec()
			if err != nil {
				return fmt.Errorf("punches: %w", err)
			}
			added += int(tag.RowsAffected())
		}
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		sum.NewPunches += added
		sum.DuplicatePunches += len(all) - added
		return nil
	})
}

// queueRows queues on b the statements that insert n rows with q and returns how many.
func queueRows(b *pgx.Batch, q rowInsert, n int, row func(i int, args []any) []any) (int, error) {
	count := 0
	err := q.chunks(n, row, func(text string, args []any) error {
		b.Queue(text, slices.Clone(args)...) // chunks reuses args
		count++
		return nil
	})
	return count, err
}

// sendBatch sends b, reads its results with read and closes them; the first error is returned.
func sendBatch(ctx context.Context, pc *pgx.Conn, b *pgx.Batch, read func(pgx.BatchResults) error) error {
	br := pc.SendBatch(ctx, b)
	if err := read(br); err != nil {
		br.Close()
		return err
	}
	return br.Close()
}
