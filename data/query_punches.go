package data

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// PunchFilter selects punches; zero fields do not filter.
type PunchFilter struct {
	DeviceID         uint
	UserID           string
	Type             string
	FromDate, ToDate string // device-local dates, inclusive, DateLayout
	// Text selects the punches of the enrolled users whose user id, first or last name contains it
	// (case-insensitive as the package doc says), of the user id equal to it (also users no device
	// knows), and of the known punch and input types (KnownPunchTypes, KnownInputTypes) containing it
	// in any case. It is resolved on the users table first, never by a LIKE on every punch.
	Text          string
	Limit, Offset int

	// Paging next to a page already read (Punches only): After reads the rows older than After,
	// Before the rows just newer than Before, both newest first; Offset then counts from the key.
	// Without a key, Total (when it is CountPunches of this filter) lets an offset past the middle be
	// read from the oldest end. CountPunches and the streams ignore these fields.
	After, Before PunchKey
	Total         int64
}

// PunchKey is a punch's place in the newest-first order of Punches: its UTC instant, then its id.
// The zero key is no key.
type PunchKey struct {
	UTC time.Time
	ID  uint
}

// Key returns the punch's place in the newest-first order.
func (p Punch) Key() PunchKey { return PunchKey{UTC: p.UTC, ID: p.ID} }

// PunchRow is a punch with its device name and the user's names ("" when unknown).
type PunchRow struct {
	Punch
	DeviceName string
	FirstName  string
	LastName   string
}

// punchSelect is the columns of a Punch, as scanPunch reads them.
func (s *Store) punchSelect() string {
	return "punches.id, punches.device_id, punches.user_id, " + s.timeColumn("punches.utc") + `, punches.local,
punches.local_date, punches.utc_offset, punches.log_time, punches.type, punches.input_type,
punches.temperature, punches.face_mask, punches.source, punches.photo_path, ` + s.timeColumn("punches.created_at")
}

// timeColumn reads a time column. SQLite's driver parses one by trying a list of layouts, the dearest
// part of a long read: there it is read as text, which dbTime parses directly.
func (s *Store) timeColumn(column string) string {
	if s.pg {
		return column
	}
	return "CAST(" + column + " AS TEXT)"
}

const (
	joinPunchDevice = "LEFT JOIN devices ON devices.id = punches.device_id"
	joinPunchUser   = "LEFT JOIN users ON users.device_id = punches.device_id AND users.user_id = punches.user_id"
)

// Punches returns one page of punches, newest first.
func (s *Store) Punches(ctx context.Context, f PunchFilter) ([]PunchRow, error) {
	q, err := s.punchQuery(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("data: punches: %w", err)
	}
	ids, err := s.punchPage(ctx, q, f)
	if err != nil {
		return nil, fmt.Errorf("data: punches: %w", err)
	}
	rows, err := s.punchRowsByID(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("data: punches: %w", err)
	}
	return rows, nil
}

// CountPunches counts the punches f selects, ignoring its paging fields.
func (s *Store) CountPunches(ctx context.Context, f PunchFilter) (int64, error) {
	q, err := s.punchQuery(ctx, f)
	if err != nil {
		return 0, fmt.Errorf("data: count punches: %w", err)
	}
	where, args := q.where()
	var n int64
	if err := s.reader.WithContext(ctx).Raw("SELECT COUNT(*) FROM punches WHERE "+where, args...).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("data: count punches: %w", err)
	}
	return n, nil
}

// EachPunch streams every punch f selects, oldest first, ignoring its paging fields. The names
// are read once, not joined to every punch. It stops at the first error fn returns and returns it
// wrapped.
func (s *Store) EachPunch(ctx context.Context, f PunchFilter, fn func(PunchRow) error) error {
	err := s.eachPunch(ctx, f, s.punchSelect(), true, func(rows *sql.Rows, names Names) error {
		var r PunchRow
		if err := scanPunch(rows, &r.Punch); err != nil {
			return err
		}
		r.DeviceName = names.Devices[r.DeviceID]
		u := names.Users[UserKey{r.DeviceID, r.UserID}]
		r.FirstName, r.LastName = u.First, u.Last
		return fn(r)
	})
	if err != nil {
		return fmt.Errorf("data: each punch: %w", err)
	}
	return nil
}

