package export

import (
	"context"
	"fmt"
	"strings"

	"github.com/camsdesk/camsdesk/data"
)

// PunchSource is what a punch export reads: *data.Store satisfies it.
type PunchSource interface {
	EachPunch(ctx context.Context, f data.PunchFilter, fn func(data.PunchRow) error) error
}

// PunchColumns are the columns of a punch export, in the punches screen's order plus the UTC instant.
var PunchColumns = []Column{
	{"Local time", 20}, {"Offset", 11}, {"User ID", 10}, {"Name", 24}, {"Type", 12}, {"Input", 12},
	{"Temperature", 12}, {"Mask", 6}, {"Device", 16}, {"Source", 10}, {"Photo", 30}, {"UTC", 21},
}

// PunchCells is one punch as cells under PunchColumns.
func PunchCells(p data.PunchRow) []any {
	var temperature, mask any
	if p.Temperature != nil {
		temperature = *p.Temperature
	}
	if p.FaceMask != nil {
		mask = YesNo(*p.FaceMask)
	}
	return []any{
		p.Local, OffsetText(p.UTCOffset), p.UserID, PersonName(p.FirstName, p.LastName), p.Type, p.InputType,
		temperature, mask, p.DeviceName, p.Source, p.PhotoPath, p.UTC.UTC().Format("2006-01-02T15:04:05Z"),
	}
}

// progressEvery is how many rows pass between progress reports.
const progressEvery = 1000

// Punches writes every punch f selects (Limit and Offset ignored), oldest first, and returns how many it
// wrote. progress, when not nil, is called every thousand rows and at the end with the count so far.
// It stops when ctx is cancelled; w is not closed.
func Punches(ctx context.Context, src PunchSource, f data.PunchFilter, w Writer, progress func(done int64)) (int64, error) {
	var n int64
	err := src.EachPunch(ctx, f, func(p data.PunchRow) error {
		if err := w.Row(PunchCells(p)...); err != nil {
			return err
		}
		n++
		if n%progressEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if progress != nil {
				progress(n)
			}
		}
		return nil
	})
	if progress != nil {
		progress(n)
	}
	if err != nil {
		return n, fmt.Errorf("export: punches: %w", err)
	}
	return n, nil
}

// OffsetText writes an offset in seconds as Cams does: "GMT +0530".
func OffsetText(seconds int) string {
	sign := '+'
	if seconds < 0 {
		sign, seconds = '-', -seconds
	}
	return fmt.Sprintf("GMT %c%02d%02d", sign, seconds/3600, seconds%3600/60)
}

// PersonName joins first and last name.
func PersonName(first, last string) string { return strings.TrimSpace(first + " " + last) }

// YesNo is how exports write a flag.
func YesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
