package data

import (
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Page sizes of the paged reads: Limit <= 0 means DefaultLimit; larger than MaxLimit is cut.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

func page(q *gorm.DB, limit, offset int) *gorm.DB {
	switch {
	case limit <= 0:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	q = q.Limit(limit)
	if offset > 0 {
		q = q.Offset(offset)
	}
	return q
}

// likeEscaper escapes LIKE wildcards so that user text matches literally (ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// containsPattern is a "contains" LIKE pattern that matches text literally.
func containsPattern(text string) string {
	return "%" + likeEscaper.Replace(strings.TrimSpace(text)) + "%"
}

// containsConds returns one "LOWER(column) LIKE LOWER(?) ESCAPE '\'" per column and their
// arguments. The database lowers both sides alike, so letters it cannot fold still match in
// their own case (SQLite's LOWER folds ASCII only).
func containsConds(text string, columns ...string) ([]string, []any) {
	pattern := containsPattern(text)
	conds := make([]string, len(columns))
	args := make([]any, len(columns))
	for i, c := range columns {
		conds[i] = "LOWER(" + c + `) LIKE LOWER(?) ESCAPE '\'`
		args[i] = pattern
	}
	return conds, args
}

// anyContains ORs containsConds into one parenthesised condition.
func anyContains(text string, columns ...string) (string, []any) {
	conds, args := containsConds(text, columns...)
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// dbTime scans a time column or aggregate: SQLite returns MAX(datetime) as text, PostgreSQL as time.
type dbTime struct{ time.Time }

var dbTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05",
}

func (t *dbTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		t.Time = time.Time{}
		return nil
	case time.Time:
		t.Time = v.UTC()
		return nil
	case []byte:
		return t.parse(string(v))
	case string:
		return t.parse(v)
	}
	return fmt.Errorf("time column: unsupported %T", v)
}

func (t *dbTime) parse(s string) error {
	for _, layout := range dbTimeLayouts {
		if p, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			t.Time = p.UTC()
			return nil
		}
	}
	return fmt.Errorf("time column: cannot parse %q", s)
}
