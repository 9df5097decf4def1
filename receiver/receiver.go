// Package receiver is the callback receiver: an http.Handler for POST /callback that journals every body,
// decodes it with package device, stores it through data.Store and answers {"status":"done"}.
//
// Writes go through one pipeline: handlers decode in parallel and queue; a journal goroutine appends each
// group of bodies to the journal with one fsync; an apply goroutine commits the group with one Store.Apply
// and only then releases the waiting handlers. When the database is unavailable, handlers are answered once
// their bodies are in the journal, and the journal is applied when the database is back (or on next start).
package receiver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
)

// MaxBody is the largest callback body accepted; larger bodies are refused (still answered done) and logged.
const MaxBody = 16 << 20

// JournalDir is the journal's folder in the data dir.
const JournalDir = "journal"

// Defaults of Options.
const (
	DefaultMaxBatch     = 512
	DefaultMaxDelay     = 0
	DefaultGroupWait    = 2 * time.Millisecond
	groupTarget         = 32
	DefaultJournalKeep  = 256 << 20
	DefaultLogMaxSize   = 10 << 20
	DefaultLogKeep      = 5
	defaultSegmentSize  = 64 << 20
	defaultReplyTimeout = 25 * time.Second
	defaultQueue        = 4096
	defaultRetryMin     = 250 * time.Millisecond
	defaultRetryMax     = 10 * time.Second
	replayChunk         = 512
	photoLinkWindow     = 60 * time.Second
)

// Options configure a Receiver.
type Options struct {
	Store   *data.Store
	DataDir string
	// Profiles returns the configured devices. It is called for every callback and must be safe for
	// concurrent use; the desktop app edits profiles while the receiver runs.
	Profiles func() []device.Profile
	Logger   *slog.Logger
	// MaxBatch is the most callbacks committed together (DefaultMaxBatch when 0).
	MaxBatch int
	// MaxDelay is how long the journal goroutine waits for more callbacks once it has one (0: it takes
	// whatever is queued and goes; commits then group naturally while the previous one runs).
	MaxDelay time.Duration
	// GroupWait is how long a commit of fewer than 32 callbacks waits for more that are already on their
	// way (being received, queued or journaled): fewer, larger commits cost less per callback. DefaultGroupWait when
	// 0; negative: never wait. A commit holding every callback received so far never waits.
	GroupWait time.Duration
	// JournalKeep is how many bytes of applied journal segments to keep (DefaultJournalKeep when 0).
	JournalKeep int64
	// LogMaxSize and LogKeep rotate cams-callbacks.log (DefaultLogMaxSize, DefaultLogKeep when 0).
	LogMaxSize int64
	LogKeep    int
	// Routes are extra routes for Handler, by pattern ("POST /api/send").
	Routes map[string]http.Handler
	// Metrics, when set, counts the stored callbacks and reads the journal backlog.
	Metrics *Metrics
}

// Receiver receives, journals and stores callbacks.
type Receiver struct {
	opts  Options
	store *data.Store
	log   *slog.Logger
	conv  *converter
	dir   *directory
	hub   hub
	stats stats

	jr      *journal
	lock    *os.File
	cblog   *callbackLog
	written syncSeq // last seq written to the journal

	mu      sync.RWMutex // guards closed and sends on in
	closed  bool
	started bool
	in      chan *item
	toApply atomic.Int64 // callbacks being received, queued or journaled: not yet taken by the applier
	applyq  chan *batch
	done    chan struct{}

	ap applier
}

