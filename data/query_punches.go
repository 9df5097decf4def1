package data

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// PunchFilter selects punches; zero fields do not filter.
type PunchFilter struct {
	DeviceID         uint
	UserID           string
	Type             string
	FromDate, ToDate string // device-local dates, inclusive, DateLayout
	Text             string // contained in user id, names, type or input type (case-insensitive)
	Limit, Offset    int
}

// PunchRow is a punch with its device name and the user's names ("" when unknown).
type PunchRow struct {
	Punch
	DeviceName string
	FirstName  string
	LastName   string
}

const punchRowColumns = `punches.id, punches.device_id, punches.user_id, punches.utc, punches.local,
punches.local_date, punches.utc_offset, punches.log_time, punches.type, punches.input_type,
punches.temperature, punches.face_mask, punches.source, punches.photo_path, punches.created_at,
COALESCE(devices.name, ''), COALESCE(users.first_name, ''), COALESCE(users.last_name, '')`

const (
	joinPunchDevice = "LEFT JOIN devices ON devices.id = punches.device_id"
	joinPunchUser   = "LEFT JOIN users ON users.device_id = punches.device_id AND users.user_id = punches.user_id"
)

// Punches returns one page of punches, newest first.
func (s *Store) Punches(ctx context.Context, f PunchFilter) ([]PunchRow, error) {
	q, err := s.punchRows(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("data: punches: %w", err)
	}
	rows, err := page(q.Order("punches.utc DESC, punches.id DESC"), f.Limit, f.Offset).Rows()
	if err != nil {
		return nil, fmt.Errorf("data: punches: %w", err)
	}
	defer rows.Close()
	var out []PunchRow
	for rows.Next() {
		r, err := scanPunchRow(rows)
		if err != nil {
			return nil, fmt.Errorf("data: punches: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: punches: %w", err)
	}
	return out, nil
}

// CountPunches counts the punches f selects, ignoring Limit and Offset.
func (s *Store) CountPunches(ctx context.Context, f PunchFilter) (int64, error) {
	q, err := wherePunches(s.reader.WithContext(ctx).Table("punches"), f)
	if err != nil {
		return 0, fmt.Errorf("data: count punches: %w", err)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, fmt.Errorf("data: count punches: %w", err)
	}
	return n, nil
}

// EachPunch streams every punch f selects, oldest first, ignoring Limit and Offset.
// It stops at the first error fn returns and returns it wrapped.
func (s *Store) EachPunch(ctx context.Context, f PunchFilter, fn func(PunchRow) error) error {
	q, err := s.punchRows(ctx, f)
	if err != nil {
		return fmt.Errorf("data: each punch: %w", err)
	}
	rows, err := q.Order("punches.utc, punches.id").Rows()
	if err != nil {
		return fmt.Errorf("data: each punch: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanPunchRow(rows)
		if err != nil {
			return fmt.Errorf("data: each punch: %w", err)
		}
		if err := fn(r); err != nil {
			return fmt.Errorf("data: each punch: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("data: each punch: %w", err)
	}
	return nil
}

func (s *Store) punchRows(ctx context.Context, f PunchFilter) (*gorm.DB, error) {
	q := s.reader.WithContext(ctx).Table("punches").Select(punchRowColumns).
		Joins(joinPunchDevice).Joins(joinPunchUser)
	return wherePunches(q, f)
}

// wherePunches adds f's conditions on the punches table.
func wherePunches(q *gorm.DB, f PunchFilter) (*gorm.DB, error) {
	if f.DeviceID != 0 {
		q = q.Where("punches.device_id = ?", f.DeviceID)
	}
	if f.UserID != "" {
		q = q.Where("punches.user_id = ?", f.UserID)
	}
	if f.Type != "" {
		q = q.Where("punches.type = ?", f.Type)
	}
	q, err := whereLocalDates(q, "punches", f.FromDate, f.ToDate)
	if err != nil {
		return nil, err
	}
	if f.Text != "" {
		// Names are matched once in users, not once per punch through a join.
		conds, args := containsConds(f.Text, "punches.user_id", "punches.type", "punches.input_type")
		named, nameArgs := anyContains(f.Text, "first_name", "last_name")
		conds = append(conds, "(punches.device_id, punches.user_id) IN (SELECT device_id, user_id FROM users WHERE "+named+")")
		q = q.Where("("+strings.Join(conds, " OR ")+")", append(args, nameArgs...)...)
	}
	return q, nil
}

// Offsets of device clocks from UTC stay within these bounds.
const (
	maxEast = 14 * time.Hour
	maxWest = 12 * time.Hour
)

// whereLocalDates filters table.local_date on [from, to]. It also bounds table.utc, which the
// local dates imply, so that the utc index can serve both the range and the ordering.
func whereLocalDates(q *gorm.DB, table, from, to string) (*gorm.DB, error) {
	if from != "" {
		d, err := time.Parse(DateLayout, from)
		if err != nil {
			return nil, fmt.Errorf("from date %q: want %s", from, DateLayout)
		}
		q = q.Where(table+".local_date >= ? AND "+table+".utc >= ?", from, d.Add(-maxEast))
	}
	if to != "" {
		d, err := time.Parse(DateLayout, to)
		if err != nil {
			return nil, fmt.Errorf("to date %q: want %s", to, DateLayout)
		}
		q = q.Where(table+".local_date <= ? AND "+table+".utc < ?", to, d.AddDate(0, 0, 1).Add(maxWest))
	}
	return q, nil
}

func scanPunchRow(rows *sql.Rows) (PunchRow, error) {
	var (
		r            PunchRow
		utc, created dbTime
		temperature  sql.NullFloat64
		faceMask     sql.NullBool
	)
	err := rows.Scan(&r.ID, &r.DeviceID, &r.UserID, &utc, &r.Local,
		&r.LocalDate, &r.UTCOffset, &r.LogTime, &r.Type, &r.InputType,
		&temperature, &faceMask, &r.Source, &r.PhotoPath, &created,
		&r.DeviceName, &r.FirstName, &r.LastName)
	if err != nil {
		return PunchRow{}, err
	}
	r.UTC, r.CreatedAt = utc.Time, created.Time
	if temperature.Valid {
		r.Temperature = &temperature.Float64
	}
	if faceMask.Valid {
		r.FaceMask = &faceMask.Bool
	}
	return r, nil
}
