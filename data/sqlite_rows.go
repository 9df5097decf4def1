package data

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/libc/sys/types"
	sqlite3 "modernc.org/sqlite/lib"
)

// The SQLite driver prepares every statement anew on each Exec and finds each placeholder's value by
// a linear search of the arguments, so a bulk insert spends most of its time parsing SQL and binding.
// The writer's statements go the way SQLite is meant to be used instead: prepared once on the
// writer's connection (found through database/sql's Conn.Raw) and kept, then bind, step and reset
// per row.

// sqliteTimeFormat is how the driver writes a time.Time; the raw path must write the same text.
const sqliteTimeFormat = "2006-01-02 15:04:05.999999999-07:00"

// writerConnKey carries a SQLite writer transaction's writerTx in its context.
type writerConnKey struct{}

// writerTx is the connection a SQLite writer transaction runs on, and the store's prepared statements.
type writerTx struct {
	conn  *sql.Conn
	stmts *stmtCache
}

// writerConn returns the connection of a SQLite writer transaction, if ctx is one's.
func writerConn(ctx context.Context) (writerTx, bool) {
	w, ok := ctx.Value(writerConnKey{}).(writerTx)
	return w, ok
}

// sqliteHandle is the SQLite connection under a driver connection of github.com/glebarez/go-sqlite.
type sqliteHandle struct {
	tls *libc.TLS
	db  uintptr
}

var errNotGlebarez = errors.New("not a github.com/glebarez/go-sqlite connection")

// handleOf reads the driver connection's handle: its fields db (uintptr) and tls (*libc.TLS).
func handleOf(driverConn any) (sqliteHandle, error) {
	v := reflect.ValueOf(driverConn)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct ||
		v.Elem().Type().PkgPath() != "github.com/glebarez/go-sqlite" {
		return sqliteHandle{}, fmt.Errorf("%w: %T", errNotGlebarez, driverConn)
	}
	e := v.Elem()
	db, tls := e.FieldByName("db"), e.FieldByName("tls")
	if db.Kind() != reflect.Uintptr || tls.Type() != reflect.TypeFor[*libc.TLS]() || db.Uint() == 0 || tls.IsNil() {
		return sqliteHandle{}, fmt.Errorf("%w: unexpected fields", errNotGlebarez)
	}
	return sqliteHandle{tls: (*libc.TLS)(tls.UnsafePointer()), db: uintptr(db.Uint())}, nil
}

// execRows runs the statement text once for each of n rows, row(i, args) appending row i's values,
// and returns how many rows it changed; changed, when given, is told each row that changed one.
func (w writerTx) execRows(ctx context.Context, text string, n int, row func(i int, args []any) []any, changed func(i int)) (int64, error) {
	var total int64
	err := w.conn.Raw(func(driverConn any) error {
		h, err := handleOf(driverConn)
		if err != nil {
			return err
		}
		st, done, err := w.stmts.get(h, text)
		if err != nil {
			return err
		}
		defer done()
		var args []any
		for i := range n {
			if i%1024 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			args = row(i, args[:0])
			k, err := st.exec(args)
			if err != nil {
				return err
			}
			total += k
			if k > 0 && changed != nil {
				changed(i)
			}
		}
		return nil
	})
	return total, err
}

// exec runs one statement with args.
func (w writerTx) exec(ctx context.Context, text string, args ...any) error {
	_, err := w.execRows(ctx, text, 1, func(_ int, to []any) []any { return append(to, args...) }, nil)
	return err
}

// maxCachedStmts bounds the cache: statements whose text varies (a VALUES list per device count) are
// prepared for one use past it.
const maxCachedStmts = 64

// stmtCache holds the writer connection's prepared statements by their text.
type stmtCache struct {
	mu    sync.Mutex
	h     sqliteHandle
	stmts map[string]*sqliteStmt
}

// get returns the prepared statement for text on h and what to call when done with it.
func (c *stmtCache) get(h sqliteHandle, text string) (*sqliteStmt, func(), error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h != c.h {
		// Another connection (database/sql replaced the writer's): the old one's statements went
		// with it.
		c.h, c.stmts = h, map[string]*sqliteStmt{}
	}
	if st, ok := c.stmts[text]; ok {
		return st, st.release, nil
	}
	st, err := h.prepare(text)
	if err != nil {
		return nil, nil, err
	}
	if len(c.stmts) >= maxCachedStmts {
		return st, st.close, nil
	}
	c.stmts[text] = st
	return st, st.release, nil
}

// close finalizes the statements prepared on h, the writer's connection, before it closes.
func (c *stmtCache) close(h sqliteHandle) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h == c.h {
		for _, st := range c.stmts {
			st.close()
		}
	}
	c.h, c.stmts = sqliteHandle{}, nil
}

// sqliteStmt is one prepared statement and a C buffer its text and blob values are copied through.
type sqliteStmt struct {
	h       sqliteHandle
	pstmt   uintptr
	buf     uintptr
	bufSize int
	timeBuf []byte // a time.Time value as text
}

