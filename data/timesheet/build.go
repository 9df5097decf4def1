package timesheet

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
)

// Source is what the report reads: *data.Store satisfies it.
type Source interface {
	EachPunchTime(ctx context.Context, f data.PunchFilter, fn func(data.PunchTime) error) error
	Names(ctx context.Context, deviceID uint, userID string) (data.Names, error)
	Events(ctx context.Context, f data.EventFilter) ([]data.Event, error)
}

// Day is one user's working day on one device.
type Day struct {
	DeviceID   uint
	DeviceName string
	UserID     string
	FirstName  string
	LastName   string
	Date       string // the working day, data.DateLayout

	FirstIn    string    // device-local wall clock of the first punch, data.LocalLayout
	LastOut    string    // of the last punch; "" when the day has one punch
	FirstInUTC time.Time // the same instants in UTC
	LastOutUTC time.Time

	Worked  time.Duration
	Paired  bool // Worked came from in/out pairs, else from last out − first in
	Punches int

	Odd          bool          // an odd number of punches: one is missing
	DateModified bool          // the device's clock was changed by hand that day
	Late         time.Duration // first in after the shift start (+grace), measured from the start; 0 when on time
	Early        time.Duration // last out before the shift end; 0 when not early
}

// Name is the user's first and last name as the device knows them.
func (d Day) Name() string { return strings.TrimSpace(d.FirstName + " " + d.LastName) }

// Marked reports whether the day needs a look: a missing punch or a changed clock.
func (d Day) Marked() bool { return d.Odd || d.DateModified }

// Report is the timesheet for Options: days by device, user id (numeric ids in numeric order) and date.
type Report struct {
	Options Options
	Days    []Day
	Punches int64 // punches in Days
}

// Build reads the punches of the working days From..To (plus the early hours of the day after To, which
// belong to To) and the DateModified events, and returns the report.
func Build(ctx context.Context, src Source, o Options) (*Report, error) {
	r, err := o.rules()
	if err != nil {
		return nil, err
	}
	open, err := readPunches(ctx, src, o, r)
	if err != nil {
		return nil, err
	}
	modified, err := dateModifiedDays(ctx, src, o.DeviceID, r)
	if err != nil {
		return nil, err
	}
	names, err := src.Names(ctx, o.DeviceID, o.UserID)
	if err != nil {
		return nil, fmt.Errorf("timesheet: %w", err)
	}
	finished := make([]*Day, 0, len(open)) // sorted as pointers: a Day is large to move
	for k, a := range open {
		d := a.finish(r, k.day)
		d.DateModified = modified[deviceDay{k.device, k.day}]
		d.DeviceName = names.Devices[k.device]
		n := names.Users[data.UserKey{DeviceID: k.device, UserID: k.user}]
		d.FirstName, d.LastName = n.First, n.Last
		finished = append(finished, &d)
	}
	slices.SortFunc(finished, compareDays)
	rep := &Report{Options: o, Days: make([]Day, len(finished))}
	for i, d := range finished {
		rep.Days[i] = *d
		rep.Punches += int64(d.Punches)
	}
	return rep, nil
}

// maxChunks bounds how many date ranges are read at once (the store has a few reader connections).
const maxChunks = 4

