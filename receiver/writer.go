package receiver

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/camsdesk/camsdesk/data"
)

// batch is a group of items journaled together.
type batch struct {
	items       []*item
	first, last uint64
	written     bool // in the journal file (durable once synced)
}

// journalLoop gathers queued callbacks and writes them to the journal. The batch goes to the applier as soon
// as it is written, and is synced meanwhile: one fsync per batch, overlapping the commit. A callback is
// answered when both are done.
func (r *Receiver) journalLoop() {
	defer close(r.applyq)
	for {
		it, ok := <-r.in
		if !ok {
			return
		}
		items, open := r.gather(it)
		recs := make([]record, len(items))
		for i, it := range items {
			recs[i] = it.rec
		}
		err := r.jr.Write(recs)
		b := &batch{items: items, first: recs[0].Seq, last: recs[len(recs)-1].Seq, written: err == nil}
		for i, it := range items {
			it.rec.Seq = recs[i].Seq
			it.rec.Body = nil // journaled; the outcome holds what is needed
		}
		if err == nil {
			r.written.set(b.last)
		}
		r.applyq <- b
		if err == nil {
			files := false
			for _, it := range items {
				files = files || (it.out != nil && it.out.files)
			}
			err = r.jr.Sync(files)
		}
		if err != nil {
			r.log.Error("journal write failed: these callbacks are kept only if the database takes them", "err", err, "count", len(items))
			r.stats.fail(err)
		}
		for _, it := range items {
			it.journaled.Store(err == nil)
			it.finish()
		}
		if !open {
			return
		}
	}
}

// gather takes first and whatever else is queued, up to MaxBatch, waiting at most MaxDelay for more.
// It reports false once the queue is closed.
func (r *Receiver) gather(first *item) ([]*item, bool) {
	items := []*item{first}
	var deadline <-chan time.Time
	if r.opts.MaxDelay > 0 {
		t := time.NewTimer(r.opts.MaxDelay)
		defer t.Stop()
		deadline = t.C
	}
	for len(items) < r.opts.MaxBatch {
		select {
		case it, ok := <-r.in:
			if !ok {
				return items, false
			}
			items = append(items, it)
			continue
		default:
		}
		if deadline == nil {
			break
		}
		select {
		case it, ok := <-r.in:
			if !ok {
				return items, false
			}
			items = append(items, it)
		case <-deadline:
			return items, true
		}
	}
	return items, true
}

// applier commits journaled callbacks to the store. Only its goroutine (and Start, before it runs) uses it.
type applier struct {
	r        *Receiver
	applied  uint64 // last seq known to be stored
	degraded bool
	retry    time.Duration
	retryAt  time.Time
	batches  int
}

// entry is one callback to store.
type entry struct {
	seq uint64
	out *outcome
	it  *item // nil when replayed from the journal
}

func (a *applier) loop() {
	r := a.r
	defer close(r.done)
	defer func() {
		if err := r.cblog.Flush(); err != nil {
			r.log.Error("callback log", "err", err)
		}
	}()
	for {
		var (
			b  *batch
			ok bool
		)
		if a.degraded {
			t := time.NewTimer(time.Until(a.retryAt))
			select {
			case b, ok = <-r.applyq:
				t.Stop()
			case <-t.C:
				a.tryRecover()
				continue
			}
		} else {
			b, ok = <-r.applyq
		}
		if !ok {
			if a.degraded {
				a.tryRecover()
			}
			return
		}
		bs, open := a.more(b)
		a.handle(bs)
		if !open {
			if a.degraded {
				a.tryRecover()
			}
			return
		}
	}
}

