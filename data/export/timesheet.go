package export

import (
	"context"
	"fmt"
	"strings"

	"github.com/camsdesk/camsdesk/data/timesheet"
)

// TimesheetColumns are the columns of a timesheet export.
var TimesheetColumns = []Column{
	{"Date", 11}, {"Device", 16}, {"User ID", 10}, {"Name", 24}, {"First in", 20}, {"Last out", 20},
	{"Worked hours", 13}, {"Worked", 8}, {"Punches", 9}, {"Late minutes", 13}, {"Early minutes", 14},
	{"Marks", 28}, {"Rule", 8},
}

// TimesheetCells is one day as cells under TimesheetColumns.
func TimesheetCells(d timesheet.Day) []any {
	var late, early any
	if d.Late > 0 {
		late = timesheet.Minutes(d.Late)
	}
	if d.Early > 0 {
		early = timesheet.Minutes(d.Early)
	}
	rule := "span"
	if d.Paired {
		rule = "pairs"
	}
	return []any{
		d.Date, d.DeviceName, d.UserID, d.Name(), d.FirstIn, d.LastOut,
		timesheet.Hours(d.Worked), timesheet.HoursMinutes(d.Worked), d.Punches, late, early, Marks(d), rule,
	}
}

// Marks says in words why a day is marked: "odd punches", "clock changed".
func Marks(d timesheet.Day) string {
	var m []string
	if d.Odd {
		m = append(m, "odd punches")
	}
	if d.DateModified {
		m = append(m, "clock changed")
	}
	return strings.Join(m, "; ")
}

// Timesheet writes the days in order; progress, when not nil, gets the count every thousand rows and at
// the end. w is not closed.
func Timesheet(ctx context.Context, w Writer, days []timesheet.Day, progress func(done int64)) error {
	for i, d := range days {
		if err := w.Row(TimesheetCells(d)...); err != nil {
			return fmt.Errorf("export: timesheet: %w", err)
		}
		if n := int64(i + 1); n%progressEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("export: timesheet: %w", err)
			}
			if progress != nil {
				progress(n)
			}
		}
	}
	if progress != nil {
		progress(int64(len(days)))
	}
	return nil
}
