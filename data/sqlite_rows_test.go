package data

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data/datatest"
	"gorm.io/gorm"
)

// The prepared-statement path must store every value exactly as the driver's own Exec does: same
// storage class, same text (times above all: queries compare them as text).
func TestSQLiteRowsBindLikeTheDriver(t *testing.T) {
	s := openTestStore(t)
	ist := time.FixedZone("IST", 5*3600+1800)
	values := []any{
		nil, int64(-7), 42, int32(3), uint(9), true, false, 2.5,
		"", "Asha ✓", "a\x00b", strings.Repeat("x", 5000),
		time.Date(2026, 11, 26, 8, 9, 10, 123456789, ist), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		[]byte{1, 2, 0, 3}, []byte{},
		sql.NullString{String: "valuer", Valid: true}, sql.NullInt64{},
	}
	err := s.write(context.Background(), func(tx *gorm.DB) error {
		if err := execSQL(tx, "CREATE TABLE bind_check (via TEXT, i INTEGER, v)"); err != nil {
			return err
		}
		for i, v := range values {
			if err := execSQL(tx, "INSERT INTO bind_check VALUES ('driver', ?, ?)", i, v); err != nil {
				return err
			}
		}
		q := newRowInsert(tx, "bind_check", []string{"via", "i", "v"}, "", "")
		n, err := q.exec(tx, len(values), func(i int, args []any) []any { return append(args, "raw", i, values[i]) })
		if err == nil && n != int64(len(values)) {
			err = errors.New("not every row inserted")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	type stored struct{ Typ, Quoted string }
	read := func(via string) []stored {
		var out []stored
		if err := s.reader.Raw("SELECT typeof(v) AS typ, quote(v) AS quoted FROM bind_check WHERE via = ? ORDER BY i", via).
			Scan(&out).Error; err != nil {
			t.Fatal(err)
		}
		return out
	}
	want, got := read("driver"), read("raw")
	if len(want) != len(values) || len(got) != len(values) {
		t.Fatalf("rows: driver %d, raw %d, want %d", len(want), len(got), len(values))
	}
	for i := range values {
		if got[i] != want[i] {
			t.Errorf("value %d (%T): raw path stored %v, driver %v", i, values[i], got[i], want[i])
		}
	}
}

func TestSQLiteRowsErrorsRollBack(t *testing.T) {
	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, func(i int))
		val  func(i int) any
		want string
	}{
		{
			name: "unsupported value",
			val: func(i int) any {
				if i == 3 {
					return struct{}{}
				}
				return i
			},
			want: "value 2 (struct {}): unsupported type",
		},
		{
			name: "cancelled",
			ctx: func() (context.Context, func(int)) {
				ctx, cancel := context.WithCancel(context.Background())
				return ctx, func(i int) {
					if i == 1500 {
						cancel()
					}
				}
			},
			val:  func(i int) any { return i },
			want: context.Canceled.Error(),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestStore(t)
			if err := s.write(context.Background(), func(tx *gorm.DB) error {
				return execSQL(tx, "CREATE TABLE rows_check (i INTEGER, v)")
			}); err != nil {
				t.Fatal(err)
			}
			ctx, onRow := context.Background(), func(int) {}
			if tc.ctx != nil {
				ctx, onRow = tc.ctx()
			}
			err := s.write(ctx, func(tx *gorm.DB) error {
				q := newRowInsert(tx, "rows_check", []string{"i", "v"}, "", "")
				_, err := q.exec(tx, 3000, func(i int, args []any) []any {
					onRow(i)
					return append(args, i, tc.val(i))
				})
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			var n int64
			if err := s.reader.Raw("SELECT count(*) FROM rows_check").Scan(&n).Error; err != nil || n != 0 {
				t.Fatalf("%d rows left after the failed transaction (%v), want 0", n, err)
			}
		})
	}
}

func TestHandleOfRefusesOtherDrivers(t *testing.T) {
	for _, c := range []any{nil, 3, &struct{ db uintptr }{db: 1}} {
		if _, err := handleOf(c); !errors.Is(err, errNotGlebarez) {
			t.Errorf("handleOf(%T) = %v, want errNotGlebarez", c, err)
		}
	}
}

// A connection with statements left unfinalized never closes: SQLite would keep the database open,
// its WAL unmerged.
func TestCloseFinalizesCachedStatements(t *testing.T) {
	db := datatest.NewSQLite(t)
	s, err := Open(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	d := mustDevice(t, s, "STG-1", "Gate")
	mustApply(t, s, Change{DeviceID: d.ID, Punches: []Punch{punchAt(t, "7", "2026-11-26 08:00:00 GMT +0530", "CheckIn")}})
	if s.stmts.stmts == nil || len(s.stmts.stmts) == 0 {
		t.Fatal("no prepared statement kept after Apply")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(db.DSN + "-wal"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("WAL file after Close: %v; want it merged and removed", err)
	}
}