// more takes the batches already queued behind first, up to MaxBatch callbacks, so that one commit stores
// what arrived while the previous one ran. While more callbacks are on their way (being received, queued
// or journaled), it waits up to GroupWait for them, until the commit holds groupTarget. It reports false once
// the queue is closed.
func (a *applier) more(first *batch) (bs []*batch, open bool) {
	r := a.r
	bs = []*batch{first}
	n := a.take(first)
	var deadline <-chan time.Time
	for n < r.opts.MaxBatch {
		b, ok, got := a.receive(nil)
		if !got {
			if n >= groupTarget || r.opts.GroupWait < 0 || r.toApply.Load() <= 0 {
				return bs, true
			}
			if deadline == nil {
				t := time.NewTimer(r.opts.GroupWait)
				defer t.Stop()
				deadline = t.C
			}
			if b, ok, got = a.receive(deadline); !got {
				return bs, true
			}
		}
		if !ok {
			return bs, false
		}
		bs = append(bs, b)
		n += a.take(b)
	}
	return bs, true
}

// receive takes the next batch: at once when deadline is nil, else waiting until it fires. got is false
// when there was none; ok is false once the queue is closed.
func (a *applier) receive(deadline <-chan time.Time) (b *batch, ok, got bool) {
	if deadline == nil {
		select {
		case b, ok = <-a.r.applyq:
			return b, ok, true
		default:
			return nil, true, false
		}
	}
	select {
	case b, ok = <-a.r.applyq:
		return b, ok, true
	case <-deadline:
		return nil, true, false
	}
}

// take counts a batch as reached by the applier and returns its size.
func (a *applier) take(b *batch) int {
	a.r.toApply.Add(-int64(len(b.items)))
	return len(b.items)
}

func (a *applier) handle(bs []*batch) {
	r := a.r
	var entries []entry
	for _, b := range bs {
		switch {
		case b.written && b.last <= a.applied:
			// Already stored by a journal replay.
			release(b.items)
			continue
		case a.degraded:
			// Kept in the journal when it is durable there; the handler tells which were not.
			release(b.items)
			continue
		}
		for _, it := range b.items {
			entries = append(entries, entry{seq: it.rec.Seq, out: it.out, it: it})
		}
	}
	if a.degraded && !time.Now().Before(a.retryAt) {
		a.tryRecover()
	}
	if len(entries) == 0 {
		return
	}
	n, err := a.store(context.Background(), entries)
	if err != nil {
		a.degrade(err, entries[n].seq-1)
		for _, e := range entries[n:] {
			release([]*item{e.it})
		}
	}
	if a.batches++; a.batches%64 == 0 {
		if err := pruneJournal(journalDir(r), a.applied, r.opts.JournalKeep); err != nil {
			r.log.Warn("journal prune", "err", err)
		}
	}
}

// release finishes the applier's part of items.
func release(items []*item) {
	for _, it := range items {
		if it != nil {
			it.finish()
		}
	}
}

// store commits entries in one transaction; if that fails it stores them one by one, so that one bad
// callback cannot block the others. It returns how many were stored and, when the database failed, why.
func (a *applier) store(ctx context.Context, entries []entry) (int, error) {
	if len(entries) > 1 {
		changes, err := a.build(ctx, entries)
		if err == nil {
			var sum data.Summary
			if sum, err = a.r.store.Apply(ctx, changes...); err == nil {
				a.r.opts.Metrics.commit(len(entries))
				a.stored(entries, sum)
				return len(entries), nil
			}
		}
		a.r.log.Warn("batch not stored, storing its callbacks one by one", "err", err, "count", len(entries))
	}
	for i, e := range entries {
		if err := a.storeOne(ctx, e); err != nil {
			return i, err
		}
	}
	return len(entries), nil
}

func (a *applier) storeOne(ctx context.Context, e entry) error {
	one := []entry{e}
	changes, err := a.build(ctx, one)
	if err == nil {
		var sum data.Summary
		if sum, err = a.r.store.Apply(ctx, changes...); err == nil {
			a.r.opts.Metrics.commit(1)
			a.stored(one, sum)
			return nil
		}
	}
	// Either this callback cannot be stored or the database is down: try its journal row alone.
	o := e.out
	row := data.Change{Callback: &data.Callback{Seq: e.seq, ReceivedAt: o.received.UTC(), Kinds: strings.Join(o.kinds, ","),
		UserID: o.userID, OperationID: o.operationID, Result: data.ResultError,
		Reason: "not stored: " + err.Error(), Body: o.body}}
	if _, err2 := a.r.store.Apply(ctx, row); err2 != nil {
		return err2
	}
	a.r.log.Error("callback could not be stored; its journal row says why", "seq", e.seq, "err", err)
	o.result, o.reasons = data.ResultError, append(o.reasons, "not stored: "+err.Error())
	o.stgid = "" // nothing but the journal row was stored
	a.stored(one, data.Summary{})
	return nil
}

