package data

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Change is everything one callback (or one LoadLog page) writes. Apply writes its parts in
// this order: Callback, Seen, User, Templates, Deletion, Photos, Punches, Events.
type Change struct {
	DeviceID  uint // used for every part whose own DeviceID is 0
	Callback  *Callback
	Seen      *DeviceSeen
	User      *User
	Templates []Template
	Deletion  *UserDeletion
	Punches   []Punch
	Photos    []Photo
	Events    []Event
}

// DeviceSeen is what a callback tells about its device.
type DeviceSeen struct {
	SerialNumber string // kept when ""
	LabelName    string // kept when ""
	At           time.Time
}

// UserDeletion marks a user deleted on a device.
type UserDeletion struct {
	UserID string
	At     time.Time
}

// Summary counts what Apply wrote.
type Summary struct {
	NewPunches       int
	DuplicatePunches int
	Users            int // user rows inserted, updated or marked deleted
	Templates        int // templates inserted or replaced
	Replayed         int // changes skipped because their callback seq was already stored
}

func (s *Summary) add(o Summary) {
	s.NewPunches += o.NewPunches
	s.DuplicatePunches += o.DuplicatePunches
	s.Users += o.Users
	s.Templates += o.Templates
	s.Replayed += o.Replayed
}

// Rows per INSERT. The SQLite driver binds parameters in time quadratic in their number per
// statement, so small batches (64 × 14 columns) are fastest there; PostgreSQL takes up to
// 65535 parameters and gains from fewer round trips.
const (
	sqliteBatch = 64
	pgBatch     = 1000
)

// batchRows is the rows per INSERT on tx's database.
func batchRows(tx *gorm.DB) int {
	if tx.Dialector.Name() == "postgres" {
		return pgBatch
	}
	return sqliteBatch
}

var errNoDevice = errors.New("no device id")

// Apply writes the changes in order in one transaction: all of them or none.
//
// A change whose Callback.Seq is already stored was applied before (journal replay) and is
// skipped whole. Users are upserted on (device, user_id): names and type replaced, access
// replaced when given, deleted_at cleared. Templates are upserted on (device, user_id, type,
// idx); templates not mentioned are never deleted. Punches are deduplicated on (device,
// user_id, utc); a duplicate that brings a photo path fills an empty one.
func (s *Store) Apply(ctx context.Context, changes ...Change) (Summary, error) {
	var sum Summary
	if len(changes) == 0 {
		return sum, nil
	}
	err := s.write(ctx, func(tx *gorm.DB) error {
		sum = Summary{} // a retried transaction counts again
		if err := lockDevices(tx, changes); err != nil {
			return err
		}
		for i, c := range changes {
			got, err := applyChange(tx, c)
			if err != nil {
				return fmt.Errorf("change %d: %w", i, err)
			}
			sum.add(got)
		}
		return nil
	})
	if err != nil {
		return Summary{}, fmt.Errorf("data: apply: %w", err)
	}
	return sum, nil
}

// applyLock is the first key of the PostgreSQL advisory locks Apply takes per device ("CAMD").
const applyLock = 0x43414d44

// lockDevices takes, on PostgreSQL, a transaction lock on each device the changes write to, in
// id order: Apply calls on one device (from this process or another) wait for each other where
// their row locks could otherwise deadlock. SQLite has one writer and needs none.
func lockDevices(tx *gorm.DB, changes []Change) error {
	if tx.Dialector.Name() != "postgres" {
		return nil
	}
	ids := map[uint]bool{}
	for _, c := range changes {
		ids[c.DeviceID] = true
		if c.Callback != nil {
			ids[c.Callback.DeviceID] = true
		}
		if c.User != nil {
			ids[c.User.DeviceID] = true
		}
		for _, t := range c.Templates {
			ids[t.DeviceID] = true
		}
		for _, p := range c.Punches {
			ids[p.DeviceID] = true
		}
		for _, p := range c.Photos {
			ids[p.DeviceID] = true
		}
		for _, e := range c.Events {
			ids[e.DeviceID] = true
		}
	}
	delete(ids, 0)
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(?, ?)", applyLock, int32(id)).Error; err != nil {
			return fmt.Errorf("lock device %d: %w", id, err)
		}
	}
	return nil
}

func applyChange(tx *gorm.DB, c Change) (Summary, error) {
	var sum Summary
	if c.Callback != nil {
		fresh, err := insertCallback(tx, c.DeviceID, *c.Callback)
		if err != nil {
			return sum, err
		}
		if !fresh {
			sum.Replayed = 1
			return sum, nil
		}
	}
	steps := []func() error{
		func() error { return markSeen(tx, c.DeviceID, c.Seen) },
		func() error { return upsertUser(tx, c.DeviceID, c.User, &sum) },
		func() error { return upsertTemplates(tx, c, &sum) },
		func() error { return deleteUser(tx, c.DeviceID, c.Deletion, &sum) },
		func() error { return insertPhotos(tx, c.DeviceID, c.Photos) },
		func() error { return insertPunches(tx, c.DeviceID, c.Punches, &sum) },
		func() error { return insertEvents(tx, c.DeviceID, c.Events) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return Summary{}, err
		}
	}
	return sum, nil
}

