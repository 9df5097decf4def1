package timesheet

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/camsdesk/camsdesk/data"
)

// DefaultDayStart is the hour before which a punch belongs to the previous working day.
const DefaultDayStart = "04:00"

// clockLayout is how shift times and the day start are written: 24-hour HH:MM.
const clockLayout = "15:04"

// Options select the report and set the rules it marks days by.
type Options struct {
	From, To   string        // working days, inclusive, data.DateLayout; both required
	DeviceID   uint          // 0: every device
	UserID     string        // "": every user
	ShiftStart string        // "09:00"; "" marks nobody late
	ShiftEnd   string        // "17:00"; "" marks nobody early
	Grace      time.Duration // first in up to ShiftStart+Grace is on time
	DayStart   string        // "" means DefaultDayStart
}

// Validate reports every problem with the options, joined.
func (o Options) Validate() error {
	_, err := o.rules()
	return err
}

// rules are Options parsed.
type rules struct {
	from, to   time.Time
	dayStart   time.Duration
	start, end time.Duration // since the working day's midnight; end > start
	hasStart   bool
	hasEnd     bool
	grace      time.Duration
}

func (o Options) rules() (rules, error) {
	var r rules
	var errs []error
	var err error
	if r.from, err = parseDate("from", o.From); err != nil {
		errs = append(errs, err)
	}
	if r.to, err = parseDate("to", o.To); err != nil {
		errs = append(errs, err)
	}
	if len(errs) == 0 && r.to.Before(r.from) {
		errs = append(errs, fmt.Errorf("timesheet: to date %s is before from date %s", o.To, o.From))
	}
	dayStart := o.DayStart
	if strings.TrimSpace(dayStart) == "" {
		dayStart = DefaultDayStart
	}
	if r.dayStart, err = ParseClock(dayStart); err != nil {
		errs = append(errs, fmt.Errorf("timesheet: day start: %w", err))
	}
	if strings.TrimSpace(o.ShiftStart) != "" {
		r.hasStart = true
		if r.start, err = ParseClock(o.ShiftStart); err != nil {
			errs = append(errs, fmt.Errorf("timesheet: shift start: %w", err))
		}
	}
	if strings.TrimSpace(o.ShiftEnd) != "" {
		r.hasEnd = true
		if r.end, err = ParseClock(o.ShiftEnd); err != nil {
			errs = append(errs, fmt.Errorf("timesheet: shift end: %w", err))
		}
	}
	if r.hasStart && r.hasEnd && r.end <= r.start {
		r.end += 24 * time.Hour // a night shift ends the next day
	}
	if o.Grace < 0 {
		errs = append(errs, fmt.Errorf("timesheet: grace %v is negative", o.Grace))
	}
	r.grace = o.Grace
	return r, errors.Join(errs...)
}

func parseDate(name, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("timesheet: give a %s date as YYYY-MM-DD", name)
	}
	d, err := time.Parse(data.DateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("timesheet: %s date %q is not YYYY-MM-DD", name, s)
	}
	return d, nil
}

// ParseClock reads a time of day "HH:MM" (24-hour) as the time since midnight.
func ParseClock(s string) (time.Duration, error) {
	t, err := time.Parse(clockLayout, strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day; write it as HH:MM on a 24-hour clock, e.g. \"09:00\"", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// HoursMinutes writes a duration as H:MM ("7:05"); negative durations get a minus sign.
func HoursMinutes(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	m := int64(d / time.Minute)
	return fmt.Sprintf("%s%d:%02d", sign, m/60, m%60)
}

// Minutes is a late or early amount in whole minutes, rounded up so that any lateness shows.
func Minutes(d time.Duration) int64 {
	return int64((d + time.Minute - 1) / time.Minute)
}

// Hours is a duration in hours rounded to two decimals, as payroll sheets take it.
func Hours(d time.Duration) float64 {
	return float64((d+18*time.Second)/(36*time.Second)) / 100
}
