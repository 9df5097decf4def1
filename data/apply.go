package data

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Change is everything one callback (or one LoadLog page) writes. Apply's outcome is that of
// writing the changes one after the other, each one's parts in this order: Callback, Seen, User,
// Templates, Deletion, Photos, Punches, Events.
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
// A change whose Callback.Seq is already stored (or repeats an earlier change's) was applied
// before (journal replay) and is skipped whole. Users are upserted on (device, user_id): names
// and type replaced, access replaced when given, deleted_at cleared. Templates are upserted on
// (device, user_id, type, idx); templates not mentioned are never deleted. Punches are
// deduplicated on (device, user_id, utc); a duplicate that brings a photo path fills an empty one.
//
// The callback rows of all changes are written first; then each change's user, templates,
// deletion and events, in order; then the devices seen, photos and punches of all changes, in
// order, with few statements. Those tables take no other part, so the outcome is that of applying
// the changes one by one. On PostgreSQL, changes of callbacks, devices seen and punches alone take
// two round trips to the server (apply_pipeline.go).
func (s *Store) Apply(ctx context.Context, changes ...Change) (Summary, error) {
	if len(changes) == 0 {
		return Summary{}, nil
	}
	apply := s.applyInTransaction
	if s.pg && pipelined(changes) {
		apply = s.applyPipelined
	}
	sum, err := apply(ctx, changes)
	if err != nil {
		return Summary{}, fmt.Errorf("data: apply: %w", err)
	}
	return sum, nil
}

// applyInTransaction is Apply for any changes, statement by statement.
func (s *Store) applyInTransaction(ctx context.Context, changes []Change) (Summary, error) {
	var sum Summary
	err := s.write(ctx, func(tx *gorm.DB) error {
		sum = Summary{} // a retried transaction counts again
		if err := lockDevices(tx, changes); err != nil {
			return err
		}
		fresh, err := insertCallbacks(tx, changes)
		if err != nil {
			return err
		}
		var rows rowsOf
		for i, c := range changes {
			if !fresh[i] {
				sum.Replayed++
				continue
			}
			if err := applyChange(tx, c, &sum); err != nil {
				return fmt.Errorf("change %d: %w", i, err)
			}
			if err := rows.add(c); err != nil {
				return fmt.Errorf("change %d: %w", i, err)
			}
		}
		if err := markSeen(tx, rows.seen); err != nil {
			return err
		}
		if err := insertPhotos(tx, rows.photos); err != nil {
			return err
		}
		return insertPunches(tx, rows.punches, &sum)
	})
	return sum, err
}

// rowsOf gathers the devices seen, photos and punches of several changes, each with its device.
type rowsOf struct {
	seen    []deviceSeen
	photos  []Photo
	punches []Punch
}

// deviceSeen is what the changes tell about one device: the last time, serial number and label given.
type deviceSeen struct {
	id uint
	DeviceSeen
}

func (r *rowsOf) add(c Change) error {
	if s := c.Seen; s != nil {
		if c.DeviceID == 0 {
			return fmt.Errorf("seen: %w", errNoDevice)
		}
		i := slices.IndexFunc(r.seen, func(d deviceSeen) bool { return d.id == c.DeviceID })
		if i < 0 {
			i = len(r.seen)
			r.seen = append(r.seen, deviceSeen{id: c.DeviceID})
		}
		d := &r.seen[i]
		d.At = nowOr(s.At)
		d.SerialNumber = cmp.Or(s.SerialNumber, d.SerialNumber)
		d.LabelName = cmp.Or(s.LabelName, d.LabelName)
	}
	for _, p := range c.Photos {
		var err error
		if p.DeviceID, err = deviceOr(p.DeviceID, c.DeviceID); err != nil {
			return fmt.Errorf("photo %q: %w", p.Path, err)
		}
		r.photos = append(r.photos, p)
	}
	for _, p := range c.Punches {
		var err error
		if p.DeviceID, err = deviceOr(p.DeviceID, c.DeviceID); err != nil {
			return fmt.Errorf("punch %q: %w", p.UserID, err)
		}
		r.punches = append(r.punches, p)
	}
	return nil
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
	keys := lockKeys(changes)
	if len(keys) == 0 {
		return nil
	}
	if err := execSQL(tx, lockDevicesSQL, applyLock, keys); err != nil {
		return fmt.Errorf("lock devices %v: %w", keys, err)
	}
	return nil
}