func deviceOr(own, fallback uint) (uint, error) {
	if own != 0 {
		return own, nil
	}
	if fallback != 0 {
		return fallback, nil
	}
	return 0, errNoDevice
}

func nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now().UTC()
	}
	return t.UTC()
}

// insertCallback reports false when the seq was already stored.
func insertCallback(tx *gorm.DB, deviceID uint, cb Callback) (bool, error) {
	if cb.Seq == 0 {
		return false, errors.New("callback: seq 0")
	}
	cb.ID = 0
	if cb.DeviceID == 0 {
		cb.DeviceID = deviceID
	}
	cb.ReceivedAt = nowOr(cb.ReceivedAt)
	res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "seq"}}, DoNothing: true}).Create(&cb)
	if res.Error != nil {
		return false, fmt.Errorf("callback %d: %w", cb.Seq, res.Error)
	}
	return res.RowsAffected > 0, nil
}

func markSeen(tx *gorm.DB, deviceID uint, seen *DeviceSeen) error {
	if seen == nil {
		return nil
	}
	if deviceID == 0 {
		return fmt.Errorf("seen: %w", errNoDevice)
	}
	set := map[string]any{"last_seen": nowOr(seen.At)}
	if seen.SerialNumber != "" {
		set["serial_number"] = seen.SerialNumber
	}
	if seen.LabelName != "" {
		set["label_name"] = seen.LabelName
	}
	if err := tx.Model(&Device{}).Where("id = ?", deviceID).Updates(set).Error; err != nil {
		return fmt.Errorf("seen: %w", err)
	}
	return nil
}

var userKey = []clause.Column{{Name: "device_id"}, {Name: "user_id"}}

func upsertUser(tx *gorm.DB, deviceID uint, in *User, sum *Summary) error {
	if in == nil {
		return nil
	}
	u := *in
	if u.UserID == "" {
		return errors.New("user: empty user id")
	}
	var err error
	if u.DeviceID, err = deviceOr(u.DeviceID, deviceID); err != nil {
		return fmt.Errorf("user %q: %w", u.UserID, err)
	}
	u.ID, u.DeletedAt, u.CreatedAt, u.UpdatedAt = 0, nil, time.Time{}, time.Time{}
	cols := []string{"first_name", "last_name", "user_type", "deleted_at", "updated_at"}
	if u.Access != "" {
		cols = append(cols, "access")
	}
	err = tx.Clauses(clause.OnConflict{Columns: userKey, DoUpdates: clause.AssignmentColumns(cols)}).Create(&u).Error
	if err != nil {
		return fmt.Errorf("user %q: %w", u.UserID, err)
	}
	sum.Users++
	return nil
}

// ensureUser inserts a bare user row unless one exists.
func ensureUser(tx *gorm.DB, deviceID uint, userID string) error {
	u := User{DeviceID: deviceID, UserID: userID}
	return tx.Clauses(clause.OnConflict{Columns: userKey, DoNothing: true}).Create(&u).Error
}

var punchKey = []clause.Column{{Name: "device_id"}, {Name: "user_id"}, {Name: "utc"}}

var templateKey = []clause.Column{{Name: "device_id"}, {Name: "user_id"}, {Name: "type"}, {Name: "idx"}}

func upsertTemplates(tx *gorm.DB, c Change, sum *Summary) error {
	if len(c.Templates) == 0 {
		return nil
	}
	type key struct {
		device       uint
		user, t, idx string
	}
	at := map[key]int{}
	rows := make([]Template, 0, len(c.Templates))
	for _, in := range c.Templates {
		t := in
		var err error
		if t.DeviceID, err = deviceOr(t.DeviceID, c.DeviceID); err != nil {
			return fmt.Errorf("template: %w", err)
		}
		if t.UserID == "" && c.User != nil {
			t.UserID = c.User.UserID
		}
		if t.UserID == "" {
			return fmt.Errorf("template %s: empty user id", t.Type)
		}
		t.ID, t.UpdatedAt = 0, time.Time{}
		t.Type = canonicalTemplateType(t.Type)
		if indexless(t.Type) {
			t.Idx = ""
		}
		k := key{t.DeviceID, t.UserID, t.Type, t.Idx}
		if i, ok := at[k]; ok { // the last one of a key wins, as a later callback would
			rows[i] = t
			continue
		}
		at[k] = len(rows)
		rows = append(rows, t)
	}
	if c.User == nil {
		for _, t := range rows {
			if err := ensureUser(tx, t.DeviceID, t.UserID); err != nil {
				return fmt.Errorf("template user %q: %w", t.UserID, err)
			}
		}
	}
	err := tx.Clauses(clause.OnConflict{
		Columns:   templateKey,
		DoUpdates: clause.AssignmentColumns([]string{"size", "data", "path", "updated_at"}),
	}).Create(&rows).Error
	if err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	sum.Templates += len(rows)
	return nil
}