// New prepares a receiver: it opens the journal and the callback log. Start begins receiving.
func New(opts Options) (*Receiver, error) {
	if opts.Store == nil {
		return nil, errors.New("receiver: no store")
	}
	if opts.DataDir == "" {
		return nil, errors.New("receiver: no data dir")
	}
	if opts.Profiles == nil {
		return nil, errors.New("receiver: no device profiles")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	if opts.GroupWait == 0 {
		opts.GroupWait = DefaultGroupWait
	}
	if opts.JournalKeep <= 0 {
		opts.JournalKeep = DefaultJournalKeep
	}
	if opts.LogMaxSize <= 0 {
		opts.LogMaxSize = DefaultLogMaxSize
	}
	if opts.LogKeep <= 0 {
		opts.LogKeep = DefaultLogKeep
	}
	log := opts.Logger.With("component", "receiver")
	lock, err := lockJournal(filepath.Join(opts.DataDir, JournalDir))
	if err != nil {
		return nil, fmt.Errorf("receiver: %w", err)
	}
	jr, cut, err := openJournal(filepath.Join(opts.DataDir, JournalDir), defaultSegmentSize)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("receiver: %w", err)
	}
	if cut > 0 {
		log.Warn("journal: cut a torn record at the end (written while the program stopped, never acknowledged)", "bytes", cut)
	}
	cblog, err := openCallbackLog(opts.DataDir, opts.LogMaxSize, opts.LogKeep)
	if err != nil {
		jr.Close()
		lock.Close()
		return nil, fmt.Errorf("receiver: %w", err)
	}
	dir := newDirectory(opts.Profiles, opts.Store)
	r := &Receiver{
		opts:   opts,
		store:  opts.Store,
		log:    log,
		dir:    dir,
		conv:   &converter{dataDir: opts.DataDir, dir: dir, log: log},
		jr:     jr,
		lock:   lock,
		cblog:  cblog,
		in:     make(chan *item, defaultQueue),
		applyq: make(chan *batch, 256),
		done:   make(chan struct{}),
	}
	r.written.set(jr.LastSeq())
	r.ap.r = r
	opts.Metrics.attach(r)
	return r, nil
}

// Start applies the journal entries the store does not have yet, then starts the writer. If the database
// is unavailable it still starts: callbacks are journaled and applied once the database answers.
func (r *Receiver) Start(ctx context.Context) error {
	r.mu.Lock()
	if r.started || r.closed {
		r.mu.Unlock()
		return errors.New("receiver: already started")
	}
	r.started = true
	r.mu.Unlock()

	last, err := r.store.LastJournalSeq(ctx)
	if err != nil && r.jr.LastSeq() == 0 {
		// Without the journal or the store, seqs could repeat ones already stored (and be skipped).
		return fmt.Errorf("receiver: cannot number callbacks: the journal is empty and %w", err)
	}
	r.jr.SetNext(last + 1)
	r.written.set(r.jr.LastSeq())
	if err := r.dir.load(ctx); err != nil {
		r.log.Warn("device serial numbers not loaded", "err", err)
	}
	if n, err := r.store.CallbacksSince(ctx, midnight(time.Now())); err == nil {
		r.stats.mu.Lock()
		r.stats.s.Today, r.stats.day = int(n), time.Now().Format("2006-01-02")
		r.stats.mu.Unlock()
	}
	if err := r.ap.recover(ctx); err != nil {
		r.ap.degrade(err, 0)
	}
	go r.journalLoop()
	go r.ap.loop()
	return nil
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// Close stops taking callbacks and waits until every queued one is journaled and applied (or ctx ends).
// Stop the HTTP server first so that no handler is still submitting.
func (r *Receiver) Close(ctx context.Context) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	started := r.started
	close(r.in)
	r.mu.Unlock()
	if started {
		select {
		case <-r.done:
		case <-ctx.Done():
			return fmt.Errorf("receiver: close: %w", ctx.Err())
		}
	}
	var errs []error
	if err := r.jr.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := r.cblog.Close(); err != nil {
		errs = append(errs, err)
	}
	r.lock.Close()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("receiver: close: %w", err)
	}
	return nil
}

// syncSeq is a seq shared between the goroutines.
type syncSeq struct {
	mu sync.Mutex
	v  uint64
}

func (s *syncSeq) set(v uint64) {
	s.mu.Lock()
	if v > s.v {
		s.v = v
	}
	s.mu.Unlock()
}

func (s *syncSeq) get() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v
}
