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
	q = q.Limit(pageLimit(limit))
	if offset > 0 {
		q = q.Offset(offset)
	}
	return q
}

// pageLimit is limit within (0, MaxLimit], DefaultLimit when not set.
func pageLimit(limit int) int {
	switch {
	case limit <= 0:
		return DefaultLimit
	case limit > MaxLimit:
		return MaxLimit
	}
	return limit
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
	if p, ok := parseStoredUTC(s); ok {
		t.Time = p
		return nil
	}
	for _, layout := range dbTimeLayouts {
		if p, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			t.Time = p.UTC()
			return nil
		}
	}
	return fmt.Errorf("time column: cannot parse %q", s)
}

// parseStoredUTC reads "YYYY-MM-DD hh:mm:ss+00:00", the form SQLite holds a whole-second UTC
// instant in, without trying layouts.
func parseStoredUTC(s string) (time.Time, bool) {
	const suffix = "+00:00"
	if len(s) != len(LocalLayout)+len(suffix) || s[len(LocalLayout):] != suffix {
		return time.Time{}, false
	}
	return ParseLocal(s[:len(LocalLayout)])
}

// ParseLocal reads a wall clock in LocalLayout ("YYYY-MM-DD hh:mm:ss"), as every stored punch has it, fast
// and without trying layouts; the result is in UTC. Impossible dates (31 April) are refused.
func ParseLocal(s string) (time.Time, bool) {
	if len(s) != len(LocalLayout) || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	var v [6]int
	for i, at := range [6]int{0, 5, 8, 11, 14, 17} {
		end := at + 2
		if i == 0 {
			end = at + 4
		}
		for j := at; j < end; j++ {
			c := s[j]
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			v[i] = v[i]*10 + int(c-'0')
		}
	}
	if v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 59 {
		return time.Time{}, false
	}
	t := time.Date(v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], 0, time.UTC)
	return t, t.Day() == v[2]
}
