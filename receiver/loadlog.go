package receiver

import (
	"context"
	"sync"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
)

// LoadLogImport stores what a LoadLog reads, as punches of source loadlog deduplicated like callbacks. Pages
// are turned into punches on the reading goroutine and stored by another, Batch punches per commit, so that
// reading never waits for the store's single writer.
type LoadLogImport struct {
	Store    *data.Store
	DeviceID uint
	Zone     *time.Location // the device's, for LogTime without an offset
	Batch    int            // punches per commit; device.DefaultLoadBatch when 0
	// Stored, when set, is called with the summary of each commit, on the storing goroutine.
	Stored func(data.Summary)
}

// LoadLogResult is what an import read and stored.
type LoadLogResult struct {
	device.LoadSummary
	New, Duplicate int
	Skipped        int   // rows that could not be read as punches, not stored
	FirstSkip      error // why the first of them could not
}

// Run reads from..to with c and stores the punches. The exchanges c records meanwhile are held and recorded
// by the storing goroutine between commits, and before Run returns: c must not be used elsewhere while it runs.
func (imp LoadLogImport) Run(ctx context.Context, c *device.Client, from, to time.Time, progress func(device.LoadProgress)) (LoadLogResult, error) {
	var (
		res       LoadLogResult
		mu        sync.Mutex
		exchanges []device.Exchange
	)
	record := c.OnExchange
	if record != nil {
		c.OnExchange = func(ex device.Exchange) {
			mu.Lock()
			exchanges = append(exchanges, ex)
			mu.Unlock()
		}
		defer func() { c.OnExchange = record }()
	}
	flush := func() {
		mu.Lock()
		xs := exchanges
		exchanges = nil
		mu.Unlock()
		for _, ex := range xs {
			record(ex)
		}
	}
	convert := func(dst []data.Punch, rows []device.PunchLog) []data.Punch {
		for _, l := range rows {
			p, err := PunchFromLog(imp.DeviceID, l, imp.Zone, data.SourceLoadLog)
			if err != nil {
				res.Skipped++
				if res.FirstSkip == nil {
					res.FirstSkip = err
				}
				continue
			}
			dst = append(dst, p)
		}
		return dst
	}
	store := func(punches []data.Punch) error {
		flush()
		sum, err := imp.Store.Apply(ctx, data.Change{DeviceID: imp.DeviceID, Punches: punches})
		if err != nil {
			return err
		}
		res.New += sum.NewPunches
		res.Duplicate += sum.DuplicatePunches
		if imp.Stored != nil {
			imp.Stored(sum)
		}
		return nil
	}
	sum, err := device.LoadLogConverted(ctx, c, from, to, imp.Batch, progress, convert, store)
	flush()
	res.LoadSummary = sum
	return res, err
}