// build turns outcomes into changes: it resolves device ids, links attendance photos to their punches and
// marks the device as seen once per batch.
func (a *applier) build(ctx context.Context, entries []entry) ([]data.Change, error) {
	ids := make([]uint, len(entries))
	lastOf := map[uint]int{}
	seen := map[uint]data.DeviceSeen{} // per device: the latest time, serial number and label of the batch
	for i, e := range entries {
		if e.out.stgid == "" {
			continue
		}
		id, err := a.r.dir.deviceID(ctx, e.out.stgid, e.out.name)
		if err != nil {
			return nil, fmt.Errorf("device %q: %w", e.out.name, err)
		}
		ids[i] = id
		if e.out.stored() && e.out.seen != nil {
			lastOf[id] = i
			s := seen[id]
			s.At = e.out.seen.At
			s.SerialNumber = cmp.Or(e.out.seen.SerialNumber, s.SerialNumber)
			s.LabelName = cmp.Or(e.out.seen.LabelName, s.LabelName)
			seen[id] = s
		}
	}
	for i, e := range entries {
		if ids[i] != 0 && e.out.stored() && len(e.out.links) > 0 {
			if err := a.link(ctx, entries[:i], ids[:i], ids[i], e.out); err != nil {
				return nil, err
			}
		}
	}
	changes := make([]data.Change, 0, len(entries))
	for i, e := range entries {
		var s *data.DeviceSeen
		if last, ok := lastOf[ids[i]]; ok && ids[i] != 0 && last == i {
			merged := seen[ids[i]]
			s = &merged
		}
		changes = append(changes, e.out.changes(e.seq, ids[i], s)...)
	}
	return changes, nil
}

// link attaches attendance photos that came alone to their punch: one earlier in the batch, else the
// stored punch of the same user closest in time (within a minute) that has no photo yet.
func (a *applier) link(ctx context.Context, earlier []entry, earlierIDs []uint, id uint, o *outcome) error {
	for _, l := range o.links {
		if linkInBatch(earlier, earlierIDs, id, l) {
			continue
		}
		rows, err := a.r.store.Punches(ctx, data.PunchFilter{DeviceID: id, UserID: l.userID, FromDate: l.localDate, ToDate: l.localDate, Limit: 200})
		if err != nil {
			return fmt.Errorf("photo link: %w", err)
		}
		best, bestGap := -1, photoLinkWindow+1
		for i, p := range rows {
			if gap := absDuration(p.UTC.Sub(l.utc)); p.PhotoPath == "" && gap <= photoLinkWindow && gap < bestGap {
				best, bestGap = i, gap
			}
		}
		if best >= 0 {
			p := rows[best].Punch
			o.punches = append(o.punches, data.Punch{UserID: p.UserID, UTC: p.UTC, Local: p.Local, LocalDate: p.LocalDate,
				UTCOffset: p.UTCOffset, LogTime: p.LogTime, Type: p.Type, InputType: p.InputType, Source: p.Source, PhotoPath: l.path})
			o.linkPunches++
		}
	}
	o.links = nil
	return nil
}