// readPunches folds the punches of the working days into accumulators. The days are split into
// contiguous ranges read side by side, one per CPU up to maxChunks; ranges never share a working day.
func readPunches(ctx context.Context, src Source, o Options, r rules) (map[dayKey]*accumulator, error) {
	first, last := dayNumber(r.from), dayNumber(r.to)
	n := int64(min(runtime.GOMAXPROCS(0), maxChunks))
	n = max(1, min(n, last-first+1))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		days map[dayKey]*accumulator
		err  error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	span := (last - first + 1 + n - 1) / n
	for i := range n {
		from, to := first+i*span, min(first+(i+1)*span-1, last)
		if from > to {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &results[i]
			res.days, res.err = readChunk(ctx, src, o, r, from, to)
			if res.err != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	var (
		all  map[dayKey]*accumulator
		errs []error
	)
	for _, res := range results {
		if res.err != nil {
			errs = append(errs, res.err)
			continue
		}
		if all == nil {
			all = res.days
			continue
		}
		maps.Copy(all, res.days)
	}
	if len(errs) > 0 { // the cause, not the cancellations it caused
		i := slices.IndexFunc(errs, func(err error) bool { return !errors.Is(err, context.Canceled) })
		return nil, fmt.Errorf("timesheet: %w", errs[max(i, 0)])
	}
	return all, nil
}

// readChunk reads the working days first..last (day numbers).
func readChunk(ctx context.Context, src Source, o Options, r rules, first, last int64) (map[dayKey]*accumulator, error) {
	to := last
	if r.dayStart > 0 {
		to++ // the early hours of the next date belong to last
	}
	f := data.PunchFilter{DeviceID: o.DeviceID, UserID: o.UserID, FromDate: dateOf(first), ToDate: dateOf(to)}
	days := map[dayKey]*accumulator{}
	var read int64
	err := src.EachPunchTime(ctx, f, func(p data.PunchTime) error {
		read++
		if read%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		wall := wallClock(p)
		day := dayNumber(wall.Add(-r.dayStart))
		if day < first || day > last {
			return nil
		}
		k := dayKey{p.DeviceID, p.UserID, day}
		a := days[k]
		if a == nil {
			a = &accumulator{day: Day{DeviceID: p.DeviceID, UserID: p.UserID, Date: dateOf(day)}}
			days[k] = a
		}
		a.add(p, wall)
		return nil
	})
	return days, err
}

type dayKey struct {
	device uint
	user   string
	day    int64
}

type deviceDay struct {
	device uint
	day    int64
}

// accumulator folds one day's punches, oldest first.
type accumulator struct {
	day                 Day
	firstWall, lastWall time.Time
	openAt              time.Time
	opened              bool
	paired              time.Duration
	hasIn, hasOut       bool
	unknown             bool
}

func (a *accumulator) add(p data.PunchTime, wall time.Time) {
	d := &a.day
	if d.Punches == 0 {
		d.FirstInUTC, a.firstWall = p.UTC, wall
	}
	d.LastOutUTC, a.lastWall = p.UTC, wall
	d.Punches++
	switch direction(p.Type) {
	case entering:
		a.hasIn = true
		if !a.opened {
			a.openAt, a.opened = p.UTC, true
		}
	case leaving:
		a.hasOut = true
		if a.opened {
			a.paired += p.UTC.Sub(a.openAt)
			a.opened = false
		}
	default:
		a.unknown = true
	}
}

func (a *accumulator) finish(r rules, day int64) Day {
	d := a.day
	d.Odd = d.Punches%2 == 1
	d.FirstIn = a.firstWall.Format(data.LocalLayout)
	if d.Punches >= 2 {
		d.LastOut = a.lastWall.Format(data.LocalLayout)
	} else {
		d.LastOutUTC = time.Time{}
	}
	switch {
	case a.hasIn && a.hasOut && !a.unknown:
		d.Worked, d.Paired = a.paired, true
	case d.Punches >= 2:
		d.Worked = d.LastOutUTC.Sub(d.FirstInUTC)
	}
	midnight := time.Unix(day*secondsPerDay, 0).UTC()
	if r.hasStart {
		if in := a.firstWall.Sub(midnight); in > r.start+r.grace {
			d.Late = in - r.start
		}
	}
	if r.hasEnd && d.Punches >= 2 {
		if out := a.lastWall.Sub(midnight); out < r.end {
			d.Early = r.end - out
		}
	}
	return d
}

type punchDirection int

const (
	unknownDirection punchDirection = iota
	entering
	leaving
)

// direction says whether a punch type starts or ends time at work (see the package doc).
func direction(t string) punchDirection {
	switch t { // the case the receiver stores, without folding
	case "CheckIn", "BreakIn", "OverTimeIn", "MealOut", "MealEnd":
		return entering
	case "CheckOut", "BreakOut", "OverTimeOut", "MealIn", "MealStart":
		return leaving
	}
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "checkin", "breakin", "overtimein", "mealout", "mealend":
		return entering
	case "checkout", "breakout", "overtimeout", "mealin", "mealstart":
		return leaving
	}
	return unknownDirection
}

const secondsPerDay = 24 * 60 * 60

// dayNumber counts days since 1970-01-01 of a wall clock held in UTC.
func dayNumber(wall time.Time) int64 {
	s := wall.Unix()
	if s < 0 {
		return (s - secondsPerDay + 1) / secondsPerDay
	}
	return s / secondsPerDay
}

func dateOf(day int64) string { return time.Unix(day*secondsPerDay, 0).UTC().Format(data.DateLayout) }

// wallClock is the punch's device-local wall clock as a time in UTC (no zone arithmetic on it).
func wallClock(p data.PunchTime) time.Time {
	if t, ok := data.ParseLocal(p.Local); ok {
		return t
	}
	if t, err := time.Parse(data.LocalLayout, p.Local); err == nil {
		return t
	}
	return p.UTC.Add(time.Duration(p.UTCOffset) * time.Second).UTC()
}

// eventPage is the page size of the DateModified read.
const eventPage = 1000

// dateModifiedDays returns the (device, working day) pairs with a DateModified event.
func dateModifiedDays(ctx context.Context, src Source, deviceID uint, r rules) (map[deviceDay]bool, error) {
	out := map[deviceDay]bool{}
	f := data.EventFilter{
		DeviceID: deviceID,
		Kind:     data.EventDateModified,
		FromDate: r.from.Format(data.DateLayout),
		ToDate:   r.to.AddDate(0, 0, 1).Format(data.DateLayout),
		Limit:    eventPage,
	}
	for {
		events, err := src.Events(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("timesheet: date modified events: %w", err)
		}
		for _, e := range events {
			out[deviceDay{e.DeviceID, eventDay(e, r.dayStart)}] = true
		}
		if len(events) < eventPage {
			return out, nil
		}
		f.Offset += len(events)
	}
}

// eventDay is the working day of an event: from its device-local OperationTime, else its local date.
func eventDay(e data.Event, dayStart time.Duration) int64 {
	if t, err := device.ParseTime(e.OperationTime, nil); err == nil {
		if wall, err := time.Parse(data.LocalLayout, t.Local); err == nil {
			return dayNumber(wall.Add(-dayStart))
		}
	}
	if d, err := time.Parse(data.DateLayout, e.LocalDate); err == nil {
		return dayNumber(d)
	}
	return dayNumber(e.UTC.Add(-dayStart))
}

func compareDays(a, b *Day) int {
	if c := strings.Compare(a.DeviceName, b.DeviceName); c != 0 {
		return c
	}
	if a.DeviceID != b.DeviceID {
		return compareUint(a.DeviceID, b.DeviceID)
	}
	if c := CompareUserIDs(a.UserID, b.UserID); c != 0 {
		return c
	}
	return strings.Compare(a.Date, b.Date)
}

func compareUint(a, b uint) int {
	if a < b {
		return -1
	}
	return 1
}

// CompareUserIDs orders numeric ids numerically ("2" before "10") and other ids as text.
func CompareUserIDs(a, b string) int {
	if allDigits(a) && allDigits(b) && len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
