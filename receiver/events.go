package receiver

import (
	"sync"
	"time"
)

// Event tells subscribers about one stored callback.
type Event struct {
	Seq        uint64
	At         time.Time // when it was received
	DeviceName string    // "" when the device was not resolved
	Kinds      []string  // e.g. ["PunchLog", "Log"]
	UserID     string
	Result     string // data.ResultAccepted, ResultRejected or ResultError
	Reason     string
	NewPunches int
}

// hub fans events out to subscribers without ever blocking the writer: a full subscriber misses events.
type hub struct {
	mu   sync.Mutex
	next int
	subs map[int]*subscriber
}

type subscriber struct {
	ch      chan Event
	dropped int
}

// Subscribe returns a channel of events with the given buffer and a function that ends the subscription
// and closes the channel. A subscriber that does not keep up misses events rather than slowing the receiver.
func (r *Receiver) Subscribe(buffer int) (<-chan Event, func()) {
	return r.hub.subscribe(buffer)
}

func (h *hub) subscribe(buffer int) (<-chan Event, func()) {
	if buffer < 1 {
		buffer = 1
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = map[int]*subscriber{}
	}
	id := h.next
	h.next++
	s := &subscriber{ch: make(chan Event, buffer)}
	h.subs[id] = s
	var once sync.Once
	return s.ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, id)
			h.mu.Unlock()
			close(s.ch)
		})
	}
}

func (h *hub) publish(events []Event) {
	if len(events) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.subs {
		for _, e := range events {
			select {
			case s.ch <- e:
			default:
				s.dropped++
			}
		}
	}
}

// Stats is the receiver's state for a status bar.
type Stats struct {
	Today         int       // callbacks received since local midnight
	RejectedToday int       // of which rejected
	LastCallback  time.Time // zero when none yet
	LastDevice    string
	LastError     string // the last internal error, "" when none
	LastErrorAt   time.Time
	Pending       bool // the database is unavailable: callbacks are journaled and applied when it is back
	Replayed      int  // journal entries applied at start and after an outage
}

type stats struct {
	mu  sync.Mutex
	day string
	s   Stats
}

func (st *stats) callback(at time.Time, device, result string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	day := at.Local().Format("2006-01-02")
	if day != st.day {
		st.day, st.s.Today, st.s.RejectedToday = day, 0, 0
	}
	st.s.Today++
	if result == "rejected" {
		st.s.RejectedToday++
	}
	if at.After(st.s.LastCallback) {
		st.s.LastCallback, st.s.LastDevice = at, device
	}
}

func (st *stats) fail(err error) {
	st.mu.Lock()
	st.s.LastError, st.s.LastErrorAt = err.Error(), time.Now()
	st.mu.Unlock()
}

func (st *stats) update(fn func(*Stats)) {
	st.mu.Lock()
	fn(&st.s)
	st.mu.Unlock()
}

// Stats returns a snapshot of the receiver's counters.
func (r *Receiver) Stats() Stats {
	r.stats.mu.Lock()
	defer r.stats.mu.Unlock()
	s := r.stats.s
	if r.stats.day != time.Now().Format("2006-01-02") {
		s.Today, s.RejectedToday = 0, 0
	}
	return s
}