func deleteUser(tx *gorm.DB, deviceID uint, d *UserDeletion, sum *Summary) error {
	if d == nil {
		return nil
	}
	if d.UserID == "" {
		return errors.New("deletion: empty user id")
	}
	if deviceID == 0 {
		return fmt.Errorf("deletion %q: %w", d.UserID, errNoDevice)
	}
	at := nowOr(d.At)
	u := User{DeviceID: deviceID, UserID: d.UserID, DeletedAt: &at}
	err := tx.Clauses(clause.OnConflict{
		Columns:   userKey,
		DoUpdates: clause.AssignmentColumns([]string{"deleted_at", "updated_at"}),
	}).Create(&u).Error
	if err != nil {
		return fmt.Errorf("deletion %q: %w", d.UserID, err)
	}
	sum.Users++
	return nil
}

func insertPunches(tx *gorm.DB, deviceID uint, in []Punch, sum *Summary) error {
	if len(in) == 0 {
		return nil
	}
	type key struct {
		device uint
		user   string
		utc    int64
	}
	all := make([]Punch, len(in)) // a copy: gorm writes ids back into what it inserts
	seen := make(map[key]bool, len(in))
	rows := make([]Punch, 0, len(in)) // the first of each key: one INSERT must not hold a key twice
	for i, p := range in {
		var err error
		if p.DeviceID, err = deviceOr(p.DeviceID, deviceID); err != nil {
			return fmt.Errorf("punch %q: %w", p.UserID, err)
		}
		p.ID, p.CreatedAt = 0, time.Time{}
		p.UTC = instant(p.UTC)
		p.Local, p.LocalDate = localWallClock(p.UTC, p.UTCOffset, p.Local, p.LocalDate)
		all[i] = p
		if k := (key{p.DeviceID, p.UserID, p.UTC.Unix()}); !seen[k] {
			seen[k] = true
			rows = append(rows, p)
		}
	}
	res := tx.Clauses(clause.OnConflict{Columns: punchKey, DoNothing: true}).CreateInBatches(&rows, batchRows(tx))
	if res.Error != nil {
		return fmt.Errorf("punches: %w", res.Error)
	}
	sum.NewPunches += int(res.RowsAffected)
	sum.DuplicatePunches += len(all) - int(res.RowsAffected)
	// A photo may arrive after its punch: fill the path of a stored punch that has none.
	for _, p := range all {
		if p.PhotoPath == "" {
			continue
		}
		err := tx.Model(&Punch{}).
			Where("device_id = ? AND user_id = ? AND utc = ? AND photo_path = ?", p.DeviceID, p.UserID, p.UTC, "").
			Update("photo_path", p.PhotoPath).Error
		if err != nil {
			return fmt.Errorf("punch photo %q: %w", p.UserID, err)
		}
	}
	return nil
}

func insertPhotos(tx *gorm.DB, deviceID uint, in []Photo) error {
	if len(in) == 0 {
		return nil
	}
	rows := make([]Photo, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, p := range in {
		var err error
		if p.DeviceID, err = deviceOr(p.DeviceID, deviceID); err != nil {
			return fmt.Errorf("photo %q: %w", p.Path, err)
		}
		if p.Path == "" {
			return errors.New("photo: empty path")
		}
		if seen[p.Path] { // the first of a path is kept, as the store keeps a stored one
			continue
		}
		seen[p.Path] = true
		p.ID, p.CreatedAt = 0, time.Time{}
		p.UTC = instant(nowOr(p.UTC))
		p.Local, p.LocalDate = localWallClock(p.UTC, 0, p.Local, p.LocalDate)
		rows = append(rows, p)
	}
	err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "path"}}, DoNothing: true}).
		CreateInBatches(&rows, batchRows(tx)).Error
	if err != nil {
		return fmt.Errorf("photos: %w", err)
	}
	return nil
}

func insertEvents(tx *gorm.DB, deviceID uint, in []Event) error {
	if len(in) == 0 {
		return nil
	}
	rows := make([]Event, len(in))
	for i, e := range in {
		var err error
		if e.DeviceID, err = deviceOr(e.DeviceID, deviceID); err != nil {
			return fmt.Errorf("event %s: %w", e.Kind, err)
		}
		e.ID, e.CreatedAt = 0, time.Time{}
		e.UTC = nowOr(e.UTC)
		if e.LocalDate == "" {
			e.LocalDate = dateOf(e.OperationTime, e.UTC)
		}
		rows[i] = e
	}
	if err := tx.Create(&rows).Error; err != nil {
		return fmt.Errorf("events: %w", err)
	}
	return nil
}