// PunchTime is a punch as reports read it: who, when and which type. Names tells the names.
type PunchTime struct {
	DeviceID  uint
	UserID    string
	UTC       time.Time
	Local     string // device wall clock, LocalLayout
	UTCOffset int    // seconds east of UTC
	Type      string
}

// EachPunchTime streams the punches f selects like EachPunch, with only the columns reports need.
func (s *Store) EachPunchTime(ctx context.Context, f PunchFilter, fn func(PunchTime) error) error {
	columns := "punches.device_id, punches.user_id, " + s.timeColumn("punches.utc") + ", punches.local, punches.utc_offset, punches.type"
	err := s.eachPunch(ctx, f, columns, false, func(rows *sql.Rows, _ Names) error {
		var (
			p   PunchTime
			utc dbTime
		)
		if err := rows.Scan(&p.DeviceID, &p.UserID, &utc, &p.Local, &p.UTCOffset, &p.Type); err != nil {
			return err
		}
		p.UTC = utc.Time
		return fn(p)
	})
	if err != nil {
		return fmt.Errorf("data: each punch time: %w", err)
	}
	return nil
}

// eachPunch runs the oldest-first query of f's punches and calls row for each, with the names when
// withNames.
func (s *Store) eachPunch(ctx context.Context, f PunchFilter, columns string, withNames bool, row func(*sql.Rows, Names) error) error {
	q, err := s.punchQuery(ctx, f)
	if err != nil {
		return err
	}
	var names Names
	if withNames {
		if names, err = s.Names(ctx, f.DeviceID, f.UserID); err != nil {
			return err
		}
	}
	where, args := q.where()
	rows, err := s.reader.WithContext(ctx).
		Raw("SELECT "+columns+" FROM punches WHERE "+where+" ORDER BY punches.utc, punches.id", args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows, names); err != nil {
			return err
		}
	}
	return rows.Err()
}

// sqlCond is one SQL condition and its arguments.
type sqlCond struct {
	sql  string
	args []any
}

// andConds joins conditions with AND; no condition is "1 = 1".
func andConds(cs ...[]sqlCond) (string, []any) {
	var parts []string
	var args []any
	for _, list := range cs {
		for _, c := range list {
			parts = append(parts, c.sql)
			args = append(args, c.args...)
		}
	}
	if len(parts) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(parts, " AND "), args
}

// punchQuery is a PunchFilter as conditions on punches: seek, which an index serves (device, user,
// dates), and check, which each row is tested against (type, text).
type punchQuery struct {
	seek, check []sqlCond
}

func (q punchQuery) where() (string, []any) { return andConds(q.seek, q.check) }

func (s *Store) punchQuery(ctx context.Context, f PunchFilter) (punchQuery, error) {
	var q punchQuery
	if f.DeviceID != 0 {
		q.seek = append(q.seek, sqlCond{"punches.device_id = ?", []any{f.DeviceID}})
	}
	if f.UserID != "" {
		q.seek = append(q.seek, sqlCond{"punches.user_id = ?", []any{f.UserID}})
	}
	dates, err := localDateConds("punches", f.FromDate, f.ToDate)
	if err != nil {
		return q, err
	}
	q.seek = append(q.seek, dates...)
	if f.Type != "" {
		q.check = append(q.check, sqlCond{"punches.type = ?", []any{f.Type}})
	}
	if text := strings.TrimSpace(f.Text); text != "" {
		c, err := s.punchTextCond(ctx, text, f.DeviceID)
		if err != nil {
			return q, err
		}
		q.check = append(q.check, c)
	}
	return q, nil
}

// KnownPunchTypes and KnownInputTypes are the values Cams devices send (the receiver stores them
// in this case); text search matches these, and only these, by type.
var (
	KnownPunchTypes = []string{"CheckIn", "CheckOut", "BreakOut", "BreakIn", "OverTimeIn", "OverTimeOut", "MealIn", "MealOut"}
	KnownInputTypes = []string{"Fingerprint", "Face", "Palm", "Card", "Password"}
)

// maxTextUsers bounds the users a search names one by one; past it, they are matched through a
// subquery of users (the search is then common and its rows come soon in any order).
var maxTextUsers = 500

