package data

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// UserFilter selects users; zero fields do not filter.
type UserFilter struct {
	DeviceID       uint
	Text           string // contained in user id, names or user type (case-insensitive)
	IncludeDeleted bool
	Limit, Offset  int
}

// UserRow is a user with its device name and template counts by type.
type UserRow struct {
	User
	DeviceName     string
	TemplateCounts map[string]int `gorm:"-"` // e.g. {"Fingerprint": 2, "Card": 1}
}

// Users returns one page of users, by device then user id (numeric ids in numeric order).
func (s *Store) Users(ctx context.Context, f UserFilter) ([]UserRow, error) {
	db := s.reader.WithContext(ctx)
	q := db.Table("users").Select("users.*, COALESCE(devices.name, '') AS device_name").
		Joins("LEFT JOIN devices ON devices.id = users.device_id")
	if f.DeviceID != 0 {
		q = q.Where("users.device_id = ?", f.DeviceID)
	}
	if !f.IncludeDeleted {
		q = q.Where("users.deleted_at IS NULL")
	}
	if f.Text != "" {
		cond, args := anyContains(f.Text, "users.user_id", "users.first_name", "users.last_name", "users.user_type")
		q = q.Where(cond, args...)
	}
	var rows []UserRow
	q = page(q.Order("users.device_id, LENGTH(users.user_id), users.user_id"), f.Limit, f.Offset)
	if err := q.Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("data: users: %w", err)
	}
	if err := countTemplates(db, rows); err != nil {
		return nil, fmt.Errorf("data: users: template counts: %w", err)
	}
	return rows, nil
}

// countTemplates fills TemplateCounts of rows with one grouped query.
func countTemplates(db *gorm.DB, rows []UserRow) error {
	if len(rows) == 0 {
		return nil
	}
	type userKey struct {
		device uint
		user   string
	}
	byKey := make(map[userKey]*UserRow, len(rows))
	devices := map[uint]bool{}
	var deviceIDs []uint
	userIDs := make([]string, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		r.TemplateCounts = map[string]int{}
		byKey[userKey{r.DeviceID, r.UserID}] = r
		userIDs = append(userIDs, r.UserID)
		if !devices[r.DeviceID] {
			devices[r.DeviceID] = true
			deviceIDs = append(deviceIDs, r.DeviceID)
		}
	}
	var counts []struct {
		DeviceID uint
		UserID   string
		Type     string
		N        int
	}
	err := db.Table("templates").Select("device_id, user_id, type, COUNT(*) AS n").
		Where("device_id IN ? AND user_id IN ?", deviceIDs, userIDs).
		Group("device_id, user_id, type").Scan(&counts).Error
	if err != nil {
		return err
	}
	for _, c := range counts {
		if r := byKey[userKey{c.DeviceID, c.UserID}]; r != nil {
			r.TemplateCounts[c.Type] = c.N
		}
	}
	return nil
}

// User returns one user (deleted or not) or an error wrapping ErrNotFound.
func (s *Store) User(ctx context.Context, deviceID uint, userID string) (User, error) {
	var u User
	err := s.reader.WithContext(ctx).Where("device_id = ? AND user_id = ?", deviceID, userID).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, fmt.Errorf("data: user %q on device %d: %w", userID, deviceID, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("data: user %q on device %d: %w", userID, deviceID, err)
	}
	return u, nil
}

// Templates returns a user's templates by type then index.
func (s *Store) Templates(ctx context.Context, deviceID uint, userID string) ([]Template, error) {
	var ts []Template
	err := s.reader.WithContext(ctx).Where("device_id = ? AND user_id = ?", deviceID, userID).
		Order("type, idx").Find(&ts).Error
	if err != nil {
		return nil, fmt.Errorf("data: templates of %q on device %d: %w", userID, deviceID, err)
	}
	return ts, nil
}

// UnknownUser is a user id that punched on a device that has no such user.
type UnknownUser struct {
	DeviceID   uint
	DeviceName string
	UserID     string
	Punches    int64
	LastPunch  time.Time
}

// UnknownUsers lists the punching user ids a device does not know, latest punch first.
func (s *Store) UnknownUsers(ctx context.Context) ([]UnknownUser, error) {
	rows, err := s.reader.WithContext(ctx).Table("punches").
		Select("punches.device_id, COALESCE(devices.name, ''), punches.user_id, COUNT(*), MAX(punches.utc) AS last_punch").
		Joins(joinPunchUser).Joins(joinPunchDevice).
		Where("users.id IS NULL").
		Group("punches.device_id, devices.name, punches.user_id").
		Order("last_punch DESC, punches.user_id").Rows()
	if err != nil {
		return nil, fmt.Errorf("data: unknown users: %w", err)
	}
	defer rows.Close()
	var out []UnknownUser
	for rows.Next() {
		var (
			u    UnknownUser
			last dbTime
		)
		if err := rows.Scan(&u.DeviceID, &u.DeviceName, &u.UserID, &u.Punches, &last); err != nil {
			return nil, fmt.Errorf("data: unknown users: %w", err)
		}
		u.LastPunch = last.Time
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: unknown users: %w", err)
	}
	return out, nil
}

// UserKey is a user on a device.
type UserKey struct {
	DeviceID uint
	UserID   string
}

// PersonName is a user's first and last name.
type PersonName struct{ First, Last string }

// Names are what reports show for the ids in punches: device names and users' names.
type Names struct {
	Devices map[uint]string
	Users   map[UserKey]PersonName // deleted users too, as they punched
}

// Names reads every device's name and the names of the users on deviceID (0: every device) with
// userID ("": every user). A report reads them once instead of joining them to every punch.
func (s *Store) Names(ctx context.Context, deviceID uint, userID string) (Names, error) {
	db := s.reader.WithContext(ctx)
	var devices []struct {
		ID   uint
		Name string
	}
	if err := db.Table("devices").Select("id, name").Scan(&devices).Error; err != nil {
		return Names{}, fmt.Errorf("data: names: devices: %w", err)
	}
	names := Names{Devices: make(map[uint]string, len(devices)), Users: map[UserKey]PersonName{}}
	for _, d := range devices {
		names.Devices[d.ID] = d.Name
	}
	q := db.Table("users").Select("device_id, user_id, first_name, last_name")
	if deviceID != 0 {
		q = q.Where("device_id = ?", deviceID)
	}
	if userID != "" {
		q = q.Where("user_id = ?", userID)
	}
	rows, err := q.Rows()
	if err != nil {
		return Names{}, fmt.Errorf("data: names: users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			k UserKey
			n PersonName
		)
		if err := rows.Scan(&k.DeviceID, &k.UserID, &n.First, &n.Last); err != nil {
			return Names{}, fmt.Errorf("data: names: users: %w", err)
		}
		names.Users[k] = n
	}
	if err := rows.Err(); err != nil {
		return Names{}, fmt.Errorf("data: names: users: %w", err)
	}
	return names, nil
}
