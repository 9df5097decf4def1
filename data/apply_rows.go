package data

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Apply's hot path writes callbacks, punches and photos with INSERTs of its own, on the
// transaction's connection: gorm's Create adds a RETURNING scan and reflection per value. On SQLite
// each row goes through one prepared single-row statement (sqlite_rows.go); its INSERT OR IGNORE
// needs no statement journal, and the columns it could ignore besides the key are NOT NULL ones,
// which these rows always fill. On PostgreSQL one multi-row statement takes many rows.

// rowInsert is an INSERT of rows: VALUES lists of cols placeholders between head and tail.
type rowInsert struct {
	pg   bool
	head string
	tail string
	cols int
}

// newRowInsert inserts into table's columns; on a conflict on key the row is skipped. With
// returning, the statement returns that column of the rows it inserted.
func newRowInsert(tx *gorm.DB, table string, cols []string, key, returning string) rowInsert {
	q := rowInsert{pg: tx.Dialector.Name() == "postgres", cols: len(cols)}
	list := " (" + strings.Join(cols, ", ") + ") VALUES "
	if q.pg {
		q.head = "INSERT INTO " + table + list
		q.tail = " ON CONFLICT (" + key + ") DO NOTHING"
	} else {
		q.head = "INSERT OR IGNORE INTO " + table + list
	}
	if returning != "" {
		q.tail += " RETURNING " + returning
	}
	return q
}

// perStatement is the most rows one PostgreSQL statement takes.
func (q rowInsert) perStatement() int {
	return min(pgBatch, 65535/q.cols)
}

func (q rowInsert) text(rows int) string {
	var b strings.Builder
	b.Grow(len(q.head) + len(q.tail) + rows*q.cols*5)
	b.WriteString(q.head)
	n := 0
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range q.cols {
			if c > 0 {
				b.WriteByte(',')
			}
			n++
			if q.pg {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(n))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	b.WriteString(q.tail)
	return b.String()
}

// exec inserts n rows, row(i, args) appending row i's values, and returns how many it inserted.
func (q rowInsert) exec(tx *gorm.DB, n int, row func(i int, args []any) []any) (int64, error) {
	if !q.pg {
		return q.execSQLite(tx, n, row, nil)
	}
	var total int64
	err := q.chunks(n, row, func(text string, args []any) error {
		res, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, text, args...)
		if err != nil {
			return err
		}
		k, err := res.RowsAffected()
		total += k
		return err
	})
	return total, err
}

// execSQLite inserts n rows on SQLite, one statement per row; inserted, when given, is told each row
// that was inserted rather than skipped.
func (q rowInsert) execSQLite(tx *gorm.DB, n int, row func(i int, args []any) []any, inserted func(i int)) (int64, error) {
	w, ok := writerConn(tx.Statement.Context)
	if !ok || q.pg || q.tail != "" {
		return 0, errors.New("insert: SQLite rows are inserted in a writer transaction, without RETURNING")
	}
	return w.execRows(tx.Statement.Context, q.text(1), n, row, inserted)
}

// query inserts n rows like exec and calls scan for every returned row (PostgreSQL).
func (q rowInsert) query(tx *gorm.DB, n int, row func(i int, args []any) []any, scan func(*sql.Rows) error) error {
	return q.chunks(n, row, func(text string, args []any) error {
		return scanQuery(tx, text, args, scan)
	})
}

func (q rowInsert) chunks(n int, row func(i int, args []any) []any, run func(text string, args []any) error) error {
	per := q.perStatement()
	args := make([]any, 0, min(n, per)*q.cols)
	full := ""
	for from := 0; from < n; from += per {
		to := min(n, from+per)
		args = args[:0]
		for i := from; i < to; i++ {
			args = row(i, args)
		}
		if len(args) != (to-from)*q.cols {
			return fmt.Errorf("insert: %d values for %d rows of %d columns", len(args), to-from, q.cols)
		}
		text := full
		if to-from < per || full == "" {
			text = q.text(to - from)
			if to-from == per {
				full = text
			}
		}
		if err := run(text, args); err != nil {
			return err
		}
	}
	return nil
}

// execSQL runs one statement written with ? placeholders on the transaction's connection.
func execSQL(tx *gorm.DB, text string, args ...any) error {
	if w, ok := writerConn(tx.Statement.Context); ok {
		return w.exec(tx.Statement.Context, text, args...)
	}
	if tx.Dialector.Name() == "postgres" {
		text = dollarPlaceholders(text)
	}
	_, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, text, args...)
	return err
}

// scanQuery runs text as the database takes it and calls scan for every row.
func scanQuery(tx *gorm.DB, text string, args []any, scan func(*sql.Rows) error) error {
	rows, err := tx.Statement.ConnPool.QueryContext(tx.Statement.Context, text, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// dollarPlaceholders numbers the ? placeholders of text for PostgreSQL: $1, $2, ...
func dollarPlaceholders(text string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(text); i++ {
		if text[i] != '?' {
			b.WriteByte(text[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// nullable turns a nil pointer into NULL and any other into its value.
func nullable[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

var callbackColumns = []string{"seq", "received_at", "device_id", "kinds", "user_id", "operation_id", "result", "reason", "body"}

func callbackValues(args []any, c *Callback) []any {
	return append(args, int64(c.Seq), c.ReceivedAt, int64(c.DeviceID), c.Kinds, c.UserID, c.OperationID, c.Result, c.Reason, c.Body)
}

var punchColumns = []string{"device_id", "user_id", "utc", "local", "local_date", "utc_offset", "log_time", "type",
	"input_type", "temperature", "face_mask", "source", "photo_path", "created_at"}

// newPunchInsert inserts punches, skipping those the store has (same device, user and instant).
func newPunchInsert(tx *gorm.DB) rowInsert {
	return newRowInsert(tx, "punches", punchColumns, "device_id, user_id, utc", "")
}

func punchValues(args []any, p *Punch, now time.Time) []any {
	return append(args, int64(p.DeviceID), p.UserID, p.UTC, p.Local, p.LocalDate, p.UTCOffset, p.LogTime, p.Type,
		p.InputType, nullable(p.Temperature), nullable(p.FaceMask), p.Source, p.PhotoPath, now)
}

var photoColumns = []string{"device_id", "user_id", "kind", "utc", "local", "local_date", "path", "bytes", "created_at"}

func photoValues(args []any, p *Photo, now time.Time) []any {
	return append(args, int64(p.DeviceID), p.UserID, p.Kind, p.UTC, p.Local, p.LocalDate, p.Path, p.Bytes, now)
}