// punchTextCond resolves a search text against the small tables first: the users whose id or names
// contain it, and the known types containing it, so that no punch is tested with LIKE.
func (s *Store) punchTextCond(ctx context.Context, text string, deviceID uint) (sqlCond, error) {
	named, namedArgs := anyContains(text, "users.user_id", "users.first_name", "users.last_name")
	q := s.reader.WithContext(ctx).Table("users").Select("users.device_id, users.user_id").Where(named, namedArgs...)
	if deviceID != 0 {
		q = q.Where("users.device_id = ?", deviceID)
	}
	var users []UserKey
	if err := q.Order("users.device_id, users.user_id").Limit(maxTextUsers + 1).Scan(&users).Error; err != nil {
		return sqlCond{}, fmt.Errorf("users matching the text: %w", err)
	}
	var parts []string
	var args []any
	if len(users) > maxTextUsers {
		parts = append(parts, "(punches.device_id, punches.user_id) IN (SELECT users.device_id, users.user_id FROM users WHERE "+named+")")
		args = append(args, namedArgs...)
	} else {
		for i := 0; i < len(users); {
			j := i
			var ids []string
			for ; j < len(users) && users[j].DeviceID == users[i].DeviceID; j++ {
				ids = append(ids, users[j].UserID)
			}
			parts = append(parts, "(punches.device_id = ? AND punches.user_id IN ?)")
			args = append(args, users[i].DeviceID, ids)
			i = j
		}
	}
	parts = append(parts, "punches.user_id = ?")
	args = append(args, text)
	if types := knownContaining(KnownPunchTypes, text); len(types) > 0 {
		parts = append(parts, "punches.type IN ?")
		args = append(args, types)
	}
	if inputs := knownContaining(KnownInputTypes, text); len(inputs) > 0 {
		parts = append(parts, "punches.input_type IN ?")
		args = append(args, inputs)
	}
	return sqlCond{"(" + strings.Join(parts, " OR ") + ")", args}, nil
}

// knownContaining returns the values that contain text, ASCII letters in any case.
func knownContaining(values []string, text string) []string {
	text = asciiLower(text)
	var out []string
	for _, v := range values {
		if strings.Contains(asciiLower(v), text) {
			out = append(out, v)
		}
	}
	return out
}

// asciiLower folds ASCII letters only, as SQLite's LOWER does.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// punchWindow is how many rows, in page order, a page read tests its check conditions against before it
// takes the matches for rare and gathers them from the whole range instead.
var punchWindow = 20000

// punchPage returns the ids of f's page, newest first. The page is read from a key when f has one,
// from the oldest end when its offset is past the middle of Total, else by offset.
func (s *Store) punchPage(ctx context.Context, q punchQuery, f PunchFilter) ([]uint, error) {
	limit := pageLimit(f.Limit)
	offset := max(f.Offset, 0)
	desc := true
	seek := slices.Clone(q.seek)
	switch {
	case f.After.ID != 0:
		seek = append(seek, keyCond(f.After, "<"))
	case f.Before.ID != 0:
		seek = append(seek, keyCond(f.Before, ">"))
		desc = false
	case f.Total > 0 && int64(offset) < f.Total && int64(offset) > f.Total/2:
		n := min(int64(limit), f.Total-int64(offset))
		offset, limit = int(f.Total-int64(offset)-n), int(n)
		desc = false
	}
	ids, err := s.punchIDs(ctx, punchQuery{seek: seek, check: q.check}, desc, limit, offset)
	if err != nil {
		return nil, err
	}
	if !desc {
		slices.Reverse(ids)
	}
	return ids, nil
}

// keyCond selects the rows after key in the order op gives: "<" older, ">" newer. Its utc bound lets
// the utc index seek to the key.
func keyCond(k PunchKey, op string) sqlCond {
	return sqlCond{"punches.utc " + op + "= ? AND (punches.utc " + op + " ? OR punches.id " + op + " ?)",
		[]any{k.UTC.UTC(), k.UTC.UTC(), k.ID}}
}