func linkInBatch(earlier []entry, ids []uint, id uint, l photoLink) bool {
	for i := len(earlier) - 1; i >= 0; i-- {
		if ids[i] != id || !earlier[i].out.stored() {
			continue
		}
		ps := earlier[i].out.punches
		for k := range ps {
			if ps[k].UserID == l.userID && ps[k].PhotoPath == "" && absDuration(ps[k].UTC.Sub(l.utc)) <= photoLinkWindow {
				ps[k].PhotoPath = l.path
				return true
			}
		}
	}
	return false
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// stored runs once entries are committed: log lines, events, counters, and the waiting handlers.
func (a *applier) stored(entries []entry, sum data.Summary) {
	r := a.r
	newLeft := sum.NewPunches
	allNew := sum.DuplicatePunches == countLinks(entries)
	events := make([]Event, 0, len(entries))
	for _, e := range entries {
		o := e.out
		n := 0
		if o.stored() {
			n = len(o.punches) - o.linkPunches
			if !allNew {
				n = min(n, newLeft)
			}
			newLeft -= n
		}
		if e.seq > a.applied {
			a.applied = e.seq
		}
		kinds := strings.Join(o.kinds, ",")
		if err := r.cblog.Write(logLine(o.received, o.name, kinds, o.userID, o.result, o.reason())); err != nil {
			r.log.Error("callback log", "err", err)
		}
		r.stats.callback(o.received, o.name, o.result)
		r.opts.Metrics.stored(e.seq, o.kinds, o.result, n)
		if o.stored() && o.seen != nil {
			r.dir.sawSerial(o.seen.SerialNumber, o.stgid)
		}
		events = append(events, Event{Seq: e.seq, At: o.received, DeviceName: o.name, Kinds: o.kinds, UserID: o.userID,
			Result: o.result, Reason: o.reason(), NewPunches: n})
		if o.result == data.ResultRejected {
			r.log.Warn("callback rejected", "seq", e.seq, "device", o.name, "kind", kinds, "reason", o.reason())
		}
	}
	if err := r.cblog.Flush(); err != nil {
		r.log.Error("callback log", "err", err)
	}
	r.hub.publish(events)
	for _, e := range entries {
		if e.it != nil {
			e.it.stored.Store(true)
			e.it.finish()
		}
	}
}

func countLinks(entries []entry) int {
	n := 0
	for _, e := range entries {
		n += e.out.linkPunches
	}
	return n
}

// degrade switches to journal-only mode after the database failed; stored is the last seq it holds.
func (a *applier) degrade(err error, stored uint64) {
	r := a.r
	if !a.degraded {
		r.log.Error("database unavailable: callbacks are journaled and will be stored when it answers", "err", err)
		a.retry = defaultRetryMin
	} else {
		a.retry = min(a.retry*2, defaultRetryMax)
	}
	a.degraded = true
	a.applied = max(a.applied, stored)
	a.retryAt = time.Now().Add(a.retry)
	r.stats.fail(err)
	r.stats.update(func(s *Stats) { s.Pending = true })
}

func (a *applier) tryRecover() {
	if err := a.recover(context.Background()); err != nil {
		a.degrade(err, a.applied)
	}
}

// recover applies the journal entries the store does not have, up to what is durable now, and leaves
// journal-only mode.
func (a *applier) recover(ctx context.Context) error {
	r := a.r
	last, err := r.store.LastJournalSeq(ctx)
	if err != nil {
		return err
	}
	a.applied = max(a.applied, last)
	head := r.written.get()
	replayed := 0
	var chunk []entry
	flush := func() error {
		n, err := a.store(ctx, chunk)
		replayed += n
		chunk = chunk[:0]
		return err
	}
	err = readJournal(journalDir(r), last+1, head, func(rec record) error {
		chunk = append(chunk, entry{seq: rec.Seq, out: r.conv.safePrepare(rec)})
		if len(chunk) >= replayChunk {
			return flush()
		}
		return nil
	})
	if err == nil && len(chunk) > 0 {
		err = flush()
	}
	if replayed > 0 {
		r.log.Info("journal applied", "callbacks", replayed)
		r.stats.update(func(s *Stats) { s.Replayed += replayed })
	}
	if err != nil {
		return err
	}
	a.applied = max(a.applied, head)
	if a.degraded {
		r.log.Info("database available again")
	}
	a.degraded = false
	r.stats.update(func(s *Stats) { s.Pending = false })
	return nil
}

func journalDir(r *Receiver) string { return r.jr.dir }

// pruneJournal deletes the oldest applied segments while the journal is larger than keep.
func pruneJournal(dir string, applied uint64, keep int64) error {
	j := journal{dir: dir}
	return j.Prune(applied, keep)
}
