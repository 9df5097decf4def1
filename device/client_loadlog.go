package device

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// LoadLogWindow is the longest range one LoadLog request asks for ("at most about 30 days per request").
const LoadLogWindow = 30 * 24 * time.Hour

// maxPagesPerWindow stops a gateway that never stops answering with new pages.
const maxPagesPerWindow = 100000

// LoadProgress is reported after every page and at the end of every window.
type LoadProgress struct {
	Window, Windows        int // 1-based
	WindowStart, WindowEnd time.Time
	Page                   int // page within the window, 1-based
	PageRows               int
	WindowRows             int
	WindowTotal            int // ActualRowCount of the window, -1 when the gateway does not say
	Rows                   int // rows read so far in all windows
	// Done marks the report made when the window is read (also when it had no rows).
	Done bool
}

// LoadSummary is what a LoadLog read.
type LoadSummary struct {
	Windows int
	Pages   int
	Rows    int // rows read
	// Stored counts the rows the sink (LoadLog) or store (LoadLogBatched, LoadLogConverted: items) took.
	Stored int
	// OffsetIgnored is set when a page repeated the one before it: the gateway ignores OffSet, so a window may
	// have more rows than were read.
	OffsetIgnored bool
	Duration      time.Duration
}

// LoadLog reads the punches from from to to (inclusive, whole seconds) in windows of at most LoadLogWindow,
// following OffSet paging in each, and hands each page to sink. progress (may be nil) hears of every page and
// of every window's end.
//
// Paging, as live integrations do it: the first request has no OffSet; the next asks from the rows read so far
// in the window, or from the answer's OffSet when that is further (one integration reads it as the next offset).
// A window ends on an empty page, when ActualRowCount rows are read, when a page is shorter than the longest
// page seen, or when a page repeats the one before (the gateway ignores OffSet).
func (c *Client) LoadLog(ctx context.Context, from, to time.Time, progress func(LoadProgress), sink func([]PunchLog) error) (sum LoadSummary, err error) {
	started := time.Now()
	op, _ := Lookup("LoadLog")
	from, to = from.Truncate(time.Second), to.Truncate(time.Second)
	if to.Before(from) {
		return LoadSummary{}, &CallError{Kind: OutcomeInvalid, Op: op.Name, Cause: "the end of the range is before its start",
			Hint: "Give the earlier date first.", Err: &FieldError{Field: "to", Msg: "before from"}}
	}
	_, zone, err := c.settings()
	if err != nil {
		return LoadSummary{}, invalid(op.Name, err, "Correct the device settings.")
	}
	windows := splitWindows(from, to)
	sum.Windows = len(windows)
	defer func() { sum.Duration = time.Since(started) }()
	for i, w := range windows {
		pr := LoadProgress{Window: i + 1, Windows: len(windows), WindowStart: w[0], WindowEnd: w[1], WindowTotal: -1}
		if err := c.loadWindow(ctx, op, zone, &pr, &sum, progress, sink); err != nil {
			return sum, err
		}
		if progress != nil {
			pr.Done = true
			progress(pr)
		}
	}
	return sum, nil
}

// DefaultLoadBatch is the rows LoadLogBatched hands to store at once when it is given no size: on SQLite,
// 10,000 rows a transaction cost 14% less CPU than 2,000, and 7% more than 50,000 at 40% of the memory
// (docs/benchmarks.md).
// maxLoadBatch bounds the size it is given.
const (
	DefaultLoadBatch = 10000
	maxLoadBatch     = 50000
)

// loadQueue is how many full batches may wait for the store while the next one is read: reading is the fast
// side, so one keeps the store busy.
const loadQueue = 1

// errStoreFailed stops the reading when the store fails.
var errStoreFailed = errors.New("loadlog: the store failed")

// LoadLogBatched reads as LoadLog does while storing in step: rows are gathered into batches of at least
// batchRows (DefaultLoadBatch when 0 or less, at most 50,000) and handed to store on a goroutine of its own,
// so that the next pages are read while the last ones are stored. At most one batch waits, so memory stays
// bounded however long the range. store is called from that one goroutine, one batch at a time, and owns the
// slice. progress hears of pages as they are read, on the caller's goroutine.
//
// When store fails, reading stops and store's error is returned. When ctx ends, reading stops and the batches
// not yet handed to store are dropped: each store call is meant to be one transaction, so what is stored is
// whole batches, and loading the range again adds the rest. After a device error the rows read are stored.
// Summary.Stored counts the rows store took.
func (c *Client) LoadLogBatched(ctx context.Context, from, to time.Time, batchRows int, progress func(LoadProgress),
	store func([]PunchLog) error) (LoadSummary, error) {
	return LoadLogConverted(ctx, c, from, to, batchRows, progress, func(dst []PunchLog, rows []PunchLog) []PunchLog {
		return append(dst, rows...)
	}, store)
}