// punchIDs reads ids in utc order. Without check conditions an index gives the order. With them, the
// rows are tested in order up to the edge of a window of punchWindow rows (plus room for the offset),
// which finds a common match at once; when the window holds too few, the matches of the whole range
// are gathered and sorted, which costs one pass instead of one index lookup per row.
func (s *Store) punchIDs(ctx context.Context, q punchQuery, desc bool, limit, offset int) ([]uint, error) {
	order, before := "punches.utc DESC, punches.id DESC", ">" // before: what comes earlier in the order
	if !desc {
		order, before = "punches.utc, punches.id", "<"
	}
	db := s.reader.WithContext(ctx)
	var ids []uint
	if len(q.check) == 0 {
		where, args := andConds(q.seek)
		err := db.Raw("SELECT punches.id FROM punches WHERE "+where+" ORDER BY "+order+" LIMIT ? OFFSET ?",
			append(args, limit, offset)...).Scan(&ids).Error
		return ids, err
	}
	seek, args := andConds(q.seek)
	rows, err := db.Raw("SELECT punches.utc, punches.id FROM punches WHERE "+seek+" ORDER BY "+order+" LIMIT 1 OFFSET ?",
		append(args, punchWindow+10*(offset+limit))...).Rows()
	if err != nil {
		return nil, err
	}
	var (
		edge     PunchKey
		edgeTime dbTime
	)
	if rows.Next() {
		err = rows.Scan(&edgeTime, &edge.ID)
	}
	rows.Close()
	if err != nil {
		return nil, err
	}
	window := q
	if edge.UTC = edgeTime.Time; edge.ID != 0 {
		window.seek = append(slices.Clone(q.seek), keyCond(edge, before))
	}
	where, args := window.where()
	err = db.Raw("SELECT punches.id FROM punches WHERE "+where+" ORDER BY "+order+" LIMIT ? OFFSET ?",
		append(args, limit, offset)...).Scan(&ids).Error
	if err != nil || len(ids) == limit || edge.ID == 0 { // a full page, or the window was the whole range
		return ids, err
	}
	ids = nil
	where, args = q.where()
	err = db.Raw("WITH m AS MATERIALIZED (SELECT punches.id, punches.utc FROM punches WHERE "+where+
		") SELECT punches.id FROM m AS punches ORDER BY "+order+" LIMIT ? OFFSET ?", append(args, limit, offset)...).
		Scan(&ids).Error
	return ids, err
}

// punchRowsByID reads the rows of ids with their names, newest first.
func (s *Store) punchRowsByID(ctx context.Context, ids []uint) ([]PunchRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := s.reader.WithContext(ctx).Table("punches").Select(s.punchSelect()+`,
COALESCE(devices.name, ''), COALESCE(users.first_name, ''), COALESCE(users.last_name, '')`).
		Joins(joinPunchDevice).Joins(joinPunchUser).Where("punches.id IN ?", ids).
		Order("punches.utc DESC, punches.id DESC").Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]PunchRow, 0, len(ids))
	for rows.Next() {
		var r PunchRow
		if err := scanPunch(rows, &r.Punch, &r.DeviceName, &r.FirstName, &r.LastName); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Offsets of device clocks from UTC stay within these bounds.
const (
	maxEast = 14 * time.Hour
	maxWest = 12 * time.Hour
)

// localDateConds filters table.local_date on [from, to]. It also bounds table.utc, which the local
// dates imply, so that the utc index serves both the range and the ordering.
func localDateConds(table, from, to string) ([]sqlCond, error) {
	var cs []sqlCond
	if from != "" {
		d, err := time.Parse(DateLayout, from)
		if err != nil {
			return nil, fmt.Errorf("from date %q: want %s", from, DateLayout)
		}
		cs = append(cs, sqlCond{table + ".local_date >= ? AND " + table + ".utc >= ?", []any{from, d.Add(-maxEast)}})
	}
	if to != "" {
		d, err := time.Parse(DateLayout, to)
		if err != nil {
			return nil, fmt.Errorf("to date %q: want %s", to, DateLayout)
		}
		cs = append(cs, sqlCond{table + ".local_date <= ? AND " + table + ".utc < ?", []any{to, d.AddDate(0, 0, 1).Add(maxWest)}})
	}
	return cs, nil
}

// scanPunch scans the columns of punchSelect into p, then extra columns into extra.
func scanPunch(rows *sql.Rows, p *Punch, extra ...any) error {
	var (
		utc, created dbTime
		temperature  sql.NullFloat64
		faceMask     sql.NullBool
	)
	dest := append([]any{&p.ID, &p.DeviceID, &p.UserID, &utc, &p.Local,
		&p.LocalDate, &p.UTCOffset, &p.LogTime, &p.Type, &p.InputType,
		&temperature, &faceMask, &p.Source, &p.PhotoPath, &created}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	p.UTC, p.CreatedAt = utc.Time, created.Time
	if temperature.Valid {
		p.Temperature = &temperature.Float64
	}
	if faceMask.Valid {
		p.FaceMask = &faceMask.Bool
	}
	return nil
}
