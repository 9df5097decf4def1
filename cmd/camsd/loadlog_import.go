package main

import (
	"context"
	"sync"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/receiver"
)

// importer stores LoadLog batches for "camsd loadlog": convert runs on the reading goroutine, store on the
// one goroutine that LoadLogConverted gives it. The exchanges the client records while reading are queued and
// written by store too, between batches, so that the reader never waits for the store's single writer.
type importer struct {
	s    *session
	zone *time.Location
	ctx  context.Context

	stored    data.Summary
	skipped   int
	firstSkip error

	record    func(device.Exchange) // the session's recorder
	mu        sync.Mutex
	exchanges []device.Exchange
}

func newImporter(ctx context.Context, s *session, zone *time.Location) *importer {
	imp := &importer{s: s, zone: zone, ctx: ctx, record: s.client.OnExchange}
	if imp.record != nil {
		s.client.OnExchange = imp.queue
	}
	return imp
}

func (imp *importer) queue(ex device.Exchange) {
	imp.mu.Lock()
	imp.exchanges = append(imp.exchanges, ex)
	imp.mu.Unlock()
}

// flushExchanges writes the queued exchanges (the session's recorder writes even when the command is cancelled).
func (imp *importer) flushExchanges() {
	imp.mu.Lock()
	xs := imp.exchanges
	imp.exchanges = nil
	imp.mu.Unlock()
	for _, ex := range xs {
		imp.record(ex)
	}
}

// convert turns a page into punches, on the reading goroutine; unreadable rows are counted and skipped.
func (imp *importer) convert(dst []data.Punch, rows []device.PunchLog) []data.Punch {
	for _, l := range rows {
		p, err := receiver.PunchFromLog(imp.s.row.ID, l, imp.zone, data.SourceLoadLog)
		if err != nil {
			imp.skipped++
			if imp.firstSkip == nil {
				imp.firstSkip = err
			}
			continue
		}
		dst = append(dst, p)
	}
	return dst
}

// store applies one batch in one transaction, after the exchanges recorded since the last.
func (imp *importer) store(punches []data.Punch) error {
	imp.flushExchanges()
	sum, err := imp.s.store.Apply(imp.ctx, data.Change{DeviceID: imp.s.row.ID, Punches: punches})
	if err != nil {
		return err
	}
	imp.stored.NewPunches += sum.NewPunches
	imp.stored.DuplicatePunches += sum.DuplicatePunches
	return nil
}