// LoadLogConverted is LoadLogBatched with each page turned into items of T by convert, which appends them to
// dst on the reading goroutine, so that the storing goroutine has only storing to do. Batches count items;
// Summary.Stored counts the items store took.
func LoadLogConverted[T any](ctx context.Context, c *Client, from, to time.Time, batchRows int, progress func(LoadProgress),
	convert func(dst []T, rows []PunchLog) []T, store func([]T) error) (LoadSummary, error) {
	started := time.Now()
	if batchRows <= 0 {
		batchRows = DefaultLoadBatch
	}
	batchRows = min(batchRows, maxLoadBatch)
	readCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	queue := make(chan []T, loadQueue)
	var (
		stored   int
		storeErr error
		done     = make(chan struct{})
	)
	go func() {
		defer close(done)
		for items := range queue {
			if storeErr != nil || readCtx.Err() != nil {
				continue // drop: the load is stopping
			}
			if err := store(items); err != nil {
				storeErr = fmt.Errorf("loadlog: storing %d rows after %d stored: %w", len(items), stored, err)
				stop(errStoreFailed)
				continue
			}
			stored += len(items)
		}
	}()

	var pending []T
	hand := func() error {
		select {
		case queue <- pending:
			pending = nil
			return nil
		case <-readCtx.Done():
			return context.Cause(readCtx)
		}
	}
	sum, err := c.LoadLog(readCtx, from, to, progress, func(rows []PunchLog) error {
		if pending == nil {
			pending = make([]T, 0, batchRows+len(rows))
		}
		pending = convert(pending, rows)
		if len(pending) < batchRows {
			return nil
		}
		return hand()
	})
	if len(pending) > 0 && readCtx.Err() == nil { // also after a device error: what was read is stored
		if herr := hand(); err == nil {
			err = herr
		}
	}
	close(queue)
	<-done
	sum.Stored, sum.Duration = stored, time.Since(started)
	switch {
	case storeErr != nil && ctx.Err() == nil:
		return sum, storeErr // the reader's error is then only the stop it caused
	case err != nil:
		return sum, err
	}
	return sum, storeErr
}

func splitWindows(from, to time.Time) [][2]time.Time {
	var out [][2]time.Time
	for s := from; !s.After(to); {
		e := s.Add(LoadLogWindow - time.Second)
		if e.After(to) {
			e = to
		}
		out = append(out, [2]time.Time{s, e})
		s = e.Add(time.Second)
	}
	return out
}

func (c *Client) loadWindow(ctx context.Context, op Operation, zone *time.Location, pr *LoadProgress, sum *LoadSummary,
	progress func(LoadProgress), sink func([]PunchLog) error) error {
	offset, longest := 0, 0
	var previous []PunchLog
	for page := 1; page <= maxPagesPerWindow; page++ {
		f := Filter{StartTime: FormatTime(pr.WindowStart, zone), EndTime: FormatTime(pr.WindowEnd, zone)}
		if page > 1 {
			f.OffSet = fmt.Sprint(offset)
		}
		res, err := c.SendRequest(ctx, op, Request{Load: &LoadRequest{PunchLog: &PunchLogQuery{Filter: f}}})
		if err != nil {
			return err
		}
		batch := res.Response.PunchLog
		if batch == nil || len(batch.Log) == 0 {
			return nil
		}
		if page > 1 && slices.Equal(batch.Log, previous) {
			sum.OffsetIgnored = true
			return nil
		}
		previous = append(previous[:0], batch.Log...) // a copy: sink may change its rows
		n := len(batch.Log)
		sum.Pages++
		sum.Rows += n
		if err := sink(batch.Log); err != nil {
			return fmt.Errorf("loadlog: storing page %d of window %d: %w", page, pr.Window, err)
		}
		sum.Stored += n
		pr.Page, pr.PageRows, pr.Rows = page, n, sum.Rows
		pr.WindowRows += n
		if batch.ActualRowCount.Valid && batch.ActualRowCount.Int() > 0 {
			pr.WindowTotal = batch.ActualRowCount.Int()
		}
		if progress != nil {
			progress(*pr)
		}
		longest = max(longest, n)
		switch {
		case pr.WindowTotal >= 0 && pr.WindowRows >= pr.WindowTotal:
			return nil
		case n < longest:
			return nil
		}
		offset += n
		if batch.OffSet.Valid && batch.OffSet.Int() > offset {
			offset = batch.OffSet.Int() // the gateway names the next offset
		}
	}
	return &CallError{Kind: OutcomeBadAnswer, Op: op.Name,
		Cause: fmt.Sprintf("the gateway kept sending new pages for window %d past page %d", pr.Window, maxPagesPerWindow),
		Hint:  "Load a shorter range; if it happens again, report it to Cams support."}
}

// LoadDeviceInformation asks the device for its information.
func (c *Client) LoadDeviceInformation(ctx context.Context) (*DeviceInformation, *Result, error) {
	op, _ := Lookup("LoadDeviceInformation")
	res, err := c.Send(ctx, op, nil)
	if err != nil {
		return nil, res, err
	}
	if res.Response.DeviceInformation == nil {
		return nil, res, &CallError{Kind: OutcomeBadAnswer, Op: op.Name, Cause: "the gateway's answer has no DeviceInformation",
			Hint: "The gateway accepted the call but sent nothing to show; try again, or check the device in API Monitor."}
	}
	return res.Response.DeviceInformation, res, nil
}