// lockDevicesSQL takes the locks in the order of the sorted keys, in one statement.
const lockDevicesSQL = "SELECT pg_advisory_xact_lock(?, k) FROM unnest(?::int4[]) WITH ORDINALITY AS t(k, n) ORDER BY n"

// lockKeys are the ids of the devices changes write to, sorted.
func lockKeys(changes []Change) []int32 {
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
	keys := make([]int32, 0, len(ids))
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		keys = append(keys, int32(id))
	}
	return keys
}

// applyChange writes the parts of c that go to the users, templates and events tables.
func applyChange(tx *gorm.DB, c Change, sum *Summary) error {
	steps := []func() error{
		func() error { return upsertUser(tx, c.DeviceID, c.User, sum) },
		func() error { return upsertTemplates(tx, c, sum) },
		func() error { return deleteUser(tx, c.DeviceID, c.Deletion, sum) },
		func() error { return insertEvents(tx, c.DeviceID, c.Events) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
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

// insertCallbacks writes the callback rows of changes and reports, per change, whether to apply
// it: false for a change whose seq is stored already or repeats an earlier change's.
func insertCallbacks(tx *gorm.DB, changes []Change) ([]bool, error) {
	rows, at, fresh, err := callbackRows(changes)
	if err != nil || len(rows) == 0 {
		return fresh, err
	}
	if tx.Dialector.Name() != "postgres" {
		return fresh, insertNewCallbacks(tx, rows, at, fresh)
	}
	// PostgreSQL: another program's transaction may store a seq meanwhile; the rows say which they stored.
	q := newRowInsert(tx, "callbacks", callbackColumns, "seq", "seq")
	row := func(i int, args []any) []any { return callbackValues(args, &rows[i]) }
	if err := q.query(tx, len(rows), row, func(r *sql.Rows) error { return markFresh(r, at, fresh) }); err != nil {
		return nil, fmt.Errorf("callbacks: %w", err)
	}
	return fresh, nil
}

// markFresh reads one returned seq and marks its change fresh.
func markFresh(r interface{ Scan(...any) error }, at map[uint64]int, fresh []bool) error {
	var seq int64
	if err := r.Scan(&seq); err != nil {
		return err
	}
	fresh[at[uint64(seq)]] = true
	return nil
}

// callbackRows are the callback rows of changes to insert, each seq once; at maps a seq to its
// change. fresh is true already for the changes without a callback.
func callbackRows(changes []Change) (rows []Callback, at map[uint64]int, fresh []bool, err error) {
	fresh = make([]bool, len(changes))
	rows = make([]Callback, 0, len(changes))
	at = make(map[uint64]int, len(changes))
	for i, c := range changes {
		if c.Callback == nil {
			fresh[i] = true
			continue
		}
		cb := *c.Callback
		if cb.Seq == 0 {
			return nil, nil, nil, fmt.Errorf("change %d: callback: seq 0", i)
		}
		if _, ok := at[cb.Seq]; ok {
			continue
		}
		at[cb.Seq] = i
		cb.ID = 0
		if cb.DeviceID == 0 {
			cb.DeviceID = c.DeviceID
		}
		cb.ReceivedAt = nowOr(cb.ReceivedAt)
		rows = append(rows, cb)
	}
	return rows, at, fresh, nil
}

// insertNewCallbacks stores the rows whose seq the store does not have (SQLite, where this
// transaction is the only writer) and marks their changes fresh.
func insertNewCallbacks(tx *gorm.DB, rows []Callback, at map[uint64]int, fresh []bool) error {
	q := newRowInsert(tx, "callbacks", callbackColumns, "seq", "")
	_, err := q.execSQLite(tx, len(rows), func(i int, args []any) []any { return callbackValues(args, &rows[i]) },
		func(i int) { fresh[at[rows[i].Seq]] = true })
	if err != nil {
		return fmt.Errorf("callbacks: %w", err)
	}
	return nil
}

// markSeen updates the devices seen: last_seen, and the serial number and label when given.
func markSeen(tx *gorm.DB, seen []deviceSeen) error {
	if len(seen) == 0 {
		return nil
	}
	text, args := seenSQL(seen, tx.Dialector.Name() == "postgres")
	if err := execSQL(tx, text, args...); err != nil {
		return fmt.Errorf("seen: %w", err)
	}
	return nil
}

// seenSQL is the statement (with ? placeholders) that updates the devices seen.
func seenSQL(seen []deviceSeen, pg bool) (string, []any) {
	now := time.Now().UTC()
	if len(seen) == 1 {
		d := seen[0]
		set, args := "last_seen = ?, updated_at = ?", []any{d.At, now}
		if d.SerialNumber != "" {
			set, args = set+", serial_number = ?", append(args, d.SerialNumber)
		}
		if d.LabelName != "" {
			set, args = set+", label_name = ?", append(args, d.LabelName)
		}
		return "UPDATE devices SET " + set + " WHERE id = ?", append(args, int64(d.id))
	}
	// Several devices: one statement, their values in a VALUES list (columns column1 ... column4).
	row := "(?, ?, ?, ?)"
	if pg {
		row = "(?::bigint, ?::timestamptz, ?::text, ?::text)"
	}
	args := []any{now}
	rows := make([]string, len(seen))
	for i, d := range seen {
		rows[i] = row
		args = append(args, int64(d.id), d.At, d.SerialNumber, d.LabelName)
	}
	q := `UPDATE devices SET last_seen = v.column2, updated_at = ?,
serial_number = CASE WHEN v.column3 <> '' THEN v.column3 ELSE devices.serial_number END,
label_name = CASE WHEN v.column4 <> '' THEN v.column4 ELSE devices.label_name END
FROM (VALUES ` + strings.Join(rows, ", ") + `) AS v WHERE devices.id = v.column1`
	return q, args
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

// insertPunches writes punches that each carry their device.
func insertPunches(tx *gorm.DB, in []Punch, sum *Summary) error {
	if len(in) == 0 {
		return nil
	}
	all, rows := punchRows(in)
	now := time.Now().UTC()
	q := newPunchInsert(tx)
	added, err := q.exec(tx, len(rows), func(i int, args []any) []any { return punchValues(args, &rows[i], now) })
	if err != nil {
		return fmt.Errorf("punches: %w", err)
	}
	sum.NewPunches += int(added)
	sum.DuplicatePunches += len(all) - int(added)
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

// punchRows normalizes punches (instant, local wall clock) into all, and keeps in rows the first of
// each (device, user, instant): one INSERT must not hold a key twice.
func punchRows(in []Punch) (all, rows []Punch) {
	type key struct {
		device uint
		user   string
		utc    int64
	}
	all = make([]Punch, len(in)) // a copy: gorm writes ids back into what it inserts
	seen := make(map[key]bool, len(in))
	rows = make([]Punch, 0, len(in))
	for i, p := range in {
		p.ID, p.CreatedAt = 0, time.Time{}
		p.UTC = instant(p.UTC)
		p.Local, p.LocalDate = localWallClock(p.UTC, p.UTCOffset, p.Local, p.LocalDate)
		all[i] = p
		if k := (key{p.DeviceID, p.UserID, p.UTC.Unix()}); !seen[k] {
			seen[k] = true
			rows = append(rows, p)
		}
	}
	return all, rows
}

// insertPhotos writes photos that each carry their device.
func insertPhotos(tx *gorm.DB, in []Photo) error {
	if len(in) == 0 {
		return nil
	}
	rows := make([]Photo, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, p := range in {
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
	now := time.Now().UTC()
	q := newRowInsert(tx, "photos", photoColumns, "path", "")
	if _, err := q.exec(tx, len(rows), func(i int, args []any) []any { return photoValues(args, &rows[i], now) }); err != nil {
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