func (h sqliteHandle) prepare(text string) (*sqliteStmt, error) {
	st := &sqliteStmt{h: h}
	if err := copyIn(st, text, true); err != nil {
		return nil, err
	}
	pp := h.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer h.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	if rc := sqlite3.Xsqlite3_prepare_v2(h.tls, h.db, st.buf, -1, pp, 0); rc != sqlite3.SQLITE_OK {
		st.close()
		return nil, h.errorf(rc, "prepare")
	}
	st.pstmt = *(*uintptr)(unsafe.Add(unsafe.Pointer(nil), pp))
	return st, nil
}

// exec binds args to the statement's parameters in order, runs it and returns the rows it changed.
func (st *sqliteStmt) exec(args []any) (int64, error) {
	tls := st.h.tls
	defer sqlite3.Xsqlite3_reset(tls, st.pstmt)
	if n := int(sqlite3.Xsqlite3_bind_parameter_count(tls, st.pstmt)); n != len(args) {
		return 0, fmt.Errorf("%d values for %d parameters", len(args), n)
	}
	for i, a := range args {
		if err := st.bind(int32(i+1), a); err != nil {
			return 0, fmt.Errorf("value %d (%T): %w", i+1, a, err)
		}
	}
	if rc := sqlite3.Xsqlite3_step(tls, st.pstmt); rc != sqlite3.SQLITE_DONE && rc != sqlite3.SQLITE_ROW {
		return 0, st.h.errorf(rc, "step")
	}
	return int64(sqlite3.Xsqlite3_changes(tls, st.h.db)), nil
}

// bind binds one value as the driver would (times as text in its format, bools as 0 and 1).
func (st *sqliteStmt) bind(i int32, a any) error {
	tls, p := st.h.tls, st.pstmt
	if v, ok := a.(driver.Valuer); ok {
		var err error
		if a, err = v.Value(); err != nil {
			return err
		}
	}
	var rc int32
	switch x := a.(type) {
	case nil:
		rc = sqlite3.Xsqlite3_bind_null(tls, p, i)
	case int64:
		rc = sqlite3.Xsqlite3_bind_int64(tls, p, i, x)
	case int:
		rc = sqlite3.Xsqlite3_bind_int64(tls, p, i, int64(x))
	case int32:
		rc = sqlite3.Xsqlite3_bind_int64(tls, p, i, int64(x))
	case uint:
		rc = sqlite3.Xsqlite3_bind_int64(tls, p, i, int64(x))
	case bool:
		b := int64(0)
		if x {
			b = 1
		}
		rc = sqlite3.Xsqlite3_bind_int64(tls, p, i, b)
	case float64:
		rc = sqlite3.Xsqlite3_bind_double(tls, p, i, x)
	case string:
		if err := copyIn(st, x, false); err != nil {
			return err
		}
		rc = sqlite3.Xsqlite3_bind_text(tls, p, i, st.buf, int32(len(x)), sqliteTransient)
	case time.Time:
		st.timeBuf = x.AppendFormat(st.timeBuf[:0], sqliteTimeFormat)
		if err := copyIn(st, st.timeBuf, false); err != nil {
			return err
		}
		rc = sqlite3.Xsqlite3_bind_text(tls, p, i, st.buf, int32(len(st.timeBuf)), sqliteTransient)
	case []byte:
		if err := copyIn(st, x, false); err != nil {
			return err
		}
		rc = sqlite3.Xsqlite3_bind_blob(tls, p, i, st.buf, int32(len(x)), sqliteTransient)
	default:
		return errors.New("unsupported type")
	}
	if rc != sqlite3.SQLITE_OK {
		return st.h.errorf(rc, "bind")
	}
	return nil
}

// sqliteTransient tells SQLite to copy a bound value at once (SQLITE_TRANSIENT), so the buffer can
// take the next one.
const sqliteTransient = ^uintptr(0)

// copyIn copies s into the statement's C buffer, NUL-terminated when terminate is set.
func copyIn[T string | []byte](st *sqliteStmt, s T, terminate bool) error {
	need := len(s) + 1
	if need > st.bufSize {
		size := max(need, 2*st.bufSize, 256)
		p := libc.Xmalloc(st.h.tls, types.Size_t(size))
		if p == 0 {
			return fmt.Errorf("out of memory for %d bytes", size)
		}
		libc.Xfree(st.h.tls, st.buf)
		st.buf, st.bufSize = p, size
	}
	dst := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(nil), st.buf)), need)
	copy(dst, s)
	if terminate {
		dst[len(s)] = 0
	}
	return nil
}

// release keeps the statement for its next use, giving back the C buffer's memory if a big value grew it.
func (st *sqliteStmt) release() {
	if st.bufSize > 64<<10 {
		libc.Xfree(st.h.tls, st.buf)
		st.buf, st.bufSize = 0, 0
	}
}

func (st *sqliteStmt) close() {
	if st.pstmt != 0 {
		sqlite3.Xsqlite3_finalize(st.h.tls, st.pstmt)
		st.pstmt = 0
	}
	libc.Xfree(st.h.tls, st.buf)
	st.buf, st.bufSize = 0, 0
}

func (h sqliteHandle) errorf(rc int32, what string) error {
	return fmt.Errorf("sqlite %s: %s (%d)", what, libc.GoString(sqlite3.Xsqlite3_errmsg(h.tls, h.db)), rc)
}
